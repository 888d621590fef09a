"""How sure the bot is that the best passage answers: ``answer``, ``related`` or
``no_answer``.

Evidence is the coverage of the best passages (the IDF-weighted share of the
question's terms it holds) and whether it lacks something the question names
(a name, a Latin word, a number: "NIPS 2018" answered by the ICML venue is a
confident wrong answer), or what the question asks for (a number for "몇 명", a
name for "누가", a reason for "왜": ``bot.search.quote.answer_type``); and whether
another candidate holds as much of the question (a tie is only related).
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.search.quote import answer_type
from bot.search.rank import Hit

# At or above: the passage answers. Below RELATED: nothing in the articles is close.
CONFIDENT = 0.6
# Close enough to show as "가장 가까운 문단": a candidate holding half of the question,
# or this many of its strong terms (a long chatty question covers little of itself even
# where it is answered; "점심 메뉴 추천" shares one word with a passage, and that is not close).
RELATED = 0.5
RELATED_TERMS = 2
# A second candidate as sure as the first and within this share of its score ties with it.
TIED_SCORE = 0.9
# Candidates looked at for "related".
RELATED_DEPTH = 3


def confident(hit: Hit, question: str) -> bool:
    """The passage answers the question (the same rule for the first and the others).
    A how-many question is answered only by a passage that holds a number, a who-question
    by one that names someone, and so on (``answer_type``)."""
    if hit.assurance < CONFIDENT or hit.missing_specific:
        return False
    wanted = answer_type(question)
    return wanted is None or wanted in hit.gives


def judge(hits: Sequence[Hit], question: str) -> str:
    """``answer``, ``related`` (show the closest, labelled uncertain) or ``no_answer``."""
    if not hits:
        return "no_answer"
    # Another candidate holding as much of the question, scored about as high: the
    # question's words do not tell the two apart.
    tied = (
        len(hits) > 1
        and hits[1].assurance >= hits[0].assurance - 1e-9
        and hits[1].score >= TIED_SCORE * hits[0].score
    )
    if confident(hits[0], question) and not tied:
        return "answer"
    if any(h.coverage >= RELATED or h.salient >= RELATED_TERMS for h in hits[:RELATED_DEPTH]):
        return "related"
    return "no_answer"

"""Follow-ups: a message read together with what the bot last answered in the same conversation.

Transport-neutral: the console and Slack both call ``Conversation.reply`` with the
conversation's last ``ThreadContext`` and render the ``Turn`` it returns. The rules
are general, not tuned to single questions:

- *next*: asks for another passage (``다른 거는?``, ``더 보여줘``, ``두 번째는?``) and
  names no topic of its own → the next (or the named) candidate of the last search;
- *sources*: asks for links, sources or titles (``링크 줘``, ``출처는?``,
  ``논문 제목은?``) and names no topic → the footnotes of the passage last shown;
- *context*: refers back (a demonstrative such as ``그건``, ``이 논문``, ``거기``) or
  is too short to stand alone (at most one topic word: ``왜?``, ``저자는?``) → searched
  with the earlier question as ``context`` (its terms weigh less);
- anything else is a new question, answered on its own.

Without an earlier answer every message is a new question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Protocol

from bot.answer import Answer, Answerer, Result, clean_question
from bot.corpus import Footnote
from bot.messages import source_line
from bot.store.records import ThreadContext

NEW = "new"
CONTEXT = "context"
NEXT = "next"
SOURCES = "sources"
MAX_TOPIC_CHARS = 300

_ORDINALS = {"첫": 0, "두": 1, "세": 2, "네": 3, "다섯": 4, "여섯": 5, "일곱": 6, "여덟": 7}
_ORDINAL_RE = re.compile(r"(첫|두|세|네|다섯|여섯|일곱|여덟|[1-9])\s*(?:번째|번\s*째|번)")
_NEXT_RE = re.compile(
    r"다른\s*(?:거|것|건|게|걸|문단|답|데|내용|결과)|딴\s*(?:거|것|건|게)|다음"
    r"|(?:더|또)\s*(?:보여|알려|있|없|줘|주세요)|하나\s*더|계속|next|more",
    re.IGNORECASE,
)
_SOURCE_RE = re.compile(
    r"링크|출처|제목|주소|원문|레퍼런스|참고\s*문헌|논문\s*(?:이름|명)|url|doi|reference|source",
    re.IGNORECASE,
)
# A demonstrative that points back: "그건", "이 논문", "거기", "그분", …
_ANAPHOR_RE = re.compile(
    r"(?:^|\s)(?:(?:그|이|저)(?:건|거|게|걸|것|분|들|녀|때|곳|쪽|런|렇)|(?:그|이|저)\s+\S"
    r"|거기|여기|저기|걔|얘|해당|위의|앞의|아까)"
)
# A short message reads as a question when it has a question mark, a question word, or
# ends on a topic particle ("저자는", "이유는"): the elliptical way to ask about the same thing.
_QUESTION_RE = re.compile(
    r"\?|누가|누구|언제|어디|왜|어떻게|어떤|무엇|뭐|뭔|무슨|몇|얼마|어느|(?:은|는)$"
)
# Words that say "another one" / "the source" rather than naming a topic.
_NEXT_WORDS = frozenset(
    "보이 보여주 문단 답 답변 번째 번 째 다음 다르 하나 계속 딴 내용 결과 더 또 아까 첫 두 세 네 "
    "다섯 여섯 일곱 여덟 next more".split()
)
_SOURCE_WORDS = frozenset(
    "링크 출처 제목 주소 원문 레퍼런스 참고 문헌 논문 글 기사 이름 명 아까 자료 읽 찾 보 "
    "알려주 url doi reference source paper title link".split()
)


@dataclass(frozen=True, slots=True)
class Turn:
    """The bot's reply to one message, and what the conversation remembers after it.

    ``kind``: ``new`` | ``context`` | ``next`` | ``sources``. For ``new``, ``context``
    and ``next``, ``answer`` holds the search and ``position`` the candidate to show
    (``answer`` is None for ``next`` when there is nothing more to show). For
    ``sources``, ``footnotes`` and ``source`` describe the passage last shown
    (``source`` is None when no passage was shown). ``state`` is the thread's new
    context (None: keep the old one).
    """

    question: str
    kind: str
    answer: Answer | None = None
    position: int = 0
    context: str | None = None
    footnotes: tuple[Footnote, ...] = ()
    source: str | None = None
    state: ThreadContext | None = None

    @property
    def status(self) -> str:
        """What the log records: the answer's status, or what kind of follow-up it was."""
        if self.kind == SOURCES:
            return SOURCES
        if self.answer is None:
            return "no_more"
        return self.answer.status

    @property
    def shown(self) -> Result | None:
        """The passage this turn shows, if any."""
        if self.answer is None:
            return None
        found = candidates(self.answer)
        return found[self.position] if self.position < len(found) else None


def candidates(answer: Answer) -> tuple[Result, ...]:
    """The passages a reader can step through, best first (what Slack's buttons cycle)."""
    if answer.status in ("help", "no_answer") or not answer.results:
        return ()
    return (answer.results[0], *answer.others)


@dataclass(frozen=True, slots=True)
class Reading:
    """How a message relates to the conversation: its kind and, for *next*, the position."""

    kind: str
    position: int | None = None


def _bare(text: str) -> str:
    return clean_question(text).strip(" ?!.~…")


def read_message(text: str, terms: tuple[str, ...], weak: frozenset[str]) -> Reading:
    """Classify a message that follows an answer (``terms``/``weak`` from the tokenizer)."""
    bare = _bare(text)
    topic = {t for t in terms if t not in weak}
    ordinal = _ORDINAL_RE.search(bare)
    numbers = {t for t in topic if t.isdigit()} if ordinal else set()
    if (ordinal or _NEXT_RE.search(bare)) and not topic - _NEXT_WORDS - numbers:
        if ordinal:
            word = ordinal.group(1)
            return Reading(NEXT, _ORDINALS.get(word, int(word) - 1 if word.isdigit() else 0))
        return Reading(NEXT)
    if _SOURCE_RE.search(bare) and not topic - _SOURCE_WORDS:
        return Reading(SOURCES)
    if _ANAPHOR_RE.search(bare):
        return Reading(CONTEXT)
    asked = clean_question(text).strip()
    if len(topic) <= 1 and _QUESTION_RE.search(asked.rstrip("!.~… ")):
        return Reading(CONTEXT)
    return Reading(NEW)


class _Live(Protocol):
    """An answerer that may be swapped under us (``bot.reload.LiveAnswerer``)."""

    @property
    def current(self) -> Answerer: ...

    def answer(self, question: str, **kwargs: Any) -> Answer: ...


class Conversation:
    """Answers one message given the conversation's last context; holds no state itself."""

    def __init__(self, answerer: Answerer | _Live, *, k: int | None = None) -> None:
        self.answerer = answerer
        self.k = k

    def _analyse(self, text: str) -> tuple[tuple[str, ...], frozenset[str]]:
        current = self.answerer if isinstance(self.answerer, Answerer) else self.answerer.current
        analysis = current.index.tokenizer.analyse(clean_question(text))
        return analysis.terms, analysis.weak

    def reply(self, question: str, previous: ThreadContext | None = None) -> Turn:
        if previous is None:
            return self._search(question, NEW, context=None, topic=question)
        terms, weak = self._analyse(question)
        reading = read_message(question, terms, weak)
        if reading.kind == NEXT:
            return self._next(question, previous, reading.position)
        if reading.kind == SOURCES:
            return Turn(
                question,
                SOURCES,
                footnotes=previous.footnotes,
                source=previous.source,
            )
        if reading.kind == CONTEXT and previous.topic:
            topic = f"{previous.topic} {question}"[-MAX_TOPIC_CHARS:]
            return self._search(question, CONTEXT, context=previous.topic, topic=topic)
        return self._search(question, NEW, context=None, topic=question)

    def _search(self, question: str, kind: str, *, context: str | None, topic: str) -> Turn:
        answer = self.answerer.answer(question, k=self.k, context=context)
        state = None
        if answer.status != "help":
            state = _state(answer, 0, question=question, context=context, topic=topic)
        return Turn(question, kind, answer, 0, context, state=state)

    def _next(self, question: str, previous: ThreadContext, position: int | None) -> Turn:
        answer = self.answerer.answer(previous.question, k=self.k, context=previous.context)
        found = candidates(answer)
        target = previous.position + 1 if position is None else position
        if target >= len(found):
            return Turn(question, NEXT, None, target, previous.context)
        state = _state(
            answer,
            target,
            question=previous.question,
            context=previous.context,
            topic=previous.topic,
        )
        return Turn(question, NEXT, answer, target, previous.context, state=state)


def _state(
    answer: Answer, position: int, *, question: str, context: str | None, topic: str
) -> ThreadContext:
    found = candidates(answer)
    shown = found[position] if position < len(found) else None
    return ThreadContext(
        question=question,
        context=context,
        topic=topic,
        status=answer.status,
        passage_ids=tuple(r.passage_id for r in found),
        position=position,
        footnotes=shown.footnotes if shown else (),
        source=source_line(shown) if shown else None,
    )

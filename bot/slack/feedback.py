"""👍/👎 on an answer: what a vote button carries, and the vote it becomes.

The button carries everything the vote records (question, the earlier question
it was read with, status, passage id and score, the position shown), so a click
is understood by any replica, even one that never saw the answer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from bot.answer import Answer, Result, clean_question

VALUE_LIMIT = 2000  # Slack's limit for a button value
UP, DOWN = 1, -1


@dataclass(frozen=True, slots=True)
class Rated:
    """The answer a vote is about."""

    question: str
    context: str | None
    position: int
    status: str
    passage_id: str
    score: float


def rated(answer: Answer, shown: Result, position: int, context: str | None) -> Rated:
    return Rated(
        question=clean_question(answer.query),
        context=clean_question(context) if context else None,
        position=position,
        status=answer.status,
        passage_id=shown.passage_id,
        score=round(shown.score, 4),
    )


def encode(item: Rated) -> str:
    """JSON for a button value; long questions are shortened to fit Slack's limit."""
    question, context = item.question, item.context

    def dump() -> str:
        data = {
            "q": question,
            "c": context,
            "i": item.position,
            "s": item.status,
            "p": item.passage_id,
            "r": item.score,
        }
        return json.dumps(data, ensure_ascii=False)

    value = dump()
    while len(value) > VALUE_LIMIT and (context or question):
        if context:
            context = context[: len(context) // 2] or None
        else:
            question = question[: len(question) // 2]
        value = dump()
    return value


def decode(value: str) -> Rated | None:
    """The rated answer a vote button carries, or None if the value is not ours."""
    try:
        data = json.loads(value)
        item = Rated(
            question=data["q"],
            context=data.get("c"),
            position=int(data["i"]),
            status=data["s"],
            passage_id=data["p"],
            score=float(data["r"]),
        )
    except (ValueError, KeyError, TypeError):
        return None
    strings = (item.question, item.status, item.passage_id)
    if not all(isinstance(s, str) for s in strings) or item.position < 0:
        return None
    if item.context is not None and not isinstance(item.context, str):
        return None
    return item

"""What a 👍/👎 button carries: what the vote records, within Slack's limit, nothing forged."""

from __future__ import annotations

import json

import pytest

from bot.answer import Answerer
from bot.slack import feedback


def test_round_trip_carries_what_the_vote_records(answerer: Answerer) -> None:
    answer = answerer.answer("<@U999> 베이지안 추론", context="중력파 검출")
    shown = answer.results[0]
    item = feedback.rated(answer, shown, 0, "중력파 검출")
    assert item.question == "베이지안 추론", "no mention syntax in a button"
    decoded = feedback.decode(feedback.encode(item))
    assert decoded == item
    assert decoded.passage_id == shown.passage_id and decoded.status == answer.status


def test_long_questions_fit_slacks_limit() -> None:
    item = feedback.Rated("가" * 1500, "나" * 1500, 1, "answer", "icml2018-p001", 1.5)
    value = feedback.encode(item)
    assert len(value) <= feedback.VALUE_LIMIT
    decoded = feedback.decode(value)
    assert decoded is not None and decoded.passage_id == "icml2018-p001"
    assert decoded.question.startswith("가")


@pytest.mark.parametrize(
    "value",
    [
        "",
        "not json",
        json.dumps({"q": "x"}),
        json.dumps({"q": 1, "c": None, "i": 0, "s": "answer", "p": "p", "r": 1.0}),
        json.dumps({"q": "x", "c": None, "i": -1, "s": "answer", "p": "p", "r": 1.0}),
        json.dumps({"q": "x", "c": ["x"], "i": 0, "s": "answer", "p": "p", "r": 1.0}),
        json.dumps({"q": "x", "c": None, "i": 0, "s": "answer", "p": "p", "r": "high"}),
    ],
)
def test_forged_values_are_refused(value: str) -> None:
    assert feedback.decode(value) is None

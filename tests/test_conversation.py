"""Follow-ups: how a message is read against the last answer, and the turns it produces.

The same ``Conversation`` serves the console and Slack; the console is driven here through
stdin of the real ``console`` process.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.answer import Answerer, clean_question
from bot.conversation import CONTEXT, NEW, NEXT, SOURCES, Conversation, read_message
from bot.search.tokenizer import Tokenizer

REPO = Path(__file__).resolve().parents[1]
FIRST = "학습된 인덱스 구조 논문 알려줘"
# Questions the articles answer with more than one passage (which ones depends on the search).
BROAD = ("베이지안 추론", "딥러닝 이론", "강화 학습", "공정한 머신러닝", "수학자의 역할", FIRST)


def broad_question(answerer: Answerer) -> str:
    """A question with several passages to step through."""
    for question in BROAD:
        answer = answerer.answer(question)
        if answer.results and answer.others:
            return question
    raise AssertionError(f"none of {BROAD} has more than one passage to show")


def reading(tokenizer: Tokenizer, text: str) -> tuple[str, int | None]:
    analysis = tokenizer.analyse(clean_question(text))
    found = read_message(text, analysis.terms, analysis.weak)
    return found.kind, found.position


@pytest.mark.parametrize(
    ("text", "kind", "position"),
    [
        ("그럼 두 번째는?", NEXT, 1),
        ("세 번째 문단 보여줘", NEXT, 2),
        ("2번째", NEXT, 1),
        ("다른 거는?", NEXT, None),
        ("더 보여줘", NEXT, None),
        ("링크 줘", SOURCES, None),
        ("출처는?", SOURCES, None),
        ("논문 제목은?", SOURCES, None),
        ("아까 그 논문 링크 줘", SOURCES, None),
        ("그건 누가 발표했어?", CONTEXT, None),
        ("이 논문 저자는 누구야?", CONTEXT, None),
        ("거기서 무슨 상 받았어?", CONTEXT, None),
        ("왜?", CONTEXT, None),
        ("저자는?", CONTEXT, None),
        ("누가 발표했어?", CONTEXT, None),
        ("ICML 2018은 어디서 열렸어?", NEW, None),
        ("학습된 인덱스 구조 논문 링크 알려줘", NEW, None),
        ("강화 학습 논문이 가장 많이 채택된 이유는?", NEW, None),
        ("수학자가 딥러닝에 기여할 수 있는 일은?", NEW, None),
        ("스톡홀름", NEW, None),
        ("고마워", NEW, None),
    ],
)
def test_how_a_follow_up_is_read(
    tokenizer: Tokenizer, text: str, kind: str, position: int | None
) -> None:
    assert reading(tokenizer, text) == (kind, position)


def test_without_an_earlier_answer_every_message_is_new(answerer: Answerer) -> None:
    turn = Conversation(answerer).reply("다른 거는?")
    assert turn.kind == NEW
    assert turn.answer is not None and turn.answer.query == "다른 거는?"


def test_next_steps_through_the_candidates_of_the_last_search(answerer: Answerer) -> None:
    conversation = Conversation(answerer)
    first = conversation.reply(broad_question(answerer))
    assert first.kind == NEW and first.answer is not None
    shown = [first.shown]
    state = first.state
    total = len([first.answer.results[0], *first.answer.others])
    assert total >= 2, "the test needs a question with several candidates"
    for step in range(1, total):
        turn = conversation.reply("다른 거는?", state)
        assert turn.kind == NEXT and turn.position == step
        assert turn.shown is not None and turn.shown not in shown
        shown.append(turn.shown)
        state = turn.state
    done = conversation.reply("더 보여줘", state)
    assert done.kind == NEXT and done.answer is None and done.state is None
    back = conversation.reply("첫 번째는?", state)
    assert back.shown == first.shown


def test_sources_come_from_the_passage_last_shown(answerer: Answerer) -> None:
    conversation = Conversation(answerer)
    first = conversation.reply(FIRST)
    assert first.shown is not None and first.shown.footnotes
    turn = conversation.reply("링크 줘", first.state)
    assert turn.kind == SOURCES
    assert turn.footnotes == first.shown.footnotes
    assert turn.source is not None and first.shown.article_title in turn.source
    assert turn.state is None, "the conversation stays on the same passage"


def test_a_short_question_is_read_with_the_earlier_one(answerer: Answerer) -> None:
    conversation = Conversation(answerer)
    first = conversation.reply(FIRST)
    turn = conversation.reply("그건 누가 발표했어?", first.state)
    assert turn.kind == CONTEXT
    assert turn.context == FIRST
    assert turn.answer is not None and turn.answer.query == "그건 누가 발표했어?"
    assert turn.state is not None and turn.state.context == FIRST
    again = conversation.reply("왜?", turn.state)
    assert again.kind == CONTEXT and again.context is not None
    assert FIRST in again.context and "그건 누가 발표했어?" in again.context


def test_a_full_new_question_is_answered_on_its_own(answerer: Answerer) -> None:
    conversation = Conversation(answerer)
    first = conversation.reply(FIRST)
    turn = conversation.reply("ICML 2018은 어디서 열렸어?", first.state)
    assert turn.kind == NEW and turn.context is None
    alone = answerer.answer("ICML 2018은 어디서 열렸어?")
    assert turn.shown == alone.results[0]
    assert turn.state is not None and turn.state.topic == "ICML 2018은 어디서 열렸어?"


def test_console_keeps_the_conversation_until_new(answerer: Answerer) -> None:
    lines = [broad_question(answerer), "링크 줘", "다른 거는?", ":new", "링크 줘", ":quit"]
    result = subprocess.run(
        [sys.executable, "-m", "bot", "console"],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Traceback" not in result.stderr
    blocks = out.split("질문> ") if "질문> " in out else out.split("\n\n")
    text = "\n".join(blocks)
    assert "앞 답변의 출처와 각주예요" in text
    assert "2번째로 가까운 문단이에요" in text
    assert "새 대화를 시작해요" in text
    after_new = text.split("새 대화를 시작해요", 1)[1]
    assert "앞 답변의 출처와 각주예요" not in after_new, "a fresh conversation has no sources"

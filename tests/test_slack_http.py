"""The Slack app through the real ``serve`` process: signed requests in, Web API calls out."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from slack_fake import (
    FakeSlackWebAPI,
    RecordedCall,
    app_mention_body,
    block_actions_form,
    dm_message_body,
    slash_command_form,
)
from slack_process import (
    BOT_TOKEN,
    SIGNING_SECRET,
    HttpBot,
    event_json,
    running_http_bot,
)

from bot.slack.render import ACTION_NEXT, ACTION_SHARE


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeSlackWebAPI]:
    with FakeSlackWebAPI() as api:
        yield api


@pytest.fixture(scope="module")
def bot(fake: FakeSlackWebAPI, tmp_path_factory: pytest.TempPathFactory) -> Iterator[HttpBot]:
    log_path = tmp_path_factory.mktemp("serve") / "bot.log"
    with running_http_bot(fake.base_url, log_path) as running:
        yield running


@pytest.fixture(autouse=True)
def _clean(fake: FakeSlackWebAPI) -> None:
    fake.reset()


def _blocks_text(call: RecordedCall) -> str:
    return json.dumps(call.params.get("blocks"), ensure_ascii=False)


def _sentinel(bot: HttpBot) -> Callable[[str], object]:
    """A DM question the bot answers in the given channel (see ``unexpected_calls``)."""
    return lambda channel: bot.post(event_json(dm_message_body("힐베르트 명언", channel=channel)))


def _posted(call: RecordedCall) -> bool:
    return call.method in ("chat.postMessage", "response_url", "chat.update")


def _any_call(call: RecordedCall) -> bool:
    return call.method != "auth.test"  # Bolt may check its token on the sentinel's behalf


def test_healthz(bot: HttpBot) -> None:
    status, body = bot.get("/healthz")
    assert status == 200
    assert json.loads(body)["status"] == "ok"
    assert bot.get("/nope")[0] == 404


def test_mention_is_answered_in_its_thread_within_a_second(
    bot: HttpBot, fake: FakeSlackWebAPI
) -> None:
    body = app_mention_body("<@UBOT> ICML 2018은 며칠 동안 개최됐어?")
    started = time.monotonic()
    assert bot.post(event_json(body))[0] == 200
    (call,) = fake.wait_for("chat.postMessage")
    assert time.monotonic() - started < 1.0
    assert call.params["channel"] == "C111"
    assert call.params["thread_ts"] == body["event"]["ts"]
    assert call.token == BOT_TOKEN
    blocks = _blocks_text(call)
    assert "스톡홀름(Stockholm)" in blocks
    assert "7월 10일부터 15일까지" in call.params["text"]


def test_mention_inside_a_thread_stays_in_that_thread(bot: HttpBot, fake: FakeSlackWebAPI) -> None:
    body = app_mention_body("<@UBOT> 학습된 인덱스 구조 논문", thread_ts="1700000000.000100")
    bot.post(event_json(body))
    (call,) = fake.wait_for("chat.postMessage")
    assert call.params["thread_ts"] == "1700000000.000100"
    assert "https://doi.org/10.1145/3183713.3196909" in _blocks_text(call)


def test_answer_links_its_footnotes(bot: HttpBot, fake: FakeSlackWebAPI) -> None:
    bot.post(event_json(app_mention_body("<@UBOT> ICML 일정표 링크")))
    (call,) = fake.wait_for("chat.postMessage")
    blocks = _blocks_text(call)
    link = "<https://icml.cc/Conferences/2018/Schedule|https://icml.cc/Conferences/2018/Schedule>"
    assert link in blocks


def test_dm_is_answered_without_a_mention(bot: HttpBot, fake: FakeSlackWebAPI) -> None:
    bot.post(event_json(dm_message_body("렌덤 포레스트 비유")))
    (call,) = fake.wait_for("chat.postMessage")
    assert call.params["channel"] == "D111"
    assert "thread_ts" not in call.params or call.params["thread_ts"] is None
    assert "랜덤 포레스트" in _blocks_text(call)


@pytest.mark.parametrize(
    "body",
    [
        dm_message_body("봇이 보낸 메시지", bot_id="B999"),
        dm_message_body("수정된 메시지", subtype="message_changed"),
        dm_message_body("", subtype="message_deleted"),
    ],
    ids=["bot", "edit", "delete"],
)
def test_bot_messages_edits_and_deletions_are_ignored(
    bot: HttpBot, fake: FakeSlackWebAPI, body: dict
) -> None:
    assert bot.post(event_json(body))[0] == 200
    assert fake.unexpected_calls(_sentinel(bot), _posted) == []


def test_slash_command_answers_privately_with_a_share_button(
    bot: HttpBot, fake: FakeSlackWebAPI
) -> None:
    form = slash_command_form(
        "강화학습이 제일 많이 채택됐어?", response_url=fake.response_url("s1")
    )
    status, _ = bot.post(form)
    assert status == 200
    (call,) = fake.wait_for("response_url")
    assert call.path.endswith("/response/s1")
    assert call.params["response_type"] == "ephemeral"
    assert "가장 많이 채택된 분야는 강화 학습" in call.params["text"]
    blocks = call.params["blocks"]
    actions = [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert ACTION_SHARE in actions
    assert fake.calls_to("chat.postMessage") == []


@pytest.mark.parametrize("text", ["", "help", "도움말"])
def test_empty_or_help_slash_command_shows_usage(
    bot: HttpBot, fake: FakeSlackWebAPI, text: str
) -> None:
    bot.post(slash_command_form(text, response_url=fake.response_url("help")))
    (call,) = fake.wait_for("response_url")
    assert call.params["response_type"] == "ephemeral"
    assert "/icml2018 질문" in json.dumps(call.params, ensure_ascii=False)


def _button(call: RecordedCall, action_id: str) -> dict:
    for block in call.params["blocks"]:
        for element in block.get("elements", []):
            if element.get("action_id") == action_id:
                return element
    raise AssertionError(f"no {action_id} button in {call.params['blocks']}")


def test_share_button_posts_the_answer_to_the_channel(bot: HttpBot, fake: FakeSlackWebAPI) -> None:
    bot.post(slash_command_form("중력파 검출", response_url=fake.response_url("s2")))
    (ephemeral,) = fake.wait_for("response_url")
    share = _button(ephemeral, ACTION_SHARE)
    fake.reset()
    form = block_actions_form(
        ACTION_SHARE,
        share["value"],
        response_url=fake.response_url("s2-click"),
        is_ephemeral=True,
        user_id="U777",
    )
    assert bot.post(form)[0] == 200
    (posted,) = fake.wait_for("chat.postMessage")
    assert posted.params["channel"] == "C111"
    shown = _blocks_text(posted)
    assert "중력파 검출" in shown
    assert "<@U777>" in shown
    (cleanup,) = fake.wait_for("response_url")
    assert cleanup.params.get("delete_original") is True


def test_next_passage_button_steps_to_the_next_candidate(
    bot: HttpBot, fake: FakeSlackWebAPI
) -> None:
    bot.post(event_json(app_mention_body("<@UBOT> 베이지안 추론")))
    (first,) = fake.wait_for("chat.postMessage")
    step = _button(first, ACTION_NEXT)
    assert json.loads(step["value"])["i"] == 1
    fake.reset()
    bot.post(block_actions_form(ACTION_NEXT, step["value"], response_url=fake.response_url("n")))
    (shown,) = fake.wait_for("response_url")
    assert shown.params.get("replace_original") in (False, "false")  # the answer stays
    assert shown.params["response_type"] == "ephemeral"
    assert shown.params["text"] != first.params["text"]
    assert json.loads(_button(shown, ACTION_NEXT)["value"])["i"] != 1


def test_forged_signature_is_rejected(bot: HttpBot, fake: FakeSlackWebAPI) -> None:
    body = event_json(app_mention_body("<@UBOT> ICML 2018은 어디서 개최됐어?"))
    assert bot.post(body, secret="not-the-secret")[0] == 401
    assert fake.unexpected_calls(_sentinel(bot), _any_call) == []


def test_stale_timestamp_is_rejected(bot: HttpBot, fake: FakeSlackWebAPI) -> None:
    body = event_json(app_mention_body("<@UBOT> ICML 2018은 어디서 개최됐어?"))
    assert bot.post(body, timestamp=int(time.time()) - 6 * 60)[0] == 401
    assert fake.unexpected_calls(_sentinel(bot), _any_call) == []


def test_retry_and_duplicate_delivery_answer_once(bot: HttpBot, fake: FakeSlackWebAPI) -> None:
    body = app_mention_body("<@UBOT> 힐베르트 명언")
    payload = event_json(body)
    assert bot.post(payload)[0] == 200
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    assert bot.post(payload, headers=retry)[0] == 200
    assert bot.post(payload)[0] == 200  # same event_id again, no retry header
    (answered,) = fake.wait_for("chat.postMessage")
    assert fake.unexpected_calls(_sentinel(bot), lambda c: _posted(c) and c is not answered) == []


def test_a_retry_of_an_answered_event_never_answers_again(
    bot: HttpBot, fake: FakeSlackWebAPI
) -> None:
    """Slack retries (X-Slack-Retry-Num 1, 2, 3) of an event already answered are dropped:
    with neither the retry check nor the seen-event check, each would be answered."""
    body = app_mention_body("<@UBOT> 중력파 검출")
    payload = event_json(body)
    assert bot.post(payload)[0] == 200
    (answered,) = fake.wait_for("chat.postMessage")
    for attempt in (1, 2, 3):
        headers = {"X-Slack-Retry-Num": str(attempt), "X-Slack-Retry-Reason": "http_timeout"}
        assert bot.post(payload, headers=headers)[0] == 200
    assert fake.unexpected_calls(_sentinel(bot), lambda c: _posted(c) and c is not answered) == []


def test_special_mentions_are_never_echoed(bot: HttpBot, fake: FakeSlackWebAPI) -> None:
    text = "<@UBOT> <!channel> <!here> <!everyone> <!subteam^S123|@team> <@U999> 스톡홀름 ICML"
    bot.post(event_json(app_mention_body(text)))
    (call,) = fake.wait_for("chat.postMessage")
    sent = json.dumps(call.params, ensure_ascii=False)
    for token in ("<!channel>", "<!here>", "<!everyone>", "<!subteam", "<@U999>", "<@UBOT>"):
        assert token not in sent
    assert "스톡홀름" in sent


def test_out_of_scope_question_gets_a_polite_no_answer(bot: HttpBot, fake: FakeSlackWebAPI) -> None:
    bot.post(event_json(app_mention_body("<@UBOT> 점심 메뉴 추천")))
    (call,) = fake.wait_for("chat.postMessage")
    sent = json.dumps(call.params, ensure_ascii=False)
    assert "찾지 못했어요" in sent
    assert "점심 모임" not in sent


def test_logs_carry_no_secrets_and_no_question_text(bot: HttpBot, fake: FakeSlackWebAPI) -> None:
    bot.post(event_json(app_mention_body("<@UBOT> 비밀스러운 질문 ICML")))
    fake.wait_for("chat.postMessage")
    logs = bot.logs()
    assert "answered app_mention" in logs
    assert BOT_TOKEN not in logs and SIGNING_SECRET not in logs
    assert "비밀스러운" not in logs


def test_serve_refuses_to_start_without_a_signing_secret(tmp_path: Path) -> None:
    from slack_process import BotProcess, bot_env

    proc = BotProcess(
        ["serve"], bot_env("http://127.0.0.1:9/api/", SLACK_BOT_TOKEN=BOT_TOKEN), tmp_path / "log"
    )
    assert proc.proc.wait(timeout=30) == 2
    logs = proc.logs()
    assert "SLACK_SIGNING_SECRET" in logs
    assert "Traceback" not in logs


def test_sigterm_stops_serve_cleanly(fake: FakeSlackWebAPI, tmp_path: Path) -> None:
    with running_http_bot(fake.base_url, tmp_path / "log") as second:
        second.post(event_json(app_mention_body("<@UBOT> 편집자 주")))
        fake.wait_for("chat.postMessage")
        assert second.stop() == 0

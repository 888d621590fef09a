"""Thread follow-ups and 👍/👎 through the real ``serve`` and ``socket`` processes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from slack_fake import (
    BOT_ID,
    BOT_USER_ID,
    FakeSlackWebAPI,
    FakeSocketModeServer,
    RecordedCall,
    app_mention_body,
    block_actions_form,
    channel_message_body,
    dm_message_body,
    socket_mode_envelope_for_event,
)
from slack_process import APP_TOKEN, BOT_TOKEN, BotProcess, HttpBot, bot_env, event_json
from slack_process import running_http_bot as running

from bot.answer import Answerer
from bot.messages import NO_FOOTNOTES_TEXT
from bot.slack.render import ACTION_VOTE_DOWN, ACTION_VOTE_UP, escape
from bot.store.sql import SqlStore, database_url

FIRST = "학습된 인덱스 구조 논문 알려줘"
FOLLOW_UP = "그건 누가 발표했어?"


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeSlackWebAPI]:
    with FakeSlackWebAPI() as api:
        yield api


@pytest.fixture(scope="module")
def db_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("store") / "bot.db"


@pytest.fixture(scope="module")
def bot(
    fake: FakeSlackWebAPI, db_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[HttpBot]:
    log_path = tmp_path_factory.mktemp("serve") / "bot.log"
    with running(fake.base_url, log_path, BOT_DB=str(db_path)) as process:
        yield process


@pytest.fixture(autouse=True)
def _clean(fake: FakeSlackWebAPI) -> None:
    fake.reset()


def blocks_text(call: RecordedCall) -> str:
    return json.dumps(call.params.get("blocks"), ensure_ascii=False)


def button(call: RecordedCall, action_id: str) -> dict:
    for block in call.params.get("blocks") or []:
        for element in block.get("elements", []):
            if element.get("action_id") == action_id:
                return element
    raise AssertionError(f"no {action_id} button in {blocks_text(call)}")


def posts_to(fake: FakeSlackWebAPI, count: int) -> list[RecordedCall]:
    return fake.wait_for("chat.postMessage", count=count, timeout=10)


def ask_in_channel(bot: HttpBot, fake: FakeSlackWebAPI, text: str) -> tuple[dict, RecordedCall]:
    body = app_mention_body(f"<@{BOT_USER_ID}> {text}")
    assert bot.post(event_json(body))[0] == 200
    (answer,) = posts_to(fake, 1)
    fake.reset()
    return body, answer


def test_an_unmentioned_reply_in_the_bots_thread_is_answered_with_context(
    bot: HttpBot, fake: FakeSlackWebAPI, answerer: Answerer
) -> None:
    mention, first = ask_in_channel(bot, fake, FIRST)
    thread = mention["event"]["ts"]
    assert first.params["thread_ts"] == thread
    reply = channel_message_body(FOLLOW_UP, thread_ts=thread)
    assert bot.post(event_json(reply))[0] == 200
    (answer,) = posts_to(fake, 1)
    assert answer.params["thread_ts"] == thread
    vote = json.loads(button(answer, ACTION_VOTE_UP)["value"])
    assert vote["q"] == FOLLOW_UP
    assert vote["c"] == FIRST, "read together with the thread's earlier question"

    fake.reset()
    bot.post(event_json(channel_message_body("링크 줘", thread_ts=thread)))
    (links,) = posts_to(fake, 1)
    assert links.params["thread_ts"] == thread
    assert "출처" in links.params["text"]
    # The footnotes of the passage the follow-up showed, whichever passage that was.
    shown = answerer.answer(FOLLOW_UP, context=FIRST).results[0]
    assert shown.passage_id == vote["p"]
    sent = blocks_text(links)
    if shown.footnotes:
        assert all(u in sent for note in shown.footnotes for u in note.urls)
        assert all(escape((note.text or "")[:20]) in sent for note in shown.footnotes)
    else:
        assert NO_FOOTNOTES_TEXT in sent


def test_messages_outside_the_bots_threads_are_ignored(bot: HttpBot, fake: FakeSlackWebAPI) -> None:
    strangers = [
        channel_message_body("그건 누가 발표했어?", thread_ts="1600000000.000100"),
        channel_message_body("ICML 2018은 어디서 열렸어?"),  # top level, no mention
        channel_message_body("스톡홀름", thread_ts="1600000000.000200", channel_type="group"),
    ]
    for body in strangers:
        assert bot.post(event_json(body))[0] == 200
    sentinel = dm_message_body("ICML 2018은 어디서 열렸어?")
    bot.post(event_json(sentinel))
    (only,) = posts_to(fake, 1)
    assert only.params["channel"] == "D111", "only the sentinel DM was answered"
    assert len(fake.calls_to("chat.postMessage")) == 1


def test_the_bots_own_messages_in_its_thread_are_not_answered(
    bot: HttpBot, fake: FakeSlackWebAPI
) -> None:
    mention, _ = ask_in_channel(bot, fake, "ICML 2018은 며칠 동안 열렸어?")
    own = channel_message_body("봇의 답", thread_ts=mention["event"]["ts"], user=BOT_USER_ID)
    own["event"]["bot_id"] = BOT_ID
    bot.post(event_json(own))
    bot.post(event_json(dm_message_body("스톡홀름 ICML")))  # the sentinel
    (only,) = posts_to(fake, 1)
    assert only.params["channel"] == "D111"
    assert len(fake.calls_to("chat.postMessage")) == 1


def _votes(db_path: Path) -> list:
    store = SqlStore(database_url(None, db_path)).open()
    try:
        return store.votes_since(datetime(2000, 1, 1))
    finally:
        store.close()


def test_votes_are_stored_and_a_second_click_changes_the_vote(
    bot: HttpBot, fake: FakeSlackWebAPI, db_path: Path
) -> None:
    _, answer = ask_in_channel(bot, fake, "베이지안 추론")
    up = button(answer, ACTION_VOTE_UP)
    down = button(answer, ACTION_VOTE_DOWN)
    shown = json.loads(up["value"])
    message = {
        "type": "message",
        "ts": "1700000001.000001",
        "bot_id": BOT_ID,
        "user": BOT_USER_ID,
        "blocks": answer.params["blocks"],
    }
    before = len(_votes(db_path))

    click = block_actions_form(
        ACTION_VOTE_UP, up["value"], response_url=fake.response_url("v1"), message=message
    )
    assert bot.post(click)[0] == 200
    (thanks,) = fake.wait_for("response_url")
    assert thanks.params["response_type"] == "ephemeral"
    assert thanks.params.get("replace_original") is False
    votes = _votes(db_path)
    assert len(votes) == before + 1
    (mine,) = [v for v in votes if v.answer_key.endswith(f":{message['ts']}:{shown['p']}")]
    assert mine.score == 1 and mine.passage_id == shown["p"]
    assert mine.question == "베이지안 추론" and mine.status == shown["s"]
    assert mine.user_hash != "U222" and "U222" not in mine.user_hash

    fake.reset()
    click = block_actions_form(
        ACTION_VOTE_DOWN, down["value"], response_url=fake.response_url("v2"), message=message
    )
    assert bot.post(click)[0] == 200
    (offer,) = fake.wait_for("response_url")
    assert offer.params.get("replace_original") is False
    assert "다음으로 가까운 문단" in offer.params["text"]
    assert json.loads(button(offer, ACTION_VOTE_UP)["value"])["p"] != shown["p"]
    votes = _votes(db_path)
    assert len(votes) == before + 1, "one vote per user per answer"
    (mine,) = [v for v in votes if v.answer_key.endswith(f":{message['ts']}:{shown['p']}")]
    assert mine.score == -1, "the second click changed the vote"

    click = block_actions_form(
        ACTION_VOTE_UP,
        up["value"],
        response_url=fake.response_url("v3"),
        message=message,
        user_id="U333",
    )
    bot.post(click)
    fake.wait_for("response_url", count=2)
    assert len(_votes(db_path)) == before + 2, "another user votes on their own"


def test_every_answer_carries_vote_buttons(bot: HttpBot, fake: FakeSlackWebAPI) -> None:
    _, answer = ask_in_channel(bot, fake, "ICML 2018은 어디서 열렸어?")
    assert button(answer, ACTION_VOTE_UP)["text"]["text"] == "👍"
    assert button(answer, ACTION_VOTE_DOWN)["text"]["text"] == "👎"


# -- Socket Mode ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def socket_slack() -> Iterator[tuple[FakeSlackWebAPI, FakeSocketModeServer]]:
    with FakeSlackWebAPI() as api, FakeSocketModeServer(web_api=api) as server:
        yield api, server


@pytest.fixture(scope="module")
def socket_bot(
    socket_slack: tuple[FakeSlackWebAPI, FakeSocketModeServer],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[BotProcess]:
    api, server = socket_slack
    folder = tmp_path_factory.mktemp("socket-store")
    env = bot_env(
        api.base_url,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_APP_TOKEN=APP_TOKEN,
        BOT_DB=str(folder / "bot.db"),
    )
    proc = BotProcess(["socket"], env, folder / "bot.log")
    try:
        server.wait_for_client(timeout=60)
        yield proc
    finally:
        assert proc.stop() == 0, proc.logs()


def deliver(server: FakeSocketModeServer, body: dict, *, retry_attempt: int = 0) -> None:
    """Send an event envelope and wait for its ack; like Slack, send it again (as a retry)
    when no ack comes, e.g. because the client was just replacing its connection."""
    for attempt in range(retry_attempt, retry_attempt + 3):
        envelope = socket_mode_envelope_for_event(body, retry_attempt=attempt)
        server.send_envelope(envelope, timeout=10)
        try:
            server.wait_for_ack(envelope["envelope_id"], timeout=5)
            return
        except AssertionError:
            continue
    raise AssertionError(f"no ack for {body['event_id']} after 3 deliveries")


def wait_posts(api: FakeSlackWebAPI, count: int, proc: BotProcess) -> list[RecordedCall]:
    try:
        return api.wait_for("chat.postMessage", count=count, timeout=15)
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n--- bot log ---\n{proc.logs()}") from None


def test_socket_mode_follows_up_in_the_bots_thread_only(
    socket_slack: tuple[FakeSlackWebAPI, FakeSocketModeServer], socket_bot: BotProcess
) -> None:
    api, server = socket_slack
    api.reset()
    mention = app_mention_body(f"<@{BOT_USER_ID}> {FIRST}")
    deliver(server, mention)
    wait_posts(api, 1, socket_bot)
    api.reset()
    thread = mention["event"]["ts"]
    deliver(server, channel_message_body(FOLLOW_UP, thread_ts="1600000000.000300"))
    deliver(server, channel_message_body(FOLLOW_UP, thread_ts=thread))
    (answer,) = wait_posts(api, 1, socket_bot)
    assert answer.params["thread_ts"] == thread
    assert json.loads(button(answer, ACTION_VOTE_UP)["value"])["c"] == FIRST
    deliver(server, dm_message_body("스톡홀름 ICML"))  # the sentinel
    calls = wait_posts(api, 2, socket_bot)
    assert [c.params["channel"] for c in calls] == ["C111", "D111"]


def test_socket_mode_answers_a_retry_whose_first_delivery_never_arrived(
    socket_slack: tuple[FakeSlackWebAPI, FakeSocketModeServer], socket_bot: BotProcess
) -> None:
    api, server = socket_slack
    api.reset()
    body = app_mention_body(f"<@{BOT_USER_ID}> ICML 2018은 어디서 열렸어?", channel="C555")
    deliver(server, body, retry_attempt=1)
    wait_posts(api, 1, socket_bot)
    deliver(server, body, retry_attempt=2)
    deliver(server, dm_message_body("스톡홀름 ICML"))
    calls = wait_posts(api, 2, socket_bot)
    assert [c.params["channel"] for c in calls] == ["C555", "D111"]

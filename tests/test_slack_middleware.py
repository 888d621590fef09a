"""The Bolt global middleware (bot/slack/middleware.py), through the real app's dispatch.

What is no question for the bot is acked (200, so Slack neither retries nor shows an
error) and stops before the store's claim and the listener: nothing is posted and the
event id stays unclaimed. What is a question is claimed once and answered once.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from slack_bolt import BoltRequest
from slack_fake import (
    BOT_USER_ID,
    FakeSlackWebAPI,
    RecordedCall,
    app_mention_body,
    channel_message_body,
    dm_message_body,
    fresh_event_id,
    sign_request,
)

from bot.answer import Answerer
from bot.config import Config
from bot.slack.app import SlackBot, build_app
from bot.slack.middleware import CHANNEL_NOT_ALLOWED
from bot.store.factory import policy_of
from bot.store.memory import MemoryStore

SECRET = "middleware-test-secret"
ALLOWED = "C111"


class Dispatcher:
    def __init__(self, bot: SlackBot, store: MemoryStore) -> None:
        self.bot = bot
        self.store = store

    def __call__(self, body: dict[str, Any], headers: dict[str, str] | None = None) -> int:
        raw = json.dumps(body, ensure_ascii=False)
        signed = {**sign_request(raw, SECRET), **(headers or {})}
        return int(self.bot.app.dispatch(BoltRequest(body=raw, headers=signed)).status)

    def sentinel(self) -> Callable[[str], object]:
        return lambda channel: self(dm_message_body("힐베르트 명언", channel=channel))


@pytest.fixture
def fake() -> Iterator[FakeSlackWebAPI]:
    with FakeSlackWebAPI() as api:
        yield api


@pytest.fixture
def dispatch(fake: FakeSlackWebAPI, answerer: Answerer) -> Iterator[Dispatcher]:
    config = Config(
        slack_bot_token="xoxb-middleware",
        slack_signing_secret=SECRET,
        slack_api_url=fake.base_url,
        allowed_channels=frozenset({ALLOWED}),
    )
    store = MemoryStore(policy_of(config))
    bot = build_app(config, answerer, store=store)
    try:
        yield Dispatcher(bot, store)
    finally:
        bot.drain()


def _posted(call: RecordedCall) -> bool:
    return call.method in ("chat.postMessage", "chat.postEphemeral", "response_url")


def _bot_message() -> dict[str, Any]:
    return dm_message_body("힐베르트 명언", bot_id="B999")


def _edited() -> dict[str, Any]:
    return dm_message_body("힐베르트 명언", subtype="message_changed")


def _chatter() -> dict[str, Any]:
    return channel_message_body("힐베르트 명언", channel=ALLOWED)


def _reply_in_someone_elses_thread() -> dict[str, Any]:
    return channel_message_body("힐베르트 명언", channel=ALLOWED, thread_ts="1.000001")


def _reply_in_a_thread_the_bot_never_answered() -> dict[str, Any]:
    body = channel_message_body("힐베르트 명언", channel=ALLOWED, thread_ts="1.000002")
    body["event"]["parent_user_id"] = BOT_USER_ID
    return body


def _no_channel() -> dict[str, Any]:
    body = dm_message_body("힐베르트 명언")
    del body["event"]["channel"]
    return body


@pytest.mark.parametrize(
    "make_body",
    [
        _bot_message,
        _edited,
        _chatter,
        _reply_in_someone_elses_thread,
        _reply_in_a_thread_the_bot_never_answered,
        _no_channel,
    ],
)
def test_what_is_no_question_is_acked_unclaimed_and_unanswered(
    dispatch: Dispatcher, fake: FakeSlackWebAPI, make_body: Callable[[], dict[str, Any]]
) -> None:
    body = make_body()
    assert dispatch(body) == 200
    assert fake.unexpected_calls(dispatch.sentinel(), _posted) == []
    assert dispatch.store.claim_event(body["event_id"]), "stopped before the claim"


def test_a_question_is_claimed_and_answered_once_across_retries(
    dispatch: Dispatcher, fake: FakeSlackWebAPI
) -> None:
    body = dm_message_body("힐베르트 명언", channel="D777")
    assert dispatch(body) == 200
    (first,) = fake.wait_for("chat.postMessage")
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    assert dispatch(body, retry) == 200
    assert dispatch(body) == 200
    assert fake.unexpected_calls(dispatch.sentinel(), lambda c: _posted(c) and c is not first) == []
    assert [c.params["channel"] for c in fake.calls_to("chat.postMessage")].count("D777") == 1
    assert not dispatch.store.claim_event(body["event_id"]), "answered: the claim holds"


def test_a_mention_outside_the_allowed_channels_is_told_why_privately(
    dispatch: Dispatcher, fake: FakeSlackWebAPI
) -> None:
    body = app_mention_body("<@UBOT> 힐베르트 명언", channel="C999", user="U333")
    assert dispatch(body) == 200
    (notice,) = fake.wait_for("chat.postEphemeral")
    assert notice.params["channel"] == "C999" and notice.params["user"] == "U333"
    assert notice.params["text"] == CHANNEL_NOT_ALLOWED
    assert (
        fake.unexpected_calls(dispatch.sentinel(), lambda c: c.method == "chat.postMessage") == []
    )
    assert dispatch.store.claim_event(body["event_id"])


def test_a_mention_in_an_allowed_channel_is_answered_in_its_thread(
    dispatch: Dispatcher, fake: FakeSlackWebAPI
) -> None:
    body = app_mention_body("<@UBOT> 힐베르트 명언", channel=ALLOWED, event_id=fresh_event_id())
    assert dispatch(body) == 200
    (post,) = fake.wait_for("chat.postMessage")
    assert post.params["channel"] == ALLOWED
    assert post.params["thread_ts"] == body["event"]["ts"]

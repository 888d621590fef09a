"""Slack faults injected at the Web API fake, with the app driven in-process via dispatch."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from slack_bolt import BoltRequest
from slack_fake import (
    FakeSlackWebAPI,
    app_mention_body,
    block_actions_form,
    sign_request,
    slash_command_form,
)

from bot.answer import Answer, Answerer
from bot.config import Config
from bot.slack.app import SlackBot, build_app
from bot.slack.render import ACTION_SHARE, _button_value

SECRET = "fault-signing-secret"
TOKEN = "xoxb-fault-token-123456"


@pytest.fixture
def fake() -> Iterator[FakeSlackWebAPI]:
    with FakeSlackWebAPI() as api:
        yield api


def _bot(fake: FakeSlackWebAPI, answerer: Answerer, **config: object) -> SlackBot:
    settings = Config(
        slack_bot_token=TOKEN,
        slack_signing_secret=SECRET,
        slack_api_url=fake.base_url,
        **config,  # type: ignore[arg-type]
    )
    return build_app(settings, answerer)


@pytest.fixture
def bot(fake: FakeSlackWebAPI, answerer: Answerer) -> Iterator[SlackBot]:
    slack_bot = _bot(fake, answerer)
    yield slack_bot
    slack_bot.drain()


def dispatch(bot: SlackBot, body: str, **headers: str) -> int:
    all_headers = sign_request(body, SECRET)
    all_headers.update(headers)
    response = bot.app.dispatch(BoltRequest(body=body, headers=all_headers))
    return response.status


def mention(bot: SlackBot, text: str, **kwargs: str) -> dict:
    body = app_mention_body(f"<@UBOT> {text}", **kwargs)
    assert dispatch(bot, json.dumps(body, ensure_ascii=False)) == 200
    return body


def test_rate_limited_post_is_retried_after_retry_after(
    bot: SlackBot, fake: FakeSlackWebAPI
) -> None:
    fake.fail_next("chat.postMessage", status=429, retry_after=1)
    mention(bot, "스톡홀름 ICML")
    calls = fake.wait_for("chat.postMessage", count=2, timeout=10)
    assert [c.faulted for c in calls] == [True, False]


def test_server_errors_are_retried_a_bounded_number_of_times(
    bot: SlackBot, fake: FakeSlackWebAPI, caplog: pytest.LogCaptureFixture
) -> None:
    fake.fail_next("chat.postMessage", status=503, times=10)
    with caplog.at_level(logging.ERROR):
        mention(bot, "스톡홀름 ICML")
        fake.wait_for("chat.postMessage", count=3, timeout=10)
        bot.drain()
    assert len(fake.calls_to("chat.postMessage")) == 3  # first try + 2 retries
    assert "chat.postMessage failed" in caplog.text


def test_dropped_connections_are_retried(bot: SlackBot, fake: FakeSlackWebAPI) -> None:
    fake.fail_next("chat.postMessage", drop=True, times=1)
    mention(bot, "스톡홀름 ICML")
    calls = fake.wait_for("chat.postMessage", count=2, timeout=10)
    assert calls[-1].faulted is False


@pytest.mark.parametrize("error", ["invalid_auth", "channel_not_found"])
def test_slack_errors_are_logged_without_a_retry_storm(
    bot: SlackBot, fake: FakeSlackWebAPI, caplog: pytest.LogCaptureFixture, error: str
) -> None:
    fake.fail_next("chat.postMessage", error=error, times=5)
    with caplog.at_level(logging.ERROR):
        mention(bot, "스톡홀름 ICML")
        fake.wait_for("chat.postMessage")
        bot.drain()
    assert len(fake.calls_to("chat.postMessage")) == 1
    assert error in caplog.text
    assert TOKEN not in caplog.text


def test_expired_response_url_is_logged_not_raised(
    bot: SlackBot, fake: FakeSlackWebAPI, caplog: pytest.LogCaptureFixture
) -> None:
    fake.expire_response_urls()
    with caplog.at_level(logging.WARNING):
        assert (
            dispatch(bot, slash_command_form("중력파", response_url=fake.response_url("x"))) == 200
        )
        fake.wait_for("response_url")
        bot.drain()
    assert "expired or invalid" in caplog.text


def test_share_to_a_channel_the_bot_is_not_in_explains_how_to_invite(
    bot: SlackBot, fake: FakeSlackWebAPI
) -> None:
    fake.fail_next("chat.postMessage", error="not_in_channel")
    form = block_actions_form(
        ACTION_SHARE,
        _button_value("중력파 검출", 0),
        response_url=fake.response_url("share"),
        is_ephemeral=True,
    )
    assert dispatch(bot, form) == 200
    (reply,) = fake.wait_for("response_url")
    assert "/invite" in reply.params["text"]


class _Broken(Answerer):
    def answer(self, question: str, *, k: int | None = None) -> Answer:
        raise RuntimeError("secret internal detail")


def test_an_error_inside_a_handler_is_logged_and_reported_briefly(
    fake: FakeSlackWebAPI, answerer: Answerer, caplog: pytest.LogCaptureFixture
) -> None:
    bot = _bot(fake, _Broken(answerer.index))
    with caplog.at_level(logging.ERROR):
        mention(bot, "스톡홀름 ICML")
        (call,) = fake.wait_for("chat.postMessage")
        bot.drain()
    sent = json.dumps(call.params, ensure_ascii=False)
    assert "문제가 생겼어요" in sent
    assert "secret internal detail" not in sent and "Traceback" not in sent
    assert "answer failed" in caplog.text


def test_mentions_outside_the_allowlist_are_ignored_but_dms_answered(
    fake: FakeSlackWebAPI, answerer: Answerer
) -> None:
    bot = _bot(fake, answerer, allowed_channels=frozenset({"CALLOWED"}))
    mention(bot, "스톡홀름 ICML", channel="COTHER")
    mention(bot, "스톡홀름 ICML", channel="CALLOWED")
    fake.wait_for("chat.postMessage")
    bot.drain()  # waits for every listener: the ignored mention has had its turn
    assert [c.params["channel"] for c in fake.calls_to("chat.postMessage")] == ["CALLOWED"]

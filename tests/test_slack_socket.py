"""Socket Mode through the real ``socket`` process and a loopback WebSocket server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from slack_fake import (
    FakeSlackWebAPI,
    FakeSocketModeServer,
    app_mention_body,
    dm_message_body,
    slash_command_fields,
    socket_mode_envelope_for_command,
    socket_mode_envelope_for_event,
)
from slack_process import APP_TOKEN, BOT_TOKEN, BotProcess, bot_env


@pytest.fixture(scope="module")
def slack() -> Iterator[tuple[FakeSlackWebAPI, FakeSocketModeServer]]:
    with FakeSlackWebAPI() as api, FakeSocketModeServer(web_api=api) as server:
        yield api, server


@pytest.fixture(scope="module")
def bot(
    slack: tuple[FakeSlackWebAPI, FakeSocketModeServer], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BotProcess]:
    api, server = slack
    env = bot_env(api.base_url, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_APP_TOKEN=APP_TOKEN)
    proc = BotProcess(["run"], env, tmp_path_factory.mktemp("socket") / "bot.log")
    try:
        server.wait_for_client(timeout=60)
        yield proc
    finally:
        code = proc.stop()
        assert code == 0, proc.logs()


def test_mention_envelope_is_acked_and_answered_in_its_thread(
    slack: tuple[FakeSlackWebAPI, FakeSocketModeServer], bot: BotProcess
) -> None:
    api, server = slack
    body = app_mention_body("<@UBOT> 스톡홀롬 ICML")
    envelope = socket_mode_envelope_for_event(body)
    server.send_envelope(envelope)
    server.wait_for_ack(envelope["envelope_id"])
    (call,) = api.wait_for("chat.postMessage")
    assert call.params["thread_ts"] == body["event"]["ts"]
    assert "스톡홀름(Stockholm)" in json.dumps(call.params["blocks"], ensure_ascii=False)


def test_retried_envelope_is_acked_but_not_answered_again(
    slack: tuple[FakeSlackWebAPI, FakeSocketModeServer], bot: BotProcess
) -> None:
    api, server = slack
    api.reset()
    body = app_mention_body("<@UBOT> 힐베르트 명언")
    first = socket_mode_envelope_for_event(body)
    retry = socket_mode_envelope_for_event(body, retry_attempt=1)
    server.send_envelope(first)
    server.wait_for_ack(first["envelope_id"])
    (answered,) = api.wait_for("chat.postMessage")
    server.send_envelope(retry)
    server.wait_for_ack(retry["envelope_id"])

    def sentinel(channel: str) -> None:
        body = dm_message_body("힐베르트 명언", channel=channel)
        server.send_envelope(socket_mode_envelope_for_event(body))

    again = api.unexpected_calls(
        sentinel, lambda c: c.method == "chat.postMessage" and c is not answered
    )
    assert again == [], "the retry was answered a second time"


def test_slash_command_envelope_answers_through_the_response_url(
    slack: tuple[FakeSlackWebAPI, FakeSocketModeServer], bot: BotProcess
) -> None:
    api, server = slack
    api.reset()
    fields = slash_command_fields("페퍼먼 논문 저널", response_url=api.response_url("sock"))
    envelope = socket_mode_envelope_for_command(fields)
    server.send_envelope(envelope)
    server.wait_for_ack(envelope["envelope_id"])
    (call,) = api.wait_for("response_url")
    assert call.params["response_type"] == "ephemeral"
    assert "Journal of AMS" in call.params["text"]


def test_socket_mode_without_app_token_is_a_clear_error(tmp_path: Path) -> None:
    env = bot_env("http://127.0.0.1:9/api/", SLACK_BOT_TOKEN=BOT_TOKEN)
    proc = BotProcess(["socket"], env, tmp_path / "log")
    assert proc.proc.wait(timeout=30) == 2
    assert "SLACK_APP_TOKEN" in proc.logs()

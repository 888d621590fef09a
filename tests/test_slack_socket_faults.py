"""Socket Mode under bad luck: silent reconnects, envelopes nobody handles, bad tokens.

Through the real ``socket`` process, ``FakeSocketModeServer`` and, for reconnects, a relay
that leaves the old connection open and silent after Slack's ``disconnect`` message.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from slack_fake import (
    FakeSlackWebAPI,
    FakeSocketModeServer,
    app_mention_body,
    block_actions_payload,
    slash_command_fields,
    socket_mode_envelope_for_command,
    socket_mode_envelope_for_event,
    socket_mode_envelope_for_interactive,
)
from slack_process import (
    APP_TOKEN,
    BOT_TOKEN,
    SIGNING_SECRET,
    BotProcess,
    HttpBot,
    bot_env,
    free_port,
)
from slack_relay import SilencingRelay

RECONNECTS = 3


@pytest.fixture(scope="module")
def slack() -> Iterator[tuple[FakeSlackWebAPI, FakeSocketModeServer, SilencingRelay]]:
    # No pings from the fake: a silent connection must really be silent.
    with (
        FakeSlackWebAPI() as api,
        FakeSocketModeServer(web_api=api, ping_interval=None) as server,
        SilencingRelay(server.port) as relay,
    ):
        api.attach_socket_mode(relay)  # type: ignore[arg-type]
        yield api, server, relay


@pytest.fixture(scope="module")
def bot(
    slack: tuple[FakeSlackWebAPI, FakeSocketModeServer, SilencingRelay],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[BotProcess]:
    api, server, _ = slack
    env = bot_env(api.base_url, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_APP_TOKEN=APP_TOKEN)
    proc = BotProcess(["socket"], env, tmp_path_factory.mktemp("sock") / "bot.log")
    try:
        server.wait_for_client(timeout=60)
        yield proc
    finally:
        assert proc.stop() == 0, proc.logs()


def _connections(server: FakeSocketModeServer) -> int:
    return len(server._connections)


def test_first_envelope_after_a_disconnect_is_acked_within_a_second(
    slack: tuple[FakeSlackWebAPI, FakeSocketModeServer, SilencingRelay], bot: BotProcess
) -> None:
    api, server, relay = slack
    latencies = []
    for _ in range(RECONNECTS):
        before = _connections(server)
        relay.silence_after_next_message()
        server.send_envelope({"type": "disconnect", "reason": "refresh_requested"})
        asked = time.monotonic()
        deadline = asked + 5
        while _connections(server) <= before and time.monotonic() < deadline:
            time.sleep(0.01)
        assert _connections(server) > before, "the bot did not reconnect"
        envelope = socket_mode_envelope_for_event(app_mention_body("<@UBOT> 스톡홀름 ICML"))
        server.send_envelope(envelope)
        sent = time.monotonic()
        server.wait_for_ack(envelope["envelope_id"], timeout=5)
        latencies.append(time.monotonic() - sent)
    assert relay.silent_connections >= RECONNECTS  # the old connections really went silent
    assert max(latencies) < 1.0, latencies
    api.wait_for("chat.postMessage", count=RECONNECTS)
    print(f"\nfirst ack after a silent reconnect: max {max(latencies) * 1000:.0f} ms")


def test_every_envelope_is_acked_handled_or_not(
    slack: tuple[FakeSlackWebAPI, FakeSocketModeServer, SilencingRelay], bot: BotProcess
) -> None:
    api, server, _ = slack
    home = {
        "type": "event_callback",
        "event_id": "EvREACTION2",
        "event": {"type": "reaction_added", "user": "U222", "reaction": "eyes"},
    }
    other_button = block_actions_payload("other_action", "x", response_url=api.response_url("x"))
    modal_button = dict(other_button, container={"type": "view", "view_id": "V1"})
    shortcut = {"type": "shortcut", "callback_id": "cb", "trigger_id": "1.2.3", "user": {}}
    command = slash_command_fields("x", command="/other", response_url=api.response_url("c"))
    envelopes = [
        socket_mode_envelope_for_event(home),
        socket_mode_envelope_for_event({"type": "event_callback", "event": "not an object"}),
        socket_mode_envelope_for_interactive(other_button),
        socket_mode_envelope_for_interactive(modal_button),
        socket_mode_envelope_for_interactive(shortcut),
        socket_mode_envelope_for_command(command),
    ]
    for envelope in envelopes:
        server.send_envelope(envelope)
    for envelope in envelopes:
        server.wait_for_ack(envelope["envelope_id"], timeout=3)
    assert "Traceback" not in bot.logs()


def test_a_wrong_app_token_is_one_korean_line_and_exit_2(tmp_path: Path) -> None:
    with FakeSlackWebAPI() as api:
        api.fail_next("apps.connections.open", error="invalid_auth")
        env = bot_env(api.base_url, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_APP_TOKEN=APP_TOKEN)
        proc = BotProcess(["socket"], env, tmp_path / "log")
        assert proc.proc.wait(timeout=60) == 2
    logs = proc.logs()
    assert "Traceback" not in logs
    (line,) = [x for x in logs.splitlines() if "SLACK_APP_TOKEN" in x]
    assert "받아들이지 않습니다(invalid_auth)" in line


@pytest.mark.parametrize("mode", ["socket", "serve"])
@pytest.mark.parametrize("error", ["invalid_auth", "token_revoked"])
def test_a_wrong_or_revoked_bot_token_is_one_korean_line_and_exit_2(
    tmp_path: Path, mode: str, error: str
) -> None:
    with FakeSlackWebAPI() as api:
        api.fail_next("auth.test", error=error)
        if mode == "socket":
            env = bot_env(api.base_url, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_APP_TOKEN=APP_TOKEN)
            proc = BotProcess(["socket"], env, tmp_path / "log")
        else:
            env = bot_env(
                api.base_url, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SIGNING_SECRET
            )
            proc = HttpBot(free_port(), env, tmp_path / "log")
        assert proc.proc.wait(timeout=60) == 2
    logs = proc.logs()
    assert "Traceback" not in logs
    (line,) = [x for x in logs.splitlines() if "SLACK_BOT_TOKEN" in x]
    assert f"받아들이지 않습니다({error})" in line
    assert BOT_TOKEN not in logs

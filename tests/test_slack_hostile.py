"""The real ``serve`` process against hostile or broken clients, on 127.0.0.1 only.

Half-open connections, oversized and malformed bodies, garbage button values, unknown
event types, posts outside BOT_ALLOWED_CHANNELS, and user text that tries to forge a log
line. Every loop is bounded in count and time.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import http.client
import json
import re
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from slack_fake import (
    FakeSlackWebAPI,
    app_mention_body,
    block_actions_form,
    block_actions_payload,
    dm_message_body,
    slash_command_form,
)
from slack_process import SIGNING_SECRET, HttpBot, event_json, running_http_bot

from bot.slack.middleware import CHANNEL_NOT_ALLOWED
from bot.slack.render import ACTION_NEXT, ACTION_SHARE, _button_value

HALF_OPEN = 200
HALF_OPEN_FULL = 900  # make load; the server holds up to 1000 (CONNECTION_LIMIT)
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (DEBUG|INFO|WARNING|ERROR|CRITICAL) ")
# Bolt warns once at start that the token it found in the environment is not used: the app
# hands it a ready-made client (pointed at SLACK_API_URL). Harmless; not ours to silence.
KNOWN_START_WARNING = "As you gave `client` as well, `token` will be unused."


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeSlackWebAPI]:
    with FakeSlackWebAPI() as api:
        yield api


@pytest.fixture(scope="module")
def bot(fake: FakeSlackWebAPI, tmp_path_factory: pytest.TempPathFactory) -> Iterator[HttpBot]:
    log_path = tmp_path_factory.mktemp("hostile") / "bot.log"
    # An unwritable HOME, as in the image and under k8s: nothing may complain about it.
    with running_http_bot(fake.base_url, log_path, HOME="/nonexistent/home") as running:
        yield running


@pytest.fixture(autouse=True)
def _clean(fake: FakeSlackWebAPI) -> None:
    fake.reset()


def post_raw(
    bot: HttpBot,
    data: bytes,
    *,
    content_type: str = "application/json",
    signed: bool = True,
    headers: dict[str, str] | None = None,
) -> int:
    """POST raw bytes to /slack/events (signed over those bytes); returns the status."""
    ts = str(int(time.time()))
    digest = hmac.new(SIGNING_SECRET.encode(), f"v0:{ts}:".encode() + data, hashlib.sha256)
    all_headers = {"Content-Type": content_type}
    if signed:
        all_headers |= {
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": "v0=" + digest.hexdigest(),
        }
    all_headers |= headers or {}
    conn = http.client.HTTPConnection("127.0.0.1", bot.port, timeout=10)
    try:
        conn.request("POST", "/slack/events", body=data, headers=all_headers)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def _problem_lines(logs: str) -> list[str]:
    return [
        line
        for line in logs.splitlines()
        if (" WARNING " in line or " ERROR " in line or "Traceback" in line)
        and KNOWN_START_WARNING not in line
        and "refused a request" not in line
    ]


# -- slow and half-open clients ----------------------------------------------------------------


def _healthy(bot: HttpBot) -> bool:
    status, body = bot.get("/healthz")
    return status == 200 and json.loads(body)["status"] == "ok"


@pytest.mark.load
def test_half_open_connections_do_not_starve_the_server(
    bot: HttpBot, fake: FakeSlackWebAPI, request: pytest.FixtureRequest
) -> None:
    count = HALF_OPEN_FULL if request.config.getoption("--load-full") else HALF_OPEN
    partial = [
        b"POST /slack/events HTTP/1.1\r\nHost: x\r\n",  # headers never finished
        b'POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n{"a":',  # body
    ]
    held: list[socket.socket] = []
    try:
        for i in range(HALF_OPEN):
            sock = socket.create_connection(("127.0.0.1", bot.port), timeout=5)
            sock.sendall(partial[i % 2])
            held.append(sock)
        started = time.monotonic()
        assert _healthy(bot)
        body = app_mention_body("<@UBOT> ICML 2018은 며칠 동안 열렸어?")
        assert bot.post(event_json(body))[0] == 200
        (call,) = fake.wait_for("chat.postMessage", timeout=2)
        assert time.monotonic() - started < 2.0
        assert call.params["thread_ts"] == body["event"]["ts"]
        assert bot.get("/healthz")[0] == 200
        # The half-open connections are still held open by the server, not refused.
        for sock in held[:10]:
            sock.setblocking(False)
            with pytest.raises(BlockingIOError):
                sock.recv(1)
    finally:
        for sock in held:
            sock.close()
    print(f"\nheld {count} half-open connections; mention answered, /healthz 200")


def test_a_10_mb_unsigned_body_is_refused_before_it_is_read(bot: HttpBot) -> None:
    before = len(bot.logs())
    size = 10 * 1024 * 1024
    with socket.create_connection(("127.0.0.1", bot.port), timeout=10) as sock:
        head = (
            "POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {size}\r\n\r\n"
        )
        sock.sendall(head.encode())
        with contextlib.suppress(OSError):  # the server answers and closes before the end
            sock.sendall(b"{" + b"x" * (size - 1))
        reply = sock.recv(200)
    assert reply.split(b"\r\n")[0] in (b"HTTP/1.1 413 Request Entity Too Large",)
    # Below the cap an unsigned body is read, refused with 401 and not logged either.
    assert post_raw(bot, b"{" + b"y" * 900_000 + b"}", signed=False) == 401
    assert bot.get("/healthz")[0] == 200
    assert len(bot.logs()) - before < 4096
    assert "yyyyyyyy" not in bot.logs()


# -- malformed bodies and headers ----------------------------------------------------------------

MALFORMED: dict[str, tuple[bytes, str, dict[str, str], bool]] = {
    "bad json": (b"{bad", "application/json", {}, True),
    "invalid utf-8": (b'{"type": "event_callback", "x": "\xff\xfe"}', "application/json", {}, True),
    "json array": (b"[1, 2, 3]", "application/json", {}, True),
    "json null": (b"null", "application/json", {}, True),
    "event is a string": (
        b'{"type": "event_callback", "event": "x"}',
        "application/json",
        {},
        True,
    ),
    "actions not a list": (
        b"payload=" + quote('{"type": "block_actions", "actions": "x"}').encode(),
        "application/x-www-form-urlencoded",
        {},
        True,
    ),
    "payload not json": (
        b"payload=%7Bnot-json",
        "application/x-www-form-urlencoded",
        {},
        True,
    ),
    "timestamp abc": (b"{}", "application/json", {"X-Slack-Request-Timestamp": "abc"}, True),
    "timestamp huge": (b"{}", "application/json", {"X-Slack-Request-Timestamp": "9" * 40}, True),
    "unsigned bad json": (b"{bad", "application/json", {}, False),
    "signature garbage": (b"{}", "application/json", {"X-Slack-Signature": "v0=\u00e9"}, True),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_requests_get_a_4xx_without_a_traceback(
    bot: HttpBot, fake: FakeSlackWebAPI, case: str
) -> None:
    data, content_type, headers, signed = MALFORMED[case]
    status = post_raw(bot, data, content_type=content_type, signed=signed, headers=headers)
    assert 400 <= status < 500, status
    assert bot.get("/healthz")[0] == 200
    assert _problem_lines(bot.logs()) == []
    assert fake.calls == []


def test_unknown_events_actions_and_commands_are_acked(bot: HttpBot, fake: FakeSlackWebAPI) -> None:
    reaction = {
        "type": "event_callback",
        "team_id": "T111",
        "api_app_id": "A111",
        "event_id": "EvREACTION",
        "event": {"type": "reaction_added", "user": "U222", "reaction": "eyes"},
    }
    assert bot.post(event_json(reaction)) == (200, "")
    other_button = block_actions_form("some_other_action", "x", response_url=fake.response_url("o"))
    assert bot.post(other_button)[0] == 200
    other_command = slash_command_form("x", command="/other", response_url=fake.response_url("c"))
    assert bot.post(other_command)[0] == 200
    assert bot.post(urlencode({"payload": json.dumps({"type": "shortcut"})}))[0] == 200
    # Sentinel: a real question afterwards is answered, and it is the only thing posted.
    bot.post(event_json(dm_message_body("스톡홀름")))
    fake.wait_for("chat.postMessage")
    assert [c.method for c in fake.calls] == ["chat.postMessage"]
    assert _problem_lines(bot.logs()) == []


GARBAGE_VALUES = [
    '{"q": "x", "i": Infinity}',
    '{"q": "x", "i": -Infinity}',
    '{"q": "x", "i": NaN}',
    '{"q": "x", "i": 1e400}',
    '{"q": "x", "i": 100000000000000000000000000000}',
    '{"q": "x", "i": -1}',
    '{"q": "x", "i": "1"}',
    '{"q": "x", "i": 1.5}',
    '{"q": "x", "i": true}',
    '{"q": 12, "i": 0}',
    '{"q": null, "i": 0}',
    '{"i": 0}',
    "[1, 2]",
    "null",
    '"just a string"',
    "garbage{",
    "",
    "x" * 5000,
]


def test_garbage_button_values_are_acked_and_ignored(bot: HttpBot, fake: FakeSlackWebAPI) -> None:
    for value in GARBAGE_VALUES:
        for action in (ACTION_NEXT, ACTION_SHARE):
            form = block_actions_form(action, value, response_url=fake.response_url("g"))
            started = time.monotonic()
            assert bot.post(form)[0] == 200, value
            assert time.monotonic() - started < 3.0
    for value in (None, 12, ["a"], {"q": "x", "i": 0}):  # not even a string
        payload = block_actions_payload(ACTION_NEXT, "x", response_url=fake.response_url("g"))
        payload["actions"][0]["value"] = value
        if value is None:
            del payload["actions"][0]["value"]
        assert bot.post("payload=" + quote(json.dumps(payload)))[0] == 200, value
    # Sentinel: a real click afterwards is answered; nothing else was sent.
    good = block_actions_form(
        ACTION_NEXT, _button_value("베이지안 추론", 1), response_url=fake.response_url("ok")
    )
    assert bot.post(good)[0] == 200
    (reply,) = fake.wait_for("response_url")
    assert reply.path.endswith("/response/ok")
    assert [c.method for c in fake.calls] == ["response_url"]
    assert _problem_lines(bot.logs()) == []


def test_head_healthz_and_start_up_make_no_noise(bot: HttpBot) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", bot.port, timeout=5)
    try:
        for _ in range(5):
            conn.request("HEAD", "/healthz")
            response = conn.getresponse()
            assert response.status == 200
            assert response.read() == b""
    finally:
        conn.close()
    logs = bot.logs()
    assert _problem_lines(logs) == []
    assert "Control server" not in logs
    assert "healthz" not in logs.split("listening on", 1)[1].split("\n", 1)[1]


# -- BOT_ALLOWED_CHANNELS ----------------------------------------------------------------------


def test_allowed_channels_hold_for_shares_and_mentions(
    fake: FakeSlackWebAPI, tmp_path: Path
) -> None:
    with running_http_bot(
        fake.base_url, tmp_path / "bot.log", BOT_ALLOWED_CHANNELS="CALLOWED"
    ) as bot:
        share = block_actions_form(
            ACTION_SHARE,
            _button_value("중력파 검출", 0),
            response_url=fake.response_url("share-c999"),
            channel_id="C999",
            is_ephemeral=True,
        )
        assert bot.post(share)[0] == 200
        (reply,) = fake.wait_for("response_url")
        assert reply.params["text"] == CHANNEL_NOT_ALLOWED
        assert reply.params["response_type"] == "ephemeral"
        assert reply.params.get("replace_original") is False

        assert bot.post(event_json(app_mention_body("<@UBOT> 중력파", channel="C999")))[0] == 200
        (ephemeral,) = fake.wait_for("chat.postEphemeral")
        assert ephemeral.params["channel"] == "C999" and ephemeral.params["user"] == "U222"
        assert ephemeral.params["text"] == CHANNEL_NOT_ALLOWED

        # A slash command there is still answered privately, without a share button.
        fake.reset()
        command = slash_command_form(
            "중력파 검출", response_url=fake.response_url("cmd"), channel_id="C999"
        )
        assert bot.post(command)[0] == 200
        (answer,) = fake.wait_for("response_url")
        assert ACTION_SHARE not in json.dumps(answer.params["blocks"])

        # In an allowed channel the share goes through.
        fake.reset()
        allowed = block_actions_form(
            ACTION_SHARE,
            _button_value("중력파 검출", 0),
            response_url=fake.response_url("share-ok"),
            channel_id="CALLOWED",
            is_ephemeral=True,
        )
        bot.post(allowed)
        (posted,) = fake.wait_for("chat.postMessage")
        assert posted.params["channel"] == "CALLOWED"
        assert all(c.params.get("channel") != "C999" for c in fake.calls_to("chat.postMessage"))


# -- log lines -----------------------------------------------------------------------------------


def test_user_text_cannot_forge_a_log_line(fake: FakeSlackWebAPI, tmp_path: Path) -> None:
    forged = (
        "2026-01-01 00:00:00,000 INFO bot.slack.listeners: answered app_mention in channel: answer"
    )
    text = f"스톡홀름\n{forged}\r\n{forged}\x1b[2K"
    with running_http_bot(fake.base_url, tmp_path / "bot.log", BOT_LOG_QUESTIONS="1") as bot:
        bot.post(event_json(dm_message_body(text)))
        fake.wait_for("chat.postMessage")
        bot.stop()
        logs = bot.logs()
    lines = logs.splitlines()
    assert all(LOG_LINE.match(line) or line.startswith("    | ") for line in lines), lines
    assert not any(line.startswith("2026-01-01") for line in lines)
    assert "\\n2026-01-01" in logs and "\x1b" not in logs


def test_json_logs_have_one_object_per_line(fake: FakeSlackWebAPI, tmp_path: Path) -> None:
    with running_http_bot(fake.base_url, tmp_path / "bot.log", BOT_LOG_FORMAT="json") as bot:
        bot.post(event_json(dm_message_body("스톡홀름\n가짜 줄")))
        fake.wait_for("chat.postMessage")
        post_raw(bot, b"{bad", signed=False)
        post_raw(bot, b"{bad")
        assert bot.stop() == 0
        lines = bot.logs().splitlines()
    records = [json.loads(line) for line in lines]  # every line, the server's own included
    loggers = {r["logger"] for r in records}
    assert {"bot.slack.runners", "bot.slack.listeners"} <= loggers
    assert any("stopped" in r["message"] for r in records)

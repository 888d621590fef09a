"""Logs at DEBUG, from both real processes, hold no response_url, ticket, token or secret.

slack_sdk and Bolt log request bodies, URLs and Socket Mode messages at DEBUG; the bot's
filter has to catch what they print, so the scenarios run the real ``serve`` and
``socket`` processes through everything that carries a secret. Unit tests below pin the
shapes the filter knows and the caps and escapes of the formatter.
"""

from __future__ import annotations

import io
import json
import logging
import re
from pathlib import Path
from urllib.parse import quote

import pytest
from slack_fake import (
    FakeSlackWebAPI,
    FakeSocketModeServer,
    app_mention_body,
    block_actions_form,
    block_actions_payload,
    dm_message_body,
    slash_command_fields,
    slash_command_form,
    socket_mode_envelope_for_command,
    socket_mode_envelope_for_event,
    socket_mode_envelope_for_interactive,
)
from slack_process import (
    APP_TOKEN,
    BOT_TOKEN,
    SIGNING_SECRET,
    BotProcess,
    bot_env,
    event_json,
    running_http_bot,
)

from bot.logs import (
    MAX_MESSAGE_CHARS,
    REDACTED,
    JsonFormatter,
    RedactingFilter,
    TextFormatter,
    redact,
    redact_value,
)
from bot.slack.render import ACTION_NEXT, ACTION_SHARE, _button_value

SECRETS = (BOT_TOKEN, SIGNING_SECRET, APP_TOKEN)


def _leaks(logs: str, values: list[str]) -> list[str]:
    found = [v for v in [*SECRETS, *values] if v in logs]
    found += re.findall(r"ticket=(?!\[REDACTED\])[^&\s\"']+", logs)
    found += re.findall(r"xox[a-z]-(?!\[REDACTED\])[A-Za-z0-9-]+", logs)
    return found


def test_debug_logs_of_http_mode_hold_no_secrets(tmp_path: Path) -> None:
    with (
        FakeSlackWebAPI() as fake,
        running_http_bot(fake.base_url, tmp_path / "bot.log", BOT_LOG_LEVEL="DEBUG") as bot,
    ):
        urls = [fake.response_url(f"secret-path-{i}") for i in range(4)]
        bot.post(event_json(app_mention_body("<@UBOT> 스톡홀름 ICML")))
        bot.post(event_json(dm_message_body("렌덤 포레스트 비유")))
        bot.post(slash_command_form("중력파 검출", response_url=urls[0]))
        value = _button_value("베이지안 추론", 1)
        bot.post(block_actions_form(ACTION_NEXT, value, response_url=urls[1]))
        share = block_actions_form(
            ACTION_SHARE, _button_value("중력파 검출", 0), response_url=urls[2], is_ephemeral=True
        )
        bot.post(share)
        # Unsigned and wrongly signed requests that carry a response_url.
        bot.post(slash_command_form("x", response_url=urls[3]), secret="not-the-secret")
        bot.post(block_actions_form(ACTION_NEXT, value, response_url=urls[3]), secret="nope")
        fake.wait_for("chat.postMessage", count=3)
        fake.wait_for("response_url", count=3)
        assert bot.stop() == 0
        logs = bot.logs()
    assert " DEBUG slack_sdk" in logs and " DEBUG slack_bolt" in logs  # really at DEBUG
    assert REDACTED in logs  # the libraries did print secrets, and they were caught
    assert _leaks(logs, urls) == []


def test_debug_logs_of_socket_mode_hold_no_secrets(tmp_path: Path) -> None:
    with FakeSlackWebAPI() as api, FakeSocketModeServer(web_api=api) as server:
        handed_out: list[str] = []
        original = server.connection_url

        def connection_url() -> str:
            handed_out.append(original())
            return handed_out[-1]

        server.connection_url = connection_url  # type: ignore[method-assign]
        env = bot_env(
            api.base_url,
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_APP_TOKEN=APP_TOKEN,
            BOT_LOG_LEVEL="DEBUG",
        )
        proc = BotProcess(["socket"], env, tmp_path / "bot.log")
        try:
            server.wait_for_client(timeout=60)
            urls = [api.response_url(f"sock-secret-{i}") for i in range(2)]
            envelopes = [
                socket_mode_envelope_for_event(app_mention_body("<@UBOT> 스톡홀름 ICML")),
                socket_mode_envelope_for_command(
                    slash_command_fields("중력파 검출", response_url=urls[0])
                ),
                socket_mode_envelope_for_interactive(
                    block_actions_payload(
                        ACTION_NEXT, _button_value("베이지안 추론", 1), response_url=urls[1]
                    )
                ),
            ]
            for envelope in envelopes:
                server.send_envelope(envelope)
                server.wait_for_ack(envelope["envelope_id"])
            api.wait_for("response_url", count=2)
            before = len(handed_out)
            server.send_envelope({"type": "disconnect", "reason": "refresh_requested"})
            deadline_envelope = socket_mode_envelope_for_event(app_mention_body("<@UBOT> ICML"))
            server.send_envelope(deadline_envelope, timeout=10)
            server.wait_for_ack(deadline_envelope["envelope_id"], timeout=10)
            assert len(handed_out) > before  # a second ticket was issued and used
        finally:
            assert proc.stop() == 0
        logs = proc.logs()
    tickets = [u.split("ticket=")[1].split("&")[0] for u in handed_out]
    assert " DEBUG slack_sdk" in logs
    assert REDACTED in logs
    assert _leaks(logs, urls + tickets) == []


# -- the filter's shapes -------------------------------------------------------------------------

URL = "http://127.0.0.1:5555/response/abc"
HOOK = "https://hooks.slack.com/commands/T111/222/AbCdEf123456"
SHAPES = [
    f'{{"response_url": "{URL}", "text": "x"}}',
    f"{{'response_url': '{URL}', 'text': 'x'}}",
    f"token=abc&response_url={quote(URL, safe='')}&text=x",
    "payload=" + quote(json.dumps({"response_url": URL, "type": "block_actions"})),
    json.dumps({"body": json.dumps({"response_url": URL})}),  # JSON inside a JSON string
    f"Sending a request - url: {HOOK}, body: {{}}",
    "Connecting to wss://wss-primary.slack.com/link/?ticket=1234-abcd-5678&app_id=A1",
    "headers: {'Authorization': 'Bearer xoxb-1-2-3-abcdef'}",
    "token xoxp-123-456-789-abcdef and xapp-1-A111-222-abcdef and xoxe.xoxp-1-abc",
    "x-slack-signature: v0=" + "a" * 64,
    '{"token": "legacyverificationtoken", "type": "url_verification"}',
]


@pytest.mark.parametrize("text", SHAPES, ids=range(len(SHAPES)))
def test_secret_shapes_are_redacted(text: str) -> None:
    cleaned = redact(text)
    for secret in (
        URL,
        quote(URL, safe=""),
        HOOK,
        "1234-abcd-5678",
        "xoxb-1-2-3-abcdef",
        "xoxp-123",
        "xapp-1-A111",
        "a" * 64,
        "legacyverificationtoken",
    ):
        assert secret not in cleaned, cleaned
    assert REDACTED in cleaned


def test_values_learnt_at_run_time_are_redacted() -> None:
    url = "http://127.0.0.1:9/response/learnt-at-run-time"
    assert url in redact(f"Sending a request - url: {url}")
    redact_value(url)
    assert url not in redact(f"Sending a request - url: {url}")


def _format(formatter: logging.Formatter, message: str, *args: object, **kw: object) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    handler.addFilter(RedactingFilter([BOT_TOKEN]))
    logger = logging.getLogger(f"test.redaction.{id(formatter)}")
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    try:
        logger.debug(message, *args, **kw)  # type: ignore[arg-type]
    finally:
        logger.removeHandler(handler)
    return stream.getvalue()


def test_lines_are_capped_and_escaped_and_tracebacks_indented() -> None:
    out = _format(TextFormatter(), "body %s", "가" * 100_000 + "\nFAKE LINE")
    assert out.count("\n") == 1 and len(out) < MAX_MESSAGE_CHARS + 200
    assert "chars]" in out
    out = _format(TextFormatter(), "user said %r then\n2026-01-01 INFO forged", "a\rb")
    assert out.count("\n") == 1 and "\\n2026-01-01" in out
    try:
        raise ValueError(f"with {BOT_TOKEN}\nsecond line")
    except ValueError:
        out = _format(TextFormatter(), "failed", exc_info=True)
    first, *rest = out.rstrip("\n").split("\n")
    assert first.endswith("failed") and rest
    assert all(line.startswith("    | ") for line in rest)
    assert BOT_TOKEN not in out


def test_json_lines_are_capped_and_redacted() -> None:
    out = _format(JsonFormatter(), "token %s then %s", BOT_TOKEN, "x" * 50_000)
    record = json.loads(out)
    assert BOT_TOKEN not in out
    assert len(record["message"]) < MAX_MESSAGE_CHARS + 100

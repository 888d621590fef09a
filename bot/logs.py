"""Logging set-up: text or JSON lines, every secret redacted, every line bounded.

Every record of the process — ours, Bolt's, slack_sdk's, the HTTP server's, uncaught
exceptions in any thread, ``warnings`` — goes through one handler, so one filter and one
formatter see all of it:

- ``RedactingFilter`` replaces configured secrets (tokens, signing secret), values
  registered at run time (``redact_value``: each response_url the bot is handed) and
  anything shaped like a Slack secret (``xoxb-…``/``xapp-…`` tokens, ``ticket=`` of a
  Socket Mode URL, ``hooks.slack.com`` URLs, ``response_url`` fields in JSON, Python
  reprs and form bodies, bearer tokens, request signatures). It runs at every level,
  DEBUG included, and caps a record's message and traceback.
- The text formatter escapes line breaks and control characters in the message, so user
  text can never start a line of its own; traceback lines are indented under their record.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import threading
import time
from collections import deque
from collections.abc import Iterable
from types import TracebackType
from typing import Any

# Fields an answer log line may carry (passed with ``extra=``).
ANSWER_FIELDS = (
    "event",
    "channel_type",
    "status",
    "question_chars",
    "latency_ms",
    "question",
    "event_id",
)
MAX_MESSAGE_CHARS = 2000
MAX_TRACEBACK_CHARS = 8000
MAX_FIELD_CHARS = 500
REDACTED = "[REDACTED]"

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Slack tokens: bot/user/app-level/workflow tokens.
    (re.compile(r"\b(xox[a-z]|xapp|xwfp)-[A-Za-z0-9-]+"), r"\1-" + REDACTED),
    # A Socket Mode connection URL carries its one-time ticket in the query string.
    (re.compile(r"(ticket(?:=|%3D))[^&\s\"'\\,}]+", re.IGNORECASE), r"\1" + REDACTED),
    # Incoming webhooks and response URLs live on hooks.slack.com.
    (re.compile(r"https?://hooks\.slack\.com/[^\s\"'\\<>,}]+"), REDACTED),
    # "response_url": "…" in JSON, 'response_url': '…' in reprs, response_url=… in forms,
    # and the same inside JSON that was escaped or URL-encoded once more.
    (
        re.compile(r"(response_url(?:\\?[\"'])?\s*[:=]\s*(?:\\?[\"'])?)[^\"'\s&,}\\]+"),
        r"\1" + REDACTED,
    ),
    (
        re.compile(r"(response_url%22%3A(?:%20)?%22).*?(%22)", re.IGNORECASE),
        r"\1" + REDACTED + r"\2",
    ),
    # The legacy verification token inside payloads.
    (re.compile(r"([\"']token(?:\\?[\"'])\s*:\s*(?:\\?[\"']))[^\"'\\]+"), r"\1" + REDACTED),
    (re.compile(r"(\btoken=)[^&\s\"']+"), r"\1" + REDACTED),
    (re.compile(r"(Bearer\s+)[A-Za-z0-9._~+/=-]+"), r"\1" + REDACTED),
    (re.compile(r"\bv0=[0-9a-f]{64}\b"), "v0=" + REDACTED),
)
_CONTROL = {c: f"\\x{c:02x}" for c in (*range(0x00, 0x20), 0x7F) if c not in (9,)}
_CONTROL |= {10: "\\n", 13: "\\r", 0x85: "\\x85", 0x2028: "\\u2028", 0x2029: "\\u2029"}


class _Registry:
    """Values learnt at run time that must never be logged (bounded, most recent kept)."""

    def __init__(self, size: int = 1024) -> None:
        self._values: deque[str] = deque(maxlen=size)
        self._lock = threading.Lock()

    def add(self, value: str) -> None:
        if value and len(value) >= 6:
            with self._lock:
                if value not in self._values:
                    self._values.append(value)

    def values(self) -> list[str]:
        with self._lock:
            return list(self._values)


_RUNTIME = _Registry()


def redact_value(value: str | None) -> None:
    """Never log ``value`` from now on (e.g. a response_url: whoever has it can post)."""
    if value:
        _RUNTIME.add(value)


def cap(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, saying how much was cut."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}…[+{len(text) - limit} chars]"


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with known secrets, run-time secrets and secret-shaped values replaced."""
    for secret in (*secrets, *_RUNTIME.values()):
        if secret in text:
            text = text.replace(secret, REDACTED)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def escape_line(text: str) -> str:
    """One physical line: line breaks and control characters written as escapes."""
    return text.translate(_CONTROL)


class RedactingFilter(logging.Filter):
    """Redacts and caps a record's message, traceback and free-text fields, at every level."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s and len(s) >= 6]

    def _clean(self, text: str, limit: int) -> str:
        # Cap before and after: redaction of a huge text stays cheap, and stays bounded.
        return cap(redact(cap(text, limit * 4), self._secrets), limit)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string in a library's call: keep the template
            message = f"{record.msg!s} (arguments could not be formatted)"
        record.msg = self._clean(message, MAX_MESSAGE_CHARS)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._clean(record.exc_text, MAX_TRACEBACK_CHARS)
        record.exc_info = None  # formatted above; formatters use exc_text
        if record.stack_info:
            record.stack_info = self._clean(record.stack_info, MAX_TRACEBACK_CHARS)
        question = getattr(record, "question", None)
        if isinstance(question, str):
            record.question = self._clean(question, MAX_FIELD_CHARS)
        return True


class TextFormatter(logging.Formatter):
    """``time LEVEL logger: message`` on one line; a traceback follows, indented.

    A logged question (``BOT_LOG_QUESTIONS``) is appended as a JSON string, escapes and all.
    """

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        record.message = escape_line(record.getMessage())
        record.asctime = self.formatTime(record, self.datefmt)
        line = self.formatMessage(record)
        question = getattr(record, "question", None)
        if isinstance(question, str):
            line += " question=" + escape_line(json.dumps(question, ensure_ascii=False))
        extra = [t for t in (record.exc_text, record.stack_info) if t]
        for text in extra:
            line += "".join(f"\n    | {escape_line(part)}" for part in text.splitlines())
        return line


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ANSWER_FIELDS:
            if hasattr(record, key):
                data[key] = getattr(record, key)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            data["exception"] = record.exc_text
        return json.dumps(data, ensure_ascii=False, default=str)


def _log_uncaught(
    kind: type[BaseException], value: BaseException, tb: TracebackType | None, where: str
) -> None:
    logging.getLogger("bot.uncaught").error(
        "uncaught %s in %s", kind.__name__, where, exc_info=(kind, value, tb)
    )


def _thread_hook(args: Any) -> None:
    if args.exc_type is SystemExit:
        return
    name = args.thread.name if args.thread is not None else "a thread"
    _log_uncaught(args.exc_type, args.exc_value, args.exc_traceback, name)


def setup_logging(*, level: str = "INFO", fmt: str = "text", secrets: Iterable[str] = ()) -> None:
    """Configure the root logger once for the process (and route stray output through it)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(RedactingFilter(secrets))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    logging.captureWarnings(True)
    threading.excepthook = _thread_hook
    sys.excepthook = lambda kind, value, tb: _log_uncaught(kind, value, tb, "the main thread")

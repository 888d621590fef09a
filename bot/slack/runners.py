"""Run the Slack app: HTTP mode (waitress) or Socket Mode.

HTTP mode serves ``POST /slack/events`` (events, commands, interactivity) and
``GET /healthz`` with waitress, in this one process (no fork: Kiwi is built once, in the
process that uses it, and in-process signal handlers work). waitress's I/O loop reads
every request whole before a worker thread sees it, so idle or half-sent connections
cost a file descriptor and a small buffer each, not a thread; connections idle for
``CHANNEL_TIMEOUT`` seconds are closed, bodies over ``MAX_BODY_BYTES`` are answered 413
from their headers, and ``guard`` refuses unsigned or malformed requests before
Bolt parses them.

SIGHUP reloads the corpus in this same process (``LiveAnswerer.install_sighup``), in
both modes. On SIGTERM/SIGINT the server stops accepting, finishes the requests it is serving
(``HTTP_DRAIN_SECONDS`` at most), then ``SlackBot.drain`` finishes the answers in flight
and delivers what is queued; whatever is left when ``GRACEFUL_SECONDS`` run out is
reported with its event id.
"""

from __future__ import annotations

import contextlib
import json
import logging
import resource
import signal
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import BoltRequest, BoltResponse
from waitress import wasyncore
from waitress.server import create_server

from bot.config import ConfigError
from bot.reload import LiveAnswerer
from bot.slack.app import SlackBot
from bot.slack.guard import MAX_BODY_BYTES, Rejection, check_signature, parse_verified_body

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
GRACEFUL_SECONDS = 25  # the whole stop: HTTP drain + answers in flight + queued posts
HTTP_DRAIN_SECONDS = 5
HTTP_THREADS = 16
CONNECTION_LIMIT = 1000
CHANNEL_TIMEOUT = 15  # seconds a connection may stay silent (half-sent requests included)
LOOP_TIMEOUT = 0.25
REJECTION_LOG_INTERVAL = 10.0
StartResponse = Callable[..., Any]


class _RejectionLog:
    """Logs refused requests without letting a flood of them flood the log."""

    def __init__(self, interval: float = REJECTION_LOG_INTERVAL) -> None:
        self._interval = interval
        self._lock = threading.Lock()
        self._next = 0.0
        self._skipped = 0

    def __call__(self, rejection: Rejection) -> None:
        now = time.monotonic()
        with self._lock:
            if now < self._next:
                self._skipped += 1
                return
            skipped, self._skipped, self._next = self._skipped, 0, now + self._interval
        more = f" (and {skipped} more since the last report)" if skipped else ""
        log.warning("refused a request: %d %s%s", rejection.status, rejection.reason, more)


def _reply(
    start_response: StartResponse, status: int, body: str = "", content_type: str = "text/plain"
) -> list[bytes]:
    data = body.encode()
    reason = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found"}.get(status, "")
    headers = [
        ("Content-Type", f"{content_type}; charset=utf-8"),
        ("Content-Length", str(len(data))),
    ]
    start_response(f"{status} {reason}".strip(), headers)
    return [data]


def wsgi_app(
    bot: SlackBot, *, signing_secret: str, live: LiveAnswerer | None = None
) -> Callable[..., Iterable[bytes]]:
    """``/slack/events`` through ``guard`` into Bolt, plus a health check (naming
    the corpus version served when ``live`` is given)."""
    rejected = _RejectionLog()

    def refuse(start_response: StartResponse, rejection: Rejection) -> Iterable[bytes]:
        rejected(rejection)
        return _reply(start_response, rejection.status, rejection.reason + "\n")

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO"), environ.get("REQUEST_METHOD")
        if path == HEALTH_PATH and method in ("GET", "HEAD"):
            if live is None:
                body = _reply(start_response, 200, "ok\n")
            else:
                health = json.dumps(live.health()) + "\n"
                body = _reply(start_response, 200, health, content_type="application/json")
            return [] if method == "HEAD" else body
        if path != EVENTS_PATH or method != "POST":
            return _reply(start_response, 404, "not found\n")
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return refuse(start_response, Rejection(400, "malformed Content-Length"))
        if length > MAX_BODY_BYTES:  # waitress already answers 413 before reading
            return refuse(start_response, Rejection(413, "body too large"))
        raw = environ["wsgi.input"].read(length) if length > 0 else b""
        headers: dict[str, Any] = {
            key[5:].lower().replace("_", "-"): str(value)
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        headers["content-type"] = str(environ.get("CONTENT_TYPE") or "")
        rejection = check_signature(signing_secret, raw, headers)
        if rejection is not None:
            return refuse(start_response, rejection)
        text = parse_verified_body(raw, headers["content-type"])
        if isinstance(text, Rejection):
            return refuse(start_response, text)
        response = _dispatch(bot, text, environ.get("QUERY_STRING") or "", headers)
        if response is None:
            return refuse(start_response, Rejection(400, "Bolt could not read the request"))
        status = response.status
        start_response(
            f"{status} {'OK' if status == 200 else ''}".strip(),
            [(k, v) for k, values in response.headers.items() for v in values],
        )
        return [(response.body or "").encode()]

    return application


def _dispatch(bot: SlackBot, text: str, query: str, headers: dict[str, Any]) -> BoltResponse | None:
    try:
        request = BoltRequest(body=text, query=query, headers=headers)
    except (ValueError, TypeError, AttributeError, KeyError, IndexError):
        return None  # a verified body Bolt still cannot read: a client bug, not ours
    return bot.app.dispatch(request)


def _raise_fd_limit(wanted: int) -> int:
    """Lift the soft open-files limit towards ``wanted`` (within the hard limit)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
    return soft


class _StopFlag:
    """Set by SIGTERM/SIGINT; the serving loops poll it."""

    def __init__(self) -> None:
        self.event = threading.Event()

    def install(self) -> None:
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._on_signal)

    def _on_signal(self, signum: int, _frame: Any) -> None:
        if not self.event.is_set():
            log.info("signal %d: stopping", signum)
        self.event.set()


def serve_http(
    bot: SlackBot,
    *,
    host: str,
    port: int,
    log_level: str = "info",
    live: LiveAnswerer | None = None,
) -> int:
    """Serve until SIGTERM/SIGINT, drain, and return 0 (SIGHUP reloads ``live``)."""
    del log_level  # waitress logs through the root logger, like everything else
    stop = _StopFlag()
    stop.install()
    if live is not None:
        live.install_sighup()
    fds = _raise_fd_limit(CONNECTION_LIMIT + 200)
    channels: dict[int, Any] = {}
    server = create_server(
        wsgi_app(bot, signing_secret=_signing_secret(bot), live=live),
        map=channels,
        host=host,
        port=port,
        threads=HTTP_THREADS,
        connection_limit=max(min(CONNECTION_LIMIT, fds - 100), 50),
        channel_timeout=CHANNEL_TIMEOUT,
        cleanup_interval=max(CHANNEL_TIMEOUT // 3, 1),
        max_request_body_size=MAX_BODY_BYTES,
        max_request_header_size=64 * 1024,
        asyncore_use_poll=True,
        ident="icml2018-bot",
        clear_untrusted_proxy_headers=True,
    )
    log.info("HTTP mode: listening on %s:%d (%s, %s)", host, port, EVENTS_PATH, HEALTH_PATH)
    while not stop.event.is_set():
        wasyncore.loop(timeout=LOOP_TIMEOUT, map=channels, use_poll=True, count=1)
    started = time.monotonic()
    _stop_http(server, channels)
    left = bot.drain(max(GRACEFUL_SECONDS - (time.monotonic() - started), 1.0))
    log.info("HTTP mode: stopped (%d answer(s) undelivered)", left)
    return 0


def _signing_secret(bot: SlackBot) -> str:
    if not bot.signing_secret:
        raise ConfigError("필요한 환경 변수가 설정되지 않았습니다: SLACK_SIGNING_SECRET")
    return bot.signing_secret


def _stop_http(server: Any, channels: dict[int, Any]) -> None:
    """Stop accepting, let the requests being served finish, then close everything."""
    wasyncore.dispatcher.close(server)  # the listening socket only
    deadline = time.monotonic() + HTTP_DRAIN_SECONDS
    while time.monotonic() < deadline and any(_busy(ch) for ch in list(channels.values())):
        wasyncore.loop(timeout=0.05, map=channels, use_poll=True, count=1)
    server.task_dispatcher.shutdown(cancel_pending=True, timeout=1)
    wasyncore.close_all(channels)


def _busy(channel: Any) -> bool:
    return bool(getattr(channel, "requests", None)) or bool(
        getattr(channel, "total_outbufs_len", 0)
    )


def serve_socket_mode(bot: SlackBot, *, app_token: str, live: LiveAnswerer | None = None) -> int:
    """Connect over Socket Mode and answer until SIGTERM/SIGINT, then drain and exit 0."""
    from bot.slack.socket_client import connect_socket_mode

    stop = _StopFlag()
    stop.install()
    if live is not None:
        live.install_sighup()
    handler = connect_socket_mode(bot, app_token=app_token)
    log.info("Socket Mode: connected")
    while not stop.event.wait(0.5):
        pass
    started = time.monotonic()
    handler.close()
    left = bot.drain(max(GRACEFUL_SECONDS - (time.monotonic() - started), 1.0))
    log.info("Socket Mode: stopped (%d answer(s) undelivered)", left)
    return 0

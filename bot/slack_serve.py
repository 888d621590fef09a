"""Run the Slack app: HTTP mode (Bolt's WSGI adapter under gunicorn) or Socket Mode.

HTTP mode serves ``POST /slack/events`` (events, commands, interactivity) and
``GET /healthz``. One gunicorn worker with threads: the index lives in memory
once, Kiwi is thread-safe, and the app is built before the worker forks
(``preload_app``) so ``/healthz`` answers 200 from the first request. On
SIGTERM gunicorn stops accepting requests, finishes those in flight, and the
worker drains Bolt's listener pool before it exits.
"""

from __future__ import annotations

import json
import logging
import signal
import threading
from collections.abc import Callable, Iterable
from typing import Any

from gunicorn.app.base import BaseApplication
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.reload import LiveAnswerer
from bot.slack_app import SlackBot

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
GRACEFUL_SECONDS = 25
HTTP_THREADS = 16


def wsgi_app(bot: SlackBot, live: LiveAnswerer | None = None) -> Callable[..., Iterable[bytes]]:
    """Bolt's WSGI handler plus a health check (naming the corpus version served)."""
    slack = SlackRequestHandler(bot.app, path=EVENTS_PATH)

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH and environ.get("REQUEST_METHOD") in (
            "GET",
            "HEAD",
        ):
            if live is None:
                start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8")])
                return [b"ok\n"]
            start_response("200 OK", [("Content-Type", "application/json")])
            return [json.dumps(live.health()).encode() + b"\n"]
        return slack(environ, start_response)

    return application


class _Gunicorn(BaseApplication):
    def __init__(
        self,
        application: Callable[..., Any],
        bot: SlackBot,
        options: dict[str, Any],
        live: LiveAnswerer | None = None,
    ):
        self._application = application
        self._bot = bot
        self._options = options
        self._live = live
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)
        bot = self._bot
        self.cfg.set("worker_exit", lambda server, worker: bot.drain())
        live = self._live
        if live is not None:
            # SIGHUP: gunicorn's master runs this, then starts a fresh worker from its memory
            # and stops the old one gracefully. The master rebuilds, not the worker: Kiwi's
            # analysis threads do not survive the fork (a batch analysis there never returns).
            # A server that does not fork calls ``live.install_sighup()`` instead, as Socket
            # Mode does below.
            self.cfg.set("on_reload", lambda arbiter: live.reload())

    def load(self) -> Callable[..., Any]:
        return self._application


def serve_http(
    bot: SlackBot,
    *,
    host: str,
    port: int,
    log_level: str = "info",
    live: LiveAnswerer | None = None,
) -> int:
    """Serve until SIGTERM/SIGINT; returns gunicorn's exit status (0 on a clean stop)."""
    options = {
        "bind": f"{host}:{port}",
        "workers": 1,
        "worker_class": "gthread",
        "threads": HTTP_THREADS,
        "graceful_timeout": GRACEFUL_SECONDS,
        "timeout": 30,
        "keepalive": 5,
        "preload_app": True,
        "accesslog": None,
        "loglevel": log_level.lower(),
        "proc_name": "icml2018-bot",
    }
    log.info("HTTP mode: listening on %s:%d (%s, %s)", host, port, EVENTS_PATH, HEALTH_PATH)
    try:
        _Gunicorn(wsgi_app(bot, live), bot, options, live).run()
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def serve_socket_mode(bot: SlackBot, *, app_token: str, live: LiveAnswerer | None = None) -> int:
    """Connect over Socket Mode and answer until SIGTERM/SIGINT, then drain and exit 0."""
    handler = SocketModeHandler(bot.app, app_token=app_token)
    stop = threading.Event()

    def on_signal(signum: int, _frame: Any) -> None:
        log.info("signal %d: closing the Socket Mode connection", signum)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    if live is not None:
        live.install_sighup()
    handler.connect()
    log.info("Socket Mode: connected")
    stop.wait()
    handler.close()
    bot.drain()
    log.info("Socket Mode: stopped")
    return 0

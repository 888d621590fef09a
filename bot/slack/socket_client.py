"""Socket Mode: Bolt's handler over slack_sdk's built-in client, with two fixes.

- Every envelope is acked, handled or not: Bolt's handler sends no ack when the app
  answers anything but 200 or when dispatch raises, and Slack then redelivers it.
- A reconnect does not stall on the old connection. After Slack's ``disconnect``
  message the built-in client opens the new connection, then closes the old one — which
  waits for the old connection's reader to give up its lock, up to the socket's 3 s read
  timeout when the old connection has gone silent; meanwhile envelopes arriving on the
  new connection wait unread, and Slack wants them acked within 3 s. Here the old socket
  is shut down first, which wakes its reader at once.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import time
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.socket_mode.base_handler import BaseSocketModeHandler
from slack_bolt.adapter.socket_mode.internals import run_bolt_app, send_response
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.builtin import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from bot.config import ConfigError
from bot.slack.app import BAD_TOKEN_ERRORS, SlackBot
from bot.slack.guard import shape_problem

log = logging.getLogger(__name__)


class QuickReconnectClient(SocketModeClient):
    """The built-in client whose old connection is shut down before it is closed."""

    def connect(self) -> None:
        old = self.current_session
        if old is not None:
            _shut_down(getattr(old, "sock", None))
        super().connect()

    def close(self) -> None:
        """Stop at once: a silent connection would hold ``close`` for the read timeout."""
        if self.current_session is not None:
            _shut_down(getattr(self.current_session, "sock", None))
        super().close()


def _shut_down(sock: socket.socket | None) -> None:
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


class AckingHandler(BaseSocketModeHandler):
    """Bolt's Socket Mode handler that acks every envelope, whatever becomes of it."""

    def __init__(self, app: App, *, app_token: str) -> None:
        self.app = app
        self.app_token = app_token
        self.client = QuickReconnectClient(
            app_token=app_token,
            web_client=app.client,
            logger=logging.getLogger("slack_sdk.socket_mode"),
        )
        self.client.socket_mode_request_listeners.append(self.handle)

    def handle(self, client: Any, req: SocketModeRequest) -> None:
        started = time.time()
        problem = shape_problem(req.payload)
        if problem is not None:
            log.warning("ignored a Socket Mode %s envelope: %s", req.type, problem)
            self._ack(client, req)
            return
        try:
            response = run_bolt_app(self.app, req)
        except Exception as exc:
            log.warning(
                "could not process a Socket Mode %s envelope (%s)", req.type, type(exc).__name__
            )
            self._ack(client, req)
            return
        if response.status == 200:
            send_response(client, req, response, started)
        else:
            log.info("acked a Socket Mode %s envelope answered %d", req.type, response.status)
            self._ack(client, req)

    @staticmethod
    def _ack(client: Any, req: SocketModeRequest) -> None:
        with contextlib.suppress(Exception):
            client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))


def connect_socket_mode(bot: SlackBot, *, app_token: str) -> AckingHandler:
    """Check the app token, connect, and return the handler (``close()`` it to stop)."""
    handler = AckingHandler(bot.app, app_token=app_token)
    try:
        handler.connect()
    except SlackApiError as exc:
        handler.close()
        error = str(exc.response.get("error") or exc.response.status_code)
        if error in BAD_TOKEN_ERRORS or error == "not_allowed":
            raise ConfigError(
                f"SLACK_APP_TOKEN을 Slack이 받아들이지 않습니다({error}). "
                "connections:write 권한이 있는 앱 수준 토큰(xapp-…)인지 확인하세요 "
                "(deploy/README.md)."
            ) from None
        raise
    return handler

"""The Bolt app: its settings, global middleware and listeners, and the error handler.

What each request does is in ``middleware`` (whether a message is a question for us)
and ``listeners`` (the answer and where it goes); this module only wires them up.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from slack_bolt import App, BoltResponse
from slack_bolt.error import BoltError, BoltUnhandledRequestError
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.answer import Answerer
from bot.config import Config, ConfigError
from bot.reload import LiveAnswerer
from bot.slack.listeners import Listeners
from bot.slack.middleware import global_middleware
from bot.slack.outbox import Outbox, SlackSender, Undelivered, report_undelivered
from bot.slack.render import (
    ACTION_FOLLOWING_PARAGRAPH,
    ACTION_FULL,
    ACTION_NEXT,
    ACTION_PREVIOUS_PARAGRAPH,
    ACTION_SHARE,
    ACTION_VOTE_DOWN,
    ACTION_VOTE_UP,
)
from bot.slack.threads import SUBSCRIPTIONS
from bot.store.base import Store

log = logging.getLogger(__name__)

COMMAND = "/icml2018"
# "message" arrives as message.im (DMs) and message.channels/.groups (thread follow-ups).
HOME_EVENT = "app_home_opened"  # the user opened the bot's Home tab
EVENTS = ("app_mention", "message", HOME_EVENT)
EVENT_SUBSCRIPTIONS = (*SUBSCRIPTIONS, HOME_EVENT)  # what the app manifests subscribe to
ACTIONS = (
    ACTION_SHARE,
    ACTION_NEXT,
    ACTION_VOTE_UP,
    ACTION_VOTE_DOWN,
    ACTION_FULL,
    ACTION_PREVIOUS_PARAGRAPH,
    ACTION_FOLLOWING_PARAGRAPH,
)
# Web API methods the listeners call (the app manifest's scopes must cover them).
WEB_API_METHODS = ("auth.test", "chat.postMessage", "chat.postEphemeral", "views.publish")
LISTENER_THREADS = 16
SHUTDOWN_GRACE_SECONDS = 20
BAD_TOKEN_ERRORS = frozenset(
    {
        "invalid_auth",
        "not_authed",
        "token_revoked",
        "token_expired",
        "account_inactive",
        "not_allowed_token_type",
        "invalid_token",
    }
)


def web_client(config: Config) -> WebClient:
    """A Web API client with bounded retries for rate limits, 5xx and dropped connections."""
    return WebClient(
        token=config.slack_bot_token,
        base_url=config.slack_api_url,
        timeout=10,
        retry_handlers=[
            RateLimitErrorRetryHandler(max_retry_count=2),
            ServerErrorRetryHandler(max_retry_count=2),
            ConnectionErrorRetryHandler(max_retry_count=2),
        ],
    )


def outbox_client(config: Config) -> WebClient:
    """The client the outbox posts with: no built-in retries (the outbox retries itself)."""
    return WebClient(
        token=config.slack_bot_token,
        base_url=config.slack_api_url,
        timeout=10,
        retry_handlers=[],
    )


@dataclass
class SlackBot:
    """The Bolt app with what it needs to shut down cleanly."""

    app: App
    executor: ThreadPoolExecutor
    outbox: Outbox
    signing_secret: str | None = None

    def drain(self, timeout: float = SHUTDOWN_GRACE_SECONDS) -> int:
        """Finish answers in flight, then deliver what is queued for up to ``timeout`` s.

        Bolt runs listeners on ``executor`` (they only compute answers, so this is quick);
        the outbox reports what it could not deliver. Returns how many were left.
        """
        started = time.monotonic()
        self.executor.shutdown(wait=True, cancel_futures=False)
        return len(self.outbox.drain(max(timeout - (time.monotonic() - started), 0.0)))


def _app_with_checked_token(settings: dict[str, Any]) -> App:
    """The Bolt app, after Bolt's start-up ``auth.test`` (so no request waits for it later).

    A wrong or revoked token is a ConfigError (one Korean line, exit 2); if Slack cannot
    be reached, the app starts anyway and Bolt checks the token on the first request.
    """
    try:
        return App(**settings, token_verification_enabled=True)
    except BoltError as exc:  # Bolt wraps the failed auth.test's SlackApiError
        cause = exc.__cause__ or exc.__context__
        if not isinstance(cause, SlackApiError):
            raise
        error = str(cause.response.get("error") or cause.response.status_code)
        if error in BAD_TOKEN_ERRORS:
            raise ConfigError(
                f"SLACK_BOT_TOKEN을 Slack이 받아들이지 않습니다({error}). "
                "토큰이 맞는지, 취소되지 않았는지 확인하세요 (deploy/README.md)."
            ) from None
        log.warning("auth.test answered %s; starting anyway", error)
    except OSError as exc:
        log.warning("could not reach Slack to check the bot token (%s)", exc.__class__.__name__)
    return App(**settings, token_verification_enabled=False)


def build_app(
    config: Config,
    answerer: Answerer | LiveAnswerer,
    *,
    client: WebClient | None = None,
    for_socket_mode: bool = False,
    store: Store | None = None,
    on_undelivered: Callable[[list[Undelivered]], None] = report_undelivered,
) -> SlackBot:
    """The Bolt app with every listener registered; ``store`` defaults to process memory.

    ``on_undelivered`` receives every answer the outbox gives up on (after its retries,
    or at shutdown), with its event id: the place to persist them for a later delivery.
    """
    executor = ThreadPoolExecutor(max_workers=LISTENER_THREADS, thread_name_prefix="listener")
    settings: dict[str, Any] = {
        "client": client or web_client(config),
        "signing_secret": config.slack_signing_secret
        or ("socket-mode" if for_socket_mode else None),
        "request_verification_enabled": not for_socket_mode,
        "listener_executor": executor,
        "process_before_response": False,
        "raise_error_for_unhandled_request": True,  # see on_error: acked with 200, not 404
    }
    app = _app_with_checked_token(settings)
    if store is None:
        from bot.store.factory import policy_of
        from bot.store.memory import MemoryStore

        store = MemoryStore(policy_of(config))
    outbox = Outbox(SlackSender(client or outbox_client(config)), on_undelivered=on_undelivered)
    for middleware in global_middleware(config, store, outbox):
        app.use(middleware)
    listeners = Listeners(answerer, config, store, outbox)
    for event in EVENTS:
        if event != HOME_EVENT:
            app.event(event)(listeners.on_message)
    app.event(HOME_EVENT)(listeners.on_home)
    app.command(COMMAND)(listeners.on_command)
    app.action(ACTION_SHARE)(listeners.on_share)
    app.action(ACTION_NEXT)(listeners.on_next)
    app.action(ACTION_VOTE_UP)(listeners.on_vote)
    app.action(ACTION_VOTE_DOWN)(listeners.on_vote)
    app.action(ACTION_FULL)(listeners.on_full)
    app.action(ACTION_PREVIOUS_PARAGRAPH)(listeners.on_paragraph)
    app.action(ACTION_FOLLOWING_PARAGRAPH)(listeners.on_paragraph)

    @app.error
    def on_error(error: Exception, body: dict[str, Any]) -> BoltResponse | None:
        if isinstance(error, BoltUnhandledRequestError):
            # Event types, actions and envelopes we have no listener for: ack them, so that
            # Slack neither retries them nor shows the user an error.
            log.debug("acked a request no listener handles (%s)", _dict(body).get("type"))
            return BoltResponse(status=200, body="")
        log.error(
            "unhandled error in a listener (%s): %s",
            _dict(body).get("type"),
            error.__class__.__name__,
            exc_info=error,
        )
        return None

    return SlackBot(
        app=app, executor=executor, outbox=outbox, signing_secret=config.slack_signing_secret
    )


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}

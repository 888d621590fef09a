"""The Slack app: Bolt listeners that call ``Answerer.answer`` and send its rendering.

Listeners decide only *where* an answer goes (thread, DM, ephemeral, channel);
*what* to answer comes from ``Answerer`` and how it looks from ``slack_render``.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, BoltRequest, Respond, Say
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.answer import Answer, Answerer
from bot.config import Config
from bot.dedupe import SeenEvents
from bot.reload import LiveAnswerer
from bot.slack_render import (
    ACTION_NEXT,
    ACTION_SHARE,
    Message,
    answer_message,
    error_message,
    help_message,
    parse_button_value,
)

log = logging.getLogger(__name__)

COMMAND = "/icml2018"
EVENTS = ("app_mention", "message")  # "message" arrives as message.im (DMs)
ACTIONS = (ACTION_SHARE, ACTION_NEXT)
# Web API methods the listeners call (the app manifest's scopes must cover them).
WEB_API_METHODS = ("auth.test", "chat.postMessage", "chat.postEphemeral")
HELP_WORDS = {"", "help", "도움말", "도움", "사용법", "?"}
LISTENER_THREADS = 16
SHARE_FAILED = (
    "채널에 공유하지 못했어요. "
    "봇이 이 채널에 없다면 `/invite @icml2018`로 초대한 뒤 다시 눌러 주세요."
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


@dataclass
class SlackBot:
    """The Bolt app with what it needs to shut down cleanly."""

    app: App
    executor: ThreadPoolExecutor

    def drain(self) -> None:
        """Finish answers in flight (Bolt runs listeners on ``executor``)."""
        self.executor.shutdown(wait=True, cancel_futures=False)


def is_retry(request: BoltRequest) -> bool:
    """Slack redelivery (HTTP ``X-Slack-Retry-Num``; Socket Mode ``retry_attempt`` > 0)."""
    values = request.headers.get("x-slack-retry-num") or []
    try:
        return any(int(v) > 0 for v in values)
    except ValueError:
        return True


def _event_kind(event: dict[str, Any]) -> str:
    return "app_mention" if event.get("type") == "app_mention" else "message.im"


class Handlers:
    """The listener bodies, kept apart from Bolt's registration for readability."""

    def __init__(self, answerer: Answerer | LiveAnswerer, config: Config) -> None:
        self.answerer = answerer
        self.config = config
        self.seen = SeenEvents()

    # -- shared -----------------------------------------------------------------

    def _answer(self, question: str, *, event: str, channel_type: str) -> Answer | None:
        started = time.perf_counter()
        try:
            answer = self.answerer.answer(question, k=self.config.candidates)
        except Exception:
            log.exception("answer failed", extra={"event": event, "channel_type": channel_type})
            return None
        extra: dict[str, Any] = {
            "event": event,
            "channel_type": channel_type,
            "status": answer.status,
            "question_chars": len(question),
            "latency_ms": round((time.perf_counter() - started) * 1000, 2),
        }
        if self.config.log_questions:
            extra["question"] = question
        log.info(
            "answered %s in %s: %s (%d chars, %.1f ms)",
            event,
            channel_type,
            answer.status,
            len(question),
            extra["latency_ms"],
            extra=extra,
        )
        return answer

    def _duplicate(self, body: dict[str, Any], request: BoltRequest) -> bool:
        if is_retry(request):
            log.info("ignored Slack retry of %s", body.get("event_id"))
            return True
        event_id = body.get("event_id")
        if event_id and not self.seen.first_time(str(event_id)):
            log.info("ignored duplicate delivery of %s", event_id)
            return True
        return False

    # -- events -----------------------------------------------------------------

    def on_event(
        self, body: dict[str, Any], event: dict[str, Any], request: BoltRequest, say: Say
    ) -> None:
        kind = _event_kind(event)
        if event.get("bot_id") or event.get("subtype"):
            return  # bot messages, edits and deletions are not questions
        if kind == "message.im" and event.get("channel_type") != "im":
            return  # channel messages reach us only as mentions
        if self._duplicate(body, request):
            return
        channel = event.get("channel")
        if kind == "app_mention" and not self.config.channel_allowed(channel):
            log.info("mention ignored: channel not in BOT_ALLOWED_CHANNELS")
            return
        answer = self._answer(
            event.get("text") or "", event=kind, channel_type=event.get("channel_type") or "channel"
        )
        message = error_message() if answer is None else answer_message(answer)
        thread_ts = event.get("thread_ts") or (event.get("ts") if kind == "app_mention" else None)
        self._send(say, message, thread_ts=thread_ts)

    def _send(self, say: Say, message: Message, *, thread_ts: str | None) -> None:
        try:
            say(**message.as_kwargs(), thread_ts=thread_ts, unfurl_links=False)
        except SlackApiError as exc:
            log.error("chat.postMessage failed: %s", exc.response.get("error"))

    # -- slash command ------------------------------------------------------------

    def on_command(self, ack: Ack, command: dict[str, Any], respond: Respond) -> None:
        ack()
        text = (command.get("text") or "").strip()
        if text.lower() in HELP_WORDS:
            self._respond(respond, help_message(), response_type="ephemeral")
            return
        answer = self._answer(
            text, event="slash_command", channel_type=_channel_type(command.get("channel_id"))
        )
        message = error_message() if answer is None else answer_message(answer, shareable=True)
        self._respond(respond, message, response_type="ephemeral")

    @staticmethod
    def _respond(respond: Respond, message: Message, **kwargs: Any) -> bool:
        try:
            response = respond(**message.as_kwargs(), **kwargs)
        except Exception as exc:  # the response_url client raises on network errors
            log.error("response_url post failed: %s", exc.__class__.__name__)
            return False
        if response.status_code >= 300:
            log.warning("response_url answered %s (expired or invalid)", response.status_code)
            return False
        return True

    # -- buttons ---------------------------------------------------------------------

    def on_share(
        self,
        ack: Ack,
        body: dict[str, Any],
        action: dict[str, Any],
        client: WebClient,
        respond: Respond,
    ) -> None:
        ack()
        parsed = parse_button_value(action.get("value") or "")
        channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
            "channel_id"
        )
        if parsed is None or not channel:
            return
        question, position = parsed
        answer = self._answer(question, event="share", channel_type=_channel_type(channel))
        if answer is None:
            self._respond(
                respond, error_message(), response_type="ephemeral", replace_original=False
            )
            return
        user = (body.get("user") or {}).get("id")
        message = answer_message(answer, position=position, shared_by=user)
        try:
            client.chat_postMessage(channel=channel, **message.as_kwargs(), unfurl_links=False)
        except SlackApiError as exc:
            log.error("sharing to channel failed: %s", exc.response.get("error"))
            self._respond(
                respond,
                Message(SHARE_FAILED, []),
                response_type="ephemeral",
                replace_original=False,
            )
            return
        self._respond(respond, Message("채널에 공유했어요.", []), delete_original=True)

    def on_next(
        self, ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond
    ) -> None:
        ack()
        parsed = parse_button_value(action.get("value") or "")
        if parsed is None:
            return
        question, position = parsed
        answer = self._answer(question, event="next_passage", channel_type="button")
        if answer is None:
            return
        ephemeral = bool((body.get("container") or {}).get("is_ephemeral"))
        message = answer_message(answer, position=position, shareable=ephemeral)
        self._respond(respond, message, replace_original=True)


def _channel_type(channel_id: str | None) -> str:
    prefix = (channel_id or " ")[0]
    return {"D": "im", "G": "group", "C": "channel"}.get(prefix, "unknown")


def build_app(
    config: Config,
    answerer: Answerer | LiveAnswerer,
    *,
    client: WebClient | None = None,
    for_socket_mode: bool = False,
) -> SlackBot:
    """The Bolt app with every listener registered."""
    executor = ThreadPoolExecutor(max_workers=LISTENER_THREADS, thread_name_prefix="listener")
    app = App(
        client=client or web_client(config),
        signing_secret=config.slack_signing_secret or ("socket-mode" if for_socket_mode else None),
        request_verification_enabled=not for_socket_mode,
        token_verification_enabled=False,
        listener_executor=executor,
        process_before_response=False,
    )
    handlers = Handlers(answerer, config)
    for event in EVENTS:
        app.event(event)(handlers.on_event)
    app.command(COMMAND)(handlers.on_command)
    app.action(ACTION_SHARE)(handlers.on_share)
    app.action(ACTION_NEXT)(handlers.on_next)

    @app.error
    def on_error(error: Exception, body: dict[str, Any]) -> None:
        log.error(
            "unhandled error in a listener (%s): %s",
            body.get("type"),
            error.__class__.__name__,
            exc_info=error,
        )

    return SlackBot(app=app, executor=executor)

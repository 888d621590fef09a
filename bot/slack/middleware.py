"""Bolt global middleware: what decides whether a message event is a question for us.

Shaped like bolt-python's own ``slack_bolt/middleware/`` (e.g. ``IgnoringSelfEvents``):
each class has one job, runs before any listener, and either calls ``next()`` or acks
the request and stops the chain (so Slack neither retries nor shows an error). They
apply to message events only (``app_mention`` and ``message``); every other request
passes straight through. In order:

1. ``IgnoringNonQuestions``: bot messages, edits and deletions (any ``subtype``),
   events without a channel, and plain channel chatter (neither a mention, a DM nor
   a thread reply meant for the bot).
2. ``AllowedChannels``: BOT_ALLOWED_CHANNELS; a mention elsewhere is told why, privately.
3. ``ThreadFollowUps``: a thread reply is for us only in a thread the bot answered; the
   thread's saved context is put in ``context["thread"]`` for the listener.
4. ``AnsweringOnce``: Slack's retries and other replicas' deliveries of an event being
   (or already) answered, through the store's claim; the claim is in
   ``context["event_claim"]`` and the listener finishes it.

They run on the thread that acks the request, as all Bolt middleware does; the store
calls here are single indexed reads/writes, and the store falls back to memory when the
database is away (bot/store/resilient.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware

from bot.config import Config
from bot.slack.outbox import POST_EPHEMERAL, Delivery, Outbox
from bot.slack.threads import DM, MENTION, event_kind, is_thread_reply_for_us, thread_key
from bot.store.base import Store

log = logging.getLogger(__name__)

MESSAGE_EVENTS = ("app_mention", "message")
# What the middleware leaves in Bolt's context for the message listener.
KIND = "question_kind"  # MENTION, DM, or a thread reply's channel type (threads.event_kind)
THREAD_KEY = "thread_key"
THREAD = "thread"  # the ThreadContext of the thread answered before, or None
EVENT_CLAIM = "event_claim"  # the event id this process claimed ("" when Slack sent none)

CHANNEL_NOT_ALLOWED = (
    "죄송해요, 이 채널에서는 봇이 글을 올리지 않도록 설정되어 있어요. "
    "DM이나 `/icml2018 질문`으로 물어보시면 나에게만 보이게 답해 드릴게요."
)

Next = Callable[[], BoltResponse]


def message_event(req: BoltRequest) -> dict[str, Any] | None:
    """The event of an ``app_mention``/``message`` delivery, else None (not ours to filter)."""
    event = req.body.get("event") if req.body.get("type") == "event_callback" else None
    if isinstance(event, dict) and event.get("type") in MESSAGE_EVENTS:
        return event
    return None


def retry_num(request: BoltRequest) -> int:
    """Slack redelivery count (HTTP ``X-Slack-Retry-Num``; Socket Mode ``retry_attempt``)."""
    values = request.headers.get("x-slack-retry-num") or []
    try:
        return max((int(v) for v in values), default=0)
    except ValueError:
        return 1


def request_id(body: dict[str, Any]) -> str:
    """What identifies a request in logs: the event id, else the interaction's trigger id."""
    return str(body.get("event_id") or body.get("trigger_id") or "-")


def may_post_in(config: Config, channel: str | None) -> bool:
    """BOT_ALLOWED_CHANNELS holds for every post into a channel; DMs are always fine."""
    return (channel or "").startswith("D") or config.channel_allowed(channel)


class IgnoringNonQuestions(Middleware):
    """Drops message events that are no question: bot messages, subtypes, chatter."""

    def process(self, *, req: BoltRequest, resp: BoltResponse, next: Next) -> BoltResponse:
        event = message_event(req)
        if event is None:
            return next()
        kind = event_kind(event)
        channel = event.get("channel")
        if event.get("bot_id") or event.get("subtype") or kind is None:
            return req.context.ack()  # bot messages, edits and deletions are not questions
        if not isinstance(channel, str) or not channel:
            return req.context.ack()
        if kind not in (MENTION, DM) and not is_thread_reply_for_us(event, req.context.bot_user_id):
            return req.context.ack()  # channel chatter; mentions arrive as app_mention
        req.context[KIND] = kind
        return next()


class AllowedChannels(Middleware):
    """BOT_ALLOWED_CHANNELS for mentions and thread replies (DMs are always answered)."""

    def __init__(self, config: Config, outbox: Outbox) -> None:
        self.config = config
        self.outbox = outbox

    def process(self, *, req: BoltRequest, resp: BoltResponse, next: Next) -> BoltResponse:
        event = message_event(req)
        kind = req.context.get(KIND)
        if event is None or kind is None or kind == DM:
            return next()
        channel = str(event.get("channel"))
        if may_post_in(self.config, channel):
            return next()
        what = "mention" if kind == MENTION else "thread reply"
        log.info("%s ignored: channel not in BOT_ALLOWED_CHANNELS", what)
        user = event.get("user")
        if kind == MENTION and isinstance(user, str) and user:
            params = {"channel": channel, "user": user, "text": CHANNEL_NOT_ALLOWED}
            self.outbox.put(Delivery(POST_EPHEMERAL, request_id(req.body), params))
        return req.context.ack()


class ThreadFollowUps(Middleware):
    """Loads the thread's saved context; a thread reply outside the bot's threads stops."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def process(self, *, req: BoltRequest, resp: BoltResponse, next: Next) -> BoltResponse:
        event = message_event(req)
        kind = req.context.get(KIND)
        if event is None or kind is None:
            return next()
        key = thread_key(event, kind)
        previous = self.store.get_thread(key) if key else None
        if kind not in (MENTION, DM) and previous is None:
            log.debug("message in a thread the bot did not answer: ignored")
            return req.context.ack()
        req.context[THREAD_KEY] = key
        req.context[THREAD] = previous
        return next()


class AnsweringOnce(Middleware):
    """One answer per event, across Slack's retries and replicas (the store's claim)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def process(self, *, req: BoltRequest, resp: BoltResponse, next: Next) -> BoltResponse:
        if message_event(req) is None or req.context.get(KIND) is None:
            return next()
        claimed = str(req.body.get("event_id") or "")
        if claimed and not self.store.claim_event(claimed):
            log.info(
                "ignored delivery of %s (retry %d): answered or being answered",
                claimed,
                retry_num(req),
            )
            return req.context.ack()
        req.context[EVENT_CLAIM] = claimed
        return next()


def global_middleware(config: Config, store: Store, outbox: Outbox) -> list[Middleware]:
    """The chain ``build_app`` registers with ``app.use``, in order."""
    return [
        IgnoringNonQuestions(),
        AllowedChannels(config, outbox),
        ThreadFollowUps(store),
        AnsweringOnce(store),
    ]

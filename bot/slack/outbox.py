"""Outgoing Slack posts: a bounded queue with its own worker threads.

Listeners never call the Web API themselves: they put a ``Delivery`` (plain data: which
call, its parameters, the event it answers) into the ``Outbox`` and return, so the threads
that ack Slack's requests are never held by a slow or rate-limited Slack.

The workers honour ``Retry-After`` by pausing that kind of call (no thread sleeps through
it), retry 5xx answers, timeouts and dropped connections a bounded number of times with
back-off, and report what they finally drop. No kind of call may take every worker, so
a hanging ``chat.postMessage`` does not hold back the response_url answers. On shutdown
``drain`` gives the deliveries still queued a bounded grace period; whatever is left is
reported too. Every such report goes through one function, ``report_undelivered`` (pass
``on_undelivered=`` to persist them instead, e.g. to redeliver on the next start).
"""

from __future__ import annotations

import http.client
import itertools
import logging
import threading
import time
import urllib.error
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.logs import redact_value

log = logging.getLogger(__name__)

POST_MESSAGE = "chat.postMessage"
POST_EPHEMERAL = "chat.postEphemeral"
VIEWS_PUBLISH = "views.publish"
RESPONSE_URL = "response_url"
WORKERS = 4
MAX_PENDING = 1000
MAX_ATTEMPTS = 3  # first try + 2 retries, for 5xx answers, timeouts and dropped connections
MAX_RATE_LIMITED = 5  # Retry-After honoured this many times before giving up
BACKOFF_SECONDS = 0.5
DEFAULT_RETRY_AFTER = 1.0
MAX_RETRY_AFTER = 120.0
HTTP_TIMEOUT = 10
_seq = itertools.count()


@dataclass
class Delivery:
    """One outgoing call: ``kind`` is a Web API method ("chat.postMessage",
    "chat.postEphemeral") or "response_url".

    ``params`` are the call's arguments (for a response_url: ``url`` and ``body``).
    ``then`` is sent after this one succeeds, ``otherwise`` after it is finally dropped.
    """

    kind: str
    event_id: str
    params: dict[str, Any]
    then: Delivery | None = None
    otherwise: Delivery | None = None
    # Told the outcome once: True when delivered, False when dropped or left at shutdown.
    on_done: Callable[[bool], None] | None = field(default=None, repr=False, compare=False)
    attempts: int = 0
    rate_limited: int = 0
    due: float = 0.0
    seq: int = field(default_factory=lambda: next(_seq))

    def __post_init__(self) -> None:
        if self.kind == RESPONSE_URL:
            redact_value(self.params.get("url"))


@dataclass(frozen=True)
class Undelivered:
    """A delivery the outbox gave up on; ``final`` is False when only shutdown stopped it."""

    delivery: Delivery
    reason: str
    final: bool


class Retry(Exception):
    """Worth another try: ``delay`` seconds from now (rate limits say how long)."""

    def __init__(self, reason: str, *, delay: float | None = None, rate_limited: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.delay = delay
        self.rate_limited = rate_limited


class Drop(Exception):
    """Not worth another try (``channel_not_found``, an expired response_url, …)."""

    def __init__(self, reason: str, *, quiet: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.quiet = quiet


def report_undelivered(items: list[Undelivered]) -> None:
    """The one place where lost answers are reported: logged with their event id."""
    for item in items:
        d = item.delivery
        level = logging.WARNING if not item.final or _quiet(item.reason) else logging.ERROR
        log.log(
            level,
            "%s failed for %s: %s; %s after %d attempt(s)",
            d.kind,
            d.event_id,
            item.reason,
            "dropped" if item.final else "undelivered at shutdown",
            d.attempts,
            extra={"event_id": d.event_id},
        )


def _quiet(reason: str) -> bool:
    return "expired or invalid" in reason


def _retry_after(headers: Any) -> float:
    for key, value in dict(headers or {}).items():
        if str(key).lower() == "retry-after":
            raw = value[0] if isinstance(value, list) and value else value
            try:
                return min(max(float(raw), 0.0), MAX_RETRY_AFTER)
            except (TypeError, ValueError):
                break
    return DEFAULT_RETRY_AFTER


_NETWORK_ERRORS = (OSError, urllib.error.URLError, http.client.HTTPException, TimeoutError)


class SlackSender:
    """Performs one delivery, classifying failures as ``Retry`` or ``Drop``."""

    def __init__(self, client: WebClient, *, timeout: int = HTTP_TIMEOUT) -> None:
        self._client = client
        self._timeout = timeout

    def __call__(self, delivery: Delivery) -> None:
        if delivery.kind in (POST_MESSAGE, POST_EPHEMERAL, VIEWS_PUBLISH):
            self._call(delivery.kind, delivery.params)
        elif delivery.kind == RESPONSE_URL:
            self._post_response(delivery.params)
        else:
            raise Drop(f"unknown delivery kind {delivery.kind!r}")

    def _call(self, method: str, params: dict[str, Any]) -> None:
        name = {
            POST_MESSAGE: "chat_postMessage",
            POST_EPHEMERAL: "chat_postEphemeral",
            VIEWS_PUBLISH: "views_publish",
        }[method]
        call: Callable[..., Any] = getattr(self._client, name)
        try:
            call(**params)
        except SlackApiError as exc:
            response = exc.response
            status, error = response.status_code, response.get("error")
            if status == 429 or error == "ratelimited":
                delay = _retry_after(response.headers)
                raise Retry("429 ratelimited", delay=delay, rate_limited=True) from None
            if status >= 500:
                raise Retry(f"{status} {error or ''}".strip()) from None
            raise Drop(str(error or status)) from None
        except _NETWORK_ERRORS as exc:
            raise Retry(exc.__class__.__name__) from None

    def _post_response(self, params: dict[str, Any]) -> None:
        client = WebhookClient(params["url"], timeout=self._timeout, retry_handlers=[])
        try:
            response = client.send_dict(params["body"])
        except _NETWORK_ERRORS as exc:
            raise Retry(exc.__class__.__name__) from None
        status = response.status_code
        if status == 429:
            raise Retry("429 ratelimited", delay=_retry_after(response.headers), rate_limited=True)
        if status >= 500:
            raise Retry(str(status))
        if status >= 300:
            raise Drop(f"{status} (expired or invalid)", quiet=True)


def _done(delivery: Delivery, delivered: bool) -> None:
    if delivery.on_done is not None:
        callback, delivery.on_done = delivery.on_done, None
        try:
            callback(delivered)
        except Exception:
            log.exception("on_done of %s for %s raised", delivery.kind, delivery.event_id)


class Outbox:
    """A bounded queue of deliveries and the worker threads that send them."""

    def __init__(
        self,
        send: Callable[[Delivery], None],
        *,
        workers: int = WORKERS,
        max_pending: int = MAX_PENDING,
        max_attempts: int = MAX_ATTEMPTS,
        backoff: float = BACKOFF_SECONDS,
        on_undelivered: Callable[[list[Undelivered]], None] = report_undelivered,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._send = send
        self._max_pending = max_pending
        self._max_attempts = max_attempts
        self._backoff = backoff
        self._on_undelivered = on_undelivered
        self._clock = clock
        self._cond = threading.Condition()
        self._pending: list[Delivery] = []
        self._in_flight: list[Delivery] = []
        self._paused: dict[str, float] = {}
        self._stopped = False
        # One kind of call (a hanging chat.postMessage) never takes every worker: the
        # others (response_url answers to slash commands and buttons) keep moving.
        self._per_kind = max(workers - 1, 1)
        self._threads = [
            threading.Thread(target=self._work, name=f"outbox-{i}", daemon=True)
            for i in range(workers)
        ]
        for thread in self._threads:
            thread.start()

    # -- producers -----------------------------------------------------------------------

    def put(self, delivery: Delivery) -> bool:
        """Queue ``delivery``; never blocks. False (and reported) when full or stopped."""
        with self._cond:
            if not self._stopped and len(self._pending) < self._max_pending:
                delivery.due = max(delivery.due, self._clock())
                self._pending.append(delivery)
                self._cond.notify()
                return True
            reason = "outbox stopped" if self._stopped else "outbox full"
            final = not self._stopped
        _done(delivery, False)
        self._on_undelivered([Undelivered(delivery, reason, final=final)])
        return False

    def __len__(self) -> int:
        with self._cond:
            return len(self._pending) + len(self._in_flight)

    # -- shutdown ------------------------------------------------------------------------

    def drain(self, timeout: float) -> list[Undelivered]:
        """Send what is queued for up to ``timeout`` seconds, then stop and report the rest.

        Returns early once nothing can be sent before the deadline (everything left waits
        out a Retry-After past it).
        """
        deadline = self._clock() + timeout
        with self._cond:
            while self._pending or self._in_flight:
                now = self._clock()
                if now >= deadline:
                    break
                if not self._in_flight and all(
                    self._ready_at(d) >= deadline for d in self._pending
                ):
                    break
                self._cond.wait(min(0.05, deadline - now))
            self._stopped = True
            left = [Undelivered(d, "not sent yet", final=False) for d in self._pending]
            left += [
                Undelivered(d, "no answer from Slack yet", final=False) for d in self._in_flight
            ]
            self._pending.clear()
            self._cond.notify_all()
        for item in left:
            _done(item.delivery, False)
        if left:
            self._on_undelivered(left)
        return left

    # -- workers -------------------------------------------------------------------------

    def _ready_at(self, delivery: Delivery) -> float:
        return max(delivery.due, self._paused.get(delivery.kind, 0.0))

    def _next(self) -> Delivery | None:
        with self._cond:
            while not self._stopped:
                now = self._clock()
                busy = [d.kind for d in self._in_flight]
                ready = [
                    d
                    for d in self._pending
                    if self._ready_at(d) <= now and busy.count(d.kind) < self._per_kind
                ]
                if ready:
                    chosen = min(ready, key=lambda d: d.seq)
                    self._pending.remove(chosen)
                    self._in_flight.append(chosen)
                    return chosen
                wake = min((self._ready_at(d) for d in self._pending), default=None)
                if wake is not None and wake <= now:
                    wake = None  # ready but held back by the per-kind share: wait for a worker
                self._cond.wait(None if wake is None else max(wake - now, 0.005))
            return None

    def _work(self) -> None:
        while (delivery := self._next()) is not None:
            sent = False
            dropped: Undelivered | None = None
            try:
                delivery.attempts += 1
                self._send(delivery)
                sent = True
            except Retry as exc:
                dropped = self._retry(delivery, exc)  # None: queued again for a retry
            except Drop as exc:
                dropped = Undelivered(delivery, exc.reason, final=True)
            except Exception as exc:  # a bug in a sender must not kill the worker
                log.exception("delivery %s for %s raised", delivery.kind, delivery.event_id)
                dropped = Undelivered(delivery, exc.__class__.__name__, final=True)
            # Report and queue the follow-up while still "in flight", so that ``drain``
            # never returns between this delivery and what it leads to.
            try:
                follow_up = delivery.then if sent else None
                if sent:
                    _done(delivery, True)
                elif dropped is not None:
                    _done(delivery, False)
                    self._on_undelivered([dropped])
                    follow_up = delivery.otherwise if dropped.final else None
                if follow_up is not None:
                    self.put(follow_up)
            finally:
                with self._cond:
                    self._in_flight.remove(delivery)
                    self._cond.notify_all()

    def _retry(self, delivery: Delivery, exc: Retry) -> Undelivered | None:
        now = self._clock()
        if exc.rate_limited:
            delivery.rate_limited += 1
            delivery.attempts -= 1  # a rate limit is Slack's pacing, not a failed attempt
            if delivery.rate_limited > MAX_RATE_LIMITED:
                return Undelivered(delivery, f"{exc.reason} {delivery.rate_limited} times", True)
            delay = exc.delay if exc.delay is not None else DEFAULT_RETRY_AFTER
            log.warning(
                "%s rate limited for %s: retrying in %.0f s",
                delivery.kind,
                delivery.event_id,
                delay,
                extra={"event_id": delivery.event_id},
            )
            with self._cond:
                self._paused[delivery.kind] = max(self._paused.get(delivery.kind, 0.0), now + delay)
        else:
            if delivery.attempts >= self._max_attempts:
                return Undelivered(delivery, exc.reason, final=True)
            delay = self._backoff * 2 ** (delivery.attempts - 1)
            log.info(
                "%s for %s failed (%s): retry %d in %.1f s",
                delivery.kind,
                delivery.event_id,
                exc.reason,
                delivery.attempts,
                delay,
                extra={"event_id": delivery.event_id},
            )
        delivery.due = now + delay
        with self._cond:
            if self._stopped:
                return Undelivered(delivery, f"{exc.reason}; stopped before the retry", False)
            self._pending.append(delivery)
            self._cond.notify_all()
        return None

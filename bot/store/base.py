"""The store's one narrow interface, and the settings every implementation follows."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from bot.store.records import QuestionRecord, ThreadContext, Vote


def utcnow() -> datetime:
    """Naive UTC: what every table stores (SQLite keeps no time zone)."""
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass(frozen=True, slots=True)
class Policy:
    """How long things are kept, and what is kept at all."""

    thread_ttl: timedelta = timedelta(hours=24)
    # Slack retries an event three times within about five minutes.
    event_ttl: timedelta = timedelta(hours=1)
    # A claim older than this whose answer never finished (its process died) may be retaken.
    claim_lease: timedelta = timedelta(seconds=30)
    retention: timedelta = timedelta(days=90)
    store_questions: bool = True


def hash_user(salt: str, user_id: str) -> str:
    """A keyed hash of a Slack user id: stable per database, not reversible by enumeration."""
    return hmac.new(salt.encode(), user_id.encode(), hashlib.sha256).hexdigest()[:32]


class Store(Protocol):
    """The bot's state. Every method is safe to call from many threads."""

    # -- seen events: the first process to claim an event id answers it ---------------------

    def claim_event(self, event_id: str) -> bool:
        """True if this process should answer ``event_id``: nobody claimed it yet, or an
        earlier claim was released (its answer failed) or went stale. False while another
        claim is in progress or once the event was answered."""
        ...

    def finish_event(self, event_id: str, *, answered: bool) -> None:
        """Mark a claimed event answered, or release it so that Slack's retry is answered."""
        ...

    # -- thread contexts --------------------------------------------------------------------

    def get_thread(self, key: str) -> ThreadContext | None: ...

    def save_thread(self, key: str, context: ThreadContext) -> None: ...

    # -- question log and feedback ------------------------------------------------------------

    def log_question(self, record: QuestionRecord) -> None: ...

    def record_vote(self, vote: Vote) -> int:
        """Store ``vote`` (one per user per answer; a second click replaces the first);
        returns the score it replaced, 0 if it is the user's first vote on that answer."""
        ...

    def user_hash(self, user_id: str) -> str: ...

    def questions_since(self, since: datetime) -> list[QuestionRecord]: ...

    def votes_since(self, since: datetime) -> list[Vote]: ...

    # -- upkeep ---------------------------------------------------------------------------

    def purge(self) -> None:
        """Drop expired events and threads; clear question text older than the retention."""
        ...

    def close(self) -> None: ...

"""A store that never costs an answer: the database when it answers, process memory when not.

While the database is unreachable every call goes to a ``MemoryStore`` (one
warning per outage); every ``retry_seconds`` one call tries the database again,
and the first that succeeds ends the outage. Thread contexts are also kept in
memory, so a replica keeps following the threads it answered during an outage.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from bot.store.memory import MemoryStore
from bot.store.records import QuestionRecord, ThreadContext, Vote
from bot.store.sql import SqlStore, describe

log = logging.getLogger(__name__)

RETRY_SECONDS = 5.0
PURGE_EVERY = timedelta(hours=1)
_ERRORS = (SQLAlchemyError, OSError)


class ResilientStore:
    def __init__(
        self,
        primary: SqlStore,
        *,
        retry_seconds: float = RETRY_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.primary = primary
        self.fallback = MemoryStore(primary.policy)
        self._retry = retry_seconds
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._down_until: float | None = None
        self._outage = False
        self._last_purge: datetime | None = None

    @property
    def degraded(self) -> bool:
        """True while answers are deduplicated and remembered in this process only."""
        return self._outage

    def start(self) -> ResilientStore:
        """Connect and migrate now (start-up); a failure only starts the fallback."""
        self._call("purge")
        return self

    # -- plumbing ----------------------------------------------------------------------------

    def _available(self) -> SqlStore | None:
        with self._lock:
            if self._down_until is not None and self._monotonic() < self._down_until:
                return None
            if self._down_until is not None:
                self._down_until = self._monotonic() + self._retry  # one probe at a time
        if not self.primary.ready:
            self.primary.open()
        return self.primary

    def _failed(self, exc: BaseException) -> None:
        with self._lock:
            self._down_until = self._monotonic() + self._retry
            first = not self._outage
            self._outage = True
        if first:
            log.warning(
                "store unreachable (%s at %s): deduplicating and remembering threads in "
                "this process until it returns",
                exc.__class__.__name__,
                describe(self.primary.url),
            )

    def _succeeded(self) -> None:
        with self._lock:
            self._down_until = None
            back = self._outage
            self._outage = False
        if back:
            log.warning("store reachable again (%s)", describe(self.primary.url))

    def _call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        try:
            primary = self._available()
            if primary is not None:
                result = getattr(primary, name)(*args, **kwargs)
                self._succeeded()
                return result
        except _ERRORS as exc:
            self._failed(exc)
        return getattr(self.fallback, name)(*args, **kwargs)

    # -- Store -------------------------------------------------------------------------------

    def claim_event(self, event_id: str) -> bool:
        return bool(self._call("claim_event", event_id))

    def finish_event(self, event_id: str, *, answered: bool) -> None:
        self.fallback.finish_event(event_id, answered=answered)  # if claimed during an outage
        self._call("finish_event", event_id, answered=answered)

    def get_thread(self, key: str) -> ThreadContext | None:
        found = self._call("get_thread", key)
        return found if found is not None else self.fallback.get_thread(key)

    def save_thread(self, key: str, context: ThreadContext) -> None:
        self.fallback.save_thread(key, context)
        self._call("save_thread", key, context)

    def log_question(self, record: QuestionRecord) -> None:
        self._call("log_question", record)
        if self._last_purge is None or record.asked_at - self._last_purge > PURGE_EVERY:
            self._last_purge = record.asked_at
            self._call("purge")

    def record_vote(self, vote: Vote) -> int:
        return int(self._call("record_vote", vote))

    def user_hash(self, user_id: str) -> str:
        try:
            return self.primary.user_hash(user_id)  # the database's salt, once loaded
        except RuntimeError:
            return self.fallback.user_hash(user_id)

    def questions_since(self, since: datetime) -> list[QuestionRecord]:
        return list(self._call("questions_since", since))

    def votes_since(self, since: datetime) -> list[Vote]:
        return list(self._call("votes_since", since))

    def purge(self) -> None:
        self._call("purge")

    def close(self) -> None:
        self.primary.close()

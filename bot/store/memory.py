"""The store in process memory: the fallback while the database is unreachable, and tests."""

from __future__ import annotations

import dataclasses
import secrets
import threading
from collections.abc import Callable
from datetime import datetime

from bot.store.base import Policy, hash_user, utcnow
from bot.store.records import QuestionRecord, ThreadContext, Vote

MAX_EVENTS = 10_000
MAX_THREADS = 10_000
MAX_LOG = 10_000


class MemoryStore:
    """Same semantics as the SQL store, for one process; bounded in size."""

    def __init__(
        self, policy: Policy | None = None, *, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.policy = policy or Policy()
        self._clock = clock
        self._lock = threading.Lock()
        self._events: dict[str, tuple[str, datetime]] = {}
        self._threads: dict[str, tuple[ThreadContext, datetime]] = {}
        self._questions: list[QuestionRecord] = []
        self._votes: dict[tuple[str, str], Vote] = {}
        self._salt = secrets.token_hex(32)

    def claim_event(self, event_id: str) -> bool:
        now = self._clock()
        with self._lock:
            if len(self._events) >= MAX_EVENTS:
                self._purge_events(now)
            found = self._events.get(event_id)
            if found is not None:
                state, at = found
                stale = state == "claimed" and at < now - self.policy.claim_lease
                if state != "released" and not stale:
                    return False
            self._events[event_id] = ("claimed", now)
            return True

    def finish_event(self, event_id: str, *, answered: bool) -> None:
        with self._lock:
            if event_id in self._events:
                self._events[event_id] = (
                    "answered" if answered else "released",
                    self._events[event_id][1],
                )

    def get_thread(self, key: str) -> ThreadContext | None:
        with self._lock:
            found = self._threads.get(key)
        if found is None or found[1] <= self._clock():
            return None
        return found[0]

    def save_thread(self, key: str, context: ThreadContext) -> None:
        now = self._clock()
        with self._lock:
            if len(self._threads) >= MAX_THREADS:
                self._threads = {k: v for k, v in self._threads.items() if v[1] > now}
                while len(self._threads) >= MAX_THREADS:
                    del self._threads[next(iter(self._threads))]
            self._threads.pop(key, None)
            self._threads[key] = (context, now + self.policy.thread_ttl)

    def log_question(self, record: QuestionRecord) -> None:
        if not self.policy.store_questions:
            record = dataclasses.replace(record, question=None)
        with self._lock:
            self._questions.append(record)
            del self._questions[:-MAX_LOG]

    def record_vote(self, vote: Vote) -> int:
        if not self.policy.store_questions:
            vote = dataclasses.replace(vote, question=None)
        vote = dataclasses.replace(vote, voted_at=self._clock())
        with self._lock:
            before = self._votes.get((vote.answer_key, vote.user_hash))
            self._votes[(vote.answer_key, vote.user_hash)] = vote
        return before.score if before else 0

    def user_hash(self, user_id: str) -> str:
        return hash_user(self._salt, user_id)

    def questions_since(self, since: datetime) -> list[QuestionRecord]:
        with self._lock:
            return [q for q in self._questions if q.asked_at >= since]

    def votes_since(self, since: datetime) -> list[Vote]:
        with self._lock:
            return [v for v in self._votes.values() if v.voted_at >= since]

    def purge(self) -> None:
        now = self._clock()
        cutoff = now - self.policy.retention
        with self._lock:
            self._purge_events(now)
            self._threads = {k: v for k, v in self._threads.items() if v[1] > now}
            self._questions = [
                dataclasses.replace(q, question=None) if q.asked_at < cutoff else q
                for q in self._questions
            ]
            self._votes = {
                k: dataclasses.replace(v, question=None) if v.voted_at < cutoff else v
                for k, v in self._votes.items()
            }

    def _purge_events(self, now: datetime) -> None:
        cutoff = now - self.policy.event_ttl
        self._events = {k: v for k, v in self._events.items() if v[1] >= cutoff}
        while len(self._events) >= MAX_EVENTS:
            del self._events[next(iter(self._events))]

    def close(self) -> None:
        pass

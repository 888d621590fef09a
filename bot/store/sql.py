"""The store in SQL: a SQLite file by default, PostgreSQL when replicas share it.

SQLAlchemy Core 2 speaks both dialects; PostgreSQL goes through psycopg 3.
Upserts use each dialect's ``INSERT … ON CONFLICT``, so two processes claiming
the same event id race safely: exactly one insert wins.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, and_, create_engine, delete, event, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url

from bot.corpus import Footnote
from bot.store.base import Policy, hash_user, utcnow
from bot.store.records import QuestionRecord, ThreadContext, Vote
from bot.store.schema import meta, migrate, questions, seen_events, threads, votes

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_SECONDS = 3
SQLITE_BUSY_SECONDS = 10


def database_url(url: str | None, sqlite_path: Path) -> str:
    """The SQLAlchemy URL: ``DATABASE_URL`` (postgresql:// means psycopg 3), else the file."""
    if not url:
        return f"sqlite:///{sqlite_path}"
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def describe(url: str) -> str:
    """The URL with its password hidden, for logs."""
    return make_url(url).render_as_string(hide_password=True)


def _use_wal(dbapi_connection: Any) -> None:
    """Switch the file to WAL once; the mode is stored in the file, so later opens find it.

    Switching needs a moment alone with the file, and SQLite answers ``database is locked``
    at once (its busy handler is not consulted) when another process is opening it too. So
    retry for the busy timeout; a file left in rollback mode is still correct, only slower,
    since every transaction begins IMMEDIATE either way.
    """
    deadline = time.monotonic() + SQLITE_BUSY_SECONDS
    delay = 0.005
    while True:
        try:
            mode = dbapi_connection.execute("PRAGMA journal_mode").fetchone()[0]
            if str(mode).lower() == "wal":
                return
            dbapi_connection.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            if time.monotonic() >= deadline:
                log.warning("store: SQLite file stays in rollback-journal mode (%s)", exc)
                return
            time.sleep(delay)
            delay = min(delay * 2, 0.2)


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_SECONDS})

        # SQLAlchemy's documented recipe: take pysqlite's transaction handling over and open
        # every transaction with BEGIN IMMEDIATE (one writer at a time, no upgrade deadlock).
        @event.listens_for(engine, "connect")
        def _connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None
            _use_wal(dbapi_connection)
            dbapi_connection.execute("PRAGMA synchronous=NORMAL")

        @event.listens_for(engine, "begin")
        def _begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    connect_args: dict[str, Any] = {}
    if parsed.get_backend_name() == "postgresql":
        connect_args["connect_timeout"] = CONNECT_TIMEOUT_SECONDS
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=10,
        pool_timeout=CONNECT_TIMEOUT_SECONDS,
        pool_recycle=1800,
        connect_args=connect_args,
    )


def _insert(engine: Engine, table: Any) -> Any:
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def _context_to_json(context: ThreadContext) -> str:
    data = dataclasses.asdict(context)
    data["footnotes"] = [dataclasses.asdict(f) for f in context.footnotes]
    return json.dumps(data, ensure_ascii=False)


def _context_from_json(raw: str) -> ThreadContext | None:
    try:
        data = json.loads(raw)
        notes = tuple(
            Footnote(n["mark"], n.get("kind"), n.get("text"), tuple(n.get("urls") or ()))
            for n in data.pop("footnotes", [])
        )
        data["passage_ids"] = tuple(data.get("passage_ids") or ())
        return ThreadContext(**data, footnotes=notes)
    except (ValueError, TypeError, KeyError):
        log.warning("unreadable thread context in the store; ignoring it")
        return None


class SqlStore:
    """``Store`` over SQLAlchemy; ``open()`` connects and migrates (raises if unreachable)."""

    def __init__(
        self,
        url: str,
        policy: Policy | None = None,
        *,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.url = url
        self.policy = policy or Policy()
        self._clock = clock
        self._engine = make_engine(url)
        self._owner = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._salt: str | None = None
        self._write_lock: contextlib.AbstractContextManager[Any] = (
            threading.Lock() if self.dialect == "sqlite" else contextlib.nullcontext()
        )
        self.ready = False

    @property
    def dialect(self) -> str:
        return self._engine.dialect.name

    @contextlib.contextmanager
    def _begin(self) -> Iterator[Connection]:
        """A write transaction. SQLite takes one writer at a time, and a writer that finds
        the file taken sleeps in steps of up to 100 ms (its busy handler): threads of this
        process queue on a lock instead, woken the moment the writer before them commits.
        Other processes still wait on the file."""
        with self._write_lock, self._engine.begin() as conn:
            yield conn

    def open(self) -> SqlStore:
        """Run pending migrations and load the user salt."""
        parsed = make_url(self.url)
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            Path(str(parsed.database)).parent.mkdir(parents=True, exist_ok=True)
        with self._begin() as conn:
            applied = migrate(conn)
            self._salt = conn.execute(
                select(meta.c.value).where(meta.c.key == "user_salt")
            ).scalar()
        if applied:
            log.info("store: migrated %s to version %d", self.dialect, applied[-1])
        self.ready = True
        return self

    # -- seen events ------------------------------------------------------------------------

    def claim_event(self, event_id: str) -> bool:
        now = self._clock()
        first = (
            _insert(self._engine, seen_events)
            .values(event_id=event_id, state="claimed", claimed_at=now, owner=self._owner)
            .on_conflict_do_nothing(index_elements=["event_id"])
            .returning(seen_events.c.event_id)
        )
        retake = (
            update(seen_events)
            .where(
                seen_events.c.event_id == event_id,
                or_(
                    seen_events.c.state == "released",
                    and_(
                        seen_events.c.state == "claimed",
                        seen_events.c.claimed_at < now - self.policy.claim_lease,
                    ),
                ),
            )
            .values(state="claimed", claimed_at=now, owner=self._owner)
            .returning(seen_events.c.event_id)
        )
        # RETURNING says which statement took the claim (rowcount is unreliable with upserts).
        with self._begin() as conn:
            if conn.execute(first).first() is not None:
                return True
            return conn.execute(retake).first() is not None

    def finish_event(self, event_id: str, *, answered: bool) -> None:
        with self._begin() as conn:
            conn.execute(
                update(seen_events)
                .where(seen_events.c.event_id == event_id)
                .values(state="answered" if answered else "released")
            )

    # -- thread contexts ---------------------------------------------------------------------

    def get_thread(self, key: str) -> ThreadContext | None:
        with self._engine.connect() as conn:
            raw = conn.execute(
                select(threads.c.data).where(
                    threads.c.thread_key == key, threads.c.expires_at > self._clock()
                )
            ).scalar()
        return None if raw is None else _context_from_json(raw)

    def save_thread(self, key: str, context: ThreadContext) -> None:
        now = self._clock()
        values = {
            "data": _context_to_json(context),
            "updated_at": now,
            "expires_at": now + self.policy.thread_ttl,
        }
        stmt = _insert(self._engine, threads).values(thread_key=key, **values)
        stmt = stmt.on_conflict_do_update(index_elements=["thread_key"], set_=values)
        with self._begin() as conn:
            conn.execute(stmt)

    # -- question log and feedback ----------------------------------------------------------

    def log_question(self, record: QuestionRecord) -> None:
        values = dataclasses.asdict(record)
        if not self.policy.store_questions:
            values["question"] = None
        with self._begin() as conn:
            conn.execute(questions.insert().values(**values))

    def record_vote(self, vote: Vote) -> int:
        values = dataclasses.asdict(vote) | {"voted_at": self._clock()}
        if not self.policy.store_questions:
            values["question"] = None
        changes = {k: v for k, v in values.items() if k not in ("answer_key", "user_hash")}
        key = and_(votes.c.answer_key == vote.answer_key, votes.c.user_hash == vote.user_hash)
        upsert = (
            _insert(self._engine, votes)
            .values(**values)
            .on_conflict_do_update(index_elements=["answer_key", "user_hash"], set_=changes)
        )
        with self._begin() as conn:
            before = conn.execute(select(votes.c.score).where(key)).scalar()
            conn.execute(upsert)
        return int(before or 0)

    def user_hash(self, user_id: str) -> str:
        if self._salt is None:
            raise RuntimeError("SqlStore.open() was not called")
        return hash_user(self._salt, user_id)

    def questions_since(self, since: datetime) -> list[QuestionRecord]:
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(questions)
                .where(questions.c.asked_at >= since)
                .order_by(questions.c.asked_at, questions.c.id)
            ).mappings()
            return [QuestionRecord(**{k: v for k, v in row.items() if k != "id"}) for row in rows]

    def votes_since(self, since: datetime) -> list[Vote]:
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(votes).where(votes.c.voted_at >= since).order_by(votes.c.voted_at)
            ).mappings()
            return [Vote(**row) for row in rows]

    # -- upkeep -----------------------------------------------------------------------------

    def purge(self) -> None:
        now = self._clock()
        cutoff = now - self.policy.retention
        with self._begin() as conn:
            conn.execute(
                delete(seen_events).where(seen_events.c.claimed_at < now - self.policy.event_ttl)
            )
            conn.execute(delete(threads).where(threads.c.expires_at <= now))
            conn.execute(
                update(questions)
                .where(questions.c.asked_at < cutoff, questions.c.question.is_not(None))
                .values(question=None)
            )
            conn.execute(
                update(votes)
                .where(votes.c.voted_at < cutoff, votes.c.question.is_not(None))
                .values(question=None)
            )

    def close(self) -> None:
        self._engine.dispose()

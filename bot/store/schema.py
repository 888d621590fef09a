"""The store's tables (SQLAlchemy Core) and the versioned migrations that create them.

Migrations run on start-up. On PostgreSQL they run inside one transaction that
first takes a transaction-level advisory lock, so replicas starting at once
apply each step exactly once (the others wait, then find nothing to do). On
SQLite the engine opens every transaction with ``BEGIN IMMEDIATE``
(``sql.make_engine``), which serialises them the same way.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    func,
    insert,
    select,
    text,
)

# An arbitrary constant: the key of the advisory lock held while migrating.
MIGRATION_LOCK_KEY = 0x1C3A2018

metadata = MetaData()

schema_version = Table(
    "bot_schema_version",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("description", String(200), nullable=False),
    Column("applied_at", DateTime, nullable=False),
)

meta = Table(
    "bot_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

seen_events = Table(
    "bot_seen_events",
    metadata,
    Column("event_id", String(128), primary_key=True),
    Column("state", String(16), nullable=False),  # claimed | answered | released
    Column("claimed_at", DateTime, nullable=False),
    Column("owner", String(64), nullable=False),
    Index("ix_bot_seen_events_claimed_at", "claimed_at"),
)

threads = Table(
    "bot_threads",
    metadata,
    Column("thread_key", String(255), primary_key=True),
    Column("data", Text, nullable=False),  # ThreadContext as JSON
    Column("updated_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),
    Index("ix_bot_threads_expires_at", "expires_at"),
)

questions = Table(
    "bot_questions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("asked_at", DateTime, nullable=False),
    Column("status", String(16), nullable=False),
    Column("transport", String(32), nullable=False),
    Column("passage_id", String(64)),
    Column("score", Float),
    Column("latency_ms", Float, nullable=False),
    Column("question_chars", Integer, nullable=False),
    Column("question", Text),
    Column("followup", String(16)),
    Index("ix_bot_questions_asked_at", "asked_at"),
)

votes = Table(
    "bot_votes",
    metadata,
    Column("answer_key", String(255), primary_key=True),
    Column("user_hash", String(64), primary_key=True),
    Column("score", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("passage_id", String(64)),
    Column("passage_score", Float),
    Column("question", Text),
    Column("voted_at", DateTime, nullable=False),
    Index("ix_bot_votes_voted_at", "voted_at"),
)


def _v1_initial(conn: Connection) -> None:
    metadata.create_all(conn, tables=[meta, seen_events, threads, questions, votes])
    # The salt that turns Slack user ids into hashes; one per database, shared by replicas.
    conn.execute(insert(meta).values(key="user_salt", value=secrets.token_hex(32)))


Migration = tuple[int, str, Callable[[Connection], None]]

# Append only: a released step never changes; a schema change is a new step.
MIGRATIONS: tuple[Migration, ...] = ((1, "initial tables", _v1_initial),)
LATEST = MIGRATIONS[-1][0]


def migrate(conn: Connection) -> list[int]:
    """Apply every step newer than the database's version; returns the versions applied.

    ``conn`` must be inside a transaction (``engine.begin()``); the caller commits.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
    metadata.create_all(conn, tables=[schema_version])
    current = conn.execute(select(func.max(schema_version.c.version))).scalar() or 0
    applied = []
    for version, description, step in MIGRATIONS:
        if version <= current:
            continue
        step(conn)
        conn.execute(
            insert(schema_version).values(
                version=version,
                description=description,
                applied_at=datetime.now(UTC).replace(tzinfo=None),
            )
        )
        applied.append(version)
    return applied

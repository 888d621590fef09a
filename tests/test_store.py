"""The store against SQLite always and against the real PostgreSQL whenever one is reachable."""

from __future__ import annotations

import dataclasses
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import closing
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy
from pg import fresh_schema

from bot.corpus import Footnote
from bot.store import sql as sql_module
from bot.store.base import Policy
from bot.store.memory import MemoryStore
from bot.store.records import QuestionRecord, ThreadContext, Vote
from bot.store.resilient import ResilientStore
from bot.store.schema import LATEST
from bot.store.sql import SqlStore, database_url


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, 9, 0, 0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield database_url(None, tmp_path / "state" / "bot.db")
    else:
        with fresh_schema() as pg:
            yield database_url(pg, tmp_path)


StoreFactory = Callable[..., SqlStore]


@pytest.fixture
def make_store(url: str) -> Iterator[StoreFactory]:
    opened: list[SqlStore] = []

    def make(**policy: object) -> SqlStore:
        clock = Clock()
        store = SqlStore(url, Policy(**policy), clock=clock).open()  # type: ignore[arg-type]
        store.clock = clock  # type: ignore[attr-defined]
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()


def _context(question: str = "학습된 인덱스 구조 논문") -> ThreadContext:
    note = Footnote("*9", "참고", "https://doi.org/10.1145/3183713.3196909", ("https://doi.org/x",))
    return ThreadContext(
        question=question,
        topic=question,
        passage_ids=("icml2018-p028", "icml2018-p003"),
        position=0,
        footnotes=(note, Footnote("*16", None, None)),
        source="「2018 ICML」 · 박찬연",
    )


def test_migrations_create_the_schema_once(url: str) -> None:
    first = SqlStore(url).open()
    second = SqlStore(url).open()  # a second start finds nothing to do
    engine = sqlalchemy.create_engine(first.url)
    with engine.connect() as conn:
        versions = conn.execute(sqlalchemy.text("SELECT version FROM bot_schema_version")).all()
    engine.dispose()
    assert [v for (v,) in versions] == [LATEST]
    assert first.user_hash("U1") == second.user_hash("U1"), "one salt per database"
    first.close()
    second.close()


def _at_once(calls: list[Callable[[], object]]) -> list[BaseException]:
    """Run ``calls`` on threads of their own, all at once; what they raised."""
    errors: list[BaseException] = []

    def run(call: Callable[[], object]) -> None:
        try:
            call()
        except BaseException as exc:  # pragma: no cover - reported by the caller
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def test_two_processes_migrating_at_once_apply_each_step_once(url: str) -> None:
    stores = [SqlStore(url) for _ in range(4)]
    assert not _at_once([s.open for s in stores])
    assert len({s.user_hash("U1") for s in stores}) == 1
    for s in stores:
        s.close()


def test_a_new_sqlite_file_opened_by_several_processes_at_once_never_says_locked(
    tmp_path: Path,
) -> None:
    # Switching a fresh file to WAL is where SQLite answers "database is locked" without
    # waiting; one race in a few dozen hit it, so race on many fresh files.
    for round_ in range(80):
        stores = [SqlStore(database_url(None, tmp_path / str(round_) / "bot.db")) for _ in range(4)]
        errors = _at_once([s.open for s in stores])
        for s in stores:
            s.close()
        assert not errors, f"round {round_}: {errors[0]}"
        with closing(sqlite3.connect(tmp_path / str(round_) / "bot.db")) as raw:
            assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_first_claim_answers_and_answered_retries_are_dropped(make_store: StoreFactory) -> None:
    a, b = make_store(), make_store()
    assert a.claim_event("Ev1") is True
    assert b.claim_event("Ev1") is False, "in progress elsewhere"
    a.finish_event("Ev1", answered=True)
    assert b.claim_event("Ev1") is False, "already answered"
    assert a.claim_event("Ev1") is False


def test_a_released_claim_is_answered_by_the_retry_once(make_store: StoreFactory) -> None:
    a, b = make_store(), make_store()
    assert a.claim_event("Ev2")
    a.finish_event("Ev2", answered=False)  # the answer could not be posted
    assert b.claim_event("Ev2") is True
    assert a.claim_event("Ev2") is False
    b.finish_event("Ev2", answered=True)
    assert a.claim_event("Ev2") is False


def test_a_stale_claim_is_retaken_after_the_lease(make_store: StoreFactory) -> None:
    a = make_store(claim_lease=timedelta(seconds=30))
    assert a.claim_event("Ev3")
    a.clock.advance(seconds=10)  # type: ignore[attr-defined]
    assert not a.claim_event("Ev3")
    a.clock.advance(seconds=31)  # type: ignore[attr-defined]
    assert a.claim_event("Ev3"), "the claimer died: the retry is answered"


def test_concurrent_claims_have_exactly_one_winner(make_store: StoreFactory) -> None:
    stores = [make_store() for _ in range(3)]
    wins: list[bool] = []
    lock = threading.Lock()
    barrier = threading.Barrier(9)

    def claim(store: SqlStore) -> None:
        barrier.wait()
        won = store.claim_event("EvRace")
        with lock:
            wins.append(won)

    threads = [threading.Thread(target=claim, args=(s,)) for s in stores for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(wins) == [False] * 8 + [True]


def test_thread_context_round_trip_and_expiry(make_store: StoreFactory) -> None:
    store = make_store(thread_ttl=timedelta(hours=24))
    assert store.get_thread("C1:1.1") is None
    store.save_thread("C1:1.1", _context())
    assert store.get_thread("C1:1.1") == _context()
    store.save_thread("C1:1.1", _context("두 번째 질문"))
    assert store.get_thread("C1:1.1").question == "두 번째 질문"  # type: ignore[union-attr]
    store.clock.advance(hours=23)  # type: ignore[attr-defined]
    assert store.get_thread("C1:1.1") is not None
    store.clock.advance(hours=2)  # type: ignore[attr-defined]
    assert store.get_thread("C1:1.1") is None, "the thread went quiet"


def _question(at: datetime, text: str | None = "ICML 2018은 어디서 열렸어?") -> QuestionRecord:
    return QuestionRecord(
        asked_at=at,
        status="answer",
        transport="app_mention",
        passage_id="icml2018-p001",
        score=12.5,
        latency_ms=3.2,
        question_chars=len(text or ""),
        question=text,
    )


def test_threads_of_one_process_writing_at_once_never_wait_on_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # With no busy timeout at all, a second writer on the file fails at once: the threads
    # of one store must take turns before they reach SQLite.
    monkeypatch.setattr(sql_module, "SQLITE_BUSY_SECONDS", 0)
    store = SqlStore(database_url(None, tmp_path / "bot.db")).open()
    start = datetime(2026, 3, 1, 9, 0, 0)

    def writer(worker: int) -> Callable[[], None]:
        def write() -> None:
            for i in range(25):
                store.log_question(_question(start + timedelta(seconds=worker * 100 + i)))

        return write

    errors = _at_once([writer(w) for w in range(8)])
    assert not errors, errors[0]
    assert len(store.questions_since(start - timedelta(days=1))) == 8 * 25
    store.close()


def test_question_log_keeps_text_for_the_retention_only(make_store: StoreFactory) -> None:
    store = make_store(retention=timedelta(days=90))
    start = store.clock.now  # type: ignore[attr-defined]
    store.log_question(_question(start - timedelta(days=100)))
    store.log_question(_question(start - timedelta(days=1)))
    store.purge()
    rows = store.questions_since(start - timedelta(days=365))
    assert [r.question for r in rows] == [None, "ICML 2018은 어디서 열렸어?"]
    assert [r.passage_id for r in rows] == ["icml2018-p001"] * 2, "counts stay"
    assert store.questions_since(start - timedelta(days=2)) == [rows[1]]


def test_question_text_is_not_stored_when_turned_off(make_store: StoreFactory) -> None:
    store = make_store(store_questions=False)
    now = store.clock.now  # type: ignore[attr-defined]
    store.log_question(_question(now))
    (row,) = store.questions_since(now - timedelta(days=1))
    assert row.question is None
    assert row.question_chars == len("ICML 2018은 어디서 열렸어?")
    assert row.status == "answer" and row.passage_id == "icml2018-p001"


def test_one_vote_per_user_per_answer(make_store: StoreFactory) -> None:
    store = make_store()
    user = store.user_hash("U222")
    assert user != "U222" and len(user) == 32
    vote = Vote("C1:1.2:icml2018-p001", user, 1, "answer", "icml2018-p001", 12.5, "질문")
    assert store.record_vote(vote) == 0
    assert store.record_vote(_replace(vote, -1)) == 1, "the second click changes the vote"
    other = _replace(vote, 1, user=store.user_hash("U333"))
    assert store.record_vote(other) == 0
    votes = store.votes_since(datetime(2000, 1, 1))
    assert sorted((v.user_hash == user, v.score) for v in votes) == [(False, 1), (True, -1)]


def _replace(vote: Vote, score: int, *, user: str | None = None) -> Vote:
    return dataclasses.replace(vote, score=score, user_hash=user or vote.user_hash)


def test_expired_events_are_purged(make_store: StoreFactory) -> None:
    store = make_store(event_ttl=timedelta(hours=1))
    assert store.claim_event("EvOld")
    store.finish_event("EvOld", answered=True)
    store.clock.advance(hours=2)  # type: ignore[attr-defined]
    store.purge()
    assert store.claim_event("EvOld"), "forgotten after its expiry"


def test_memory_store_has_the_same_claim_semantics() -> None:
    clock = Clock()
    store = MemoryStore(Policy(claim_lease=timedelta(seconds=30)), clock=clock)
    assert store.claim_event("E") and not store.claim_event("E")
    store.finish_event("E", answered=False)
    assert store.claim_event("E") and not store.claim_event("E")
    clock.advance(seconds=31)
    assert store.claim_event("E")
    store.finish_event("E", answered=True)
    clock.advance(seconds=31)
    assert not store.claim_event("E")


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_unreachable_database_falls_back_and_recovers(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("a file where the database's folder should be")
    good = database_url(None, tmp_path / "ok" / "bot.db")
    ticks = FakeMonotonic()
    store = ResilientStore(
        SqlStore(database_url(None, blocked / "bot.db")), retry_seconds=5, monotonic=ticks
    )
    with caplog.at_level("WARNING"):
        store.start()
    assert store.degraded
    assert "store unreachable" in caplog.text
    assert store.claim_event("E1") and not store.claim_event("E1"), "in-process dedupe"
    store.save_thread("k", _context())
    assert store.get_thread("k") == _context()

    store.primary = SqlStore(good)  # the database "comes back"
    ticks.now += 1
    assert not store.claim_event("E1"), "still in memory until the retry time"
    ticks.now += 5
    assert store.claim_event("E2")
    assert not store.degraded
    assert "store reachable again" in caplog.text
    assert store.get_thread("k") == _context(), "threads answered during the outage"
    assert not SqlStore(good).open().claim_event("E2"), "E2 was claimed in the database"

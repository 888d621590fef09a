"""``icml2018-bot report`` on a seeded question log, through the real command."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from bot.report import ReportError, build_report, parse_since, render_table
from bot.store.base import Policy, utcnow
from bot.store.records import QuestionRecord, Vote
from bot.store.sql import SqlStore, database_url

REPO = Path(__file__).resolve().parents[1]


def _q(at, status, passage=None, text="질문", score=None) -> QuestionRecord:  # type: ignore[no-untyped-def]
    return QuestionRecord(
        asked_at=at,
        status=status,
        transport="app_mention",
        passage_id=passage,
        score=score,
        latency_ms=2.0,
        question_chars=len(text),
        question=text,
    )


@pytest.fixture
def seeded(tmp_path: Path) -> Path:
    """Two days of questions and votes, and one question too old for ``--since 7d``."""
    db = tmp_path / "bot.db"
    now = utcnow().replace(hour=12, minute=0, second=0, microsecond=0)
    store = SqlStore(database_url(None, db), Policy()).open()
    day1, day2 = now - timedelta(days=2), now - timedelta(days=1)
    for record in [
        _q(day1, "answer", "icml2018-p001", "ICML 2018은 어디서 열렸어?", 12.0),
        _q(day1, "answer", "icml2018-p001", "ICML 어디서 했어?", 11.0),
        _q(day1, "no_answer", None, "점심 메뉴 추천해줘"),
        _q(day2, "related", "math-ai-p008", "수학 전공자가 할 일"),
        _q(day2, "answer", "icml2018-p028", "학습된 인덱스 구조 논문", 9.0),
        _q(day2, "no_answer", None, "점심 메뉴 추천해줘"),
        _q(day2, "help", None, "안녕"),
        _q(now - timedelta(days=20), "no_answer", None, "오래된 질문"),
    ]:
        store.log_question(record)
    for user, score, passage in [
        ("U1", 1, "icml2018-p001"),
        ("U2", 1, "icml2018-p001"),
        ("U3", -1, "icml2018-p001"),
        ("U1", -1, "math-ai-p008"),
    ]:
        store.record_vote(
            Vote(
                f"C1:1.1:{passage}",
                store.user_hash(user),
                score,
                "answer",
                passage,
                10.0,
                "수학 전공자가 할 일" if passage.startswith("math") else "ICML 어디서 했어?",
            )
        )
    store.close()
    return db


def run_report(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "BOT_CONFIG")}
    env["BOT_DB"] = str(db)
    return subprocess.run(
        [sys.executable, "-m", "bot", "report", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=60,
    )


def test_report_table_lists_days_passages_todo_and_ratings(seeded: Path) -> None:
    result = run_report(seeded, "--since", "7d")
    assert result.returncode == 0, result.stderr
    lines = [" ".join(line.split()) for line in result.stdout.splitlines()]
    day1 = (utcnow() - timedelta(days=2)).strftime("%Y-%m-%d")
    day2 = (utcnow() - timedelta(days=1)).strftime("%Y-%m-%d")
    assert f"{day1} 2 0 1 0 3" in lines  # answered, related, not answered, other, total
    assert f"{day2} 1 1 1 1 4" in lines
    assert "icml2018-p001 2" in lines
    assert "점심 메뉴 추천해줘 2 " + f"{day2} 12:00" in lines, "unanswered, grouped"
    assert "오래된 질문" not in result.stdout, "older than --since"
    assert any(line.startswith("ICML 어디서 했어? icml2018-p001 1") for line in lines)
    assert "icml2018-p001 2 1 67%" in lines
    assert "math-ai-p008 0 1 0%" in lines
    order = [line.split()[0] for line in lines if line.endswith("%")]
    assert order == ["math-ai-p008", "icml2018-p001"], "worst rated first"


def test_report_csv_and_json(seeded: Path) -> None:
    result = run_report(seeded, "--since", "30d", "--format", "csv")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    unanswered = {r["question"]: int(r["count"]) for r in rows if r["section"] == "unanswered"}
    assert unanswered == {"점심 메뉴 추천해줘": 2, "오래된 질문": 1}
    ratings = {r["passage_id"]: (r["up"], r["down"]) for r in rows if r["section"] == "rating"}
    assert ratings == {"icml2018-p001": ("2", "1"), "math-ai-p008": ("0", "1")}

    result = run_report(seeded, "--since", "7d", "--format", "json")
    data = json.loads(result.stdout)
    assert sum(d["total"] for d in data["days"]) == 7
    assert data["passages"][0] == {"passage_id": "icml2018-p001", "asked": 2}
    downvoted = {(q["question"], q["passage_id"]) for q in data["downvoted"]}
    assert downvoted == {
        ("수학 전공자가 할 일", "math-ai-p008"),
        ("ICML 어디서 했어?", "icml2018-p001"),
    }


def test_report_says_what_is_wrong_in_korean(seeded: Path, tmp_path: Path) -> None:
    bad = run_report(seeded, "--since", "지난주")
    assert bad.returncode == 2
    assert "--since는" in bad.stderr and "Traceback" not in bad.stderr
    blocked = tmp_path / "file"
    blocked.write_text("x")
    unreachable = run_report(blocked / "bot.db")
    assert unreachable.returncode == 1
    assert "저장소" in unreachable.stderr and "Traceback" not in unreachable.stderr


def test_question_text_off_shows_length_only() -> None:
    now = utcnow()
    record = QuestionRecord(now, "no_answer", "thread", question_chars=12, question=None)
    report = build_report([record], [], since=now - timedelta(days=1), until=now)
    assert "(질문 저장 안 함, 12자)" in render_table(report)


def test_since_parsing() -> None:
    now = utcnow()
    assert parse_since("7d", now) == now - timedelta(days=7)
    assert parse_since("24h", now) == now - timedelta(hours=24)
    assert parse_since("2w", now) == now - timedelta(weeks=2)
    assert parse_since("2026-03-01", now).day == 1
    with pytest.raises(ReportError):
        parse_since("yesterday", now)

"""``icml2018-bot report``: what was asked, what went unanswered, how answers were rated.

Reads the question log and the votes from the store and prints, for the period
asked: questions per day by outcome, the most asked passages, the unanswered
and the 👎 questions (the corpus maintainer's to-do list), and the 👍 rate per
passage. A terminal table by default; CSV or JSON for other tools.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from bot.store.records import QuestionRecord, Vote

FORMATS = ("table", "csv", "json")
TOP_PASSAGES = 10
MAX_LISTED = 20
_SINCE_RE = re.compile(r"^(\d{1,4})\s*([dhw])$")
_OUTCOMES = {"answer": "answered", "related": "related", "no_answer": "no_answer"}


class ReportError(ValueError):
    """A bad argument; the message is for the user, in Korean."""


def parse_since(text: str, now: datetime) -> datetime:
    """``7d`` / ``24h`` / ``2w`` before ``now``, or a date ``2026-03-01`` (UTC)."""
    text = text.strip().lower()
    m = _SINCE_RE.match(text)
    if m:
        amount, unit = int(m.group(1)), m.group(2)
        hours = {"h": 1, "d": 24, "w": 24 * 7}[unit] * amount
        return now - timedelta(hours=hours)
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise ReportError(
            "--since는 7d, 24h, 2w 같은 기간이나 2026-03-01 같은 날짜여야 합니다 "
            f"(받은 값: {text!r})"
        ) from None


@dataclass(frozen=True, slots=True)
class DayRow:
    day: str
    answered: int
    related: int
    no_answer: int
    other: int
    total: int


@dataclass(frozen=True, slots=True)
class PassageRow:
    passage_id: str
    asked: int


@dataclass(frozen=True, slots=True)
class QuestionRow:
    question: str
    times: int
    last_asked: str
    passage_id: str | None = None


@dataclass(frozen=True, slots=True)
class RatingRow:
    passage_id: str
    up: int
    down: int
    up_rate: float


@dataclass(frozen=True, slots=True)
class Report:
    since: str
    until: str
    days: tuple[DayRow, ...]
    passages: tuple[PassageRow, ...]
    unanswered: tuple[QuestionRow, ...]
    downvoted: tuple[QuestionRow, ...]
    ratings: tuple[RatingRow, ...]

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _minute(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M")


def _text(question: str | None, chars: int) -> str:
    return question if question is not None else f"(질문 저장 안 함, {chars}자)"


def _grouped(items: Sequence[tuple[str, datetime, str | None]]) -> tuple[QuestionRow, ...]:
    """Same question text → one row with a count; most frequent, then latest, first."""
    seen: dict[tuple[str, str | None], list[datetime]] = defaultdict(list)
    for text, at, passage in items:
        seen[(text, passage)].append(at)
    rows = [
        QuestionRow(text, len(times), _minute(max(times)), passage)
        for (text, passage), times in seen.items()
    ]
    rows.sort(key=lambda r: (r.times, r.last_asked), reverse=True)
    return tuple(rows[:MAX_LISTED])


def build_report(
    questions: Sequence[QuestionRecord], votes: Sequence[Vote], *, since: datetime, until: datetime
) -> Report:
    by_day: dict[str, Counter[str]] = defaultdict(Counter)
    asked: Counter[str] = Counter()
    unanswered: list[tuple[str, datetime, str | None]] = []
    for q in questions:
        by_day[q.asked_at.strftime("%Y-%m-%d")][_OUTCOMES.get(q.status, "other")] += 1
        if q.passage_id and q.status in ("answer", "related"):
            asked[q.passage_id] += 1
        if q.status == "no_answer":
            unanswered.append((_text(q.question, q.question_chars), q.asked_at, None))
    days = tuple(
        DayRow(
            day,
            c["answered"],
            c["related"],
            c["no_answer"],
            c["other"],
            sum(c.values()),
        )
        for day, c in sorted(by_day.items())
    )
    tally: dict[str, Counter[int]] = defaultdict(Counter)
    downvoted: list[tuple[str, datetime, str | None]] = []
    for v in votes:
        passage = v.passage_id or "?"
        tally[passage][v.score] += 1
        if v.score < 0:
            downvoted.append((v.question or "(질문 저장 안 함)", v.voted_at, passage))
    ratings = sorted(
        (
            RatingRow(p, c[1], c[-1], round(c[1] / (c[1] + c[-1]), 3) if c[1] + c[-1] else 0.0)
            for p, c in tally.items()
        ),
        key=lambda r: (r.up_rate, -(r.up + r.down), r.passage_id),
    )
    return Report(
        since=_minute(since),
        until=_minute(until),
        days=days,
        passages=tuple(PassageRow(p, n) for p, n in asked.most_common(TOP_PASSAGES)),
        unanswered=_grouped(unanswered),
        downvoted=_grouped(downvoted),
        ratings=tuple(ratings),
    )


# -- output ----------------------------------------------------------------------------------


def _width(text: str) -> int:
    """Terminal columns: Hangul and other wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in text)


def _cell(text: str, width: int, right: bool) -> str:
    pad = " " * (width - _width(text))
    return pad + text if right else text + pad


def _clip(text: str, columns: int = 60) -> str:
    text = " ".join(text.split())
    out = ""
    for char in text:
        if _width(out + char) > columns - 1:
            return out + "…"
        out += char
    return out


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain-text table; numbers are right-aligned."""
    cells = [[str(c) for c in row] for row in rows]
    widths = [max([_width(h)] + [_width(r[i]) for r in cells]) for i, h in enumerate(headers)]
    right = [
        bool(rows) and (isinstance(rows[0][i], int | float) or str(rows[0][i]).endswith("%"))
        for i in range(len(headers))
    ]
    lines = ["  ".join(_cell(h, w, r) for h, w, r in zip(headers, widths, right, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += [
        "  ".join(_cell(c, w, r) for c, w, r in zip(row, widths, right, strict=True))
        for row in cells
    ]
    return "\n".join(line.rstrip() for line in lines)


def render_table(report: Report) -> str:
    parts = [f"icml2018-bot 보고서: {report.since} ~ {report.until} (UTC)"]

    def section(title: str, headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
        parts.append("")
        parts.append(f"■ {title}")
        parts.append(table(headers, rows) if rows else "(없음)")

    section(
        "날짜별 질문",
        ["날짜", "답함", "가까운 문단", "못 찾음", "기타", "합계"],
        [(d.day, d.answered, d.related, d.no_answer, d.other, d.total) for d in report.days],
    )
    section(
        "많이 물어본 문단",
        ["문단", "질문 수"],
        [(p.passage_id, p.asked) for p in report.passages],
    )
    section(
        "답하지 못한 질문",
        ["질문", "횟수", "마지막"],
        [(_clip(q.question), q.times, q.last_asked) for q in report.unanswered],
    )
    section(
        "👎 받은 답",
        ["질문", "문단", "횟수", "마지막"],
        [(_clip(q.question), q.passage_id or "", q.times, q.last_asked) for q in report.downvoted],
    )
    section(
        "문단별 평가",
        ["문단", "👍", "👎", "👍 비율"],
        [(r.passage_id, r.up, r.down, f"{r.up_rate:.0%}") for r in report.ratings],
    )
    return "\n".join(parts)


CSV_FIELDS = (
    "section",
    "day",
    "passage_id",
    "question",
    "answered",
    "related",
    "no_answer",
    "other",
    "total",
    "count",
    "last",
    "up",
    "down",
    "up_rate",
)


def render_csv(report: Report) -> str:
    """One CSV: a ``section`` column says which part of the report a row belongs to."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for d in report.days:
        row = asdict(d)
        writer.writerow({"section": "day", **row})
    for p in report.passages:
        writer.writerow({"section": "passage", "passage_id": p.passage_id, "count": p.asked})
    for name, rows in (("unanswered", report.unanswered), ("downvoted", report.downvoted)):
        for q in rows:
            writer.writerow(
                {
                    "section": name,
                    "question": q.question,
                    "passage_id": q.passage_id or "",
                    "count": q.times,
                    "last": q.last_asked,
                }
            )
    for r in report.ratings:
        writer.writerow(
            {
                "section": "rating",
                "passage_id": r.passage_id,
                "up": r.up,
                "down": r.down,
                "up_rate": r.up_rate,
            }
        )
    return out.getvalue().rstrip("\n")


def render(report: Report, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(report.as_dict(), ensure_ascii=False, indent=2)
    if fmt == "csv":
        return render_csv(report)
    return render_table(report)

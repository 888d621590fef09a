"""What the store keeps, as plain frozen records (no database types leak out)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.corpus import Footnote


@dataclass(frozen=True, slots=True)
class ThreadContext:
    """Where a conversation stands after the bot's last answer in it.

    ``question`` and ``context`` are what the last search was run with (so "the
    next passage" repeats that search), ``topic`` is what a later follow-up is
    read together with, ``position`` is the candidate shown, and ``footnotes``
    and ``source`` belong to that shown passage.
    """

    question: str
    context: str | None = None
    topic: str = ""
    status: str = "answer"
    passage_ids: tuple[str, ...] = ()
    position: int = 0
    footnotes: tuple[Footnote, ...] = ()
    source: str | None = None


@dataclass(frozen=True, slots=True)
class QuestionRecord:
    """One question the bot answered (or did not), for the maintainer's report."""

    asked_at: datetime
    status: str  # answer | related | no_answer | help | next | sources | error
    transport: str  # app_mention, message.im, thread, slash_command, ...
    passage_id: str | None = None
    score: float | None = None
    latency_ms: float = 0.0
    question_chars: int = 0
    question: str | None = None  # None when BOT_STORE_QUESTIONS=0 or past retention
    followup: str | None = None  # None for a new question, else how it followed up


@dataclass(frozen=True, slots=True)
class Vote:
    """A 👍 (+1) or 👎 (-1) on one shown answer, by one (hashed) user."""

    answer_key: str
    user_hash: str
    score: int
    status: str
    passage_id: str | None
    passage_score: float | None = None
    question: str | None = None
    voted_at: datetime = field(default_factory=lambda: datetime.min)

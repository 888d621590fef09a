"""Retrieval quality on a question file: hit@k, MRR, no-answer and help decisions, citations."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.answer import Answer, Answerer
from bot.corpus import EvalQuestion

_MARKS = re.compile(r"\*\d+|\[\d+\]|<sup>\d+</sup>")
_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"})
DEPTH = 10


def fold(text: str) -> str:
    """The dev file's matching form: no whitespace, no footnote marks, straight quotes."""
    return re.sub(r"\s+", "", _MARKS.sub("", text)).translate(_QUOTES)


@dataclass(slots=True)
class Outcome:
    question: EvalQuestion
    status: str
    rank: int | None  # 1-based rank of the first correct passage, None if absent
    cited: bool | None
    top: str | None


@dataclass(slots=True)
class Report:
    outcomes: list[Outcome] = field(default_factory=list)

    def _of(self, *kinds: str, answerable: bool | None = None) -> list[Outcome]:
        out = [o for o in self.outcomes if not kinds or o.question.kind in kinds]
        if answerable is not None:
            out = [o for o in out if bool(o.question.needles) == answerable]
        return out

    @staticmethod
    def _rate(values: Sequence[bool]) -> float:
        return sum(values) / len(values) if values else 1.0

    def metrics(self) -> dict[str, float]:
        answerable = self._of(answerable=True)
        rank_ok = [(o.status == "answer", o.rank) for o in answerable]
        return {
            "hit@1": self._rate([ok and r == 1 for ok, r in rank_ok]),
            "hit@3": self._rate([ok and r is not None and r <= 3 for ok, r in rank_ok]),
            "mrr@10": (
                sum(1 / r for ok, r in rank_ok if ok and r) / len(rank_ok) if rank_ok else 1.0
            ),
            "false_no_answer": 1 - self._rate([o.status == "answer" for o in answerable]),
            "ood_rejected": self._rate([o.status == "no_answer" for o in self._of("ood")]),
            "greet_help": self._rate([o.status == "help" for o in self._of("greet")]),
            "citations": self._rate([bool(o.cited) for o in self.outcomes if o.cited is not None]),
        }

    def per_kind(self) -> dict[str, float]:
        groups: dict[str, list[bool]] = defaultdict(list)
        for o in self._of(answerable=True):
            groups[o.question.kind].append(o.status == "answer" and o.rank == 1)
        return {kind: self._rate(v) for kind, v in sorted(groups.items())}

    def misses(self) -> list[Outcome]:
        out = []
        for o in self.outcomes:
            q = o.question
            if q.needles:
                bad = o.status != "answer" or o.rank != 1 or o.cited is False
            else:
                bad = o.status != ("help" if q.kind == "greet" else "no_answer")
            if bad:
                out.append(o)
        return out


def _rank(answer: Answer, needles: Sequence[str]) -> int | None:
    folded = [fold(n) for n in needles]
    results = answer.results or answer.candidates
    for i, r in enumerate(results, start=1):
        text = fold(r.text)
        if any(n in text for n in folded):
            return i
    return None


def _cited(answer: Answer, cite: str) -> bool:
    if not answer.results:
        return False
    target = fold(cite)
    return any(
        target in fold(f.display or "") or any(target in fold(u) for u in f.urls)
        for f in answer.results[0].footnotes
    )


def evaluate(answerer: Answerer, questions: Sequence[EvalQuestion]) -> Report:
    report = Report()
    for q in questions:
        answer = answerer.answer(q.q, k=DEPTH)
        top = answer.results[0].passage_id if answer.results else None
        cited = _cited(answer, q.cite) if q.cite else None
        report.outcomes.append(Outcome(q, answer.status, _rank(answer, q.needles), cited, top))
    return report

"""Answer quality on a question file: rankings, confidence, quotes, citations, help.

The dev files are split in two fixed halves (``split_halves``): one is tuned on,
the other only reported, so a figure can say whether it was measured on
questions the search was tuned for.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from bot.answer import Answer, Answerer
from bot.corpus import EvalQuestion

_MARKS = re.compile(r"\*\d+|\[\d+\]|<sup>\d+</sup>")
_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"})
DEPTH = 10
SHOWN = ("answer", "related")
HALVES = ("tune", "held")


def fold(text: str) -> str:
    """The dev file's matching form: no whitespace, no footnote marks, straight quotes."""
    return re.sub(r"\s+", "", _MARKS.sub("", text)).translate(_QUOTES)


def split_halves(questions: Sequence[EvalQuestion]) -> dict[str, list[EvalQuestion]]:
    """Two fixed halves, alternating within each kind in file order: "tune" gets the
    1st, 3rd, … question of every kind, "held" the 2nd, 4th, …"""
    seen: dict[str, int] = defaultdict(int)
    halves: dict[str, list[EvalQuestion]] = {name: [] for name in HALVES}
    for q in questions:
        halves[HALVES[seen[q.kind] % 2]].append(q)
        seen[q.kind] += 1
    return halves


@dataclass(slots=True)
class Outcome:
    question: EvalQuestion
    status: str
    rank: int | None  # 1-based rank of the first correct passage, None if absent
    cited: bool | None  # the first result carries the expected footnote (None: not asked)
    quoted: bool | None  # the first result's quote shows the answer (None: not asked)
    top: str | None

    @property
    def answerable(self) -> bool:
        return bool(self.question.needles)

    @property
    def shown_first(self) -> bool:
        return self.status in SHOWN and self.rank == 1

    @property
    def confident_wrong(self) -> bool:
        return self.answerable and self.status == "answer" and self.rank != 1

    def missed(self) -> bool:
        if self.answerable:
            return not self.shown_first or self.cited is False or self.quoted is False
        if self.question.kind == "greet":
            return self.status != "help"
        return self.status == "answer"


def _rate(values: Sequence[bool]) -> float:
    return sum(values) / len(values) if values else 1.0


# metric -> (which outcomes it is measured on, whether an outcome counts)
Metric = tuple[Callable[[Outcome], bool], Callable[[Outcome], bool]]
METRICS: dict[str, Metric] = {
    "hit@1": (lambda o: o.answerable, lambda o: o.shown_first),
    "hit@3": (
        lambda o: o.answerable,
        lambda o: o.status in SHOWN and o.rank is not None and o.rank <= 3,
    ),
    "confident@1": (lambda o: o.answerable, lambda o: o.status == "answer" and o.rank == 1),
    "confident_wrong": (lambda o: o.answerable, lambda o: o.confident_wrong),
    "false_no_answer": (lambda o: o.answerable, lambda o: o.status not in SHOWN),
    "ood_not_confident": (lambda o: o.question.kind == "ood", lambda o: o.status != "answer"),
    "hard_ood_not_confident": (
        lambda o: o.question.kind == "hard-ood",
        lambda o: o.status != "answer",
    ),
    "greet_help": (lambda o: o.question.kind == "greet", lambda o: o.status == "help"),
    "citations": (lambda o: o.cited is not None, lambda o: bool(o.cited)),
    "quote@1": (lambda o: o.quoted is not None, lambda o: bool(o.quoted)),
}
# Bars of issue #10 (held-out sets): ">=" unless listed in AT_MOST.
BARS = {
    "hit@1": 0.92,
    "hit@3": 0.97,
    "confident_wrong": 0.05,
    "false_no_answer": 0.03,
    "ood_not_confident": 0.95,
    "hard_ood_not_confident": 0.7,
    "greet_help": 1.0,
    "citations": 0.9,
    "quote@1": 0.85,
}
AT_MOST = frozenset({"confident_wrong", "false_no_answer"})


def meets(metric: str, value: float, bar: float) -> bool:
    return value <= bar if metric in AT_MOST else value >= bar


@dataclass(slots=True)
class Report:
    outcomes: list[Outcome] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """How many questions each metric is measured on."""
        return {name: sum(map(on, self.outcomes)) for name, (on, _) in METRICS.items()}

    def metrics(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for name, (on, ok) in METRICS.items():
            out[name] = _rate([ok(o) for o in self.outcomes if on(o)])
        answerable = [o for o in self.outcomes if o.answerable]
        out["mrr@10"] = (
            sum(1 / o.rank for o in answerable if o.status in SHOWN and o.rank) / len(answerable)
            if answerable
            else 1.0
        )
        return out

    def per_kind(self) -> dict[str, float]:
        groups: dict[str, list[bool]] = defaultdict(list)
        for o in self.outcomes:
            if o.answerable:
                groups[o.question.kind].append(o.shown_first)
        return {kind: _rate(v) for kind, v in sorted(groups.items())}

    def misses(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.missed()]


def _rank(answer: Answer, needles: Sequence[str]) -> int | None:
    folded = [fold(n) for n in needles]
    results = answer.results or answer.candidates
    for i, r in enumerate(results, start=1):
        text = fold(r.text)
        if any(n in text for n in folded):
            return i
    return None


def _cited(answer: Answer, cite: str) -> bool:
    if answer.status not in SHOWN or not answer.results:
        return False
    target = fold(cite)
    return any(
        target in fold(f.display or "") or any(target in fold(u) for u in f.urls)
        for f in answer.results[0].footnotes
    )


def _quoted(answer: Answer, expected: str) -> bool:
    if answer.status not in SHOWN or not answer.results:
        return False
    return fold(expected) in fold(answer.results[0].quote)


def evaluate(answerer: Answerer, questions: Sequence[EvalQuestion]) -> Report:
    report = Report()
    for q in questions:
        answer = answerer.answer(q.q, k=DEPTH)
        top = answer.results[0].passage_id if answer.results else None
        report.outcomes.append(
            Outcome(
                question=q,
                status=answer.status,
                rank=_rank(answer, q.needles),
                cited=_cited(answer, q.cite) if q.cite else None,
                quoted=_quoted(answer, q.answer) if q.answer else None,
                top=top,
            )
        )
    return report

"""The quality bar on the dev questions (issue #3), through ``bot.evaluate``.

Skipped when ``../shared/eval/dev_questions.yaml`` is absent. A failure lists the
questions that miss that metric, with the status, rank and top passage they got.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bot.answer import Answerer
from bot.corpus import load_eval_questions
from bot.evaluate import Outcome, Report, evaluate

DEV_QUESTIONS = Path(__file__).resolve().parents[2] / "shared" / "eval" / "dev_questions.yaml"

pytestmark = pytest.mark.skipif(
    not DEV_QUESTIONS.is_file(), reason="../shared/eval/dev_questions.yaml is not here"
)


def _answerable(o: Outcome) -> bool:
    return bool(o.question.needles)


# metric -> (bar, "at least" or "at most", which outcomes miss it)
BAR: dict[str, tuple[float, str, Callable[[Outcome], bool]]] = {
    "hit@1": (
        0.90,
        ">=",
        lambda o: _answerable(o) and not (o.status == "answer" and o.rank == 1),
    ),
    "hit@3": (
        0.97,
        ">=",
        lambda o: _answerable(o) and not (o.status == "answer" and o.rank and o.rank <= 3),
    ),
    "false_no_answer": (0.03, "<=", lambda o: _answerable(o) and o.status != "answer"),
    "ood_rejected": (1.0, ">=", lambda o: o.question.kind == "ood" and o.status != "no_answer"),
    "greet_help": (1.0, ">=", lambda o: o.question.kind == "greet" and o.status != "help"),
    "citations": (0.90, ">=", lambda o: o.cited is False),
}


@pytest.fixture(scope="module")
def report(answerer: Answerer) -> Report:
    return evaluate(answerer, load_eval_questions(DEV_QUESTIONS))


def _describe(outcomes: list[Outcome]) -> str:
    return "\n".join(
        f"  [{o.question.kind}] {o.question.q!r}: status={o.status} rank={o.rank} "
        f"cited={o.cited} top={o.top}"
        for o in outcomes
    )


def test_dev_set_covers_every_kind(report: Report) -> None:
    kinds = {o.question.kind for o in report.outcomes}
    assert {"fact", "para", "kw", "typo", "en", "cite", "ood", "greet"} <= kinds


@pytest.mark.parametrize("metric", list(BAR))
def test_quality_bar(report: Report, metric: str) -> None:
    bar, direction, missed = BAR[metric]
    value = report.metrics()[metric]
    ok = value >= bar if direction == ">=" else value <= bar
    misses = [o for o in report.outcomes if missed(o)]
    assert ok, f"{metric} = {value:.3f}, bar {direction} {bar:.2f}; misses:\n{_describe(misses)}"

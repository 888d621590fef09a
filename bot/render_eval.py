"""The eval report as a text table."""

from __future__ import annotations

from bot.evaluate import Report

BAR = {
    "hit@1": 0.90,
    "hit@3": 0.97,
    "false_no_answer": 0.03,
    "ood_rejected": 1.0,
    "greet_help": 1.0,
    "citations": 0.90,
}


def render_report(report: Report, count: int) -> str:
    lines = [f"questions: {count}", f"{'metric':<18}{'value':>8}  bar"]
    for name, value in report.metrics().items():
        bar = BAR.get(name)
        if bar is None:
            verdict = ""
        elif name == "false_no_answer":
            verdict = f"<= {bar:.2f} {'ok' if value <= bar else 'BELOW BAR'}"
        else:
            verdict = f">= {bar:.2f} {'ok' if value >= bar else 'BELOW BAR'}"
        lines.append(f"{name:<18}{value:>8.3f}  {verdict}")
    lines.append(
        "hit@1 by kind: " + ", ".join(f"{k} {v:.2f}" for k, v in report.per_kind().items())
    )
    misses = report.misses()
    lines.append(f"misses: {len(misses)}")
    for o in misses:
        lines.append(
            f"  [{o.question.kind}] {o.question.q!r}: status={o.status} rank={o.rank} "
            f"cited={o.cited} top={o.top}"
        )
    return "\n".join(lines)

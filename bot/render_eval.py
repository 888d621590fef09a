"""The eval report as a text table: one column per half of the question file."""

from __future__ import annotations

from collections.abc import Mapping

from bot.evaluate import AT_MOST, BARS, METRICS, Report, meets

ORDER = [*list(METRICS)[:3], "mrr@10", *list(METRICS)[3:]]


def _verdict(metric: str, value: float) -> str:
    bar = BARS.get(metric)
    if bar is None:
        return ""
    sign = "<=" if metric in AT_MOST else ">="
    return f"{sign} {bar:.2f} {'ok' if meets(metric, value, bar) else 'BELOW BAR'}"


def render_reports(title: str, reports: Mapping[str, Report]) -> str:
    """``reports`` maps a half's name ("tune", "held", or "all") to its report."""
    names = list(reports)
    sizes = " / ".join(f"{n} {len(reports[n].outcomes)}" for n in names)
    lines = [f"{title}: questions {sizes}"]
    lines.append(f"{'metric':<24}" + "".join(f"{n:>8}" for n in names) + "  bar (held-out)")
    metrics = {n: r.metrics() for n, r in reports.items()}
    counts = {n: r.counts() for n, r in reports.items()}
    judged = "held" if "held" in reports else names[-1]
    for metric in ORDER:
        cells = ""
        for n in names:
            empty = metric in counts[n] and counts[n][metric] == 0
            cells += f"{'–':>8}" if empty else f"{metrics[n][metric]:>8.3f}"
        lines.append(f"{metric:<24}{cells}  {_verdict(metric, metrics[judged][metric])}")
    for n in names:
        kinds = reports[n].per_kind()
        lines.append(f"hit@1 by kind ({n}): " + ", ".join(f"{k} {v:.2f}" for k, v in kinds.items()))
    for n in names:
        misses = reports[n].misses()
        lines.append(f"misses ({n}): {len(misses)}")
        for o in misses:
            lines.append(
                f"  [{o.question.kind}] {o.question.q!r}: status={o.status} rank={o.rank} "
                f"cited={o.cited} quoted={o.quoted} top={o.top}"
            )
    return "\n".join(lines)

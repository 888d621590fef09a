"""Where the matched terms stand in a quote, for renderers to emphasise."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable


def spans(text: str, terms: Iterable[str]) -> list[tuple[int, int]]:
    """Non-overlapping (start, end) spans of ``terms`` in ``text`` (case-insensitive), merged
    when only spaces separate them (``강화`` + ``학습`` -> ``강화 학습``)."""
    found: list[tuple[int, int]] = []
    for term in {t for t in terms if t}:
        found += [(m.start(), m.end()) for m in re.finditer(re.escape(term), text, re.IGNORECASE)]
    merged: list[tuple[int, int]] = []
    for start, end in sorted(found):
        if merged and start <= merged[-1][1] + 1 and not text[merged[-1][1] : start].strip():
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def mark(
    text: str,
    terms: Iterable[str],
    *,
    plain: Callable[[str], str],
    strong: Callable[[str], str],
) -> str:
    """``text`` with ``strong`` applied to matched spans and ``plain`` to the rest."""
    out: list[str] = []
    pos = 0
    for start, end in spans(text, terms):
        out.append(plain(text[pos:start]))
        out.append(strong(text[start:end]))
        pos = end
    out.append(plain(text[pos:]))
    return "".join(out)

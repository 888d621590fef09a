"""Emphasis for a quote: which spans to make strong, and the text as styled runs.

Transports format the runs (Slack: ``*bold*`` and superscript marks; the console:
ANSI bold); they never decide where emphasis goes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.corpus import MARK_RE

PLAIN = "plain"
STRONG = "strong"
MARK = "mark"
ELLIPSIS = "…"

# Script runs: Latin letters and digits, Hangul syllables.
_LATIN = re.compile(r"[A-Za-z0-9\u00c0-\u024f]+")
_HANGUL = re.compile(r"[\uac00-\ud7a3]+")


@dataclass(frozen=True, slots=True)
class Run:
    """A piece of text and how to show it: plain, strong (emphasised) or a footnote mark."""

    text: str
    style: str = PLAIN


def term_spans(text: str, terms: Iterable[str]) -> list[tuple[int, int]]:
    """Spans of ``text`` to emphasise for the matched ``terms``, always whole words as they
    stand in the text: a Latin word (or number) when a term starts it (``nip`` -> ``NIPS``,
    ``network`` -> ``Networks``; a number only when equal), a run of Hangul when a term
    stands in it (``최적`` -> ``최적화``); never a footnote mark or part of one. Spans that
    only spaces separate are merged (``강화 학습``)."""
    lowered = {t.lower() for t in terms if t and t.strip()}
    latin = [t for t in lowered if _LATIN.fullmatch(t)]
    hangul = [t for t in lowered if _HANGUL.fullmatch(t)]
    masked = MARK_RE.sub(lambda m: " " * len(m.group()), text)
    found: list[tuple[int, int]] = []
    for word in _LATIN.finditer(masked):
        w = word.group().lower()
        if any(w == t or (not t.isdigit() and len(t) >= 2 and w.startswith(t)) for t in latin):
            found.append(word.span())
    for word in _HANGUL.finditer(masked):
        w = word.group()
        if any(t in w and (len(t) >= 2 or t == w) for t in hangul):
            found.append(word.span())
    return merge_spans(text, found)


def merge_spans(text: str, spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and not text[merged[-1][1] : start].strip(" \t"):  # overlapping or spaces
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def runs(text: str, *, strong: Sequence[tuple[int, int]] = ()) -> list[Run]:
    """``text`` as runs: footnote marks on their own, ``strong`` spans emphasised (split at
    marks and line breaks, which emphasis cannot cross), the rest plain."""
    style = [PLAIN] * len(text)
    for start, end in strong:
        for i in range(max(0, start), min(end, len(text))):
            if text[i] != "\n":
                style[i] = STRONG
    for m in MARK_RE.finditer(text):
        for i in range(m.start(), m.end()):
            style[i] = MARK
    out: list[Run] = []
    i = 0
    for m in MARK_RE.finditer(text):
        out += _styled(text, style, i, m.start())
        out.append(Run(m.group(), MARK))
        i = m.end()
    out += _styled(text, style, i, len(text))
    return out


def _styled(text: str, style: list[str], start: int, end: int) -> list[Run]:
    out: list[Run] = []
    i = start
    while i < end:
        j = i
        while j < end and style[j] == style[i]:
            j += 1
        piece = text[i:j]
        if style[i] == STRONG and piece.strip() != piece:  # keep edge spaces outside emphasis
            lead = len(piece) - len(piece.lstrip())
            trail = len(piece) - len(piece.rstrip())
            if lead:
                out.append(Run(piece[:lead]))
            out.append(Run(piece.strip(), STRONG))
            if trail:
                out.append(Run(piece[len(piece) - trail :]))
        else:
            out.append(Run(piece, style[i]))
        i = j
    return [r for r in out if r.text]


def cut_runs(shown: Sequence[Run], limit: int) -> tuple[Run, ...]:
    """At most ``limit`` characters of raw text, ending in "…" when cut; a footnote mark is
    kept whole or dropped, and a cut prefers a space."""
    if sum(len(r.text) for r in shown) <= limit:
        return tuple(shown)
    budget = max(0, limit - len(ELLIPSIS))
    out: list[Run] = []
    for r in shown:
        if len(r.text) <= budget:
            out.append(r)
            budget -= len(r.text)
            continue
        if r.style != MARK and budget > 0:
            piece = r.text[:budget]
            space = piece.rfind(" ")
            if space > len(piece) // 2:
                piece = piece[:space]
            if piece.rstrip():
                out.append(Run(piece.rstrip(), r.style))
        break
    out.append(Run(ELLIPSIS))
    return tuple(out)

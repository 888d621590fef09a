"""Interchangeable terms: the articles' own ``한국어(English)`` pairs and the glossary.

A question may name a concept in either language, or by a synonym the article
does not use. ``Synonyms`` maps a run of query terms to the term runs that mean
the same, so the search can add them to the query.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

# "강화 학습(reinforcement learning)", "CNN(convolutional neural network)":
# up to three words before an opening parenthesis that holds Latin text.
_PAIR_RE = re.compile(
    r"(?<!\S)((?:[\w\-·]+\s){0,2}[\w\-·]+?)\(([A-Za-z][A-Za-z0-9 \-',.]*[A-Za-z0-9])\)"
)

Terms = tuple[str, ...]


def mine_pairs(texts: Iterable[str]) -> list[tuple[str, str]]:
    """``(native, english)`` surface pairs written as ``native(english)`` in ``texts``."""
    pairs: list[tuple[str, str]] = []
    for text in texts:
        for m in _PAIR_RE.finditer(text):
            english = m.group(2).strip()
            words = m.group(1).split()
            # Keep as many native words as the English side has, at most three.
            n_words = max(1, min(len(words), len(english.split()), 3))
            native = " ".join(words[-n_words:])
            if native and native.lower() != english.lower():
                pairs.append((native, english))
    return pairs


@dataclass(frozen=True, slots=True)
class Synonyms:
    """Term runs with their equivalents; build with ``Synonyms.build``."""

    table: dict[Terms, tuple[Terms, ...]] = field(default_factory=dict)
    max_len: int = 0

    @classmethod
    def build(cls, groups: Iterable[Iterable[Terms]]) -> Synonyms:
        """Make a table from groups of equivalent term runs."""
        table: dict[Terms, set[Terms]] = {}
        for group in groups:
            runs = set(group)
            runs.discard(())
            for run in runs:
                table.setdefault(run, set()).update(r for r in runs if r != run)
        frozen = {k: tuple(sorted(v)) for k, v in table.items() if v}
        return cls(frozen, max((len(k) for k in frozen), default=0))

    @classmethod
    def build_one_way(cls, pairs: Iterable[tuple[Terms, Iterable[Terms]]]) -> Synonyms:
        """A table from each of ``pairs``' words to the run it stands for (a reader's
        word -> the article's word), never the other way."""
        table: dict[Terms, set[Terms]] = {}
        for target, words in pairs:
            if not target:
                continue
            for run in words:
                if run and run != target:
                    table.setdefault(run, set()).add(target)
        frozen = {k: tuple(sorted(v)) for k, v in table.items()}
        return cls(frozen, max((len(k) for k in frozen), default=0))

    def expand(self, terms: Sequence[str]) -> list[tuple[Terms, Terms]]:
        """``(run, equivalent)`` for every run of ``terms`` the table knows."""
        found: list[tuple[Terms, Terms]] = []
        for size in range(min(self.max_len, len(terms)), 0, -1):
            for start in range(len(terms) - size + 1):
                run = tuple(terms[start : start + size])
                found.extend((run, eq) for eq in self.table.get(run, ()))
        return found

    def to_json(self) -> list[list[list[str]]]:
        return [[list(k), *[list(v) for v in vs]] for k, vs in self.table.items()]

    @classmethod
    def from_json(cls, data: list[list[list[str]]]) -> Synonyms:
        table = {tuple(row[0]): tuple(tuple(v) for v in row[1:]) for row in data}
        return cls(table, max((len(k) for k in table), default=0))

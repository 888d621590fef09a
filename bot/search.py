"""Rank passages for a question and say how well the best ones cover it.

Two BM25 fields: content morphemes (the main signal) and their character
n-grams (spacing and typo tolerance). The question's terms are expanded with
equivalent terms (the articles' own 한국어(English) pairs and the glossary).
Coverage — the IDF-weighted share of the question's terms a passage actually
contains, exactly, through an equivalent, or nearly (n-gram overlap for a
typo) — decides whether the articles answer the question at all.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bot.corpus import Passage
from bot.indexer import SearchIndex
from bot.tokenizer import char_grams

EXPANSION_WEIGHT = 0.6
GRAM_WEIGHT = 0.35
# A query term whose n-grams overlap a passage term this much counts as a typo of it.
NEAR_MATCH = 0.5


@dataclass(frozen=True, slots=True)
class Hit:
    """One ranked passage with the evidence for it."""

    passage: Passage
    position: int
    score: float
    coverage: float
    matched: tuple[str, ...]  # passage terms that match the question (for highlighting)


@dataclass(frozen=True, slots=True)
class SearchResult:
    terms: tuple[str, ...]
    hits: tuple[Hit, ...]


def _normalized(scores: np.ndarray) -> np.ndarray:
    top = float(scores.max()) if scores.size else 0.0
    return scores / top if top > 0 else scores


def _gram_overlap(term: str, candidates: set[str]) -> tuple[float, str | None]:
    """Best share of ``term``'s n-grams found in one of ``candidates``."""
    grams = set(char_grams([term]))
    best, best_term = 0.0, None
    for cand in candidates:
        shared = len(grams & set(char_grams([cand])))
        if shared:
            share = shared / max(len(grams), len(set(char_grams([cand]))))
            if share > best:
                best, best_term = share, cand
    return best, best_term


def search(index: SearchIndex, question: str, *, k: int = 3) -> SearchResult:
    """The ``k`` best passages for ``question``, best first (may be fewer, never zero-score)."""
    analysis = index.tokenizer.analyse(question)
    terms = tuple(dict.fromkeys(analysis.terms))
    if not terms:
        return SearchResult((), ())
    expansions = index.synonyms.expand(analysis.terms)
    weights = dict.fromkeys(terms, 1.0)
    for _, run in expansions:
        for term in run:
            weights.setdefault(term, EXPANSION_WEIGHT)
    gram_weights = dict.fromkeys(analysis.grams, 1.0)
    scores = _normalized(index.terms.scores(weights))
    scores += GRAM_WEIGHT * _normalized(index.grams.scores(gram_weights))
    order = np.argsort(-scores, kind="stable")[:k]
    hits = tuple(
        _hit(index, int(i), float(scores[i]), terms, expansions)
        for i in order
        if scores[i] > 0
    )
    return SearchResult(terms, hits)


def _hit(
    index: SearchIndex,
    position: int,
    score: float,
    terms: tuple[str, ...],
    expansions: list[tuple[tuple[str, ...], tuple[str, ...]]],
) -> Hit:
    fields = index.fields[position]
    present = set(fields.terms)
    matched: list[str] = [t for t in terms if t in present]
    via_equivalent: set[str] = set()
    for run, equivalent in expansions:
        if all(t in present for t in equivalent):
            via_equivalent.update(run)
            matched.extend(equivalent)
    total = covered = 0.0
    for term in terms:
        idf = index.terms.term_idf(term)
        total += idf
        if term in present or term in via_equivalent:
            covered += idf
            continue
        share, near = _gram_overlap(term, present) if len(term) >= 3 else (0.0, None)
        if near is not None and share >= NEAR_MATCH:
            covered += idf * share
            matched.append(near)
    coverage = covered / total if total else 0.0
    passage = index.corpus.passages[position]
    return Hit(passage, position, score, coverage, tuple(dict.fromkeys(matched)))

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
# A query term whose n-grams the passage holds to this share counts as a typo or part of it.
NEAR_MATCH = 0.6
# How many top-scored passages are re-ranked by score x coverage.
RERANK_DEPTH = 20
# Weak terms (verb stems, one-syllable words) count this much towards coverage.
WEAK_WEIGHT = 0.5


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


def _gram_share(term: str, grams: frozenset[str]) -> float:
    """Share of ``term``'s character n-grams found among a passage's n-grams."""
    own = set(char_grams([term]))
    return len(own & grams) / len(own) if own else 0.0


def search(index: SearchIndex, question: str, *, k: int = 3) -> SearchResult:
    """The ``k`` best passages for ``question``, best first (may be fewer, never zero-score)."""
    analysis = index.tokenizer.analyse(question)
    terms = tuple(dict.fromkeys(analysis.terms))
    if not terms:
        return SearchResult((), ())
    expansions = index.synonyms.expand(analysis.terms)
    weights = dict.fromkeys(terms, 1.0)
    for source, run in expansions:
        for term in run:
            # An equivalent stands in for its source run: share the source's weight.
            weights.setdefault(term, EXPANSION_WEIGHT * min(1.0, len(source) / len(run)))
    gram_weights = dict.fromkeys(analysis.grams, 1.0)
    scores = _normalized(index.terms.scores(weights))
    scores += GRAM_WEIGHT * _normalized(index.grams.scores(gram_weights))
    scores *= index.priors
    order = np.argsort(-scores, kind="stable")[: max(k, RERANK_DEPTH)]
    hits = [
        _hit(index, int(i), float(scores[i]), terms, analysis.weak, expansions)
        for i in order
        if scores[i] > 0
    ]
    # A shared n-gram alone ("for" in "forest") is no evidence of an answer.
    hits = [h for h in hits if h.coverage > 0]
    # Soft AND: among the best-scored, prefer passages that hold more of the question.
    hits.sort(key=lambda h: -h.score * h.coverage)
    return SearchResult(terms, tuple(hits[:k]))


def _hit(
    index: SearchIndex,
    position: int,
    score: float,
    terms: tuple[str, ...],
    weak: frozenset[str],
    expansions: list[tuple[tuple[str, ...], tuple[str, ...]]],
) -> Hit:
    fields = index.fields[position]
    present = set(fields.terms)
    matched: list[str] = [t for t in terms if t in present]
    via_equivalent: set[str] = set()
    for run, equivalent in expansions:
        if all(t in present for t in equivalent):
            if not any(t in present for t in run):
                matched.extend(equivalent)  # highlight the stand-in only where it is needed
            via_equivalent.update(run)
    total = covered = 0.0
    grams = frozenset(fields.grams)
    for term in terms:
        weight = index.terms.term_idf(term) * (WEAK_WEIGHT if term in weak else 1.0)
        total += weight
        if term in present or term in via_equivalent:
            covered += weight
            continue
        share = _gram_share(term, grams) if len(term) >= 2 else 0.0
        if share >= NEAR_MATCH:
            covered += weight * share
    coverage = covered / total if total else 0.0
    passage = index.corpus.passages[position]
    return Hit(passage, position, score, coverage, tuple(dict.fromkeys(matched)))

"""BM25 over passages (rank-bm25), with postings so a query touches only matching passages.

Variant, on purpose: ``BM25Plus`` for its IDF, log((N + 1) / df), which stays
positive for every term (``BM25Okapi`` gives a term found in half the passages
an IDF of 0 and floors common terms), with ``delta=0`` so a passage that lacks
every query term scores exactly 0. Scores come from rank-bm25's own idf,
term frequencies, k1 and b, and the passages' lengths (without ``extra`` terms);
we only skip passages without a query term.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from rank_bm25 import BM25Plus

K1 = 1.2
B = 0.75


@dataclass(frozen=True, slots=True)
class Posting:
    docs: np.ndarray  # passage positions containing the term
    weights: np.ndarray  # rank-bm25's term-frequency part for each of them, IDF excluded


class BM25Index:
    """One BM25 field over a fixed list of token lists (one per passage)."""

    def __init__(
        self,
        documents: Sequence[Sequence[str]],
        *,
        k1: float = K1,
        b: float = B,
        extra: Sequence[Sequence[str]] | None = None,
    ) -> None:
        """``extra``: more terms of each passage that count for it but not towards its
        length (another reading of words it already holds: 딥러닝 beside 딥, 러닝)."""
        self.size = len(documents)
        docs = [list(d) or ["\x00"] for d in documents]  # rank-bm25 needs non-empty docs
        lengths = np.asarray([len(d) for d in docs], dtype=float)
        if extra is not None:
            docs = [d + list(e) for d, e in zip(docs, extra, strict=True)]
        bm25 = BM25Plus(docs, k1=k1, b=b, delta=0.0)
        self.idf: Mapping[str, float] = bm25.idf
        norm = k1 * (1 - b + b * lengths / lengths.mean())
        collected: dict[str, tuple[list[int], list[float]]] = {}
        for i, freqs in enumerate(bm25.doc_freqs):
            for term, tf in freqs.items():
                entry = collected.setdefault(term, ([], []))
                entry[0].append(i)
                entry[1].append(tf * (k1 + 1) / (tf + norm[i]))
        self._postings = {
            t: Posting(np.asarray(d, dtype=np.int64), np.asarray(w, dtype=float))
            for t, (d, w) in collected.items()
        }
        self.max_idf = float(np.log(self.size + 1))

    def __contains__(self, term: str) -> bool:
        return term in self._postings

    def doc_freq(self, term: str) -> int:
        posting = self._postings.get(term)
        return 0 if posting is None else len(posting.docs)

    def term_idf(self, term: str) -> float:
        """IDF of a term; a term no passage has gets the largest possible IDF."""
        return float(self.idf.get(term, self.max_idf))

    def docs_with(self, term: str) -> np.ndarray:
        posting = self._postings.get(term)
        return posting.docs if posting is not None else np.empty(0, dtype=np.int64)

    def scores(self, weighted_terms: Mapping[str, float]) -> np.ndarray:
        """BM25 score of every passage for terms with query weights."""
        out = np.zeros(self.size)
        for term, weight in weighted_terms.items():
            posting = self._postings.get(term)
            if posting is not None:
                out[posting.docs] += weight * self.idf[term] * posting.weights
        return out

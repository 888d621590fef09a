"""Rank passages for an analysed query and say how well each covers it.

Two BM25 fields: content morphemes (the main signal) and their character
n-grams (spacing and typo tolerance). A query term's stand-ins (equivalents,
markers, a compound's stem, word-vector neighbours) join the BM25 query at a
lower weight. Coverage — the IDF-weighted share of the question's terms a
passage actually holds, itself or through a stand-in, or nearly (n-gram overlap
for a typo) — re-ranks the best-scored passages and feeds the confidence
decision (``bot.search.confidence``).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from bot.corpus import Passage
from bot.search.index import (
    AUTHOR_TERM,
    SOURCE_TERM,
    PassageFields,
    SearchIndex,
    is_figure,
    is_marker,
)
from bot.search.query import NEAR_MATCH, PICTURE_WORDS, Options, Query, Term, build_query
from bot.search.quote import answer_type

EXPANSION_WEIGHT = 0.6
# A weak term (a verb stem, a one-syllable word: 묻다, 답하다) weighs this much in BM25.
WEAK_BM25 = 0.5
GRAM_WEIGHT = 0.35
# How many top-scored passages are re-ranked by score x coverage.
RERANK_DEPTH = 12
# Weak terms (verb stems, one-syllable words) count this much towards coverage.
WEAK_WEIGHT = 0.5
# A word no passage holds and nothing stands in for counts this much of the largest IDF:
# it may be a paraphrase the corpus words differently, or what the articles lack.
UNKNOWN_WEIGHT = 0.6
# A passage without what the question asks for (no number for "몇 명", no reason for
# "왜") ranks at this share of its score.
LACKS_ANSWER_TYPE = 0.8
# An author's name in a passage of their article that does not print it counts this much
# towards confidence: they wrote it, but "where did 임성빈 study" it need not answer.
IMPLIED_ASSURANCE = 0.5
# A passage holding what the question sets aside ("보안 말고 다른 하나") ranks at this share.
SET_ASIDE = 0.8


@dataclass(frozen=True, slots=True)
class Hit:
    """One ranked passage with the evidence for it."""

    passage: Passage
    position: int
    score: float
    coverage: float
    matched: tuple[str, ...]  # passage terms that match the question (for highlighting)
    # names/numbers of the question the passage lacks, or the source it asks for
    missing_specific: tuple[str, ...]
    salient: int  # how many of the question's own strong terms (not weak) the passage holds
    # coverage counting an author's name the passage only implies at IMPLIED_ASSURANCE:
    # what the confidence decision reads
    assurance: float
    gives: frozenset[str]  # the answer types it can give (a reason, a person, …)


@dataclass(frozen=True, slots=True)
class SearchResult:
    query: Query
    hits: tuple[Hit, ...]

    @property
    def terms(self) -> tuple[str, ...]:
        return self.query.words


def _normalized(scores: np.ndarray) -> np.ndarray:
    top = float(scores.max()) if scores.size else 0.0
    return scores / top if top > 0 else scores


def search(
    index: SearchIndex,
    question: str,
    *,
    k: int = 3,
    context: str | None = None,
    options: Options = Options(),  # noqa: B008  (frozen, shared on purpose)
) -> SearchResult:
    """The ``k`` best passages for ``question``, best first (may be fewer, never zero-score)."""
    return rank(index, build_query(index, question, context=context, options=options), k=k)


def _bm25_weights(query: Query) -> dict[str, float]:
    weights: dict[str, float] = {}
    for term in query.terms:
        if term.literal:
            w = term.weight * (WEAK_BM25 if term.weak else 1.0)
            weights[term.text] = max(weights.get(term.text, 0.0), w)
    for term in query.terms:
        for run, credit in term.stand_ins:
            # A stand-in run shares the weight of the term it stands in for.
            w = EXPANSION_WEIGHT * credit * term.weight / len(run)
            for t in run:
                if t not in weights or weights[t] < w:
                    weights[t] = w
    return weights


def rank(index: SearchIndex, query: Query, *, k: int = 3) -> SearchResult:
    """Rank passages for an analysed query (``build_query``)."""
    if not query.terms:
        return SearchResult(query, ())
    scores = _normalized(index.terms.scores(_bm25_weights(query)))
    scores += GRAM_WEIGHT * _normalized(index.grams.scores(dict.fromkeys(query.grams, 1.0)))
    scores *= index.priors
    for term in query.terms:
        if is_figure(term.text):  # a figure asked for: its caption is no longer a side note
            docs = index.terms.docs_with(term.text)
            scores[docs] /= index.priors[docs]
    if any(t.text in PICTURE_WORDS for t in query.terms):  # nor a caption, asked about a picture
        scores[index.captions] /= index.priors[index.captions]
    if any(_asks_author(index, t) for t in query.terms):  # nor the bio, asked about its author
        docs = index.terms.docs_with(AUTHOR_TERM)
        scores[docs] /= index.priors[docs]
    order = np.argsort(-scores, kind="stable")[: max(k, RERANK_DEPTH)]
    weights = [term_weight(index, t) for t in query.terms]
    asks_source = [_asks_source(t) for t in query.terms]
    hits = [
        _hit(index, int(i), float(scores[i]), query, weights, asks_source)
        for i in order
        if scores[i] > 0
    ]
    # A shared n-gram alone ("for" in "forest") is no evidence of an answer.
    hits = [h for h in hits if h.coverage > 0]
    # Soft AND: among the best-scored, prefer passages that hold more of the question,
    # and what it asks for (a reason, a person, a figure) over those that lack it.
    wanted = answer_type(query.text)
    hits.sort(
        key=lambda h: (
            -h.score
            * h.coverage
            * _answer_type(wanted, h)
            * (SET_ASIDE if query.set_aside & index.term_sets[h.position] else 1.0)
        )
    )
    return SearchResult(query, tuple(hits[:k]))


def _answer_type(wanted: str | None, hit: Hit) -> float:
    lacks = wanted is not None and wanted not in hit.gives
    return LACKS_ANSWER_TYPE if lacks else 1.0


def term_weight(index: SearchIndex, term: Term) -> float:
    """How much a question term counts towards coverage."""
    if term.known:
        weight = index.terms.term_idf(term.text)
    elif term.stand_ins or term.specific:
        weight = index.terms.max_idf
    else:
        weight = UNKNOWN_WEIGHT * index.terms.max_idf
    return weight * term.weight * (WEAK_WEIGHT if term.weak else 1.0)


def _asks_author(index: SearchIndex, term: Term) -> bool:
    return term.text in index.author_names or any(
        run == (AUTHOR_TERM,) for run, _ in term.stand_ins
    )


def _asks_source(term: Term) -> bool:
    return any(run == (SOURCE_TERM,) for run, _ in term.stand_ins)


def _together(fields: PassageFields, a: str, b: str) -> bool:
    return any(a in terms and b in terms for terms in fields.sentence_terms)


def _hit(
    index: SearchIndex,
    position: int,
    score: float,
    query: Query,
    weights: list[float],
    asks_source: list[bool],
) -> Hit:
    """The evidence for one passage; ``weights`` and ``asks_source`` are per query term
    (``term_weight``, and whether it asks for a link)."""
    present = index.term_sets[position]
    # the question's own word is a word, not part of one (파 of 파다 is not 파 of 역전파)
    free = present if query.parts_are_words else index.free_sets[position]
    author = index.authors[index.corpus.passages[position].article_id]
    matched: list[str] = []
    missing: list[str] = []
    total = covered = unassured = 0.0
    salient = 0
    for term, weight, asks in zip(query.terms, weights, asks_source, strict=True):
        context = term.weight < 1.0  # from the earlier question: evidence, never a lack
        total += 0.0 if context else weight
        # A link, a slide, a video asked for: only a passage that cites one answers.
        if asks and not context and SOURCE_TERM not in present:
            missing.append(term.text)
        if term.literal and term.text in free:
            total += weight if context else 0.0
            covered += weight
            salient += term.weight >= 1.0 and not term.weak
            matched.append(term.text)
            continue
        # The article's author speaks in every passage of it, named or not; but a passage
        # that does not print the name assures less that it answers about them.
        implied = term.text in author
        credit = 1.0 if implied else 0.0
        for run, run_credit in term.stand_ins:
            if run_credit > credit and present.issuperset(run):
                credit = run_credit
                matched.extend(t for t in run if not is_marker(t))
        for word, share in term.near:
            if share > credit and word in free:
                credit = share
        covered += weight * credit
        unassured += weight * (1 - IMPLIED_ASSURANCE) if implied else 0.0
        total += weight * credit if context else 0.0
        salient += term.weight >= 1.0 and not term.weak and credit >= NEAR_MATCH
        if term.specific and credit < NEAR_MATCH and term.weight >= 1.0:
            missing.append(term.text)
    # Names written together ("NIPS 2018") must stand together in one of the sentences.
    own = [t for t in query.terms if t.weight >= 1.0]
    for a, b in itertools.pairwise(own):
        both = a.specific and b.specific and a.text in present and b.text in present
        if both and not _together(index.fields[position], a.text, b.text):
            missing.append(f"{a.text} {b.text}")
    coverage = covered / total if total else 0.0
    assurance = (covered - unassured) / total if total else 0.0
    passage = index.corpus.passages[position]
    return Hit(
        passage,
        position,
        score,
        coverage,
        tuple(dict.fromkeys(matched)),
        tuple(missing),
        salient,
        assurance,
        index.answer_types[position],
    )

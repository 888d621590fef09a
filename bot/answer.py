"""The one thing every transport calls: a question in, an ``Answer`` out.

Transports (console, ``ask``, Slack) only render an Answer; they never decide
what to answer. ``Answerer`` owns the loaded index and is safe to share
between threads.
"""

from __future__ import annotations

import re
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.corpus import Footnote, find_marks, load_corpus, load_glossary
from bot.indexer import SearchIndex, build_index, default_cache_dir
from bot.search import Hit, search
from bot.tokenizer import Tokenizer, get_tokenizer, normalize

# Questions longer than this are answered from their beginning (and the reply says so).
MAX_QUESTION_CHARS = 500
# Below this share of the question's (IDF-weighted) terms, the articles don't answer it.
MIN_COVERAGE = 0.5
MAX_QUOTE_SENTENCES = 3

_GREETING = r"(?:hi|hello|hey|yo|헬로|하이|ㅎㅇ|안녕\w*|반가\w*|좋은\s?아침)"
_HELP = (
    r"(?:help|usage|도움말?|도움\s?좀|도와\s?줘요?|도와\s?주세요|도와\s?주실래요"
    r"|사용법|사용\s?방법|명령어)"
)
# Bare jamo (ㅋㅋ, ㅎㅎ, ㅠㅠ, ㅇㅇ): compatibility jamo, and conjoining jamo, which is
# what NFKC (``clean_question``) turns them into.
_JAMO = r"\u1100-\u11ff\u3131-\u318e"
# Patterns are NFKC-normalized too, so their jamo (ㅎㅇ) match normalized questions.
_HELP_RE = re.compile(
    unicodedata.normalize("NFKC", rf"^(?:(?:{_GREETING}|{_HELP})[\s!?.~,^{_JAMO}]*)+$"),
    re.IGNORECASE,
)
# Chat noise without a word in it (ㅋㅋㅋ, ㅠㅠ, ?!): nothing to search for.
_NOISE_RE = re.compile(rf"^[\s!?.~,^{_JAMO}]*$")
_MENTION_RE = re.compile(r"<[@#!][^>]*>")


@dataclass(frozen=True, slots=True)
class Result:
    """One passage offered as an answer."""

    article_id: str
    article_title: str
    author: str
    section: str | None
    passage_id: str
    kind: str
    text: str
    quote: str
    score: float
    coverage: float
    highlights: tuple[str, ...]
    footnotes: tuple[Footnote, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "article_id": self.article_id,
            "article_title": self.article_title,
            "author": self.author,
            "section": self.section,
            "passage_id": self.passage_id,
            "kind": self.kind,
            "text": self.text,
            "quote": self.quote,
            "score": round(self.score, 4),
            "highlights": list(self.highlights),
            "footnotes": [
                {"mark": f.mark, "text": f.display, "urls": list(f.urls)} for f in self.footnotes
            ],
        }


@dataclass(frozen=True, slots=True)
class Answer:
    query: str
    status: str  # "answer" | "no_answer" | "help"
    results: tuple[Result, ...] = ()
    elapsed_ms: float = 0.0
    truncated: bool = False
    candidates: tuple[Result, ...] = field(default=(), repr=False)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "query": self.query,
            "status": self.status,
            "results": [r.as_dict() for r in self.results],
            "elapsed_ms": round(self.elapsed_ms, 3),
        }
        if self.truncated:
            out["truncated"] = True
        return out

    @property
    def others(self) -> tuple[Result, ...]:
        """Candidates besides the first that are worth offering (they answer too)."""
        return tuple(r for r in self.results[1:] if r.coverage >= MIN_COVERAGE)


def clean_question(text: str) -> str:
    """The question as the search sees it: Slack mention syntax removed, normalized."""
    return normalize(_MENTION_RE.sub(" ", text))


def is_help_request(text: str) -> bool:
    return not text or bool(_HELP_RE.match(text) or _NOISE_RE.match(text))


def pick_quote(index: SearchIndex, hit: Hit) -> str:
    """The one to three consecutive sentences of the passage that carry the matched terms."""
    fields = index.fields[hit.position]
    sentences = fields.sentences
    if len(sentences) <= 1:
        return hit.passage.text
    matched = set(hit.matched)
    weight = [
        sum(index.terms.term_idf(t) for t in set(terms) & matched)
        for terms in fields.sentence_terms
    ]
    best = max(range(len(sentences)), key=lambda i: weight[i])
    if weight[best] == 0:
        return " ".join(sentences[:2])
    start = end = best
    while end - start + 1 < MAX_QUOTE_SENTENCES:
        left = weight[start - 1] if start > 0 else 0.0
        right = weight[end + 1] if end + 1 < len(sentences) else 0.0
        if max(left, right) <= 0:
            break
        if right >= left:
            end += 1
        else:
            start -= 1
    return " ".join(sentences[start : end + 1])


class Answerer:
    """Loads the corpus and index once; answers questions from any thread."""

    def __init__(self, index: SearchIndex, *, k: int = 3) -> None:
        self.index = index
        self.k = k

    @classmethod
    def from_folder(
        cls,
        corpus_dir: Path,
        *,
        tokenizer: Tokenizer | None = None,
        cache_dir: Path | None = None,
        use_cache: bool = True,
        k: int = 3,
    ) -> Answerer:
        corpus = load_corpus(corpus_dir)
        glossary = load_glossary(corpus_dir)
        cache = (cache_dir or default_cache_dir()) if use_cache else None
        index = build_index(corpus, glossary, tokenizer or get_tokenizer(), cache_dir=cache)
        return cls(index, k=k)

    def answer(self, question: str, *, k: int | None = None) -> Answer:
        started = time.perf_counter()
        k = self.k if k is None else max(1, k)
        text = clean_question(question)
        truncated = len(text) > MAX_QUESTION_CHARS
        text = text[:MAX_QUESTION_CHARS]

        def done(
            status: str, results: tuple[Result, ...] = (), candidates: tuple[Result, ...] = ()
        ) -> Answer:
            elapsed = (time.perf_counter() - started) * 1000
            return Answer(question, status, results, elapsed, truncated, candidates)

        if is_help_request(text):
            return done("help")
        found = search(self.index, text, k=k)
        if not found.terms:
            return done("help")
        results = tuple(self._result(hit) for hit in found.hits)
        if not results or found.hits[0].coverage < MIN_COVERAGE:
            return done("no_answer", candidates=results)
        return done("answer", results)

    def _result(self, hit: Hit) -> Result:
        passage = hit.passage
        article = self.index.corpus.article(passage.article_id)
        quote = pick_quote(self.index, hit)
        footnotes = self.index.corpus.footnotes_of(passage)
        in_quote = set(find_marks(quote))
        footnotes = tuple(sorted(footnotes, key=lambda f: f.mark not in in_quote))
        return Result(
            article_id=article.id,
            article_title=article.title,
            author=article.author,
            section=passage.section_title,
            passage_id=passage.id,
            kind=passage.kind,
            text=passage.text,
            quote=quote,
            score=hit.score,
            coverage=hit.coverage,
            highlights=hit.matched,
            footnotes=footnotes,
        )

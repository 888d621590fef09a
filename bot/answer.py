"""The one thing every transport calls: a question in, an ``Answer`` out.

Transports (console, ``ask``, Slack) only render an Answer; they never decide
what to answer. ``Answerer`` owns the loaded index and is safe to share
between threads.
"""

from __future__ import annotations

import itertools
import re
import time
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.corpus import Footnote, find_marks, load_corpus
from bot.search.confidence import confident, judge
from bot.search.index import (
    SearchIndex,
    build_index,
    corpus_names,
    default_cache_dir,
    load_word_lists,
)
from bot.search.query import Options, Query
from bot.search.quote import QuoteWeights, ends_in_lead_in, pick_quote
from bot.search.rank import WEAK_WEIGHT, Hit, search
from bot.search.tokenizer import Tokenizer, get_tokenizer, normalize

# Questions longer than this are answered from their beginning (and the reply says so).
MAX_QUESTION_CHARS = 500
STATUSES = ("answer", "related", "no_answer", "help")

_GREETING = r"(?:hi|hello|hey|yo|헬로|하이|ㅎㅇ|안녕\w*|반가\w*|좋은\s?아침)"
_HELP = (
    r"(?:help|usage|도움말?|도움\s?좀|도와\s?줘요?|도와\s?주세요|도와\s?주실래요"
    r"|사용법|사용\s?방법|쓰는\s?법|명령어)"
)
# Questions about the bot itself: what it can do, what one may ask it.
_ABOUT_BOT = (
    # a first use ("처음 써보는데"), then the bot addressed ("이 봇한테는", "넌")
    r"(?:처음\s?(?:써\s?보는데|쓰는데|인데|이라서?)\s?)?"
    r"(?:(?:(?:이|여기|이곳|우리)\s?봇|봇|너|넌)(?:은|이|는|한테는?|에게는?)?\s?)?"
    r"(?:뭐|무엇|뭘|무슨\s?일|어떤\s?(?:거|것|일|질문))을?\s?"
    # "… 할 수 있어?", and "뭘 물어보면 되는 거예요?"
    r"(?:(?:할|해\s?줄|물어\s?볼|물어\s?봐도\s?될|질문할|물을)\s?수\s?있"
    r"|(?:물어\s?보|물어\s?봐|물어|질문하|질문해|물으)(?:면|야)\s?(?:되|돼|하|해)(?:는\s?(?:거|건))?)"
)
# Bare jamo (ㅋㅋ, ㅎㅎ, ㅠㅠ, ㅇㅇ): compatibility jamo, and conjoining jamo, which is
# what NFKC (``clean_question``) turns them into.
_JAMO = r"\u1100-\u11ff\u3131-\u318e"
# Patterns are NFKC-normalized too, so their jamo (ㅎㅇ) match normalized questions.
_POLITE_TAIL = r"(?:\s?(?:좀|알려\s?줘|알려\s?주세요|보여\s?줘|주세요|줘|부탁해요?|요))*"
_ENDING = r"\w{0,4}"  # 있어, 있나요, 있니, 예요 …
_HELP_RE = re.compile(
    unicodedata.normalize(
        "NFKC",
        rf"^(?:(?:{_GREETING}|{_HELP}{_POLITE_TAIL}|{_ABOUT_BOT}{_ENDING})"
        rf"[\s!?.~,^{_JAMO}]*)+$",
    ),
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
    confident: bool = False

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
    status: str  # one of STATUSES
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
        """Candidates besides the first that are worth offering: they answer with
        confidence too (the rule that decides the first passage's status)."""
        return tuple(r for r in self.results[1:] if r.confident)


def clean_question(text: str) -> str:
    """The question as the search sees it: Slack mention syntax removed, normalized."""
    return normalize(_MENTION_RE.sub(" ", text))


def is_help_request(text: str) -> bool:
    return not text or bool(_HELP_RE.match(text) or _NOISE_RE.match(text))


class Answerer:
    """Loads the corpus and index once; answers questions from any thread."""

    def __init__(self, index: SearchIndex, *, k: int = 3, options: Options | None = None) -> None:
        self.index = index
        self.k = k
        self.options = options or Options()

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
        cache = (cache_dir or default_cache_dir()) if use_cache else None
        glossary = load_word_lists(corpus_dir, cache)
        tokenizer = tokenizer or get_tokenizer(corpus_names(corpus, glossary))
        index = build_index(corpus, glossary, tokenizer, cache_dir=cache)
        return cls(index, k=k)

    def answer(self, question: str, *, k: int | None = None, context: str | None = None) -> Answer:
        """Answer ``question``; ``context`` is an earlier question of the same
        conversation, whose terms are searched too, at a lower weight."""
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
        context = clean_question(context)[:MAX_QUESTION_CHARS] if context else None
        found = search(self.index, text, k=k, context=context, options=self.options)
        if not found.terms:
            return done("help")
        weights = quote_weights(self.index, found.query)
        results = tuple(self._result(hit, found.query, weights) for hit in found.hits)
        status = judge(found.hits, found.query.text)
        if status == "no_answer":
            return done(status, candidates=results)
        return done(status, results)

    def _result(self, hit: Hit, query: Query, weights: QuoteWeights) -> Result:
        passage = hit.passage
        corpus = self.index.corpus
        article = corpus.article(passage.article_id)
        quote = self._quote(hit, query, weights)
        footnotes = corpus.footnotes_of(passage)
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
            confident=confident(hit, query.text),
        )

    def _quote(self, hit: Hit, query: Query, weights: QuoteWeights) -> str:
        fields = self.index.fields[hit.position]
        chosen = pick_quote(
            fields.sentences,
            fields.sentence_terms,
            weights,
            question=query.text,
            whole_if_short=hit.passage.kind in ("caption", "bio"),
            counted=query.counted,
        )
        sentences = fields.sentences
        whole = chosen == tuple(range(len(sentences)))
        quote = hit.passage.text if whole else _joined(sentences, chosen)
        following = self._following_quote(hit.position)
        if chosen[-1] == len(sentences) - 1 and ends_in_lead_in(quote) and following:
            quote = f"{quote}\n{following}"
        return quote

    def _following_quote(self, position: int) -> str | None:
        """The block quote right after a passage, in the same article (what a lead-in
        such as "다음과 같은 말을 남겼습니다." introduces)."""
        passages = self.index.corpus.passages
        if position + 1 >= len(passages):
            return None
        here, after = passages[position], passages[position + 1]
        if after.kind == "quote" and after.article_id == here.article_id:
            return after.text
        return None


# A near spelling of a question term is worth this much of the term itself in a quote.
NEAR_SHARE = 0.9
# Between quoted sentences that are not next to each other.
GAP = " … "


def _joined(sentences: Sequence[str], chosen: Sequence[int]) -> str:
    parts = [sentences[chosen[0]]]
    for before, i in itertools.pairwise(chosen):
        parts.append((" " if i == before + 1 else GAP) + sentences[i])
    return "".join(parts)


def quote_weights(index: SearchIndex, query: Query) -> QuoteWeights:
    """For each question term and stand-in: the question term it counts for, and what
    it is worth in choosing sentences."""
    weights: dict[tuple[str, ...], tuple[str, float]] = {}
    for term in query.terms:
        w = index.terms.term_idf(term.text) * term.weight * (WEAK_WEIGHT if term.weak else 1.0)
        candidates: list[tuple[tuple[str, ...], float]] = [((term.text,), w)]
        candidates += [(run, w * credit) for run, credit in term.stand_ins]
        # A longer word holding the question's (수학자 for 수학) is a little less the word.
        candidates += [((t,), w * share * NEAR_SHARE) for t, share in term.near]
        for run, worth in candidates:
            if worth > weights.get(run, ("", 0.0))[1]:
                weights[run] = (term.text, worth)
    return weights

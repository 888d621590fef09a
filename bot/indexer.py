"""The corpus analysed into search fields, BM25-indexed, and cached on disk.

Analysing every passage with Kiwi is the slow part of start-up, so the
analysis is stored as JSON under the cache folder, keyed by a hash of the
corpus content, the glossary and the tokenizer's signature: any change to one
of them builds a fresh entry, and an unchanged corpus is never re-analysed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bot.corpus import Corpus, Glossary, Passage
from bot.index import BM25Index
from bot.synonyms import Synonyms, mine_pairs
from bot.tokenizer import Tokenizer, char_grams

log = logging.getLogger(__name__)

INDEX_VERSION = "2"
# Sentence ends: Korean/English terminal punctuation, optionally closed by a quote.
_SENTENCE_END = re.compile(r"(?<=[.?!])(?:[”’\"')]*)\s+|\n+")
# Extra index words for an author's bio, so "누가 썼어?" / "who wrote" finds it.
_BIO_WORDS = "필자 저자 글쓴이 author"


@dataclass(frozen=True, slots=True)
class PassageFields:
    """What the search needs of one passage, all derived from the corpus."""

    terms: tuple[str, ...]
    grams: tuple[str, ...]
    sentences: tuple[str, ...]
    sentence_terms: tuple[tuple[str, ...], ...]


@dataclass(frozen=True, slots=True)
class SearchIndex:
    corpus: Corpus
    fields: tuple[PassageFields, ...]
    terms: BM25Index
    grams: BM25Index
    synonyms: Synonyms
    tokenizer: Tokenizer


def split_sentences(text: str) -> tuple[str, ...]:
    """Sentences of a passage, each with its own closing punctuation and quotes."""
    parts: list[str] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        end = m.start() + len(m.group(0).rstrip())
        parts.append(text[start:end].strip())
        start = m.end()
    parts.append(text[start:].strip())
    return tuple(p for p in parts if p)


def index_text(corpus: Corpus, passage: Passage) -> str:
    """The text a passage is found by: its own, its section title and cited footnotes."""
    article = corpus.article(passage.article_id)
    parts = [passage.text, passage.section_title or ""]
    parts += [f.text for f in corpus.footnotes_of(passage) if f.text]
    if passage.kind == "bio":
        parts += [article.title, article.author, _BIO_WORDS]
    return "\n".join(parts)


def content_key(corpus: Corpus, glossary: Glossary, tokenizer: Tokenizer) -> str:
    """Hash of everything the analysed index depends on."""
    h = hashlib.sha256()
    h.update(f"{INDEX_VERSION}|{tokenizer.signature}".encode())
    for passage in corpus.passages:
        h.update(f"\x1e{passage.id}\x1f{index_text(corpus, passage)}".encode())
    for group in glossary.groups:
        h.update(("\x1d" + "\x1f".join(group)).encode())
    return h.hexdigest()[:32]


def default_cache_dir() -> Path:
    base = os.environ.get("BOT_CACHE_DIR")
    if base:
        return Path(base)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "icml2018-bot"


def _analyse(
    corpus: Corpus, glossary: Glossary, tokenizer: Tokenizer
) -> tuple[list[PassageFields], Synonyms]:
    passages = corpus.passages
    texts = [index_text(corpus, p) for p in passages]
    sentences = [split_sentences(p.text) for p in passages]
    flat = [s for group in sentences for s in group]
    analysed = tokenizer.terms_many(texts + flat)
    doc_terms, sent_terms = analysed[: len(texts)], iter(analysed[len(texts) :])
    fields = [
        PassageFields(terms, char_grams(terms), sents, tuple(next(sent_terms) for _ in sents))
        for terms, sents in zip(doc_terms, sentences, strict=True)
    ]
    runs = [tuple(tokenizer.terms(term) for term in group) for group in glossary.groups]
    runs += [
        (tokenizer.noun_phrase_tail(native), tokenizer.terms(english))
        for native, english in mine_pairs(p.text for p in passages)
    ]
    return fields, Synonyms.build(runs)


def _load_cached(path: Path) -> tuple[list[PassageFields], Synonyms] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        fields = [
            PassageFields(
                tuple(f["terms"]),
                tuple(f["grams"]),
                tuple(f["sentences"]),
                tuple(tuple(s) for s in f["sentence_terms"]),
            )
            for f in data["fields"]
        ]
        return fields, Synonyms.from_json(data["synonyms"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _store(path: Path, fields: list[PassageFields], synonyms: Synonyms) -> None:
    data = {
        "fields": [
            {"terms": f.terms, "grams": f.grams, "sentences": f.sentences,
             "sentence_terms": f.sentence_terms}
            for f in fields
        ],
        "synonyms": synonyms.to_json(),
    }
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "w", dir=path.parent, delete=False, encoding="utf-8", suffix=".tmp"
        ) as tmp:
            json.dump(data, tmp, ensure_ascii=False)
        os.replace(tmp.name, path)
    except OSError as exc:  # a read-only cache folder only costs start-up time
        log.warning("index cache not written to %s: %s", path.parent, exc.__class__.__name__)


def build_index(
    corpus: Corpus,
    glossary: Glossary,
    tokenizer: Tokenizer,
    *,
    cache_dir: Path | None = None,
) -> SearchIndex:
    """Analyse (or load from cache) and index the corpus. ``cache_dir=None`` disables the cache."""
    cached = None
    path = None
    if cache_dir is not None:
        path = Path(cache_dir) / f"index-{content_key(corpus, glossary, tokenizer)}.json"
        cached = _load_cached(path)
    if cached is None or len(cached[0]) != len(corpus.passages):
        fields, synonyms = _analyse(corpus, glossary, tokenizer)
        if path is not None:
            _store(path, fields, synonyms)
    else:
        fields, synonyms = cached
    return SearchIndex(
        corpus=corpus,
        fields=tuple(fields),
        terms=BM25Index([f.terms for f in fields]),
        grams=BM25Index([f.grams for f in fields]),
        synonyms=synonyms,
        tokenizer=tokenizer,
    )

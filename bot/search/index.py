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

import numpy as np

from bot.corpus import (
    FIGURE_REF_RE,
    GLOSSARY_FILE,
    MARK_RE,
    PARAPHRASES_FILE,
    Corpus,
    Glossary,
    Passage,
    find_marks,
    load_glossary,
)
from bot.search.asked import markers_of
from bot.search.bm25 import BM25Index
from bot.search.quote import answer_types_held, split_sentences
from bot.search.synonyms import Synonyms, mine_pairs
from bot.search.tokenizer import Tokenizer, char_grams

log = logging.getLogger(__name__)

INDEX_VERSION = "33"
CACHE_ENTRIES = 8
# Bump when the parsed form of the word lists changes (``load_word_lists``).
WORD_LISTS_VERSION = "1"
# Ranking prior by passage kind: short captions would otherwise win on length alone; a
# bio is a side note too, unless the question is about the author.
KIND_PRIOR = {"caption": 0.6, "bio": 0.6}
# URLs are indexed by their words: "icml.cc/Conferences/2018/Schedule" -> "icml cc …".
_URL_PARTS = re.compile(r"[/.:_\-?=&#~@]+")
_LATIN_WORD = re.compile(r"[A-Za-z]{3,}")
# Index-only terms (no question text can produce them; ``bot.search.query`` maps to
# them): an article's bio, a passage with a footnote to cite, figure N's caption and
# the paragraphs that point to it.
AUTHOR_TERM = "⟨author⟩"
SOURCE_TERM = "⟨source⟩"
# The first and the last body passage of an article: "글 마지막에", "서두에서" point there.
OPENING_TERM = "⟨opening⟩"
CLOSING_TERM = "⟨closing⟩"
# Evidence only, never a BM25 term: every passage is its author's writing ("필자가 바라는
# 미래" asks about any passage of an article, not only the bio).
WRITTEN_TERM = "⟨written⟩"


def figure_term(number: str) -> str:
    """Figure N itself: its caption."""
    return f"⟨figure {int(number)}⟩"


def cited_figure_term(number: str) -> str:
    """A text that points to figure N ("[그림 N]과 같이"): about it, not it."""
    return f"⟨figure {int(number)} cited⟩"


def is_marker(term: str) -> bool:
    return term.startswith("⟨")


def is_figure(term: str) -> bool:
    return term.startswith("⟨figure ")


@dataclass(frozen=True, slots=True)
class PassageFields:
    """What the search needs of one passage, all derived from the corpus."""

    terms: tuple[str, ...]
    grams: tuple[str, ...]
    sentences: tuple[str, ...]
    sentence_terms: tuple[tuple[str, ...], ...]
    # written compounds Kiwi splits (딥러닝), beside their parts in ``terms``
    joined: tuple[str, ...] = ()
    bound: tuple[str, ...] = ()  # parts it holds only inside a compound (러닝 of 머신러닝)


@dataclass(frozen=True, slots=True)
class SearchIndex:
    corpus: Corpus
    fields: tuple[PassageFields, ...]
    terms: BM25Index
    grams: BM25Index
    synonyms: Synonyms
    paraphrases: Synonyms  # a reader's everyday word -> the article's word (one way)
    tokenizer: Tokenizer
    priors: np.ndarray  # ranking prior of each passage (by kind)
    # words the corpus lacks -> corpus terms Kiwi's vectors place near them, with similarity
    neighbours: dict[str, dict[str, float]]
    # character n-gram -> the index terms that hold it (for near spellings)
    gram_terms: dict[str, tuple[str, ...]]
    captions: np.ndarray  # positions of the figure captions
    term_sets: tuple[frozenset[str], ...]  # each passage's terms, as a set
    # ... without the parts it holds only inside a compound: what the question's own
    # word matches (파 of 파다 is not 파 of 역전파)
    free_sets: tuple[frozenset[str], ...]
    # article id -> its author, as terms: the author speaks in every passage of it
    authors: dict[str, tuple[str, ...]]
    author_names: frozenset[str]  # every article's author, as terms
    titled: dict[str, tuple[str, ...]]  # "민 박사" -> (민현석,) (``titled_names``)
    answer_types: tuple[frozenset[str], ...]  # what each passage can give (a reason, …)

    def near_terms(self, word: str, floor: float) -> dict[str, float]:
        """Index terms of about ``word``'s length that hold at least ``floor`` of its
        n-grams: a slip (스톡홀롬 -> 스톡홀름) or an ending (물리 -> 물리학), not a part
        of a longer word (bert in hilbert)."""
        own = set(char_grams([word]))
        if len(word) < 2 or not own or is_marker(word):
            return {}
        shared: dict[str, int] = {}
        for gram in own:
            for term in self.gram_terms.get(gram, ()):
                shared[term] = shared.get(term, 0) + 1
        slack = max(1, len(word) // 3)
        return {
            term: count / len(own)
            for term, count in shared.items()
            if term != word and count / len(own) >= floor and abs(len(term) - len(word)) <= slack
        }

    def replicated(self, factor: int) -> SearchIndex:
        """The same index over the corpus repeated ``factor`` times (for benchmarks of
        scale): the analysed fields are repeated, the BM25 fields built anew."""
        corpus = self.corpus.replicated(factor)
        fields = list(self.fields) * factor
        authors = {
            a.id: self.authors[b.id]
            for a, b in zip(corpus.articles, self.corpus.articles * factor, strict=True)
        }
        analysed = Analysed(fields, self.synonyms, self.paraphrases, self.neighbours, authors)
        return _assemble(corpus, analysed, self.tokenizer)


def latin_vocabulary(corpus: Corpus) -> frozenset[str]:
    """Latin words (3+ letters, lowercased) the corpus writes as separate words."""
    words: set[str] = set()
    for passage in corpus.passages:
        words.update(w.lower() for w in _LATIN_WORD.findall(passage.text))
    return frozenset(words)


def split_joined(word: str, vocabulary: frozenset[str]) -> list[str]:
    """Split a run-together URL word into known words: "machinelearningdebates" ->
    machine, learning, debates (the unknown rest is kept whole)."""
    parts: list[str] = []
    rest = word.lower()
    while rest:
        prefix = next((rest[:n] for n in range(len(rest), 2, -1) if rest[:n] in vocabulary), None)
        if prefix is None:
            parts.append(rest)
            break
        parts.append(prefix)
        rest = rest[len(prefix) :]
    return parts


def _url_words(text: str, vocabulary: frozenset[str]) -> str:
    words = _URL_PARTS.sub(" ", text).split()
    return " ".join(" ".join(split_joined(w, vocabulary)) if w.isalpha() else w for w in words)


def index_text(corpus: Corpus, passage: Passage, vocabulary: frozenset[str] = frozenset()) -> str:
    """The text a passage is found by: its own, its section title, cited footnotes (URLs
    by their words), and for a block quote the sentence that introduces it (who said it)."""
    article = corpus.article(passage.article_id)
    text = MARK_RE.sub(" ", passage.text)
    if passage.kind != "caption":  # "[그림 3]" points to a picture (a marker says so)
        text = FIGURE_REF_RE.sub(" ", text)
    parts = [text, passage.section_title or ""]
    if passage.kind == "quote":
        parts.append(MARK_RE.sub(" ", lead_in(corpus, passage)))
    for note in corpus.footnotes_of(passage):
        if note.text:
            parts.append(_url_words(note.text, vocabulary) if note.urls else note.text)
    if passage.kind == "bio":
        parts += [article.title, article.author]
    return "\n".join(parts)


def lead_in(corpus: Corpus, passage: Passage) -> str:
    """The last sentence of the passage before ``passage`` in its article ("" if none)."""
    passages = corpus.article(passage.article_id).passages
    position = next(i for i, p in enumerate(passages) if p.id == passage.id)
    if position == 0 or passages[position - 1].kind == "bio":
        return ""
    sentences = split_sentences(passages[position - 1].text)
    return sentences[-1] if sentences else ""


# A Korean name before a title ("민현석 박사님"), its first letter a common surname.
_TITLED_NAME = re.compile(r"(?<![가-힣])([가-힣]{3})\s?(박사|교수|연구원|선생)")
_SURNAMES = frozenset(
    "김이박최정강조윤장임한오서신권황안송류전홍고문양손배백허유남심노하곽성차주우구민진나지엄채원"
    "천방공현함변염여추도소석선설마길연위표명기반왕금옥육인맹제모탁국어은편용"
)
_PERSON_LATIN = re.compile(r"^[A-Z][a-z]+(?: [A-Z][a-z]+){1,2}$")
# Two Hangul letters or more, not ending in a particle or an ending (…는, …에서).
_NAME_WORD = re.compile(r"^[\uac00-\ud7a3]{2,}(?<![는은을를의에서가])$")


def corpus_names(corpus: Corpus, glossary: Glossary) -> list[str]:
    """The proper nouns the tokenizer must keep whole for this corpus: the authors and
    the people the articles name. Found without Kiwi, so they can be given to the
    tokenizer before its first analysis (adding words later costs Kiwi a rebuild)."""
    return sorted({a.author for a in corpus.articles} | person_names(corpus, glossary))


def person_names(corpus: Corpus, glossary: Glossary) -> set[str]:
    """The people the articles name: as 이름(Latin Name) ("찰스 페퍼먼(Charles
    Fefferman)" gives 찰스, 페퍼먼; words the glossary lists are concepts, not names),
    or before a title ("민현석 박사님")."""
    concepts = {w for group in glossary.groups for term in group for w in term.split()}
    names: set[str] = {
        name
        for p in corpus.passages
        for name, _ in _TITLED_NAME.findall(p.text)
        if name[0] in _SURNAMES
    }
    for native, english in mine_pairs(p.text for p in corpus.passages):
        latin = english.split(",")[0].strip()
        words = native.split()
        if _PERSON_LATIN.match(latin) and len(words) == len(latin.split()):
            names.update(w for w in words if _NAME_WORD.match(w) and w not in concepts)
    return names


def titled_names(corpus: Corpus) -> dict[str, tuple[str, ...]]:
    """ "민 박사" -> (민현석,): the people the articles name with a title, by the surname and
    title a reader shortens them to ("민 박사님이 했던 말")."""
    found: dict[str, set[str]] = {}
    for passage in corpus.passages:
        for name, title in _TITLED_NAME.findall(passage.text):
            if name[0] in _SURNAMES:
                found.setdefault(f"{name[0]} {title}", set()).add(name)
    return {short: tuple(sorted(names)) for short, names in found.items()}


def marker_terms(corpus: Corpus, passage: Passage) -> tuple[str, ...]:
    """The index-only terms of a passage (``AUTHOR_TERM``, ``SOURCE_TERM``, figures, the
    article's opening and closing, ``bot.search.asked`` markers)."""
    out: list[str] = []
    if passage.kind == "bio":
        out.append(AUTHOR_TERM)
    body = [p.id for p in corpus.article(passage.article_id).passages if p.kind == "body"]
    if body and passage.id == body[0]:
        out.append(OPENING_TERM)
    if body and passage.id == body[-1]:
        out.append(CLOSING_TERM)
    if any(note.text for note in corpus.footnotes_of(passage)):
        out.append(SOURCE_TERM)
    out += markers_of(passage.text)  # a premise once held, people who know each other
    mark = figure_term if passage.kind == "caption" else cited_figure_term
    out += [mark(n) for n in dict.fromkeys(FIGURE_REF_RE.findall(passage.text))]
    return tuple(out)


def content_key(corpus: Corpus, glossary: Glossary, tokenizer: Tokenizer) -> str:
    """Hash of everything the analysed index depends on."""
    h = hashlib.sha256()
    h.update(f"{INDEX_VERSION}|{tokenizer.signature}".encode())
    vocabulary = latin_vocabulary(corpus)
    for passage in corpus.passages:
        h.update(f"\x1e{passage.id}\x1f{index_text(corpus, passage, vocabulary)}".encode())
    for group in glossary.groups:
        h.update(("\x1d" + "\x1f".join(group)).encode())
    for word, values in glossary.paraphrases:
        h.update(("\x1c" + "\x1f".join((word, *values))).encode())
    return h.hexdigest()[:32]


def _cited_texts(
    corpus: Corpus, passage: Passage, sentence: str, vocabulary: frozenset[str]
) -> list[str]:
    notes = corpus.article(passage.article_id).footnotes
    return [
        _url_words(n.text, vocabulary) if n.urls else n.text
        for n in (notes.get(m) for m in find_marks(sentence))
        if n is not None and n.text
    ]


def default_cache_dir() -> Path:
    base = os.environ.get("BOT_CACHE_DIR")
    if base:
        return Path(base)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "icml2018-bot"


@dataclass(frozen=True, slots=True)
class Analysed:
    """Everything the index keeps of the corpus analysis (and caches on disk)."""

    fields: list[PassageFields]
    synonyms: Synonyms
    paraphrases: Synonyms
    neighbours: dict[str, dict[str, float]]
    authors: dict[str, tuple[str, ...]]  # each article's author, as terms


def _analyse(corpus: Corpus, glossary: Glossary, tokenizer: Tokenizer) -> Analysed:
    passages = corpus.passages
    vocabulary = latin_vocabulary(corpus)
    texts = [index_text(corpus, p, vocabulary) for p in passages]
    sentences = [split_sentences(p.text) for p in passages]
    # A sentence is also found by the footnotes it cites, so a question about a
    # source quotes the sentence that cites it.
    flat = [
        "\n".join([MARK_RE.sub(" ", s), *_cited_texts(corpus, p, s, vocabulary)])
        for p, group in zip(passages, sentences, strict=True)
        for s in group
    ]
    analysed = tokenizer.terms_and_compounds(texts + flat)
    doc_terms, sent_terms = analysed[: len(texts)], iter(analysed[len(texts) :])
    fields = []
    for passage, reading, sents in zip(passages, doc_terms, sentences, strict=True):
        terms = reading.terms + marker_terms(corpus, passage)
        per_sentence = tuple(
            (r := next(sent_terms)).terms + r.joined + _sentence_markers(s) for s in sents
        )
        grams = char_grams(t for t in terms if not is_marker(t))
        fields.append(
            PassageFields(terms, grams, sents, per_sentence, reading.joined, reading.bound)
        )
    # A spelling that analysis mangles (와서스타인 -> 스타) would stand for something else.
    runs = [
        tuple(run for term in group if _keeps_letters(term, run := tokenizer.terms(term)))
        for group in glossary.groups
    ]
    runs += [
        (tokenizer.noun_phrase_tail(native), tokenizer.terms(english))
        for native, english in mine_pairs(p.text for p in passages)
    ]
    known = {t for f in fields for t in (*f.terms, *f.joined)}
    neighbours = {
        word: near
        for word, near in tokenizer.neighbours(tokenizer.vocabulary(texts)).items()
        if word not in known
    }
    paraphrases = Synonyms.build_one_way(
        (tokenizer.terms(word), [run for v in values if (run := everyday_run(tokenizer, v))])
        for word, values in glossary.paraphrases
    )
    authors = {a.id: tokenizer.terms(a.author) for a in corpus.articles}
    return Analysed(fields, Synonyms.build(runs), paraphrases, neighbours, authors)


# A negation turns a value into its opposite once its ending is dropped ("쉽지 않다"); an
# adjective in -적 may mean something else than its root (회의적 "sceptical", 회의 "meeting").
_NEGATION = re.compile(r"않|없|못|안\s")
_DERIVED = re.compile(r"[가-힣]{2,}적(?:인|으로)?$")
_LETTERS = re.compile(r"[\w]")


def everyday_run(tokenizer: Tokenizer, value: str) -> tuple[str, ...]:
    """The terms a paraphrase value stands for, or () when analysis would change what it
    says: a negation ("쉽지 않다" -> 쉽), or a phrase that keeps less than half of its
    letters ("쓸 만하다" -> 쓰)."""
    if _NEGATION.search(value) or _DERIVED.search(value):
        return ()
    run = tokenizer.terms(value)
    if not run and value.endswith("다"):
        # Kiwi misreads some bare dictionary forms (막다 -> 막/MAG 다/MAG, 그치다 -> IC);
        # the same verb before a connective ending is read as a verb (막고 -> 막/VV).
        run = tokenizer.terms(value[:-1] + "고")
    return run if _keeps_letters(value, run) else ()


def _keeps_letters(value: str, run: tuple[str, ...]) -> bool:
    """The analysis of ``value`` keeps at least half of its letters (a verb's 다 aside)."""
    letters = len(_LETTERS.findall(value.removesuffix("다")))
    return bool(run) and 2 * sum(map(len, run)) >= letters


def _sentence_markers(sentence: str) -> tuple[str, ...]:
    out = [SOURCE_TERM] if find_marks(sentence) else []
    return (*out, *(cited_figure_term(n) for n in FIGURE_REF_RE.findall(sentence)))


def _load_cached(path: Path) -> Analysed | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        fields = [
            PassageFields(
                tuple(f["terms"]),
                tuple(f["grams"]),
                tuple(f["sentences"]),
                tuple(tuple(s) for s in f["sentence_terms"]),
                tuple(f["joined"]),
                tuple(f["bound"]),
            )
            for f in data["fields"]
        ]
        synonyms = Synonyms.from_json(data["synonyms"])
        paraphrases = Synonyms.from_json(data["paraphrases"])
        authors = {k: tuple(v) for k, v in data["authors"].items()}
        return Analysed(fields, synonyms, paraphrases, dict(data["neighbours"]), authors)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _store(path: Path, analysed: Analysed) -> None:
    _write_json(path, _analysed_json(analysed), prefix="index-")


def _analysed_json(analysed: Analysed) -> dict[str, object]:
    return {
        "fields": [
            {
                "terms": f.terms,
                "grams": f.grams,
                "sentences": f.sentences,
                "sentence_terms": f.sentence_terms,
                "joined": f.joined,
                "bound": f.bound,
            }
            for f in analysed.fields
        ],
        "synonyms": analysed.synonyms.to_json(),
        "paraphrases": analysed.paraphrases.to_json(),
        "neighbours": analysed.neighbours,
        "authors": analysed.authors,
    }


def _write_json(path: Path, data: object, *, prefix: str) -> None:
    """Write a cache entry atomically, keeping the newest ``CACHE_ENTRIES`` of its kind."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "w", dir=path.parent, delete=False, encoding="utf-8", suffix=".tmp"
        ) as tmp:
            json.dump(data, tmp, ensure_ascii=False)
        os.chmod(tmp.name, 0o644)  # readable by the service user when built by another
        os.replace(tmp.name, path)
        _prune(path.parent, prefix)
    except OSError as exc:  # a read-only cache folder only costs start-up time
        log.warning("index cache not written to %s: %s", path.parent, exc.__class__.__name__)


def _prune(folder: Path, prefix: str) -> None:
    """Keep the most recent entries only: corpora change, and folders may be shared."""
    entries = sorted(folder.glob(f"{prefix}*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
    for stale in entries[CACHE_ENTRIES:]:
        stale.unlink(missing_ok=True)


def load_word_lists(folder: Path, cache_dir: Path | None = None) -> Glossary:
    """``load_glossary``, through a copy in the cache keyed by the two files' bytes:
    parsing the 1 525 lines of paraphrases is about 70 ms of every start-up."""
    if cache_dir is None:
        return load_glossary(folder)
    key = hashlib.sha256(WORD_LISTS_VERSION.encode())
    for name in (GLOSSARY_FILE, PARAPHRASES_FILE):
        file = Path(folder) / name
        key.update(name.encode() + (file.read_bytes() if file.is_file() else b"\0"))
    path = Path(cache_dir) / f"words-{key.hexdigest()[:32]}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Glossary(
            tuple(tuple(group) for group in data["groups"]),
            tuple((word, tuple(values)) for word, values in data["paraphrases"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        glossary = load_glossary(folder)  # checks the lists as it reads them
        data = {"groups": glossary.groups, "paraphrases": glossary.paraphrases}
        _write_json(path, data, prefix="words-")
        return glossary


def _assemble(corpus: Corpus, analysed: Analysed, tokenizer: Tokenizer) -> SearchIndex:
    fields = analysed.fields
    term_sets = tuple(frozenset((*f.terms, *f.joined, WRITTEN_TERM)) for f in fields)
    gram_terms: dict[str, list[str]] = {}
    for term in {t for f in fields for t in f.terms if not is_marker(t)}:
        for gram in set(char_grams([term])):
            gram_terms.setdefault(gram, []).append(term)
    return SearchIndex(
        corpus=corpus,
        fields=tuple(fields),
        terms=BM25Index([f.terms for f in fields], extra=[f.joined for f in fields]),
        grams=BM25Index([f.grams for f in fields]),
        synonyms=analysed.synonyms,
        paraphrases=analysed.paraphrases,
        tokenizer=tokenizer,
        priors=np.array([KIND_PRIOR.get(p.kind, 1.0) for p in corpus.passages]),
        neighbours=analysed.neighbours,
        gram_terms={g: tuple(sorted(ts)) for g, ts in gram_terms.items()},
        captions=np.flatnonzero([p.kind == "caption" for p in corpus.passages]),
        term_sets=term_sets,
        free_sets=tuple(s.difference(f.bound) for s, f in zip(term_sets, fields, strict=True)),
        authors=analysed.authors,
        author_names=frozenset(t for terms in analysed.authors.values() for t in terms),
        titled=titled_names(corpus),
        answer_types=tuple(_answer_types(p) for p in corpus.passages),
    )


def _answer_types(passage: Passage) -> frozenset[str]:
    """What a passage can give (``answer_types_held``); a bio names its author."""
    held = answer_types_held(passage.text)
    return held | {"person"} if passage.kind == "bio" else held


def build_index(
    corpus: Corpus,
    glossary: Glossary,
    tokenizer: Tokenizer,
    *,
    cache_dir: Path | None = None,
) -> SearchIndex:
    """Analyse (or load from cache) and index the corpus. ``cache_dir=None`` disables the cache."""
    tokenizer.add_names(corpus_names(corpus, glossary))  # no-op when get_tokenizer had them
    analysed = None
    path = None
    if cache_dir is not None:
        path = Path(cache_dir) / f"index-{content_key(corpus, glossary, tokenizer)}.json"
        analysed = _load_cached(path)
    if analysed is None or len(analysed.fields) != len(corpus.passages):
        analysed = _analyse(corpus, glossary, tokenizer)
        if path is not None:
            _store(path, analysed)
    return _assemble(corpus, analysed, tokenizer)

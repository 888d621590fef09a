"""Korean (and English) text to search terms, with Kiwi.

One Kiwi per process: building it costs about a second and its first analysis
another, so ``get_tokenizer()`` builds it once (thread-safe) and warms it up.
Kiwi is thread-safe, so Bolt's listener threads can share it.
"""

from __future__ import annotations

import hashlib
import re
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import kiwipiepy
from kiwipiepy import Kiwi

# Bump when the way text becomes terms changes: it invalidates cached indexes.
TOKENIZER_VERSION = "14"

# Content morphemes: nouns, roots, verb and adjective stems, foreign words, numbers, hanja.
_KEEP_TAGS = frozenset({"NNG", "NNP", "XR", "VV", "VA", "SL", "SN", "SH", "MAG"})
_NOUN_TAGS = frozenset({"NNG", "NNP", "XR", "SL", "SN", "SH", "XSN"})
# Frequent words that carry no topic: question words, chat words, light verbs.
STOPWORDS = frozenset(
    """
    뭐 무엇 무슨 어떤 어떻 어디 언제 누구 누가 왜 얼마 얼마나 몇 며칠 어느 어찌 어째서 어떻게
    혹시 곳 동안
    알려주 알리 알 주 좀 설명 말하 말 얘기 이야기 궁금 질문 대하 관하 관련 대해
    있 없 하 되 같 보 오 가 그렇 이렇 저렇 그러 아니 싶 나오 다르
    이번 그 저 이 것 거 게 수 때 중 등 일 더 또 및 다시 잘 정말 진짜 그냥 너무 아주 매우
    혹은 그리고 그런데 근데 그래서 제일 가장 많이 자주 다 모두 먼저
    뜻 의미 내용 정도 부분 경우 사실 생각 이유 방법 관계 정리 주소 링크 자료
    the a an of to in on for and or is are was were be been being do does did what which
    who whom whose how why when where many much this that these those it its with by from
    about as at into than then there their they them we you your i me my our us
    can could should would will shall may might must tell show give find please
    """.split()
)
# Talk about the conversation rather than the articles: asking, remembering, the meeting
# the answer is for, politeness. Dropped from questions (``Analysis.filler``), not from
# passages, so they never decide a ranking or whether the articles answer.
FILLER = frozenset(
    """
    혹시 내일 오늘 어제 회의 미팅 자료 발표자료 넣 팀 팀원 동료 문장 정확 정확히 대충 기억
    부탁 감사 고맙 보여주 그거 그것 저거 이거 여기 거기 어케 머임 뭐임 뭔가 뭔지 약간
    맞 그대로 말씀 기억나 가물가물 헷갈리 까먹
    """.split()
)
_PREDICATE_TAGS = frozenset({"VV", "VA"})
# Words that place a question in time (예전엔, 요즘, 최근): they say when, rarely what,
# so they count as weak, like a verb stem.
TIME_WORDS = frozenset("예전 옛날 요즘 요새 최근 지금 당시 그때 현재 과거".split())
# A counted unit: a number, or 몇, before a unit noun ("5000여 명", "몇 명", "3일간") is
# one term, so "몇 명이 왔어?" finds the passage that gives a head count.
_COUNTABLE = frozenset({"SN"})
_HOW_MANY = frozenset({"몇"})
# Native Korean numbers count too ("논문 두 편", "세 가지", "스무 명"): Kiwi reads them
# as determiners (MM) or numerals (NR) before the unit noun.
_NATIVE_NUMBERS = frozenset("한 두 세 네 다섯 여섯 일곱 여덟 아홉 열 스무 서너 두세".split())
_NATIVE_TAGS = frozenset({"MM", "NR"})
_WORDED_COUNT = "NNB-worded"  # the tag of a count said in native words
# Bound nouns that are no unit: after 한 they are a verb's ending read as a determiner
# ("한 것은", "한 수", "한 적").
_NOT_UNITS = frozenset("것 수 적 데 바 줄 뿐 지 듯 만 등 때문 척 체 채 대로 터".split())
_DAYS = frozenset({"며칠", "몇일"})
_UNIT_SPELLINGS = {"년도": "년"}
_ORDINAL_SUFFIX = "째"  # 번째, 두 번째: a position, not a count
# A position is a term of its own, the same however it is written ("첫 번째", "첫번째",
# "1번째", "첫째" -> ⟨ordinal 1⟩): "첫 번째 질문" picks the first of two questions.
_ORDINAL_NUMBERS = {"첫": 1, "한": 1, "두": 2, "세": 3, "네": 4, "다섯": 5}
_ORDINAL_NOUNS = {"첫째": 1, "둘째": 2, "셋째": 3, "넷째": 4, "다섯째": 5}
# Word vectors: which words may stand in for one another, and how near they must be.
_SIMILAR_TAGS = frozenset({"NNG", "VV", "VA", "XR"})
SIMILAR_TOP_N = 20
SIMILAR_FLOOR = 0.65
SIMILAR_MIN_SPREAD = 0.05
_JAMO_ONLY = re.compile(r"^[\u1100-\u11ff\u3131-\u318e]+$")
_LATIN_RE = re.compile(r"[A-Za-z]")
_GREEK = re.compile(r"^[\u0391-\u03a9\u03b1-\u03c9\u03d5]+$")
_PLURAL_KEEP = ("ss", "us", "is", "ous", "ics")
_HANGUL_RE = re.compile(r"[\uac00-\ud7a3]")
_SPACE_RE = re.compile(r"\s+")
# The parts of a written compound (``_compounds``): nouns and a noun prefix (역 of 역전파).
_JOINED_TAGS = frozenset({"NNG", "NNP", "XPN"})
_HANGUL_ONLY = re.compile(r"^[\uac00-\ud7a3]+$")
MAX_JOINED = 4  # parts of a written compound, at most


# Characters that are never format, mark, control (beyond whitespace) or private: text
# made only of them, already in NFKC, needs only its spaces collapsed.
_PLAIN = re.compile(
    "[\t\n\r\x20-\x7e\u1100-\u11ff\u3131-\u318e\uac00-\ud7a3"
    "\u2010-\u2027\u2030-\u205e\u3001-\u303f\u4e00-\u9fff]*"
)


def normalize(text: str) -> str:
    """NFKC (full-width forms, compatibility jamo) and drop invisible format characters."""
    if _PLAIN.fullmatch(text) and unicodedata.is_normalized("NFKC", text):
        return _SPACE_RE.sub(" ", text).strip()  # the common case, at C speed
    return _normalize_slowly(text)


def _normalize_slowly(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = "".join(
        " " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c
        for c in text
        if unicodedata.category(c) not in ("Cf", "Mn", "Co", "Cs")
    )
    return _SPACE_RE.sub(" ", text).strip()


@dataclass(frozen=True, slots=True)
class Analysis:
    """Search terms of one text: content morphemes and their character n-grams.

    ``weak`` holds the terms that say little on their own (verb and adjective
    stems, one-syllable words): a passage need not contain them to answer.
    """

    terms: tuple[str, ...]
    grams: tuple[str, ...]
    weak: frozenset[str] = frozenset()
    specific: frozenset[str] = frozenset()  # proper nouns, Latin words, numbers
    filler: frozenset[str] = frozenset()  # talk about the conversation (``FILLER``)
    # written compounds Kiwi splits (딥러닝 -> 딥 + 러닝), joined again (``_compounds``)
    joined: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (compound, its parts)


@dataclass(frozen=True, slots=True)
class Reading:
    """A passage's terms, the written compounds among them (딥러닝) and the parts that
    occur in it only inside one (러닝 of a text that says only 머신러닝)."""

    terms: tuple[str, ...]
    joined: tuple[str, ...]
    bound: tuple[str, ...]


def char_grams(terms: Iterable[str]) -> tuple[str, ...]:
    """Character bigrams of Hangul terms and trigrams of Latin terms, for typo tolerance."""
    grams: list[str] = []
    for term in terms:
        n = 2 if _HANGUL_RE.search(term) else 3
        if len(term) <= n:
            grams.append(term)
        else:
            grams.extend(term[i : i + n] for i in range(len(term) - n + 1))
    return tuple(grams)


def _new_kiwi() -> Kiwi:
    # The multi-word dictionary costs ~180 MB and splits nothing we need.
    return Kiwi(load_multi_dict=False)


def _is_name(name: str, known: set[str]) -> bool:
    return bool(name) and " " not in name and name not in known


class Tokenizer:
    """Turns text into search terms; wraps one Kiwi instance."""

    def __init__(self, *, kiwi: Kiwi | None = None) -> None:
        self._kiwi = kiwi if kiwi is not None else _new_kiwi()
        self._names: set[str] = set()
        self._names_lock = threading.Lock()
        self._analysed = False  # Kiwi has analysed text (and no longer takes new words)

    def _use(self) -> Kiwi:
        self._analysed = True
        return self._kiwi

    def add_names(self, names: Iterable[str]) -> None:
        """Keep these proper nouns whole (an author's name: "박찬연님" is not 박차 + 연).

        Kiwi ignores words added after its first analysis (kiwipiepy 0.24: the word is
        taken, the analysis does not change), so new names then mean a new Kiwi with all
        of them, swapped in whole: a corpus reloaded with a new name is analysed as a
        fresh process would analyse it, and matches the cache that process wrote."""
        with self._names_lock:
            new = [n for n in dict.fromkeys(map(normalize, names)) if _is_name(n, self._names)]
            if not new:
                return
            kiwi = self._kiwi
            if self._analysed:
                kiwi = _new_kiwi()
                for name in sorted(self._names):
                    kiwi.add_user_word(name, "NNP")
            for name in new:
                kiwi.add_user_word(name, "NNP")
            self._names.update(new)
            self._kiwi = kiwi

    def is_name(self, word: str) -> bool:
        """``word`` is one of the proper nouns kept whole (``add_names``)."""
        return word in self._names

    @property
    def signature(self) -> str:
        """Changes whenever the terms produced for the same text may change."""
        material = "|".join(
            [
                TOKENIZER_VERSION,
                kiwipiepy.__version__,
                *sorted(_KEEP_TAGS),
                *sorted(STOPWORDS),
                *sorted(FILLER),
            ]
        )
        return hashlib.sha256(material.encode()).hexdigest()[:16]

    def raw_tokenize(self, text: str) -> int:
        """Kiwi's own analysis of ``text`` and nothing else (the benchmark's floor);
        returns the number of morphemes."""
        return len(self._use().tokenize(text))

    def warm_up(self) -> None:
        self.terms("ICML 2018 학회는 스톡홀름에서 열렸습니다.")

    def terms(self, text: str) -> tuple[str, ...]:
        """Content morphemes of ``text``, Latin lowercased, stopwords dropped."""
        text = normalize(text)
        if not text:
            return ()
        return self._select(self._use().tokenize(text))

    def terms_and_compounds(self, texts: Sequence[str]) -> list[Reading]:
        """``terms`` for many texts, each with the written compounds Kiwi split in it
        (``_compounds``) and the parts found only inside them: what a passage is
        indexed by."""
        out = []
        for tokens in self._use().tokenize([normalize(t) for t in texts]):
            terms = self._select(tokens)
            runs = _runs(tokens)
            joined = _compounds(runs, terms)
            inside = {p for _, parts in joined for p in parts}
            in_runs = {id(t) for run in runs for t in run}
            alone = {t.form for t in tokens if id(t) not in in_runs}
            bound = tuple(p for p in dict.fromkeys(terms) if p in inside and p not in alone)
            out.append(Reading(terms, tuple(word for word, _ in joined), bound))
        return out

    def analyse(self, text: str) -> Analysis:
        text = normalize(text)
        if not text:
            return Analysis((), ())
        tokens = self._use().tokenize(text)
        # A count said in words ("두 편 중에") names the set a question picks from; asked
        # for, it is 몇 or a figure. Passages keep it: "몇 편" finds "논문 두 편".
        tagged = [(form, tag) for form, tag in self._select_tagged(tokens) if tag != _WORDED_COUNT]
        terms = tuple(form for form, _ in tagged)
        joined = _compounds(_runs(tokens), terms)
        terms += tuple(word for word, _ in joined)
        weak = {t for t in terms if len(t) == 1}
        weak.update(form for form, tag in tagged if tag in _PREDICATE_TAGS)
        weak.update(t for t in terms if t in TIME_WORDS or is_ordinal(t))
        specific = {
            _latin(t.form) if t.tag == "SL" else t.form
            for t in tokens
            if _is_specific(t.form, t.tag.split("-", 1)[0])
        }
        return Analysis(
            terms,
            char_grams(terms),
            frozenset(weak),
            specific=frozenset(specific) & set(terms),
            filler=frozenset(t for t in terms if t in FILLER),
            joined=joined,
        )

    def vocabulary(self, texts: Sequence[str]) -> set[tuple[str, str]]:
        """(term, tag) of every Korean content word in ``texts`` (one batched Kiwi call)."""
        found: set[tuple[str, str]] = set()
        for tokens in self._use().tokenize([normalize(t) for t in texts]):
            for form, tag in self._select_tagged(tokens):
                if tag in _SIMILAR_TAGS and _HANGUL_RE.search(form):
                    found.add((form, tag))
        return found

    def neighbours(
        self,
        vocabulary: Iterable[tuple[str, str]],
        *,
        top_n: int = SIMILAR_TOP_N,
        floor: float = SIMILAR_FLOOR,
        min_spread: float = SIMILAR_MIN_SPREAD,
    ) -> dict[str, dict[str, float]]:
        """Words Kiwi's CoNg vectors place near each vocabulary term: ``{word: {term: sim}}``.

        Rare words have junk neighbours that all score alike (휴리스틱 -> 귀무가설 0.96,
        트릭스터 0.96, …): a term whose ``top_n`` neighbours span less than
        ``min_spread`` is skipped. Only Korean content words at or above ``floor``.
        """
        out: dict[str, dict[str, float]] = {}
        for form, tag in sorted(vocabulary):
            try:
                similar = self._use().most_similar_morphemes((form, tag), top_n=top_n)
            except (ValueError, RuntimeError):
                continue  # not in Kiwi's vocabulary (an unknown word), or no vector
            if not similar or similar[0].score - similar[-1].score < min_spread:
                continue
            for m in similar:
                neighbour_tag = m.tag.split("-", 1)[0]
                if m.score < floor or neighbour_tag not in _SIMILAR_TAGS or m.form == form:
                    continue
                if m.form in STOPWORDS or m.form in FILLER:
                    continue
                entry = out.setdefault(m.form, {})
                entry[form] = max(entry.get(form, 0.0), round(float(m.score), 3))
        return out

    def noun_phrase_tail(self, text: str) -> tuple[str, ...]:
        """Terms of the run of nouns that ends ``text`` ("분야는 강화 학습" -> 강화, 학습)."""
        tokens = self._use().tokenize(normalize(text))
        run: list[kiwipiepy.Token] = []
        for token in reversed(tokens):
            if token.tag.split("-", 1)[0] not in _NOUN_TAGS:
                break
            run.append(token)
        return self._select(reversed(run))

    @staticmethod
    def _select(tokens: Iterable[kiwipiepy.Token]) -> tuple[str, ...]:
        return tuple(form for form, _ in Tokenizer._select_tagged(tokens))

    @staticmethod
    def _select_tagged(tokens: Iterable[kiwipiepy.Token]) -> list[tuple[str, str]]:
        """(term, tag) of the content morphemes, in order, and a ``count_term`` for each
        number or 몇 with its unit (not an ordinal: "2번째" counts nothing)."""
        out: list[tuple[str, str]] = []
        counting = False  # the tokens before were a number (and its 여, 수)
        native = False  # ... a native Korean one (두, 세: ``_NATIVE_NUMBERS``)
        tokens = list(tokens)
        for i, token in enumerate(tokens):
            tag = token.tag.split("-", 1)[0]  # "VA-I" (irregular) -> "VA"
            position = _position(tokens, i)
            if position:  # its number (2 of 2번째) is no number of the text
                out.append((ordinal_term(position), "NR"))
                counting = False
                continue
            ordinal = i + 1 < len(tokens) and tokens[i + 1].form == _ORDINAL_SUFFIX
            unit = tag == "NNB" and not (native and token.form in _NOT_UNITS)
            if counting and unit and not ordinal:
                out.append((count_term(token.form), _WORDED_COUNT if native else tag))
            elif token.form in _DAYS:
                out.append((count_term("일"), "NNB"))
            native_number = tag in _NATIVE_TAGS and token.form in _NATIVE_NUMBERS
            is_number = tag in _COUNTABLE or token.form in _HOW_MANY or native_number
            counting = is_number or (counting and tag == "XSN")
            native = native_number
            if tag == "SW" and _GREEK.match(token.form):
                tag = "SL"  # a formula's variable (φ, χ, λ) is a word of the text
            if tag not in _KEEP_TAGS:
                continue
            form = _latin(token.form) if _LATIN_RE.search(token.form) else token.form
            if form in STOPWORDS or (tag == "MAG" and len(form) < 2) or _JAMO_ONLY.match(form):
                continue
            out.append((form, tag))
        return out


def _runs(tokens: Sequence[kiwipiepy.Token]) -> list[list[kiwipiepy.Token]]:
    """Runs of two or more nouns (or a noun prefix) written together, in order."""
    runs: list[list[kiwipiepy.Token]] = [[]]
    for token in tokens:
        if not _joins(token):
            runs.append([])
        elif runs[-1] and token.start == runs[-1][-1].start + runs[-1][-1].len:
            runs[-1].append(token)
        else:
            runs.append([token])
    return [run for run in runs if len(run) >= 2]


def _compounds(
    runs: Sequence[Sequence[kiwipiepy.Token]], terms: Sequence[str]
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The written compounds Kiwi splits into nouns (딥러닝 -> 딥 + 러닝, 머신러닝 -> 머신 +
    러닝, 역전파 -> 역 + 전파), joined again: its parts alone would let 러닝 of 머신러닝
    answer for 딥러닝. A longer run gives each of its shorter ones too (딥러닝엔지니어:
    딥러닝, 러닝엔지니어, 딥러닝엔지니어), so a question's compound finds the part the
    articles write. Parts written apart ("딥 러닝") join nothing; a part that is no term
    of its own (a stopword) joins nothing either. New terms only, in order, each with its
    parts (a prefix, 역 of 역전파, is none)."""
    out: dict[str, tuple[str, ...]] = {}
    own = set(terms)
    for run in runs:  # ``_runs``
        for start in range(len(run) - 1):
            for end in range(start + 2, min(len(run), start + MAX_JOINED) + 1):
                piece = run[start:end]
                parts = [t.form for t in piece if t.tag != "XPN"]
                if piece[-1].tag == "XPN" or not all(p in own for p in parts):
                    continue
                word = "".join(t.form for t in piece)
                if word not in own:
                    out.setdefault(word, tuple(parts))
    return tuple(out.items())


def is_hangul_word(text: str) -> bool:
    """``text`` is Hangul syllables only (a part of a written compound may be)."""
    return bool(_HANGUL_ONLY.match(text))


def _joins(token: kiwipiepy.Token) -> bool:
    """``token`` can be part of a written compound (``_compounds``)."""
    return token.tag.split("-", 1)[0] in _JOINED_TAGS and is_hangul_word(token.form)


def _position(tokens: Sequence[kiwipiepy.Token], i: int) -> int:
    """The position ``tokens[i]`` starts ("첫" of 첫 번째, "2" of 2번째, 첫째), or 0."""
    form = tokens[i].form
    if form in _ORDINAL_NOUNS:
        return _ORDINAL_NOUNS[form]
    number = _ORDINAL_NUMBERS.get(form) or (int(form) if form.isdigit() and len(form) < 3 else 0)
    following = [t.form for t in tokens[i + 1 : i + 3]]
    if number and (following[:1] == ["번째"] or following == ["번", _ORDINAL_SUFFIX]):
        return number
    return 0


def ordinal_term(position: int) -> str:
    return f"⟨ordinal {position}⟩"


def is_ordinal(term: str) -> bool:
    return term.startswith("⟨ordinal ")


def count_term(unit: str) -> str:
    """The term of a counted unit ("5000여 명", "몇 명" -> one term for 명)."""
    return f"⟨count {_UNIT_SPELLINGS.get(unit, unit)}⟩"


def is_count(term: str) -> bool:
    return term.startswith("⟨count ")


def unit_of(term: str) -> str:
    """The unit of a ``count_term`` ("⟨count 명⟩" -> 명)."""
    return term.removeprefix("⟨count ").removesuffix("⟩")


def _is_specific(form: str, tag: str) -> bool:
    """A name or figure a question may ask about: a proper noun, a Latin word written
    with a capital or a digit (NIPS, GPT, BERT), a number of two digits or more."""
    if len(form) < 2:
        return False
    if tag == "NNP":
        return True
    if tag == "SL":
        return any(c.isupper() or c.isdigit() for c in form)
    return tag == "SN"


def _latin(word: str) -> str:
    """Lowercase, and fold a plural to its singular ("papers" -> "paper")."""
    word = word.lower()
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(_PLURAL_KEEP):
        return word[:-1]
    return word


_lock = threading.Lock()
_shared: Tokenizer | None = None


def get_tokenizer(names: Iterable[str] = ()) -> Tokenizer:
    """The process-wide tokenizer, built and warmed up on first use, with ``names`` kept
    whole (given before the warm-up: names added after the first analysis cost a new
    Kiwi, about a second, ``Tokenizer.add_names``)."""
    global _shared
    with _lock:
        if _shared is None:
            tokenizer = Tokenizer()
            tokenizer.add_names(names)
            tokenizer.warm_up()
            _shared = tokenizer
        else:
            _shared.add_names(names)
        return _shared

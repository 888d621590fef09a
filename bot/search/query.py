"""A question's analysed terms, and what may stand in for each of them.

``build_query`` turns the question text into terms (Kiwi) and finds, for each
term, the index terms that can stand in for it: glossary and mined
``한국어(English)`` pairs, the everyday words of ``paraphrases.yaml`` (그래픽카드 ->
GPU), the author and source markers, a figure number, the stem of a compound the
corpus lacks (개최지 -> 개최) or both its parts when the articles write it with a space
(생성모델 -> 생성 모델), or a word Kiwi's vectors place near it (선입견 ->
편견). Ranking (``bot.search.rank``) takes the result.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace

from bot.search.asked import kinds_asked
from bot.search.index import (
    AUTHOR_TERM,
    CLOSING_TERM,
    OPENING_TERM,
    SOURCE_TERM,
    WRITTEN_TERM,
    SearchIndex,
    cited_figure_term,
    figure_term,
    is_marker,
)
from bot.search.synonyms import Terms
from bot.search.tokenizer import (
    MAX_JOINED,
    Analysis,
    Tokenizer,
    char_grams,
    is_count,
    is_hangul_word,
    normalize,
    unit_of,
)

# Questions about who wrote an article and how to reach them: the bio answers.
# The words that name the author: any passage of an article is the author's writing.
AUTHOR_ROLE_WORDS = frozenset("필자 저자 글쓴이 작성자 지은이 작가 author writer".split())
# Only the authors have these in the articles.
AUTHOR_CONTACT_WORDS = frozenset(
    "wrote written 이메일 메일 email e-mail 연락처 연락 약력 프로필 profile".split()
)
# About the author only when the question names the author ("필자 전공", "박찬연님 회사");
# "여러 전공 사람 섞인 팀" is not about anyone's major.
AUTHOR_ATTRIBUTE_WORDS = frozenset("소속 회사 직장 전공 경력 학력".split())
AUTHOR_WORDS = AUTHOR_ROLE_WORDS | AUTHOR_CONTACT_WORDS | AUTHOR_ATTRIBUTE_WORDS
# "누가 … 썼어?", "쓴 사람", "쓰신 분": writing, asked about a person.
_WRITE_STEM = "쓰"
_PERSON_RE = re.compile(r"누가|누구|사람|글쓴|쓴\s?분|쓰신\s?분")
_PERSON_WORDS = frozenset({"사람", "누구"})
# Written works other than the article: who wrote one is not the article's author.
OTHER_WORKS = frozenset("논문 책 저서 paper book".split())
# Questions after a source: a passage whose footnotes hold a link or a reference answers.
SOURCE_WORDS = frozenset(
    """
    출처 사진 영상 동영상 비디오 슬라이드 원문 링크 주소 url 레퍼런스 참고문헌 source
    link video slide photo pdf arxiv doi
    """.split()
)
# A picture asked about ("페퍼먼 사진 출처", "그 그래프"): a caption is the picture, no
# longer a side note.
PICTURE_WORDS = frozenset(
    "사진 그림 이미지 도표 그래프 차트 photo picture image chart graph".split()
)
# Where in an article ("글 마지막에 필자가 바라는 것", "서두에서"): its opening or closing
# passage, beside whatever else the word stands for (학회 마지막 날).
POSITION_WORDS = {
    **dict.fromkeys("마지막 끝 끝부분 결론 맺음말 마무리".split(), CLOSING_TERM),
    **dict.fromkeys("서두 도입부 첫머리 서론".split(), OPENING_TERM),
}
# "X 말고", "X 빼고", "X 제외하고", "X 말 말고": X is set aside.
_EXCLUSION_RE = re.compile(r"(?:\s말)?\s?(?:말고|말구|빼고|제외하고)(?=\s|$|[,.?!])")
# A question's sentences, and the endings of one saying what the answer is for.
_SENTENCES = re.compile(r"(?<=[?!.])\s+|\n+")
_PURPOSE_END = re.compile(
    r"(?:(?:려고|려구)요?|싶어서요?|(?:필요|야)\s?해서요?|참이(?:라|에요|예요)|위해서요?)"
    r"(?=[\sㅋㅎㅠㅜ~!.^]*$)"
)
_FIGURE_RE = re.compile(r"(?:그림|figure|fig\.?)\s*\[?\s*(\d{1,3})(?!\d)", re.IGNORECASE)

# How much a stand-in is worth, relative to the question's own term.
EQUIVALENT_CREDIT = 1.0
# An everyday word for the article's word (``paraphrases.yaml``): close, not the same;
# and less when the corpus uses the question's word itself (likely in its own sense).
PARAPHRASE_CREDIT = 0.6
KNOWN_PARAPHRASE_SHARE = 0.5
MARKER_CREDIT = 1.0
# A word of position points at the article's end or start, or means what it says there.
POSITION_CREDIT = 0.6
# 필자 in a passage that is the author's writing but does not say so.
WRITTEN_CREDIT = 1.0
# A compound's stem covers the compound by the share of its letters (개최 in 개최지: 2/3).
MIN_STEM = 2
# Suffixes that make a noun of a noun: a person (-자, -가), a place (-지), a property
# (-성), a rate (-률, -율), a power (-력), a change (-화).
DERIVATIONAL_SUFFIXES = frozenset("자가지성률율력화")
# Chat filler is filler beside this many content words; in a short question it is the
# topic ("다음 주 회의 언제야?" asks about a meeting).
FILLER_NEEDS_CONTENT = 3
# A word whose character n-grams an index term holds to this share is spelt nearly alike.
NEAR_MATCH = 0.6
# Context (the earlier question of a conversation) counts this much per term.
CONTEXT_WEIGHT = 0.4


@dataclass(frozen=True, slots=True)
class Options:
    """Which recall mechanisms run (all on; ``eval --without`` turns some off)."""

    soft: bool = True  # Kiwi word-vector neighbours for words the corpus lacks
    paraphrases: bool = True  # everyday words for the articles' words
    compound: bool = True  # the corpus's stem of a compound it lacks
    joined: bool = True  # 딥러닝 is one word, not 딥 + 러닝 (러닝 of 머신러닝)
    filler: bool = True  # talk about the conversation carries no weight
    figure: bool = True  # "그림 N" means figure N, not footnote N
    sources: bool = True  # source questions: footnotes are evidence
    author: bool = True  # author questions find the bio
    position: bool = True  # "글 마지막에" finds an article's closing passage
    exclusion: bool = True  # "보안 말고 다른 하나": 보안 is no evidence
    counts: bool = True  # "몇 명" finds "5000여 명" (a number with the unit asked for)
    premise: bool = True  # "처음엔 … 없다고 봤다던데": the passage stating the premise
    relation: bool = True  # "어떻게 아는 사이야?": the passage saying how they know each other

    def without(self, *names: str) -> Options:
        known = {f.name for f in fields(self)}
        unknown = [n for n in names if n not in known]
        if unknown:
            raise ValueError(f"알 수 없는 기법: {', '.join(unknown)} (가능: {', '.join(known)})")
        return replace(self, **dict.fromkeys(names, False))


@dataclass(frozen=True, slots=True)
class Term:
    """One question term: its weight, and the index terms that stand in for it."""

    text: str
    weight: float  # 1 for the question's own terms, CONTEXT_WEIGHT for context
    weak: bool  # says little on its own (a verb stem, one syllable)
    specific: bool  # a name, a Latin word, a number
    known: bool  # some passage holds the term itself
    # False when the word only stands for something else: 사람 in "쓴 사람" is the
    # author, not any passage's 사람; only its stand-ins count then
    literal: bool = True
    # index term runs that stand in for it, with the credit each earns (0-1]
    stand_ins: tuple[tuple[tuple[str, ...], float], ...] = ()
    # index terms spelt nearly like it (a slip, an ending), with their n-gram share;
    # evidence of a match, not part of the BM25 query (the n-gram field does that)
    near: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True, slots=True)
class Query:
    text: str
    terms: tuple[Term, ...]
    grams: tuple[str, ...]
    set_aside: frozenset[str] = frozenset()  # "보안 말고": 보안 (``_excluded``)
    # a part of a compound matches where it stands inside one (the ``joined`` ablation)
    parts_are_words: bool = False

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(t.text for t in self.terms)

    @property
    def counted(self) -> tuple[str, str] | None:
        """What a how-many question counts and its unit's term: the last strong word
        before "몇 개" (워크숍 in "3일 동안 워크숍은 몇 개 열렸어?"), or None."""
        own = [t for t in self.terms if t.weight >= 1.0]
        counts = [i for i, t in enumerate(own) if is_count(t.text)]
        asked = [
            i for i in counts if re.search(rf"몇\s*{re.escape(unit_of(own[i].text))}", self.text)
        ]
        for i in asked or counts[:1]:
            before = [t.text for t in own[:i] if not t.weak and not is_count(t.text)]
            return (before[-1], own[i].text) if before else None
        return None


def build_query(
    index: SearchIndex,
    question: str,
    *,
    context: str | None = None,
    options: Options = Options(),
) -> Query:
    text = normalize(question)
    aside = frozenset(_excluded(index.tokenizer, text)) if options.exclusion else frozenset()
    own = _terms(index, text, weight=1.0, options=options, aside=aside)
    if context:
        seen = {t.text for t in own}
        earlier = _terms(index, normalize(context), weight=CONTEXT_WEIGHT, options=options)
        own += [t for t in earlier if t.text not in seen]
    grams = char_grams([t.text for t in own if t.weight >= 1.0 and not is_marker(t.text)])
    return Query(text, tuple(own), grams, aside, parts_are_words=not options.joined)


def _terms(
    index: SearchIndex,
    text: str,
    *,
    weight: float,
    options: Options,
    aside: frozenset[str] = frozenset(),
) -> list[Term]:
    """The terms of ``text`` with what stands in for each; ``aside`` are the words the
    question sets aside (``_excluded``), left out."""
    tokenizer = index.tokenizer
    figures: list[str] = []
    if options.figure:
        figures = [m.group(1) for m in _FIGURE_RE.finditer(text)]
        text = _FIGURE_RE.sub(" 그림 ", text)
    analysis = tokenizer.analyse(text)
    # A written compound Kiwi splits (딥러닝: 딥 + 러닝) is one word where the articles
    # write it whole, its parts standing in for it; elsewhere it is only its parts.
    whole = _compounds_known(index, analysis) if options.joined else {}
    split = {p for parts in whole.values() for p in parts}
    joined = {w for w, _ in analysis.joined}
    words = [
        w
        for w in dict.fromkeys((*analysis.terms, *whole))
        if (w in whole or w not in joined) and w not in split
    ]
    aside_talk = _purpose_words(tokenizer, text) if options.filler else set()
    content = [w for w in words if w not in analysis.filler and w not in aside_talk]
    if options.filler and len(content) >= FILLER_NEEDS_CONTENT:
        words = content
    if options.figure:
        words = [w for w in words if w != "그림" or not figures]
    if not options.counts:
        words = [w for w in words if not is_count(w)]
    words = [w for w in words if w not in aside] or words
    runs = index.synonyms.expand(tuple(words))
    parts_runs = index.synonyms.expand(tuple(p for parts in whole.values() for p in parts))
    everyday = _everyday(index, words) if options.paraphrases else []
    author_asked = options.author and (
        any(w in AUTHOR_ROLE_WORDS or w in AUTHOR_CONTACT_WORDS for w in words)
        or any(w in index.author_names for w in words)
        or (
            _WRITE_STEM in words
            and bool(_PERSON_RE.search(text))
            and not any(w in OTHER_WORKS for w in words)  # "그 논문 누가 썼어?"
        )
    )
    switched_on = frozenset(f.name for f in fields(options) if getattr(options, f.name))
    asked = kinds_asked(text, switched_on)
    out: list[Term] = []
    for position, word in enumerate(words):
        known = word in index.terms
        stand_ins: list[tuple[tuple[str, ...], float]] = []
        stand_ins += [(eq, EQUIVALENT_CREDIT) for run, eq in runs if word in run]
        if word in whole and len(parts := whole[word]) > 1:  # 역 of 역전파 is no word
            stand_ins.append((parts, EQUIVALENT_CREDIT))
            stand_ins += [(eq, EQUIVALENT_CREDIT) for run, eq in parts_runs if run == parts]
        about_author = author_asked and (
            word in AUTHOR_WORDS or word in _PERSON_WORDS or word == _WRITE_STEM
        )
        if about_author:
            stand_ins.append(((AUTHOR_TERM,), MARKER_CREDIT))
            if word in AUTHOR_ROLE_WORDS:
                stand_ins.append(((WRITTEN_TERM,), WRITTEN_CREDIT))
        else:  # 쓰다 asked about a person is writing, not using
            credit = PARAPHRASE_CREDIT * (KNOWN_PARAPHRASE_SHARE if known else 1.0)
            if word not in analysis.filler:  # 회의 left as the topic is a meeting
                stand_ins += [(eq, credit) for run, eq in everyday if word in run]
        # "민 박사님": the surname and title of a person the articles name in full.
        following = words[position + 1] if position + 1 < len(words) else ""
        stand_ins += [
            ((name,), EQUIVALENT_CREDIT) for name in index.titled.get(f"{word} {following}", ())
        ]
        if options.sources and word in SOURCE_WORDS:
            stand_ins.append(((SOURCE_TERM,), MARKER_CREDIT))
        if options.position and word in POSITION_WORDS:
            stand_ins.append(((POSITION_WORDS[word],), POSITION_CREDIT))
        # "처음엔 … 봤다던데": 처음 points at the premise, not at any first time.
        pointing = [kind.marker for kind in asked if word in kind.words]
        stand_ins += [((marker,), MARKER_CREDIT) for marker in pointing]
        if options.compound and known:
            stand_ins += _derived_stem(index, word)
        if not known and not stand_ins:
            if options.compound:
                stand_ins += _stem(index, word)
            if options.soft and word not in analysis.filler:
                stand_ins += [((n,), s) for n, s in index.neighbours.get(word, {}).items()]
        out.append(
            Term(
                text=word,
                weight=weight,
                weak=word in analysis.weak,
                specific=word in analysis.specific,
                known=known,
                literal=not (about_author and word in _PERSON_WORDS) and not pointing,
                stand_ins=tuple(stand_ins),
                near=tuple(index.near_terms(word, NEAR_MATCH).items()),
            )
        )
    for number in dict.fromkeys(figures):
        # Figure N is its caption; a paragraph pointing to it ([그림 N]) holds it too, as a
        # stand-in does (the caption ranks first, by BM25, where both hold the question).
        cited = ((cited_figure_term(number),), EQUIVALENT_CREDIT)
        out.append(Term(figure_term(number), weight, False, True, True, stand_ins=(cited,)))
    return out


def _purpose_words(tokenizer: Tokenizer, text: str) -> set[str]:
    """The words of a sentence after the question that says what the answer is for
    ("… 뭐였지? 발표 자료에 한 줄로 넣고 싶어서요", "슬라이드에 크레딧 달아야 해서요",
    "인용하려고요"), which no other sentence of it says: talk about the user's task."""
    sentences = [x for x in _SENTENCES.split(text) if x.strip()]
    said = [i > 0 and bool(_PURPOSE_END.search(x)) for i, x in enumerate(sentences)]
    if not any(said):  # the common case: no second analysis of the question
        return set()
    parts = tokenizer.terms_and_compounds(sentences)  # one batched Kiwi call
    purpose = {t for r, p in zip(parts, said, strict=True) if p for t in r.terms}
    rest = {t for r, p in zip(parts, said, strict=True) if not p for t in r.terms}
    return purpose - rest


def _compounds_known(index: SearchIndex, analysis: Analysis) -> dict[str, tuple[str, ...]]:
    """The question's compounds that the articles write whole, with their parts: written
    whole (딥러닝, which Kiwi splits) or apart ("딥 러닝": where the articles write only
    딥러닝, its 딥 and 러닝 are no words of their own)."""
    found = {w: parts for w, parts in analysis.joined if w in index.terms}
    joined = {w for w, _ in analysis.joined}
    terms = [t for t in analysis.terms if t not in joined]  # as written, in order
    for size in range(MAX_JOINED, 1, -1):
        for start in range(len(terms) - size + 1):
            parts = terms[start : start + size]
            word = "".join(parts)
            if all(map(is_hangul_word, parts)) and word in index.terms:
                found.setdefault(word, tuple(parts))
    return found


def _excluded(tokenizer: Tokenizer, text: str) -> set[str]:
    """The word a question sets aside ("보안 말고 다른 하나", "쿠란트 말 빼고"): the last
    term before 말고/빼고/제외하고. It says which passage is not wanted, so it is no
    evidence for one (nor against: the answer may name it too, "KL 말고 다른 거리")."""
    out: set[str] = set()
    for m in _EXCLUSION_RE.finditer(text):
        before = tokenizer.terms(text[: m.start()])
        if before:
            out.add(before[-1])
    return out


def _everyday(index: SearchIndex, words: list[str]) -> list[tuple[Terms, Terms]]:
    """``(run, article's word)`` for the everyday words among ``words``, and the
    article's word's own equivalents (그래픽카드 -> GPU -> graphics processing unit)."""
    found = index.paraphrases.expand(tuple(words))
    for run, target in list(found):
        found += [(run, eq) for whole, eq in index.synonyms.expand(target) if whole == target]
    return found


def _derived_stem(index: SearchIndex, word: str) -> list[tuple[tuple[str, ...], float]]:
    """A Sino-Korean noun with a derivational suffix stands in part for its root, which
    the corpus may use instead (참가자 -> 참가, 개최지 -> 개최, 공정성 -> 공정)."""
    root = word[:-1]
    if len(word) <= MIN_STEM or word[-1] not in DERIVATIONAL_SUFFIXES or root not in index.terms:
        return []
    return [((root,), len(root) / len(word))]


def _stem(index: SearchIndex, word: str) -> list[tuple[tuple[str, ...], float]]:
    """The longest leading part of a Korean compound that the corpus holds, or that the
    glossary knows (등변성 -> 등변; 일정표 -> 일정 -> schedule), at the share of its letters."""
    if len(word) <= MIN_STEM or not re.match(r"[\uac00-\ud7a3]", word):
        return []
    # Written without the space the articles put in it (생성모델 -> 생성 모델, 제프딘 -> 제프
    # 딘): the same word. A name's part may be one syllable (딘); a noun's, not (파 of 파일).
    for size in range(MIN_STEM, len(word)):
        head, tail = word[:size], word[size:]
        named = index.tokenizer.is_name(head) or index.tokenizer.is_name(tail)
        if head in index.terms and tail in index.terms and (len(tail) >= MIN_STEM or named):
            return [((head, tail), EQUIVALENT_CREDIT)]
    for size in range(len(word) - 1, MIN_STEM - 1, -1):
        stem, credit = word[:size], size / len(word)
        found: list[tuple[tuple[str, ...], float]] = []
        if stem in index.terms:
            found.append(((stem,), credit))
        found += [(eq, credit) for _, eq in index.synonyms.expand((stem,))]
        if found:
            return found
    return []

"""Sentences of a passage, and which of them to quote for a question.

The quote is the one to three consecutive sentences that answer: those that
hold the question's terms, widened to what the answer needs — the reason for a
why-question, the figure for a how-many question, what follows a lead-in
("다음과 같이 …:"), and the turn ("그러나 …") after a premise the paragraph
overturns — and a sentence further off when it alone holds a strong term of the
question.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence

from bot.corpus import MARK_RE

# Each question term and stand-in (a run of terms, all of which a sentence must hold)
# -> the question term it counts for, and its worth.
QuoteWeights = Mapping[tuple[str, ...], tuple[str, float]]

MAX_QUOTE_SENTENCES = 3
# Needs the answer's sentences may add beyond MAX_QUOTE_SENTENCES.
MAX_EXTRA_SENTENCES = 1
# A caption or a bio this short is quoted whole: its first line alone rarely answers.
WHOLE_CHARS = 500
# A sentence holding what the question asks for scores this share of the best sentence.
CUE_BONUS = 0.6
# A sentence apart from the quoted run joins it when the question terms it adds are
# worth this share of the question's strongest term.
FAR_GAIN = 0.5

# Sentence ends: Korean/English terminal punctuation, optionally closed by a quote.
_SENTENCE_END = re.compile(r"(?<=[.?!])(?:[”’\"')]*)\s+|\n+")
_OPENING, _CLOSING = "“‘", "”’"

REASON_QUESTION = re.compile(r"왜|이유|까닭|원인|때문|\bwhy\b|\breason", re.IGNORECASE)
REASON_CUE = re.compile(
    r"추측으로는|때문|이유는|이유가|이유로|덕분|왜냐하면|탓에|까닭|으므로|므로|따라서|그러므로"
)
NUMBER_QUESTION = re.compile(
    r"몇|얼마|규모|숫자|수치|인원|비율|퍼센트|%|\bhow (?:many|much|big|large)\b|\brate\b"
    # a rate: 채택률, 합격률 (two letters and 률/율 ending a word; not 확률, 효율적)
    r"|[가-힣]{2}[률율](?=$|[\s?!.,]|은|는|이|가|을|를|도)",
    re.IGNORECASE,
)
_DIGIT = re.compile(r"\d")
_NOT_FIGURES = re.compile(r"\*\d+|\[\d+\]|\[\s*그림\s*\d+\s*\]")
WHO_QUESTION = re.compile(r"누가|누구|\bwho\b", re.IGNORECASE)
WHEN_QUESTION = re.compile(r"언제|몇\s?년도?|시기|\bwhen\b", re.IGNORECASE)
# A date, a season, or a time said in words ("… 쉬워졌을 때부터", "그 당시").
WHEN_CUE = re.compile(
    r"\d{2,4}\s?년|\d{1,2}\s?월|\d{1,2}\s?일|때부터|때에|시절|당시|무렵|이후|이래"
    r"|(?:봄|여름|가을|겨울)(?:에|로|부터|까지|이었)"
)
# The articles name people as 한글 이름(Latin Name) ("스테판 말렛(Stephane Mallat, …)",
# "웰링(Welling)") or with a title ("최성준 박사님").
PERSON_CUE = re.compile(
    r"[가-힣]\((?:[A-Z][a-z]+\.? )*[A-Z][a-z]+[,)]|[가-힣]{2,4} ?(?:박사|교수)님?"
)
# Someone's own words asked for ("했던 말 그대로", "명언", "슬라이드 문구", "민 박사는
# 뭐라고 답했어?": not the author's, who answers in the article's own prose), and a text
# that quotes them: a quotation in marks, or an English sentence quoted from a slide.
WORDS_QUESTION = re.compile(
    r"(?:했던|하신|한|남긴|했다는)\s?말|말\s?그대로|명언|어록|문구|원문|\bquote"
    r"|^(?!.*(?:필자|저자|글쓴이|작성자|작가))"
    r".*(?:뭐라(?:고)?\s?(?:했|하셨|답|대답|받아|내다|말했|그랬)|내다봤|내다보셨|예견|예언)",
    re.IGNORECASE,
)
WORDS_CUE = re.compile(r"[“\"][^”\"]{8,}[”\"]|(?:\b[A-Za-z]+\b[ ,]+){6,}[A-Za-z]+[.!]")
# Examples asked for ("대표 예시", "어떤 사례", "what examples"), and a text that gives
# them: "… 등이 그 예입니다", "예를 들어 …", "X와 같이", "X 같은".
EXAMPLE_QUESTION = re.compile(r"예시|예제|사례|예를\s?들|\bexamples?\b|\bfor instance\b", re.I)
EXAMPLE_CUE = re.compile(
    r"예를\s?들(?:어|면)|예컨대|(?:그|대표적인|좋은|한)\s?예(?:입니다|이다|로|는|가)"
    r"|(?<!다음)(?:와|과)\s?같(?:이|은)|예시는|사례(?:로|는|가)"
)
LEAD_IN = re.compile(r"(?:다음과|아래와)\s?같|:\s*$")
# A premise the paragraph is about to overturn: "한 동안 저는 … 생각했습니다".
PREMISE = re.compile(r"(?:한\s?동안|처음에는|예전에는|당시에는|그때는).*(?:생각했|여겼|믿었|알았)")
# Where to see, find or get something ("어디서 볼 수 있어?", "다시 볼 방법", "어디
# 올라왔어?"): the sentence that cites it (a footnote mark, ``MARK_RE``: the link is in
# the note).
SEE_QUESTION = re.compile(
    r"어디(?:서|에서|가면|에)?\s?(?:볼|봐|보|찾|확인|다운|올라[오와왔온]|올려|올렸|공개)"
    r"|(?:볼|보는|찾아볼)\s?(?:방법|곳|데|수\s?있는\s?(?:곳|데))"
)
# A sentence that explains the one before it ("이는 …", "다시 말하면 …"): the quote that
# ends right before it takes it along, as it takes a lead-in's content.
ELABORATION = re.compile(r"^(?:이는|이것은|이건|즉|다시\s?말해|다시\s?말하면|바꿔\s?말하면)\s")
CONTRAST = re.compile(r"^(?:그러나|하지만|그런데|그렇지만|그럼에도|반면|but\b|however\b)", re.I)


def split_sentences(text: str) -> tuple[str, ...]:
    """Sentences of a passage, each with its own closing punctuation and quotes; a
    quotation (“…”) that holds sentence ends stays in one piece (lines never join)."""
    parts: list[str] = []
    start = 0
    joinable = False  # the previous part ended at a space, not at a line break
    for m in _SENTENCE_END.finditer(text):
        end = m.start() + len(m.group(0).rstrip())
        _add(parts, text[start:end].strip(), joinable)
        joinable = "\n" not in m.group(0)
        start = m.end()
    _add(parts, text[start:].strip(), joinable)
    return tuple(parts)


def _add(parts: list[str], part: str, joinable: bool) -> None:
    if not part:
        return
    if parts and joinable and _open_quotes(parts[-1]) > 0:
        parts[-1] = f"{parts[-1]} {part}"
    else:
        parts.append(part)


def _open_quotes(text: str) -> int:
    return sum(text.count(c) for c in _OPENING) - sum(text.count(c) for c in _CLOSING)


def ends_in_lead_in(sentence: str) -> bool:
    return bool(LEAD_IN.search(sentence))


def pick_quote(
    sentences: Sequence[str],
    sentence_terms: Sequence[Sequence[str]],
    weights: QuoteWeights,
    *,
    question: str,
    whole_if_short: bool = False,
    counted: tuple[str, str] | None = None,
) -> tuple[int, ...]:
    """The indices of the ``sentences`` to quote, in order: a run of consecutive
    sentences, and at most one more further off that holds a strong question term
    the run lacks (quoted after a gap: "… 아로라의 튜토리얼 … 마무리 즈음에는 물리학 …").

    ``weights`` maps each question term, each stand-in (a run of terms) and each near
    spelling to the question term it counts for and what it is worth (a span gains a
    question term once, however many of its stand-ins it holds). ``counted`` is what a how-many
    question counts, with its unit ("워크숍 몇 개": 워크숍 and the count of 개): a
    sentence holding both gives the number asked for ("67개의 워크숍"), where any
    sentence with a figure would otherwise do.
    """
    n = len(sentences)
    if n <= 1 or (whole_if_short and sum(map(len, sentences)) <= WHOLE_CHARS):
        return tuple(range(n))
    held = [_held(terms, weights) for terms in sentence_terms]
    if not any(held):
        return tuple(range(min(2, n)))
    start, end = _span(sentences, held, question, _holding(sentence_terms, counted))
    return _with_far_sentence(held, start, end, weights)


def _with_far_sentence(
    held: Sequence[Mapping[str, float]],
    start: int,
    end: int,
    weights: QuoteWeights,
) -> tuple[int, ...]:
    """The run, plus the sentence outside it that adds the most question terms, if
    what it adds is worth at least ``FAR_GAIN`` of the question's strongest term."""
    chosen = tuple(range(start, end))
    if len(chosen) >= MAX_QUOTE_SENTENCES:
        return chosen
    covered = {t for h in held[start:end] for t in h}
    strongest = max((w for _, w in weights.values()), default=0.0)

    def gain(i: int) -> float:
        return math.fsum(w for t, w in held[i].items() if t not in covered)

    outside = [i for i in range(len(held)) if not start <= i < end]
    best = max(outside, key=lambda i: (gain(i), -abs(i - start)), default=None)
    if best is None or strongest <= 0 or gain(best) < FAR_GAIN * strongest:
        return chosen
    return tuple(sorted((*chosen, best)))


def _holding(
    sentence_terms: Sequence[Sequence[str]], counted: tuple[str, str] | None
) -> list[bool] | None:
    """Which sentences hold both the thing counted and its count, if any does."""
    if counted is None:
        return None
    both = [counted[0] in terms and counted[1] in terms for terms in sentence_terms]
    return both if any(both) else None


def _span(
    sentences: Sequence[str],
    held: Sequence[Mapping[str, float]],
    question: str,
    counts: list[bool] | None = None,
) -> tuple[int, int]:
    """The best run of consecutive sentences, widened to what the answer needs;
    ``counts`` marks the sentences that give the number asked for (``_holding``)."""
    n = len(sentences)
    cue = _cue(question)
    cued = counts or [bool(cue and cue.search(s)) for s in sentences]
    best_single = max(math.fsum(h.values()) for h in held)

    def worth(start: int, end: int) -> float:
        """Distinct question terms a span holds, plus the cue (once), minus a little
        per sentence so that a shorter span wins a tie."""
        covered: dict[str, float] = {}
        for h in held[start:end]:
            for term, w in h.items():
                covered[term] = max(covered.get(term, 0.0), w)
        bonus = CUE_BONUS * best_single if any(cued[start:end]) else 0.0
        return math.fsum(covered.values()) + bonus - 1e-3 * (end - start)

    # A span that starts or ends with a sentence holding nothing (and no cue) loses to the
    # same span without it, so only spans between useful sentences are weighed.
    useful = [bool(h) or c for h, c in zip(held, cued, strict=True)]
    spans = [
        (s, e)
        for s in range(n)
        if useful[s]
        for e in range(s + 1, min(n, s + MAX_QUOTE_SENTENCES) + 1)
        if useful[e - 1]
    ]
    start, end = max(spans, key=lambda span: (worth(*span), -span[0]))
    limit = MAX_QUOTE_SENTENCES + MAX_EXTRA_SENTENCES
    # What the answer needs right after the span: a lead-in's content, a premise's turn.
    if any(PREMISE.search(x) for x in sentences[start:end]):
        # Carry the quote to the turn: a contrast, or the lead-in that introduces it.
        turn = next(
            (
                i
                for i in range(end, n)
                if CONTRAST.match(sentences[i]) or ends_in_lead_in(sentences[i])
            ),
            None,
        )
        if turn is not None and turn + 1 - start <= limit:
            end = turn + 1
    # A quote opening with "이는 …", "즉 …" says what the sentence before it is: without
    # it the reader does not know what 이는 is (다양체 가설, in the sentence before).
    if start > 0 and ELABORATION.match(sentences[start]) and end - start < limit:
        start -= 1
    needs_next = end < n and (
        ends_in_lead_in(sentences[end - 1])
        or CONTRAST.match(sentences[end])
        or ELABORATION.match(sentences[end])
    )
    if needs_next and end - start < limit:
        end += 1
    if (
        cue is not None
        and end - start < limit
        and not any(cue.search(s) for s in sentences[start:end])
    ):
        if end < n and cue.search(sentences[end]):
            end += 1
        elif start > 0 and cue.search(sentences[start - 1]):
            start -= 1
    return start, end


def _held(terms: Sequence[str], weights: QuoteWeights) -> dict[str, float]:
    """The question terms a sentence holds, with their worth: a stand-in of several
    terms ("수학 정의") counts only where the sentence holds them all."""
    present = set(terms)
    out: dict[str, float] = {}
    for run, (source, worth) in weights.items():  # in the query's order: the same each run
        if worth > out.get(source, 0.0) and present.issuperset(run):
            out[source] = worth
    return out


def asks_for_number(question: str) -> bool:
    return bool(NUMBER_QUESTION.search(question))


def holds_number(text: str) -> bool:
    """A figure in the text itself, not a footnote mark or a figure reference."""
    return bool(_DIGIT.search(_NOT_FIGURES.sub(" ", text)))


# What a question may ask for, and what a text must hold to give it, in the order the
# question is read ("왜 … 몇 명" asks for a reason).
_ANSWER_TYPES: tuple[tuple[str, re.Pattern[str], re.Pattern[str]], ...] = (
    ("reason", REASON_QUESTION, REASON_CUE),
    ("person", WHO_QUESTION, PERSON_CUE),
    ("time", WHEN_QUESTION, WHEN_CUE),
    ("number", NUMBER_QUESTION, _DIGIT),
    ("words", WORDS_QUESTION, WORDS_CUE),
    ("cited", SEE_QUESTION, MARK_RE),
)


def answer_type(question: str) -> str | None:
    """What this kind of question asks for (reason, person, time, number, someone's
    words, where to see something), if anything."""
    return next((name for name, asks, _ in _ANSWER_TYPES if asks.search(question)), None)


def answer_types_held(text: str) -> frozenset[str]:
    """The answer types a text can give: a reason, a named person, a time, a figure, a
    quotation, a cited source."""
    return frozenset(
        name
        for name, _, cue in _ANSWER_TYPES
        if (holds_number(text) if cue is _DIGIT else cue.search(text))
    )


def _cue(question: str) -> re.Pattern[str] | None:
    """What a sentence must hold to answer this kind of question, if anything: an
    answer type's cue, or for examples asked for the sentence that gives them (a quote
    cue only: a passage without one may still answer)."""
    cue = next((cue for _, asks, cue in _ANSWER_TYPES if asks.search(question)), None)
    return cue or (EXAMPLE_CUE if EXAMPLE_QUESTION.search(question) else None)

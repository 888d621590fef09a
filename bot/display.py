"""What an answer shows, decided once for every transport.

The console and Slack both render a ``Shown`` (or a ``ParagraphView``); they only
format it. Decisions made here:

- the quote is the answer's sentences as they stand in the passage, widened so it
  never starts or ends inside a quotation (“…”, ‘…’, 「…」);
- emphasis covers whole words as they stand in the text (``NIPS``, never ``*NIP*S``)
  and never a footnote mark: marks are runs of their own;
- the footnotes shown are those the shown sentences cite; when they cite none, the
  passage's footnotes if there are only a few; footnotes the source never printed
  are listed once, by number;
- other passages are offered only when they answer too (``Answer.others``), each as
  its section and the first words of its quote;
- a cut happens on raw text (runs, link parts), never inside a footnote mark or a URL.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.answer import Answer, Result
from bot.conversation import candidates
from bot.corpus import MARK_RE, Corpus, Footnote, Passage, find_marks
from bot.highlight import ELLIPSIS, Run, runs, term_spans
from bot.messages import KIND_LABELS, source_line

# Footnotes not cited by the shown sentences are listed only if the passage has this few.
MAX_UNCITED_FOOTNOTES = 2
TEASER_CHARS = 40
MAX_TEASERS = 2

_OPENERS = {"“": "”", "‘": "’", "「": "」", "『": "』", "《": "》", "〈": "〉"}
_CLOSERS = set(_OPENERS.values())
# A sentence ends at . ! ? (possibly followed by a closing mark) before whitespace, or at a
# line break.
_BOUNDARY = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][”’\"」』)]))\s+|\n")


@dataclass(frozen=True, slots=True)
class NoteView:
    """A printed footnote: its mark and its text split into plain parts and whole URLs."""

    mark: str
    parts: tuple[tuple[str, bool], ...]  # (text, is_url)

    @property
    def text(self) -> str:
        return "".join(text for text, _ in self.parts)


@dataclass(frozen=True, slots=True)
class Teaser:
    label: str  # the section (or passage kind, or article) it comes from
    words: str  # the first words of its quote


@dataclass(frozen=True, slots=True)
class Shown:
    """One candidate of an answer, as every transport shows it."""

    status: str  # "answer" | "related"
    result: Result
    position: int
    candidates: int
    source: str
    quote: tuple[Run, ...]
    notes: tuple[NoteView, ...]
    missing: tuple[str, ...]  # numbers of cited footnotes the source never printed
    teasers: tuple[Teaser, ...]
    truncated: bool

    @property
    def uncertain(self) -> bool:
        """The articles may not answer the question; these are the closest passages."""
        return self.status == "related"

    @property
    def quote_text(self) -> str:
        return "".join(r.text for r in self.quote)


@dataclass(frozen=True, slots=True)
class ParagraphView:
    """A whole passage, its quoted part marked, with its neighbours in the same section."""

    passage_id: str
    source: str
    runs: tuple[Run, ...]
    notes: tuple[NoteView, ...]
    missing: tuple[str, ...]
    previous: str | None
    following: str | None
    number: int  # 1-based place in its section
    of: int


# -- the answer --------------------------------------------------------------------------------


def show(answer: Answer, position: int = 0) -> Shown | None:
    """The ``position``-th candidate of ``answer``; None for help and no-answer."""
    if answer.status not in ("answer", "related"):
        return None
    shown = candidates(answer)
    if not shown:
        return None
    position = max(0, min(position, len(shown) - 1))
    result = shown[position]
    start, end = quote_span(result.text, result.quote)
    quote_text = result.text[start:end]
    notes, missing = footnotes_for(result.footnotes, quote_text)
    teasers = tuple(teaser(r) for i, r in enumerate(shown) if i != position)[:MAX_TEASERS]
    return Shown(
        status=answer.status,
        result=result,
        position=position,
        candidates=len(shown),
        source=source_line(result),
        quote=tuple(runs(quote_text, strong=term_spans(quote_text, result.highlights))),
        notes=notes,
        missing=missing,
        teasers=teasers,
        truncated=answer.truncated,
    )


def teaser(result: Result) -> Teaser:
    label = result.section or KIND_LABELS.get(result.kind) or result.article_title
    return Teaser(label, first_words(result.quote, TEASER_CHARS))


def first_words(text: str, width: int) -> str:
    """``text`` on one line without footnote marks, cut at a space before ``width``."""
    line = " ".join(MARK_RE.sub("", text).split())
    if len(line) <= width:
        return line
    cut = line[: width - 1]
    space = cut.rfind(" ")
    if space > width // 2:
        cut = cut[:space]
    return cut.rstrip(" ,.·") + ELLIPSIS


# -- the quote inside its passage ----------------------------------------------------------


def quote_span(text: str, quote: str) -> tuple[int, int]:
    """Where ``quote`` stands in ``text``, widened to keep quotations whole."""
    found = _find(text, quote)
    if found is None:
        return 0, len(text)
    return balance(text, *found)


def _find(text: str, quote: str) -> tuple[int, int] | None:
    at = text.find(quote)
    if at >= 0:
        return at, at + len(quote)
    words = quote.split()
    if not words:
        return None
    match = re.search(r"\s+".join(re.escape(w) for w in words), text)
    return (match.start(), match.end()) if match else None


def quotations(text: str) -> list[tuple[int, int]]:
    """(start, end) of each quotation in ``text``, marks included; unmatched marks are not
    quotations (a lone ’ is an apostrophe)."""
    found: list[tuple[int, int]] = []
    stack: list[tuple[str, int]] = []
    straight: int | None = None
    for i, ch in enumerate(text):
        if ch in _OPENERS:
            stack.append((ch, i))
        elif ch in _CLOSERS:
            for depth in range(len(stack) - 1, -1, -1):
                if _OPENERS[stack[depth][0]] == ch:
                    found.append((stack[depth][1], i + 1))
                    del stack[depth:]
                    break
        elif ch == '"':
            if straight is None:
                straight = i
            else:
                found.append((straight, i + 1))
                straight = None
    return found


def sentence_start(text: str, pos: int) -> int:
    start = 0
    for m in _BOUNDARY.finditer(text, 0, pos):
        start = m.end()
    return start


def sentence_end(text: str, pos: int) -> int:
    m = _BOUNDARY.search(text, pos)
    return m.start() if m else len(text)


def balance(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen [start, end) to whole sentences until neither end falls inside a quotation."""
    spans = quotations(text)
    for _ in range(len(spans) + 1):
        moved = False
        for a, b in spans:
            if a < start < b:
                start, moved = sentence_start(text, a), True
            if a < end < b:
                end, moved = sentence_end(text, b), True
        if not moved:
            break
    return start, end


# -- footnotes -----------------------------------------------------------------------------


def footnotes_for(
    footnotes: Sequence[Footnote], shown_text: str, *, every: bool = False
) -> tuple[tuple[NoteView, ...], tuple[str, ...]]:
    """The footnotes to list under ``shown_text`` and the numbers of the missing ones.

    Those the text cites, in order; if it cites none, the passage's own if they are few
    (``every``: all of them, for a whole paragraph). Each footnote once."""
    by_mark = {f.mark: f for f in footnotes}
    cited = [by_mark[m] for m in find_marks(shown_text) if m in by_mark]
    if every:
        chosen = list(dict.fromkeys([*cited, *footnotes]))
    elif cited:
        chosen = cited
    else:
        chosen = list(footnotes) if len(footnotes) <= MAX_UNCITED_FOOTNOTES else []
    notes: dict[str, NoteView] = {}
    missing: dict[str, None] = {}
    for note in chosen:
        if note.missing:
            missing[mark_number(note.mark)] = None
        elif note.mark not in notes:
            notes[note.mark] = NoteView(note.mark, link_parts(note.display or "", note.urls))
    return tuple(notes.values()), tuple(missing)


def mark_number(mark: str) -> str:
    return mark.strip("*[]")


def link_parts(text: str, urls: Iterable[str]) -> tuple[tuple[str, bool], ...]:
    """``text`` split into plain parts and whole URLs, left to right; where two URLs start at
    the same place (one a prefix of the other) the longer one is the link."""
    candidates_ = sorted(set(urls), key=len, reverse=True)
    parts: list[tuple[str, bool]] = []
    pos = 0
    while pos < len(text):
        best: tuple[int, str] | None = None
        for url in candidates_:
            at = text.find(url, pos)
            if at >= 0 and (best is None or at < best[0]):
                best = (at, url)  # longest first, so a tie keeps the longer URL
        if best is None:
            break
        at, url = best
        if at > pos:
            parts.append((text[pos:at], False))
        parts.append((url, True))
        pos = at + len(url)
    if pos < len(text):
        parts.append((text[pos:], False))
    return tuple(parts)


def cut_parts(parts: Sequence[tuple[str, bool]], limit: int) -> tuple[tuple[str, bool], ...]:
    """At most ``limit`` characters; a URL is kept whole or dropped, never cut."""
    if sum(len(t) for t, _ in parts) <= limit:
        return tuple(parts)
    budget = max(0, limit - len(ELLIPSIS))
    out: list[tuple[str, bool]] = []
    for text, is_url in parts:
        if len(text) <= budget:
            out.append((text, is_url))
            budget -= len(text)
            continue
        if not is_url and budget > 0:
            out.append((text[:budget], False))
        break
    out.append((ELLIPSIS, False))
    return tuple(out)


# -- a whole paragraph ---------------------------------------------------------------------


def paragraph(corpus: Corpus, passage_id: str, quote: str | None = None) -> ParagraphView | None:
    """The passage ``passage_id`` whole, ``quote`` (if it stands in it) marked strong."""
    passage = next((p for p in corpus.passages if p.id == passage_id), None)
    if passage is None:
        return None
    article = corpus.article(passage.article_id)
    siblings: tuple[Passage, ...] = (passage,)
    for section in article.sections:
        if any(p.id == passage.id for p in section.passages):
            siblings = section.passages
    place = next(i for i, p in enumerate(siblings) if p.id == passage.id)
    strong: list[tuple[int, int]] = []
    if quote:
        found = _find(passage.text, quote)
        if found is not None:
            strong = [balance(passage.text, *found)]
    notes, missing = footnotes_for(corpus.footnotes_of(passage), passage.text, every=True)
    return ParagraphView(
        passage_id=passage.id,
        source=source_line(
            _Source(article.title, passage.section_title, article.author, passage.kind)
        ),
        runs=tuple(runs(passage.text, strong=strong)),
        notes=notes,
        missing=missing,
        previous=siblings[place - 1].id if place > 0 else None,
        following=siblings[place + 1].id if place + 1 < len(siblings) else None,
        number=place + 1,
        of=len(siblings),
    )


@dataclass(frozen=True, slots=True)
class _Source:
    article_title: str
    section: str | None
    author: str
    kind: str

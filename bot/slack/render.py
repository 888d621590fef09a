"""Answers as Slack messages: Block Kit built with slack_sdk's models, plus a text fallback.

What is shown is decided by ``bot.display`` (the console shows the same); this module
only formats it for Slack:

- text is cut before it is escaped, so a cut never splits an entity (``&amp;``) or a
  link (``<url|label>``), and every URL of a footnote is linked whole;
- ``&``, ``<``, ``>`` are escaped everywhere, the echoed question included, and a stray
  ``*`` in corpus text can never open or close bold;
- footnote marks are superscripts (``²``) outside any bold;
- nothing the user typed reaches Slack as markup: the question is echoed as plain_text
  with mention syntax removed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.answer import Answer, clean_question
from bot.corpus import MARK_RE, Footnote
from bot.display import (
    MAX_TEASERS,
    NoteView,
    ParagraphView,
    Shown,
    cut_parts,
    footnotes_for,
    show,
)
from bot.guide import Guide
from bot.highlight import MARK, STRONG, Run, cut_runs
from bot.messages import (
    ERROR_TEXT,
    HELP_EXAMPLES,
    HELP_INTRO,
    HOW_TO_ASK,
    KNOWN_ARTICLES,
    NO_ANSWER_EXAMPLES,
    NO_ANSWER_INTRO,
    NO_FOOTNOTES_TEXT,
    NO_PREVIOUS_TEXT,
    OTHER_PASSAGES_TITLE,
    RELATED_NOTE,
    RELATED_TITLE,
    SOURCES_TITLE,
    TRUNCATED_NOTE,
    missing_footnotes,
)
from bot.slack import feedback

SECTION_LIMIT = 3000
MAX_OTHERS = MAX_TEASERS  # other passages listed under an answer ("다른 문단")
TEXT_LIMIT = 3000  # the notification fallback
BUTTON_VALUE_LIMIT = 2000
ECHO_LIMIT = 150
ACTION_SHARE = "share_answer"
ACTION_NEXT = "next_passage"
ACTION_FULL = "full_paragraph"
ACTION_PREVIOUS_PARAGRAPH = "previous_paragraph"
ACTION_FOLLOWING_PARAGRAPH = "following_paragraph"
ACTION_VOTE_UP = "vote_up"
ACTION_VOTE_DOWN = "vote_down"
BUTTON_NEXT = "다른 문단 보기"
BUTTON_FULL = "전체 문단"
BUTTON_SHARE = "채널에 공유"
BUTTON_PREVIOUS = "◀ 앞 문단"
BUTTON_FOLLOWING = "뒤 문단 ▶"
HOME_TITLE = "ICML 2018 Q&A"

_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
_ZWSP = "\u200b"  # lets *bold* work next to Hangul letters
_ASTERISK = "∗"  # a literal "*" of corpus text, which mrkdwn would read as bold


def escape(text: str) -> str:
    """Escape the three characters mrkdwn (and plain_text) treats as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    """Slack's entity escapes in incoming text (a typed ``<`` arrives as ``&lt;``) turned back
    into the characters the user typed; ``&amp;`` last, so ``&amp;lt;`` stays ``&lt;``."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _smaller(size: int, formatted: int, limit: int) -> int:
    """The next raw size to try when ``size`` raw characters formatted to ``formatted`` > limit
    (escaping lengthens text, so shrink in proportion, and by one at least)."""
    return min(size - 1, size * limit // formatted)


def _fit(raw: str, limit: int, fmt: Callable[[str], str]) -> str:
    """``fmt`` of the longest cut of ``raw`` whose formatted form fits ``limit``."""
    size = len(raw)
    while True:
        out = fmt(_cut(raw, size))
        if len(out) <= limit or size <= 1:
            return out[:limit]
        size = _smaller(size, len(out), limit)


def safe_plain(text: str, limit: int = ECHO_LIMIT) -> str:
    """User text fit for a plain_text echo: no mention or link syntax, one line, cut, then
    escaped (Slack decodes ``&lt;`` back to ``<`` for display)."""
    return _fit(clean_question(text) or "(빈 질문)", limit, escape)


@dataclass(frozen=True, slots=True)
class Message:
    """What to send: the notification text and the blocks."""

    text: str
    blocks: list[dict[str, Any]]

    def as_kwargs(self) -> dict[str, Any]:
        return {"text": self.text, "blocks": self.blocks}


def _dump(blocks: Sequence[Block]) -> list[dict[str, Any]]:
    return [b.to_dict() for b in blocks]


def superscript(mark: str) -> str:
    """A footnote mark as a superscript number ("*2" or "[2]" -> "²")."""
    return mark.strip("*[]").translate(_SUPERSCRIPT)


def superscript_marks(text: str) -> str:
    return MARK_RE.sub(lambda m: superscript(m.group(0)), text)


def _plain(text: str) -> str:
    return escape(superscript_marks(text)).replace("*", _ASTERISK)


def _bold(mrkdwn: str) -> str:
    """Bold that works next to any letter: the ``*`` sit between zero-width spaces."""
    return f"{_ZWSP}*{mrkdwn}*{_ZWSP}"


def format_runs(runs: Sequence[Run]) -> str:
    """Runs as mrkdwn: strong runs bold (between zero-width spaces), marks superscript."""
    out = []
    for run in runs:
        if run.style == STRONG:
            out.append(_bold(_plain(run.text)))
        elif run.style == MARK:
            out.append(superscript(run.text))
        else:
            out.append(_plain(run.text))
    return "".join(out)


def fit_runs(runs: Sequence[Run], limit: int, fmt: Callable[[Sequence[Run]], str]) -> str:
    """``fmt`` of ``runs`` cut (on raw text) until the formatted text fits ``limit``."""
    size = sum(len(r.text) for r in runs)
    while True:
        out = fmt(cut_runs(runs, size))
        if len(out) <= limit or size <= 1:
            return out
        size = _smaller(size, len(out), limit)


def _blockquote(runs: Sequence[Run]) -> str:
    return "\n".join(
        f"&gt; {line}" if line.strip() else "&gt;" for line in format_runs(runs).split("\n")
    )


def _link(url: str) -> str:
    target = url.replace(">", "%3E").replace("|", "%7C").replace("<", "%3C")
    return f"<{target}|{escape(url)}>"


def _note_line(note: NoteView, limit: int = SECTION_LIMIT) -> str:
    def fmt(parts: Sequence[tuple[str, bool]]) -> str:
        body = "".join(_link(text) if is_url else _plain(text) for text, is_url in parts)
        return f"{superscript(note.mark)} {body}"

    size = len(note.text)
    while True:
        out = fmt(cut_parts(note.parts, size))
        if len(out) <= limit or size <= 1:
            return out
        size = _smaller(size, len(out), limit)


def _notes_text(notes: Sequence[NoteView], missing: Sequence[str]) -> str | None:
    """Footnote lines, the missing ones in one line; whole lines dropped (and "…") to fit."""
    lines = [_note_line(n, SECTION_LIMIT - 2) for n in notes]  # room for a "\n…" line
    if missing:
        lines.append(f"_{escape(missing_footnotes(missing))}_")
    for keep in range(len(lines), 0, -1):
        text = "\n".join(lines[:keep] + (["…"] if keep < len(lines) else []))
        if len(text) <= SECTION_LIMIT:
            return text
    return None


def _value(**data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _button_value(question: str, position: int) -> str:
    question = clean_question(question)  # mention syntax has no business in a button
    value = _value(q=question, i=position)
    while len(value) > BUTTON_VALUE_LIMIT and question:
        question = question[: len(question) // 2]
        value = _value(q=question, i=position)
    return value


MAX_POSITION = 100


def _no_constants(name: str) -> None:
    raise ValueError(f"{name} is not a button value")  # NaN, Infinity, -Infinity


def parse_button_value(value: object) -> tuple[str, int] | None:
    """The (question, position) a button carries, or None if it is not ours.

    Anything else — not a string, too long, not JSON, ``Infinity``/``NaN``, a position
    that is not a small non-negative integer, a question that is not a string — is None.
    """
    if not isinstance(value, str) or len(value) > BUTTON_VALUE_LIMIT:
        return None
    try:
        data = json.loads(value, parse_constant=_no_constants)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    question, position = data.get("q"), data.get("i")
    if not isinstance(question, str) or type(position) is not int:
        return None
    if not 0 <= position <= MAX_POSITION:
        return None
    return question, position


def parse_passage_value(value: str) -> str | None:
    """The passage id a paragraph button carries, or None if it is not ours."""
    try:
        passage_id = json.loads(value)["p"]
    except (ValueError, KeyError, TypeError):
        return None
    return passage_id if isinstance(passage_id, str) and len(passage_id) <= 100 else None


def _echo(query: str) -> ContextBlock:
    return ContextBlock(elements=[PlainTextObject(text=f"질문: {safe_plain(query)}", emoji=False)])


def _context(mrkdwn: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=_cut(mrkdwn, SECTION_LIMIT))])


def answer_message(
    answer: Answer,
    *,
    guide: Guide,
    position: int = 0,
    shareable: bool = False,
    shared_by: str | None = None,
    context: str | None = None,
) -> Message:
    """Render ``answer`` (its ``position``-th candidate) for Slack; ``context`` is the
    earlier question a follow-up was read with (the vote buttons carry it)."""
    if answer.status == "help":
        return help_message(guide)
    shown = show(answer, position)
    if shown is None:
        return no_answer_message(answer.query, guide)
    blocks: list[Block] = []
    if shared_by:
        blocks.append(_context(f"<@{shared_by}>님이 공유한 답변"))
    if shown.uncertain:
        blocks.append(_context(f"{_bold(escape(RELATED_TITLE))} · {escape(RELATED_NOTE)}"))
    blocks.append(_echo(answer.query))
    if shown.truncated:
        blocks.append(ContextBlock(elements=[PlainTextObject(text=TRUNCATED_NOTE, emoji=False)]))
    blocks.append(_context(escape(shown.source)))
    quote = fit_runs(shown.quote, SECTION_LIMIT, _blockquote)
    blocks.append(SectionBlock(text=MarkdownTextObject(text=quote)))
    notes = _notes_text(shown.notes, shown.missing)
    if notes:
        blocks.append(_context(notes))
    if shown.teasers:
        teasers = "\n".join(f"• {escape(t.label)} · {_plain(t.words)}" for t in shown.teasers)
        blocks.append(DividerBlock())
        blocks.append(_context(f"{_bold(escape(OTHER_PASSAGES_TITLE))}\n{teasers}"))
    buttons = _answer_buttons(answer.query, shown, shareable)
    buttons += _vote_buttons(feedback.rated(answer, shown.result, shown.position, context))
    blocks.append(ActionsBlock(elements=buttons))
    text = _fit(f"{shown.source}: {superscript_marks(shown.quote_text)}", TEXT_LIMIT, escape)
    return Message(text=text, blocks=_dump(blocks))


def _answer_buttons(question: str, shown: Shown, shareable: bool) -> list[ButtonElement]:
    buttons = []
    if shown.candidates > 1:
        following = (shown.position + 1) % shown.candidates
        buttons.append(
            ButtonElement(
                text=BUTTON_NEXT, action_id=ACTION_NEXT, value=_button_value(question, following)
            )
        )
    buttons.append(
        ButtonElement(
            text=BUTTON_FULL, action_id=ACTION_FULL, value=_button_value(question, shown.position)
        )
    )
    if shareable:
        buttons.append(
            ButtonElement(
                text=BUTTON_SHARE,
                action_id=ACTION_SHARE,
                style="primary",
                value=_button_value(question, shown.position),
            )
        )
    return buttons


def paragraph_message(view: ParagraphView) -> Message:
    """A whole paragraph (its quoted part in bold), with buttons to its neighbours."""
    blocks: list[Block] = [
        _context(f"{escape(view.source)} · 문단 {view.number}/{view.of}"),
        SectionBlock(text=MarkdownTextObject(text=fit_runs(view.runs, SECTION_LIMIT, format_runs))),
    ]
    notes = _notes_text(view.notes, view.missing)
    if notes:
        blocks.append(_context(notes))
    buttons = []
    if view.previous:
        buttons.append(
            ButtonElement(
                text=BUTTON_PREVIOUS,
                action_id=ACTION_PREVIOUS_PARAGRAPH,
                value=_value(p=view.previous),
            )
        )
    if view.following:
        buttons.append(
            ButtonElement(
                text=BUTTON_FOLLOWING,
                action_id=ACTION_FOLLOWING_PARAGRAPH,
                value=_value(p=view.following),
            )
        )
    if buttons:
        blocks.append(ActionsBlock(elements=buttons))
    text = _fit(
        f"{view.source}: {superscript_marks(''.join(r.text for r in view.runs))}",
        TEXT_LIMIT,
        escape,
    )
    return Message(text=text, blocks=_dump(blocks))


def _articles_mrkdwn(guide: Guide) -> str:
    lines = []
    for article in guide.articles:
        sections = ", ".join(escape(s) for s in article.titled_sections)
        line = f"• {_bold(f'「{escape(article.title)}」')} ({escape(article.author)})"
        lines.append(line + (f": {sections}" if sections else ""))
    return "\n".join(lines)


def help_message(guide: Guide) -> Message:
    examples = "\n".join(f"• {escape(q)}" for q in guide.examples(HELP_EXAMPLES))
    blocks: list[Block] = [
        SectionBlock(
            text=MarkdownTextObject(
                text=_cut(f"{escape(HELP_INTRO)}\n{_articles_mrkdwn(guide)}", SECTION_LIMIT)
            )
        ),
        SectionBlock(
            text=MarkdownTextObject(
                text=_cut(f"{_bold('이렇게 물어보세요')}\n{examples}", SECTION_LIMIT)
            )
        ),
        _context(HOW_TO_ASK),
    ]
    first = guide.examples(1)
    text = "사용법: /icml2018 질문" + (f" — 예: {escape(first[0])}" if first else "")
    return Message(text=text, blocks=_dump(blocks))


def no_answer_message(query: str, guide: Guide) -> Message:
    examples = " / ".join(escape(q) for q in guide.examples(NO_ANSWER_EXAMPLES))
    blocks: list[Block] = [
        _echo(query),
        SectionBlock(
            text=MarkdownTextObject(
                text=_cut(
                    f"{escape(NO_ANSWER_INTRO)}\n{escape(KNOWN_ARTICLES)}\n{_articles_mrkdwn(guide)}",
                    SECTION_LIMIT,
                )
            )
        ),
        _context(f"예를 들면: {examples}"),
    ]
    return Message(text=escape(NO_ANSWER_INTRO), blocks=_dump(blocks))


def error_message() -> Message:
    return Message(
        text=ERROR_TEXT, blocks=_dump([SectionBlock(text=MarkdownTextObject(text=ERROR_TEXT))])
    )


def status_line(guide: Guide) -> str:
    """The App Home's one-line status: the index is loaded (this process answers from it)."""
    return f"색인 준비됨 · 글 {len(guide.articles)}편 · 문단 {guide.passages}개"


def home_view(guide: Guide) -> dict[str, Any]:
    """The App Home tab: what the bot knows, example questions per section, how to ask."""
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=HOME_TITLE, emoji=False)),
        SectionBlock(text=MarkdownTextObject(text=escape(HELP_INTRO))),
    ]
    for article in guide.articles:
        blocks.append(DividerBlock())
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text=_cut(
                        f"{_bold(f'「{escape(article.title)}」')} · {escape(article.author)}",
                        SECTION_LIMIT,
                    )
                )
            )
        )
        lines = []
        for section in article.sections:
            examples = " / ".join(f"“{escape(q)}”" for q in section.examples)
            lines.append(
                f"• {_bold(escape(section.title))}" + (f"\n    예: {examples}" if examples else "")
            )
        blocks.append(
            SectionBlock(text=MarkdownTextObject(text=_cut("\n".join(lines), SECTION_LIMIT)))
        )
    blocks.append(DividerBlock())
    blocks.append(
        SectionBlock(text=MarkdownTextObject(text=f"{_bold('이렇게 물어보세요')}\n{HOW_TO_ASK}"))
    )
    blocks.append(_context(escape(status_line(guide))))
    view = View(type="home", blocks=blocks[:100])
    return view.to_dict()


def _vote_buttons(rated: feedback.Rated) -> list[ButtonElement]:
    value = feedback.encode(rated)
    return [
        ButtonElement(text="👍", action_id=ACTION_VOTE_UP, value=value),
        ButtonElement(text="👎", action_id=ACTION_VOTE_DOWN, value=value),
    ]


def notice_message(text: str) -> Message:
    """A short sentence of ours (no user text in it)."""
    return Message(
        text=escape(text), blocks=_dump([SectionBlock(text=MarkdownTextObject(text=escape(text)))])
    )


def sources_message(footnotes: tuple[Footnote, ...], source: str | None) -> Message:
    """The sources of the passage last shown (a follow-up such as "링크 줘"): all of its
    footnotes, each URL linked whole, the missing ones in one line."""
    if source is None:
        return notice_message(NO_PREVIOUS_TEXT)
    notes, missing = footnotes_for(footnotes, "", every=True)
    body = _notes_text(notes, missing) or escape(NO_FOOTNOTES_TEXT)
    blocks: list[Block] = [
        _context(escape(f"{SOURCES_TITLE} {source}")),
        SectionBlock(text=MarkdownTextObject(text=body)),
    ]
    urls = [u for n in footnotes for u in n.urls]
    text = _fit(f"{SOURCES_TITLE} " + (" ".join(urls) if urls else source), TEXT_LIMIT, escape)
    return Message(text=text, blocks=_dump(blocks))

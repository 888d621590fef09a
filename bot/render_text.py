"""Plain-text rendering (console and ``ask`` without ``--json``).

It formats what ``bot.display`` decides, in the order Slack shows it: where the
passage comes from, the quote with matched words emphasised, its footnotes,
the other passages that answer too.
"""

from __future__ import annotations

from bot.answer import Answer
from bot.conversation import NEXT, SOURCES, Turn
from bot.display import NoteView, ParagraphView, Shown, footnotes_for, show
from bot.guide import Guide
from bot.highlight import STRONG, Run
from bot.messages import (
    CONTEXT_NOTE,
    NEXT_NOTE,
    NO_FOOTNOTES_TEXT,
    NO_MORE_TEXT,
    NO_PREVIOUS_TEXT,
    OTHER_PASSAGES_TITLE,
    RELATED_NOTE,
    RELATED_TITLE,
    SOURCES_TITLE,
    TRUNCATED_NOTE,
    help_text,
    missing_footnotes,
    no_answer_text,
)

Bold = tuple[str, str]


def format_runs(runs: tuple[Run, ...], bold: Bold) -> str:
    """Strong runs wrapped in ``bold``; footnote marks as the article prints them (*5, [5])."""
    return "".join(bold[0] + r.text + bold[1] if r.style == STRONG else r.text for r in runs)


def _notes(view: Shown | ParagraphView) -> list[str]:
    return _note_lines(view.notes, view.missing)


def _note_lines(notes: tuple[NoteView, ...], missing: tuple[str, ...]) -> list[str]:
    lines = [f"  {note.mark} {note.text}" for note in notes]
    if missing:
        lines.append(f"  ({missing_footnotes(missing)})")
    return lines


def render_shown(shown: Shown, *, bold: Bold = ("*", "*")) -> list[str]:
    lines: list[str] = []
    if shown.uncertain:
        lines += [f"[{RELATED_TITLE}] {RELATED_NOTE}"]
    lines.append(shown.source)
    lines += ["> " + line for line in format_runs(shown.quote, bold).splitlines()]
    lines += _notes(shown)
    if shown.teasers:
        lines += ["", f"{OTHER_PASSAGES_TITLE}:"]
        lines += [f"  · {t.label} · {t.words}" for t in shown.teasers]
    return lines


def render_paragraph(view: ParagraphView, *, bold: Bold = ("*", "*")) -> str:
    lines = [f"{view.source} ({view.number}/{view.of})"]
    lines += format_runs(view.runs, bold).splitlines()
    lines += _notes(view)
    return "\n".join(lines)


def render(answer: Answer, *, guide: Guide, bold: Bold = ("*", "*")) -> str:
    lines: list[str] = []
    if answer.truncated:
        lines.append(TRUNCATED_NOTE)
    shown = show(answer)
    if answer.status == "help":
        lines.append(help_text(guide))
    elif shown is None:
        lines.append(no_answer_text(guide))
    else:
        lines += render_shown(shown, bold=bold)
    return "\n".join(lines)


def render_turn(turn: Turn, *, guide: Guide, bold: Bold = ("*", "*")) -> str:
    """A conversation turn (console): a follow-up shows what it followed."""
    if turn.kind == SOURCES:
        if turn.source is None:
            return NO_PREVIOUS_TEXT
        notes, missing = footnotes_for(turn.footnotes, "", every=True)
        lines = [SOURCES_TITLE, turn.source, *_note_lines(notes, missing)]
        if not turn.footnotes:
            lines.append(NO_FOOTNOTES_TEXT)
        return "\n".join(lines)
    if turn.answer is None:
        return NO_MORE_TEXT
    if turn.kind == NEXT:
        shown = show(turn.answer, turn.position)
        if shown is None:
            return NO_MORE_TEXT
        return "\n".join([NEXT_NOTE.format(n=turn.position + 1), *render_shown(shown, bold=bold)])
    text = render(turn.answer, guide=guide, bold=bold)
    if turn.context and turn.answer.status not in ("help", "no_answer"):
        text = CONTEXT_NOTE.format(topic=turn.context) + "\n" + text
    return text

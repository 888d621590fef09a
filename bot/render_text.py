"""Plain-text rendering of an Answer (console and ``ask`` without ``--json``).

It shows what Slack shows, in the same order: where the passage comes from,
the quote with matched terms emphasised, its footnote links, other candidates.
"""

from __future__ import annotations

from bot.answer import Answer, Result
from bot.conversation import NEXT, SOURCES, Turn, candidates
from bot.highlight import mark
from bot.messages import (
    CONTEXT_NOTE,
    HELP_TEXT,
    MISSING_FOOTNOTE,
    NEXT_NOTE,
    NO_ANSWER_TEXT,
    NO_FOOTNOTES_TEXT,
    NO_MORE_TEXT,
    NO_PREVIOUS_TEXT,
    OTHER_PASSAGES_TITLE,
    SOURCES_TITLE,
    TRUNCATED_NOTE,
    source_line,
    teaser,
)


def render_result(result: Result, *, bold: tuple[str, str] = ("*", "*")) -> list[str]:
    lines = [source_line(result)]
    quote = mark(
        result.quote, result.highlights, plain=lambda s: s, strong=lambda s: bold[0] + s + bold[1]
    )
    lines += ["> " + line for line in quote.splitlines()]
    for note in result.footnotes:
        lines.append(f"  {note.mark} {note.display or f'({MISSING_FOOTNOTE})'}")
    return lines


def render(answer: Answer, *, bold: tuple[str, str] = ("*", "*")) -> str:
    lines: list[str] = []
    if answer.truncated:
        lines.append(TRUNCATED_NOTE)
    if answer.status == "help":
        lines.append(HELP_TEXT)
    elif answer.status == "no_answer":
        lines.append(NO_ANSWER_TEXT)
    else:
        first, others = answer.results[0], answer.others
        lines += render_result(first, bold=bold)
        if others:
            lines.append("")
            lines.append(OTHER_PASSAGES_TITLE)
            lines += [f"  · {source_line(r)} — {teaser(r)}" for r in others[:2]]
    return "\n".join(lines)


def render_turn(turn: Turn, *, bold: tuple[str, str] = ("*", "*")) -> str:
    """A conversation turn (console): a follow-up shows what it followed."""
    if turn.kind == SOURCES:
        if turn.source is None:
            return NO_PREVIOUS_TEXT
        lines = [SOURCES_TITLE, turn.source]
        lines += [f"  {n.mark} {n.display or f'({MISSING_FOOTNOTE})'}" for n in turn.footnotes]
        if not turn.footnotes:
            lines.append(NO_FOOTNOTES_TEXT)
        return "\n".join(lines)
    if turn.answer is None:
        return NO_MORE_TEXT
    if turn.kind == NEXT:
        shown = candidates(turn.answer)[turn.position]
        return "\n".join([NEXT_NOTE.format(n=turn.position + 1), *render_result(shown, bold=bold)])
    text = render(turn.answer, bold=bold)
    if turn.context and turn.answer.status not in ("help", "no_answer"):
        text = CONTEXT_NOTE.format(topic=turn.context) + "\n" + text
    return text

"""Interactive console: the Slack bot minus Slack.

It calls the same ``Answerer.answer`` the Slack handlers call and prints the
same content (source, quote, footnotes, other candidates) as plain text. Like a
Slack thread it keeps the conversation: follow-ups (``다른 거는?``, ``링크 줘``,
``그건 누가 발표했어?``) read the earlier answer; ``:new`` starts afresh. ``:full``
shows the whole paragraph of the passage last shown, as Slack's "전체 문단" does.
What is shown is decided by ``bot.display``, as for Slack.
"""

from __future__ import annotations

import contextlib
import sys
from typing import TextIO

from bot.answer import Answerer
from bot.conversation import Conversation, Turn
from bot.display import paragraph, show
from bot.guide import Guide
from bot.messages import help_text
from bot.render_text import render_paragraph, render_turn
from bot.store.records import ThreadContext

PROMPT = "질문> "
BANNER = (
    "icml2018-bot 콘솔입니다. 글에 대해 물어보세요. "
    "(:full 전체 문단, :help 도움말, :new 새 대화, :quit 또는 Ctrl-D 종료)"
)
NEW_CONVERSATION = "새 대화를 시작해요."
QUIT_COMMANDS = {":quit", ":q", ":exit", "exit", "quit"}
NEW_COMMANDS = {":new", ":n", ":reset"}
HELP_COMMANDS = {":help", ":h", ":?"}
FULL_COMMANDS = {":full", ":f", ":전체"}
NOTHING_YET = "먼저 질문해 주세요."
_ANSI_BOLD = ("\033[1m", "\033[0m")


def _enable_line_editing() -> None:
    """Line editing and history when the platform has readline."""
    with contextlib.suppress(ImportError):
        import readline  # noqa: F401  (importing it is what enables editing for input())


def _whole_paragraph(answerer: Answerer, turn: Turn | None, bold: tuple[str, str]) -> str:
    """The whole paragraph of the passage ``turn`` showed, its quote marked."""
    shown = show(turn.answer, turn.position) if turn and turn.answer else None
    if shown is None:
        return NOTHING_YET
    view = paragraph(answerer.index.corpus, shown.result.passage_id, shown.quote_text)
    return render_paragraph(view, bold=bold) if view else NOTHING_YET


def run_console(
    answerer: Answerer, *, stdin: TextIO | None = None, stdout: TextIO | None = None
) -> int:
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    interactive = stdin.isatty() and stdout.isatty()
    bold = _ANSI_BOLD if stdout.isatty() else ("*", "*")
    if interactive:
        _enable_line_editing()
    print(BANNER, file=stdout, flush=True)
    conversation = Conversation(answerer)
    guide = Guide.from_corpus(answerer.index.corpus)
    state: ThreadContext | None = None
    last: Turn | None = None
    while True:
        try:
            line = input(PROMPT) if interactive else stdin.readline()
        except EOFError:  # Ctrl-D
            print(file=stdout)
            break
        except KeyboardInterrupt:
            print(file=stdout)
            continue
        if not interactive and line == "":
            break  # end of input
        question = line.strip()
        if question in QUIT_COMMANDS:
            break
        if question in NEW_COMMANDS:
            state = last = None
            print(NEW_CONVERSATION + "\n", file=stdout, flush=True)
            continue
        if question in HELP_COMMANDS or (not question and not interactive):
            print(help_text(guide) + "\n", file=stdout, flush=True)
            continue
        if not question:
            continue
        if question in FULL_COMMANDS:
            print(_whole_paragraph(answerer, last, bold) + "\n", file=stdout, flush=True)
            continue
        turn = conversation.reply(question, state)
        state = turn.state or state
        last = turn if turn.answer is not None else last
        print(render_turn(turn, guide=guide, bold=bold) + "\n", file=stdout, flush=True)
    if interactive:
        print("안녕히 가세요!", file=stdout)
    return 0

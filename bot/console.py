"""Interactive console: the Slack bot minus Slack.

It calls the same ``Answerer.answer`` the Slack handlers call and prints the
same content (source, quote, footnotes, other candidates) as plain text. Like a
Slack thread it keeps the conversation: follow-ups (``다른 거는?``, ``링크 줘``,
``그건 누가 발표했어?``) read the earlier answer; ``:new`` starts afresh.
"""

from __future__ import annotations

import contextlib
import sys
from typing import TextIO

from bot.answer import Answerer
from bot.conversation import Conversation
from bot.messages import HELP_TEXT
from bot.render_text import render_turn
from bot.store.records import ThreadContext

PROMPT = "질문> "
BANNER = (
    "icml2018-bot 콘솔입니다. 두 글에 대해 물어보세요. "
    "(:help 도움말, :new 새 대화, :quit 또는 Ctrl-D 종료)"
)
NEW_CONVERSATION = "새 대화를 시작해요."
QUIT_COMMANDS = {":quit", ":q", ":exit", "exit", "quit"}
NEW_COMMANDS = {":new", ":n", ":reset"}
HELP_COMMANDS = {":help", ":h", ":?"}
_ANSI_BOLD = ("\033[1m", "\033[0m")


def _enable_line_editing() -> None:
    """Line editing and history when the platform has readline."""
    with contextlib.suppress(ImportError):
        import readline  # noqa: F401  (importing it is what enables editing for input())


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
    state: ThreadContext | None = None
    while True:
        try:
            line = input(PROMPT) if interactive else stdin.readline()
        except EOFError:
            line = ""
        except KeyboardInterrupt:
            print(file=stdout)
            continue
        if not interactive and line == "":
            break  # end of input
        if interactive and line == "" and stdin.closed:
            break
        question = line.strip()
        if question in QUIT_COMMANDS:
            break
        if question in NEW_COMMANDS:
            state = None
            print(NEW_CONVERSATION + "\n", file=stdout, flush=True)
            continue
        if question in HELP_COMMANDS:
            print(HELP_TEXT, file=stdout, flush=True)
            continue
        if not question:
            if interactive:
                continue
            print(HELP_TEXT + "\n", file=stdout, flush=True)
            continue
        turn = conversation.reply(question, state)
        state = turn.state or state
        print(render_turn(turn, bold=bold) + "\n", file=stdout, flush=True)
    if interactive:
        print("안녕히 가세요!", file=stdout)
    return 0

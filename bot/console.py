"""Interactive console: the Slack bot minus Slack.

It calls the same ``Answerer.answer`` the Slack handlers call and prints the
same content (source, quote, footnotes, other candidates) as plain text.
"""

from __future__ import annotations

import contextlib
import sys
from typing import TextIO

from bot.answer import Answerer
from bot.messages import HELP_TEXT
from bot.render_text import render

PROMPT = "질문> "
BANNER = "icml2018-bot 콘솔입니다. 두 글에 대해 물어보세요. (:help 도움말, :quit 또는 Ctrl-D 종료)"
QUIT_COMMANDS = {":quit", ":q", ":exit", "exit", "quit"}
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
        if question in HELP_COMMANDS:
            print(HELP_TEXT, file=stdout, flush=True)
            continue
        if not question:
            if interactive:
                continue
            print(HELP_TEXT + "\n", file=stdout, flush=True)
            continue
        print(render(answerer.answer(question), bold=bold) + "\n", file=stdout, flush=True)
    if interactive:
        print("안녕히 가세요!", file=stdout)
    return 0

"""The console in a pseudo-terminal (Ctrl-D ends it with status 0) and its :full, which
shows what Slack's "전체 문단" button shows."""

from __future__ import annotations

import io
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

from bot.answer import Answerer
from bot.console import PROMPT, run_console

REPO = Path(__file__).resolve().parents[1]
CTRL_D = b"\x04"


def _read_until(fd: int, needle: bytes, seen: bytearray, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while needle not in seen:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"{needle!r} not seen within {timeout}s: {bytes(seen)!r}")
        ready, _, _ = select.select([fd], [], [], remaining)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the other side closed (Linux raises EIO)
                chunk = b""
            if not chunk:
                raise AssertionError(f"console closed before {needle!r}: {bytes(seen)!r}")
            seen += chunk


def test_ctrl_d_in_a_terminal_exits_with_status_0() -> None:
    leader, follower = pty.openpty()
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "TERM": "dumb"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "console"],
        cwd=REPO,
        env=env,
        stdin=follower,
        stdout=follower,
        stderr=follower,
        start_new_session=True,
    )
    os.close(follower)
    seen = bytearray()
    try:
        _read_until(leader, PROMPT.encode(), seen, timeout=90)
        os.write(leader, "ICML 2018은 어디서 개최됐어?\n".encode())
        _read_until(leader, "스톡홀름".encode(), seen, timeout=30)
        _read_until(leader, PROMPT.encode(), seen[seen.find("스톡홀름".encode()) :], timeout=30)
        os.write(leader, CTRL_D)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(leader)


def test_full_shows_the_whole_paragraph_of_the_passage_last_shown(answerer: Answerer) -> None:
    stdin = io.StringIO("NIPS\n다른 거는?\n:full\n:quit\n")
    stdout = io.StringIO()
    assert run_console(answerer, stdin=stdin, stdout=stdout) == 0
    out = stdout.getvalue()
    first, rest = out.split("(2번째로 가까운 문단이에요)", 1)
    assert "ICML(International Conference on Machine Learning)은" in first
    assert "· 마치며 ·" in rest  # the next passage's source line
    assert "(2/2)" in rest  # the whole paragraph: the last of its section
    assert "제가 참석했던 2016년도 ICML과 비교해볼 때" in rest  # …from its first sentence


def test_full_before_any_question(answerer: Answerer) -> None:
    stdout = io.StringIO()
    assert run_console(answerer, stdin=io.StringIO(":full\n"), stdout=stdout) == 0
    assert stdout.getvalue().count("먼저 질문해 주세요.") == 1

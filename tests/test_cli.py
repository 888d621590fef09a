"""The command line: ``ask`` (the ``--json`` contract, batch mode), ``console``, ``run``, ``eval``.

Most tests call ``bot.cli.main`` in-process (the session's Kiwi and index cache are
reused); a few run real processes, where stdin, stdout flushing, exit codes and
the absence of tracebacks are what is being tested. Each process costs ~2 s.
"""

from __future__ import annotations

import io
import json
import os
import queue
import re
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from bot.answer import Answerer
from bot.cli import main
from bot.console import BANNER, run_console
from bot.guide import Guide
from bot.messages import help_text, no_answer_text

REPO = Path(__file__).resolve().parents[1]
STOCKHOLM_Q = "ICML 2018은 며칠 동안 개최됐어?"
CONTRACT_KEYS = ["query", "status", "results", "elapsed_ms"]
RESULT_KEYS = {
    "article_id",
    "article_title",
    "author",
    "section",
    "passage_id",
    "text",
    "quote",
    "score",
    "footnotes",
}

TINY = """\
    id: tiny
    title: 작은 글
    author: 박영수
    bio:
      id: tiny-bio
      text: 글 | 박영수 작은 글을 쓴 사람입니다.
    sections:
    - id: s
      title: 첫 절
      passages:
      - id: tiny-p001
        text: 고양이는 낮잠을 좋아합니다.*1
      - id: tiny-p002
        text: 강아지는 산책을 좋아합니다.
    footnotes:
    - mark: '*1'
      kind: 참고
      text: https://example.org/cats
"""


def _bot(*args: str) -> list[str]:
    return [sys.executable, "-m", "bot", *args]


def _env(**extra: str) -> dict[str, str]:
    """The test's environment (BOT_CACHE_DIR included), without any Slack settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "BOT_CONFIG"))}
    env.update(PYTHONUNBUFFERED="1", **extra)
    return env


def _check_contract(data: dict[str, Any]) -> None:
    assert list(data) == CONTRACT_KEYS
    assert data["status"] in {"answer", "related", "no_answer", "help"}
    assert isinstance(data["elapsed_ms"], int | float)
    if data["status"] != "answer":
        assert data["results"] == []
    for result in data["results"]:
        assert set(result) >= RESULT_KEYS
        assert isinstance(result["score"], float)
        assert result["quote"] in result["text"]
        for note in result["footnotes"]:
            assert set(note) == {"mark", "text", "urls"}
            assert note["text"] is None or isinstance(note["text"], str)
            assert isinstance(note["urls"], list)


def _one_json(out: str) -> dict[str, Any]:
    lines = out.splitlines()
    assert len(lines) == 1, out
    data = json.loads(lines[0])
    _check_contract(data)
    return data


# --- ask --json ----------------------------------------------------------------------


def test_ask_json_prints_exactly_one_object(answerer: Answerer, capsys) -> None:
    assert main(["ask", "--json", STOCKHOLM_Q]) == 0
    out, err = capsys.readouterr()
    data = _one_json(out)
    assert data["query"] == STOCKHOLM_Q
    assert data["status"] == "answer"
    top = data["results"][0]
    assert top["article_id"] == "icml2018"
    assert top["article_title"] == "2018 ICML을 통해 살펴보는 AI 연구 동향"
    assert top["author"] == "박찬연"
    assert top["section"] is None
    assert "스톡홀름(Stockholm)에서 7월 10일부터 15일까지" in top["text"]
    assert len(data["results"]) == 3
    assert err == ""


def test_ask_json_footnotes_and_k(answerer: Answerer, capsys) -> None:
    assert main(["ask", "--json", "-k", "1", "Riemannian optimization"]) == 0
    data = _one_json(capsys.readouterr().out)
    (result,) = data["results"]
    assert result["section"] == "딥러닝의 표현 학습"
    assert result["footnotes"] == [
        {"mark": "*16", "text": None, "urls": []},
        {"mark": "*17", "text": None, "urls": []},
    ]
    assert main(["ask", "--json", "ICML 일정표 링크"]) == 0
    data = _one_json(capsys.readouterr().out)
    urls = [u for n in data["results"][0]["footnotes"] for u in n["urls"]]
    assert "https://icml.cc/Conferences/2018/Schedule" in urls


@pytest.mark.parametrize(
    ("question", "status"),
    [
        ("점심 메뉴 추천", "no_answer"),
        ("환율 얼마야?", "no_answer"),
        ("안녕", "help"),
        ("", "help"),
    ],
)
def test_ask_json_no_answer_and_help_exit_zero(
    answerer: Answerer, capsys, question: str, status: str
) -> None:
    assert main(["ask", "--json", question]) == 0
    data = _one_json(capsys.readouterr().out)
    assert data["status"] == status
    assert data["query"] == question


def test_ask_json_batch_in_process(answerer: Answerer, capsys, monkeypatch) -> None:
    lines = [STOCKHOLM_Q, "", "점심 메뉴 추천", "   ", "hi", "렌덤 포레스트 비유"]
    monkeypatch.setattr(sys, "stdin", io.StringIO("\r\n".join(lines) + "\r\n"))
    assert main(["ask", "--json"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == len(lines)
    data = [json.loads(line) for line in out]
    for item in data:
        _check_contract(item)
    assert [d["query"] for d in data] == lines
    assert [d["status"] for d in data] == [
        "answer",
        "help",
        "no_answer",
        "help",
        "help",
        "answer",
    ]
    assert data[5]["results"][0]["article_id"] == "math-ai"


def test_ask_json_corpus_option(write_corpus, capsys) -> None:
    folder = write_corpus({"tiny.yaml": TINY})
    assert main(["ask", "--json", "--corpus", str(folder), "고양이 낮잠"]) == 0
    data = _one_json(capsys.readouterr().out)
    top = data["results"][0]
    assert (top["article_id"], top["passage_id"], top["section"]) == ("tiny", "tiny-p001", "첫 절")
    assert top["footnotes"] == [
        {
            "mark": "*1",
            "text": "참고 | https://example.org/cats",
            "urls": ["https://example.org/cats"],
        }
    ]
    # The real corpus is not consulted.
    assert main(["ask", "--json", "--corpus", str(folder), STOCKHOLM_Q]) == 0
    assert _one_json(capsys.readouterr().out)["status"] == "no_answer"


def test_ask_corpus_dir_from_the_environment(write_corpus, capsys, monkeypatch) -> None:
    folder = write_corpus({"tiny.yaml": TINY})
    monkeypatch.setenv("BOT_CORPUS_DIR", str(folder))
    assert main(["ask", "--json", "강아지 산책"]) == 0
    assert _one_json(capsys.readouterr().out)["results"][0]["passage_id"] == "tiny-p002"


@pytest.mark.parametrize("broken", ["missing", "empty", "invalid"])
def test_ask_bad_corpus_fails_with_a_korean_message(tmp_path: Path, capsys, broken: str) -> None:
    folder = tmp_path / "corpus"
    if broken != "missing":
        folder.mkdir()
    if broken == "invalid":
        (folder / "bad.yaml").write_text("id: bad\ntitle: [\n", encoding="utf-8")
    code = main(["ask", "--json", "--corpus", str(folder), STOCKHOLM_Q])
    out, err = capsys.readouterr()
    assert code != 0
    assert out == ""
    assert "코퍼스" in err
    assert str(folder) in err
    assert "Traceback" not in err


# --- ask without --json ----------------------------------------------------------------


def test_ask_prints_a_readable_answer(answerer: Answerer, capsys) -> None:
    assert main(["ask", STOCKHOLM_Q]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == "「2018 ICML을 통해 살펴보는 AI 연구 동향」 · 박찬연"
    assert lines[1].startswith("> ")
    assert "스톡홀름" in out
    assert not out.lstrip().startswith("{")


def test_ask_text_shows_footnote_links_and_missing_ones(answerer: Answerer, capsys) -> None:
    assert main(["ask", "-k", "1", "Riemannian optimization"]) == 0
    out = capsys.readouterr().out
    assert "딥러닝의 표현 학습" in out
    assert "(각주 16, 17: 원문에 실려 있지 않음)" in out
    assert out.count("원문에 실려 있지 않음") == 1
    assert main(["ask", "ICML 일정표 링크"]) == 0
    assert "https://icml.cc/Conferences/2018/Schedule" in capsys.readouterr().out


def test_ask_text_no_answer_and_help(answerer: Answerer, capsys) -> None:
    guide = Guide.from_corpus(answerer.index.corpus)
    assert main(["ask", "자바스크립트 배열 중복 제거"]) == 0
    assert capsys.readouterr().out.strip() == no_answer_text(guide)
    assert main(["ask", "도와줘"]) == 0
    assert capsys.readouterr().out.strip() == help_text(guide)


# --- other commands ------------------------------------------------------------------


def test_no_command_prints_usage(capsys) -> None:
    assert main([]) == 2
    assert "usage" in capsys.readouterr().out


def test_eval_command(answerer: Answerer, tmp_path: Path, capsys) -> None:
    questions = tmp_path / "questions.yaml"
    questions.write_text(
        "- {q: 'ICML 2018은 며칠 동안 개최됐어?', needles: ['7월 10일부터 15일까지'], kind: fact}\n"
        "- {q: 'ICML 일정표 링크', needles: ['생중계'], cite: 'icml.cc/Conferences', kind: cite}\n"
        "- {q: '환율 얼마야?', kind: ood}\n"
        "- {q: 'hi', kind: greet}\n",
        encoding="utf-8",
    )
    assert main(["eval", str(questions), "--json", "--half", "all"]) == 0
    data = json.loads(capsys.readouterr().out)[str(questions)]["all"]
    assert data["metrics"]["hit@1"] == 1.0
    assert data["metrics"]["confident@1"] == 1.0
    assert data["metrics"]["citations"] == 1.0
    assert data["metrics"]["ood_not_confident"] == 1.0
    assert data["metrics"]["greet_help"] == 1.0
    assert data["misses"] == []
    # The default splits the file in two fixed halves and reports both and the whole.
    assert main(["eval", str(questions)]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^metric\s+tune\s+held\s+all", out, re.MULTILINE)
    assert "hit@1" in out
    assert main(["eval", str(questions), "--without", "bogus"]) == 2


# --- the console, in-process -------------------------------------------------------------


def test_console_answers_each_line_until_end_of_input(answerer: Answerer) -> None:
    stdin = io.StringIO(f"{STOCKHOLM_Q}\n\n:help\n점심 메뉴 추천\n")
    stdout = io.StringIO()
    assert run_console(answerer, stdin=stdin, stdout=stdout) == 0
    out = stdout.getvalue()
    assert out.startswith(BANNER)
    assert "「2018 ICML을 통해 살펴보는 AI 연구 동향」 · 박찬연" in out
    assert "7월 10일부터 15일까지" in out.replace("*", "")
    guide = Guide.from_corpus(answerer.index.corpus)
    assert out.count(help_text(guide)) == 2  # the empty line and :help
    assert no_answer_text(guide) in out


def test_console_quit_stops_reading(answerer: Answerer) -> None:
    stdin = io.StringIO(f":quit\n{STOCKHOLM_Q}\n")
    stdout = io.StringIO()
    assert run_console(answerer, stdin=stdin, stdout=stdout) == 0
    assert stdout.getvalue().strip() == BANNER


# --- real processes (at most a handful: each builds Kiwi) ---------------------------------


class _Lines:
    """Reads a process's stdout on a thread, so a test can wait for one line at a time."""

    def __init__(self, stream: io.TextIOBase) -> None:
        self._queue: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._pump, args=(stream,), daemon=True).start()

    def _pump(self, stream: io.TextIOBase) -> None:
        for line in stream:
            self._queue.put(line)
        self._queue.put("")

    def next(self, timeout: float = 60) -> str:
        return self._queue.get(timeout=timeout)


def test_ask_json_batch_process_flushes_one_line_per_input_line(answerer: Answerer) -> None:
    proc = subprocess.Popen(
        _bot("ask", "--json"),
        cwd=REPO,
        env=_env(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        out = _Lines(proc.stdout)
        # The first answer arrives while stdin is still open: output is flushed per line.
        proc.stdin.write(STOCKHOLM_Q + "\n")
        proc.stdin.flush()
        first = json.loads(out.next())
        proc.stdin.write("\n점심 메뉴 추천\nhi\n")
        proc.stdin.close()
        rest = [json.loads(out.next()) for _ in range(3)]
        assert out.next() == ""  # and nothing else
        assert proc.wait(timeout=60) == 0
    finally:
        proc.kill()
        proc.wait()
    for data in [first, *rest]:
        _check_contract(data)
    assert first["results"][0]["passage_id"] == "icml2018-p001"
    assert [d["status"] for d in rest] == ["help", "no_answer", "help"]
    assert rest[0]["query"] == ""


def test_bad_corpus_process_exits_non_zero_without_traceback(tmp_path: Path) -> None:
    result = subprocess.run(
        _bot("ask", "--json", "--corpus", str(tmp_path / "nowhere"), STOCKHOLM_Q),
        cwd=REPO,
        env=_env(),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert result.stdout == ""
    assert "코퍼스" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", ["console", "run"])
def test_console_process_answers_piped_questions(answerer: Answerer, command: str) -> None:
    """``make run`` without Slack tokens: the console, which exits 0 at end of input."""
    result = subprocess.run(
        _bot(command),
        cwd=REPO,
        env=_env(),
        input=f"{STOCKHOLM_Q}\n",
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "스톡홀름(Stockholm)에서 7월 10일부터 15일까지" in result.stdout.replace("*", "")
    assert "Traceback" not in result.stderr

"""Reloading the corpus without a restart: ``LiveAnswerer`` and SIGHUP on the real processes.

A reload builds the new corpus beside the old one and swaps it in only when it loads and
answers; requests in flight and during the swap are all answered; a broken corpus leaves
the old one serving and the log says why; ``/healthz`` names the corpus version served.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import textwrap
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from slack_fake import (
    FakeSlackWebAPI,
    FakeSocketModeServer,
    app_mention_body,
    socket_mode_envelope_for_event,
)
from slack_process import (
    APP_TOKEN,
    BOT_TOKEN,
    BotProcess,
    HttpBot,
    bot_env,
    event_json,
    running_http_bot,
)

from bot.answer import Answerer
from bot.corpus import load_corpus
from bot.reload import LiveAnswerer, corpus_version
from bot.search.tokenizer import Tokenizer

REPO = Path(__file__).resolve().parents[1]

NEW_ARTICLE = textwrap.dedent(
    """
    id: extra
    title: 새로 더한 글
    author: 김추가
    bio:
      id: extra-bio
      text: 글 | 김추가 추가 기사를 쓴 사람입니다.
    sections:
    - id: intro
      title: null
      passages:
      - id: extra-p001
        text: 보라색 코끼리 알고리즘은 2031년 화성 학회에서 처음 발표되었습니다.
    """
).lstrip()
NEW_QUESTION = "보라색 코끼리 알고리즘은 어디에서 발표됐어?"
NEW_NEEDLE = "보라색 코끼리 알고리즘"
OLD_QUESTION = "스톡홀름에서 열린 학회는?"
BROKEN = "id: extra\ntitle: [깨진 YAML\n"


def copy_corpus(target: Path) -> Path:
    target.mkdir(parents=True)
    for path in (REPO / "corpus").glob("*.yaml"):
        shutil.copy(path, target / path.name)
    return target


def wait_until(check: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


# -- in process ------------------------------------------------------------------------------


@pytest.fixture
def live(tmp_path: Path, tokenizer: Tokenizer) -> LiveAnswerer:
    folder = copy_corpus(tmp_path / "corpus")

    def load(path: Path) -> Answerer:
        return Answerer.from_folder(path, tokenizer=tokenizer, use_cache=False)

    return LiveAnswerer(folder, load)


def test_reload_swaps_in_a_new_article(live: LiveAnswerer) -> None:
    before = live.version
    assert live.answer(NEW_QUESTION).status != "answer"
    (live.folder / "extra.yaml").write_text(NEW_ARTICLE, encoding="utf-8")
    assert live.reload() is True
    assert live.version != before
    assert live.version == corpus_version(live.folder)
    answer = live.answer(NEW_QUESTION)
    assert answer.status == "answer"
    assert NEW_NEEDLE in answer.results[0].text
    health = live.health()
    assert health["corpus"] == live.version and health["articles"] == 3


def test_broken_corpus_keeps_the_old_one_and_says_why(
    live: LiveAnswerer, caplog: pytest.LogCaptureFixture
) -> None:
    before, answerer = live.version, live.current
    (live.folder / "extra.yaml").write_text(BROKEN, encoding="utf-8")
    with caplog.at_level(logging.ERROR, logger="bot.reload"):
        assert live.reload() is False
    assert live.version == before and live.current is answerer
    (message,) = [r.getMessage() for r in caplog.records]
    assert f"still serving {before}" in message
    assert "extra.yaml" in message and "YAML 문법 오류" in message
    # A footnote mark without its footnote is an error of the checker: refused too.
    (live.folder / "extra.yaml").write_text(
        NEW_ARTICLE.replace("발표되었습니다.", "발표되었습니다.[3]"), encoding="utf-8"
    )
    assert live.reload() is False
    assert live.current is answerer
    assert live.answer(OLD_QUESTION).status == "answer"


def test_unchanged_corpus_is_not_rebuilt(live: LiveAnswerer) -> None:
    answerer = live.current
    assert live.reload() is True
    assert live.current is answerer


def test_answers_during_a_swap_all_come_back(live: LiveAnswerer) -> None:
    """Threads keep asking while the corpus is swapped: none fails, both corpora answer."""
    stop = threading.Event()
    statuses: list[str] = []
    failures: list[BaseException] = []

    def ask() -> None:
        while not stop.wait(0.002):  # a busy channel, not a spin loop starving the rebuild
            try:
                statuses.append(live.answer(OLD_QUESTION).status)
            except BaseException as exc:  # recorded, asserted below
                failures.append(exc)

    before = live.version
    threads = [threading.Thread(target=ask) for _ in range(4)]
    for thread in threads:
        thread.start()
    (live.folder / "extra.yaml").write_text(NEW_ARTICLE, encoding="utf-8")
    try:
        wait_until(lambda: len(statuses) > 8, 30, "answers before the swap")
        reload = live.reload_in_background()
        reload.join(timeout=180)
        assert not reload.is_alive(), "the rebuild did not finish"
        assert live.version != before, "the new corpus was not swapped in"
        count = len(statuses)
        wait_until(lambda: len(statuses) > count + 8, 30, "answers after the swap")
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert not failures
    assert set(statuses) == {"answer"}
    assert live.answer(NEW_QUESTION).status == "answer"


# -- the real serve process ------------------------------------------------------------------


def health(bot: HttpBot) -> dict[str, Any]:
    status, body = bot.get("/healthz")
    assert status == 200
    return dict(json.loads(body))


def test_healthz_reports_the_corpus_version(tmp_path: Path) -> None:
    folder = copy_corpus(tmp_path / "corpus")
    with (
        FakeSlackWebAPI() as fake,
        running_http_bot(fake.base_url, tmp_path / "bot.log", BOT_CORPUS_DIR=str(folder)) as bot,
    ):
        data = health(bot)
    assert data["status"] == "ok"
    assert data["corpus"] == corpus_version(folder)
    assert data["articles"] == 2
    assert data["passages"] == len(load_corpus(folder).passages)


def test_sighup_on_serve_swaps_the_corpus_without_dropping_a_request(tmp_path: Path) -> None:
    folder = copy_corpus(tmp_path / "corpus")
    log_path = tmp_path / "bot.log"
    with (
        FakeSlackWebAPI() as fake,
        running_http_bot(fake.base_url, log_path, BOT_CORPUS_DIR=str(folder)) as bot,
    ):
        before = health(bot)
        stop = threading.Event()
        statuses: list[int] = []
        sent: list[str] = []  # event ids of the mentions acked

        def traffic() -> None:
            while not stop.is_set():
                body = app_mention_body(f"<@UBOT> {OLD_QUESTION}")
                statuses.append(bot.post(event_json(body))[0])
                sent.append(body["event"]["ts"])
                statuses.append(bot.get("/healthz")[0])

        senders = [threading.Thread(target=traffic) for _ in range(3)]
        for sender in senders:
            sender.start()
        try:
            wait_until(lambda: len(sent) >= 6, 30, "traffic before the reload")
            (folder / "extra.yaml").write_text(NEW_ARTICLE, encoding="utf-8")
            os.kill(bot.proc.pid, signal.SIGHUP)
            after = wait_until(
                lambda: (h := health(bot))["corpus"] != before["corpus"] and h, 90, "the swap"
            )
            swapped_at = len(sent)
            wait_until(lambda: len(sent) >= swapped_at + 6, 30, "traffic after the reload")
        finally:
            stop.set()
            for sender in senders:
                sender.join()
        assert set(statuses) == {200}, statuses
        answered = fake.wait_for("chat.postMessage", count=len(sent), timeout=60)
        assert sorted(c.params["thread_ts"] for c in answered) == sorted(sent), "each once"
        assert after["corpus"] == corpus_version(folder)
        assert after["articles"] == before["articles"] + 1
        assert after["passages"] == before["passages"] + 2  # the passage and the bio
        assert bot.proc.poll() is None, "still the same process"

        fake.reset()
        assert bot.post(event_json(app_mention_body(f"<@UBOT> {NEW_QUESTION}")))[0] == 200
        (call,) = fake.wait_for("chat.postMessage", timeout=10)
        assert NEW_NEEDLE in json.dumps(call.params["blocks"], ensure_ascii=False)

        # A broken corpus: the old index keeps serving, the log says why.
        (folder / "extra.yaml").write_text(BROKEN, encoding="utf-8")
        os.kill(bot.proc.pid, signal.SIGHUP)
        wait_until(lambda: "corpus reload failed" in bot.logs(), 60, "the failure in the log")
        assert health(bot)["corpus"] == after["corpus"]
        fake.reset()
        assert bot.post(event_json(app_mention_body(f"<@UBOT> {NEW_QUESTION}")))[0] == 200
        (call,) = fake.wait_for("chat.postMessage", timeout=10)
        assert NEW_NEEDLE in json.dumps(call.params["blocks"], ensure_ascii=False)
    logs = log_path.read_text(encoding="utf-8")
    assert f"corpus reloaded: {before['corpus']} -> {after['corpus']}" in logs
    assert "YAML 문법 오류" in logs


def test_sighup_on_socket_mode_makes_a_new_passage_findable(tmp_path: Path) -> None:
    folder = copy_corpus(tmp_path / "corpus")
    with FakeSlackWebAPI() as api, FakeSocketModeServer(web_api=api) as server:
        env = bot_env(
            api.base_url,
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_APP_TOKEN=APP_TOKEN,
            BOT_CORPUS_DIR=str(folder),
        )
        bot = BotProcess(["socket"], env, tmp_path / "bot.log")
        try:
            server.wait_for_client(timeout=60)
            (folder / "extra.yaml").write_text(NEW_ARTICLE, encoding="utf-8")
            os.kill(bot.proc.pid, signal.SIGHUP)
            wait_until(lambda: "corpus reloaded:" in bot.logs(), 90, "the reload")
            envelope = socket_mode_envelope_for_event(app_mention_body(f"<@UBOT> {NEW_QUESTION}"))
            server.send_envelope(envelope)
            server.wait_for_ack(envelope["envelope_id"])
            (call,) = api.wait_for("chat.postMessage", timeout=10)
            assert NEW_NEEDLE in json.dumps(call.params["blocks"], ensure_ascii=False)
        finally:
            assert bot.stop() == 0, bot.logs()

"""Load: signed mentions and slash commands over loopback at concurrency 16.

``make test`` runs it at a bounded size; ``make load`` (``--load-full``) sends 1000 requests.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from slack_fake import (
    FakeSlackWebAPI,
    app_mention_body,
    dm_message_body,
    sign_request,
    slash_command_form,
)
from slack_process import SIGNING_SECRET, running_http_bot

QUESTIONS = [
    "ICML 2018은 며칠 동안 개최됐어?",
    "강화학습이 제일 많이 채택됐어?",
    "렌덤 포레스트 비유",
    "점심 메뉴 추천",
    "Riemannian optimization",
    "페퍼먼 논문은 어느 저널에 실렸어?",
]
CONCURRENCY = 16


@pytest.mark.load
def test_mixed_load_is_acked_fast_and_answered_once(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    total = 1000 if request.config.getoption("--load-full") else 160
    with FakeSlackWebAPI() as fake, running_http_bot(fake.base_url, tmp_path / "bot.log") as bot:
        bodies = []
        for i in range(total):
            question = QUESTIONS[i % len(QUESTIONS)]
            if i % 2:
                body = json.dumps(app_mention_body(f"<@UBOT> {question}"), ensure_ascii=False)
            else:
                body = slash_command_form(question, response_url=fake.response_url(f"r{i}"))
            bodies.append(body)
        statuses: list[int] = []
        latencies: list[float] = []
        lock = threading.Lock()

        def worker(chunk: list[str]) -> None:
            conn = http.client.HTTPConnection("127.0.0.1", bot.port, timeout=10)
            for body in chunk:
                started = time.perf_counter()
                conn.request(
                    "POST",
                    "/slack/events",
                    body=body.encode(),
                    headers=sign_request(body, SIGNING_SECRET),
                )
                response = conn.getresponse()
                response.read()
                with lock:
                    statuses.append(response.status)
                    latencies.append(time.perf_counter() - started)
            conn.close()

        threads = [
            threading.Thread(target=worker, args=(bodies[w::CONCURRENCY],))
            for w in range(CONCURRENCY)
        ]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started

        mentions = total // 2
        posts = fake.wait_for("chat.postMessage", count=mentions, timeout=60)
        replies = fake.wait_for("response_url", count=total - mentions, timeout=60)
        known = {id(c) for c in posts + replies}

        def sentinel(channel: str) -> object:
            body = json.dumps(dm_message_body("힐베르트 명언", channel=channel), ensure_ascii=False)
            return bot.post(body)

        extra = fake.unexpected_calls(
            sentinel,
            lambda c: c.method in ("chat.postMessage", "response_url") and id(c) not in known,
        )
        assert extra == [], "a request was answered twice"
        assert Counter(statuses) == {200: total}
        assert max(latencies) < 3.0
        threads_answered = Counter(c.params["thread_ts"] for c in posts)
        assert len(threads_answered) == mentions and set(threads_answered.values()) == {1}
        assert len(posts) == mentions
        paths = Counter(c.path for c in fake.calls_to("response_url"))
        assert len(paths) == len(replies) == total - mentions
        print(
            f"\nload: {total} requests in {elapsed:.2f} s = {total / elapsed:.0f} req/s, "
            f"max ack {max(latencies) * 1000:.0f} ms"
        )

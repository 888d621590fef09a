"""A slow or rate-limited Slack never delays an ack; lost answers are logged, not silent.

Through the real ``serve`` process and the loopback Web API fake.
"""

from __future__ import annotations

import json
import re
import threading
import time
from pathlib import Path

from slack_fake import (
    FakeSlackWebAPI,
    app_mention_body,
    block_actions_form,
    slash_command_form,
)
from slack_process import event_json, running_http_bot

from bot.slack.render import ACTION_NEXT, _button_value

MENTIONS = 16
RETRY_AFTER = 20


def _timed_post(bot, body: str) -> tuple[int, float]:
    started = time.monotonic()
    status = bot.post(body)[0]
    return status, time.monotonic() - started


def test_acks_stay_fast_while_slack_rate_limits_posts(tmp_path: Path) -> None:
    with FakeSlackWebAPI() as fake, running_http_bot(fake.base_url, tmp_path / "bot.log") as bot:
        fake.fail_until_cleared("chat.postMessage", status=429, retry_after=RETRY_AFTER)
        bodies = [app_mention_body(f"<@UBOT> 스톡홀름 ICML {i}") for i in range(MENTIONS)]
        statuses: list[int] = []
        threads = [
            threading.Thread(target=lambda b=b: statuses.append(bot.post(event_json(b))[0]))
            for b in bodies
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=10)
        assert statuses == [200] * MENTIONS
        fake.wait_for("chat.postMessage", timeout=5)  # the first post met the 429
        limited_at = time.monotonic()

        command = slash_command_form("중력파 검출", response_url=fake.response_url("cmd"))
        status, command_ack = _timed_post(bot, command)
        assert status == 200 and command_ack < 3.0
        click = block_actions_form(
            ACTION_NEXT, _button_value("베이지안 추론", 1), response_url=fake.response_url("btn")
        )
        status, click_ack = _timed_post(bot, click)
        assert status == 200 and click_ack < 3.0
        # response_url posts are not held back by chat.postMessage's rate limit.
        replies = fake.wait_for("response_url", count=2, timeout=5)
        assert {r.path for r in replies} == {"/response/cmd", "/response/btn"}

        fake.clear_faults()  # Slack recovers; the bot waits out Retry-After, then delivers
        deadline = time.monotonic() + RETRY_AFTER + 20
        delivered: list = []
        while len(delivered) < MENTIONS and time.monotonic() < deadline:
            time.sleep(0.1)
            delivered = [c for c in fake.calls_to("chat.postMessage") if not c.faulted]
        assert {c.params["thread_ts"] for c in delivered} == {b["event"]["ts"] for b in bodies}
        assert time.monotonic() - limited_at >= RETRY_AFTER - 1  # Retry-After was honoured
        # While paused, the bot did not hammer the API.
        assert sum(c.faulted for c in fake.calls_to("chat.postMessage")) <= 4
        print(
            f"\nrate-limited Slack (Retry-After {RETRY_AFTER}): slash command acked in "
            f"{command_ack * 1000:.0f} ms, button in {click_ack * 1000:.0f} ms; "
            f"{len(delivered)} answers delivered after the pause"
        )
        assert bot.stop() == 0


def test_answers_still_rate_limited_at_sigterm_are_logged_with_their_event_id(
    tmp_path: Path,
) -> None:
    with FakeSlackWebAPI() as fake, running_http_bot(fake.base_url, tmp_path / "bot.log") as bot:
        # Retry-After past the whole grace period (GRACEFUL_SECONDS): nothing can be sent.
        fake.fail_until_cleared("chat.postMessage", status=429, retry_after=60)
        bodies = [app_mention_body(f"<@UBOT> 힐베르트 명언 {i}") for i in range(3)]
        for body in bodies:
            assert bot.post(event_json(body))[0] == 200
        fake.wait_for("chat.postMessage", timeout=5)
        stopping = time.monotonic()
        assert bot.stop() == 0
        took = time.monotonic() - stopping
        logs = bot.logs()
    for body in bodies:
        line = next(
            (x for x in logs.splitlines() if body["event_id"] in x and "undelivered" in x), None
        )
        assert line is not None, logs
        assert "chat.postMessage" in line
    assert re.search(r"stopped \(3 answer\(s\) undelivered\)", logs)
    # Nothing could be sent before the grace period ran out, so the bot did not wait for it.
    assert took < 10
    assert len(fake.calls_to("chat.postMessage")) <= 3


def test_response_url_server_errors_are_retried(tmp_path: Path) -> None:
    with FakeSlackWebAPI() as fake, running_http_bot(fake.base_url, tmp_path / "bot.log") as bot:
        fake.fail_next("response_url", status=500, times=2)
        bot.post(slash_command_form("중력파 검출", response_url=fake.response_url("r")))
        calls = fake.wait_for("response_url", count=3, timeout=10)
        assert [c.faulted for c in calls] == [True, True, False]
        assert "중력파" in json.dumps(calls[-1].params, ensure_ascii=False)


def test_a_hanging_slack_delays_neither_acks_nor_private_answers(tmp_path: Path) -> None:
    with FakeSlackWebAPI() as fake, running_http_bot(fake.base_url, tmp_path / "bot.log") as bot:
        fake.hang_until_cleared("chat.postMessage", seconds=25)
        bodies = [app_mention_body(f"<@UBOT> 렌덤 포레스트 {i}") for i in range(MENTIONS)]
        for body in bodies:
            assert bot.post(event_json(body))[0] == 200
        fake.wait_for("chat.postMessage", timeout=5)  # a post is hanging now
        command = slash_command_form("중력파 검출", response_url=fake.response_url("cmd"))
        status, command_ack = _timed_post(bot, command)
        assert status == 200 and command_ack < 3.0
        click = block_actions_form(
            ACTION_NEXT, _button_value("베이지안 추론", 1), response_url=fake.response_url("btn")
        )
        status, click_ack = _timed_post(bot, click)
        assert status == 200 and click_ack < 3.0
        # The private answers are not queued behind the hanging channel posts.
        replies = fake.wait_for("response_url", count=2, timeout=5)
        assert {r.path for r in replies} == {"/response/cmd", "/response/btn"}
        fake.clear_faults()  # the hanging posts time out (10 s) and are retried
        deadline = time.monotonic() + 60
        answered: set[str] = set()
        while len(answered) < MENTIONS and time.monotonic() < deadline:
            time.sleep(0.1)
            answered = {
                c.params["thread_ts"] for c in fake.calls_to("chat.postMessage") if not c.faulted
            }
        assert answered == {b["event"]["ts"] for b in bodies}
        assert bot.stop() == 0

"""Replicas sharing one PostgreSQL, first deliveries that failed, and a database that goes away.

Every test runs real ``serve`` processes against the loopback Slack fake. PostgreSQL is the
real server (see tests/pg.py), each test in a schema of its own.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from pg import fresh_schema
from slack_fake import BOT_USER_ID, FakeSlackWebAPI, app_mention_body, dm_message_body, sign_request
from slack_process import SIGNING_SECRET, HttpBot, event_json, running_http_bot
from tcp_proxy import TcpProxy

RETRY = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_error"}


@pytest.fixture
def fake() -> Iterator[FakeSlackWebAPI]:
    with FakeSlackWebAPI() as api:
        yield api


@pytest.fixture
def pg_url() -> Iterator[str]:
    with fresh_schema() as url:
        yield url


def answers_in(fake: FakeSlackWebAPI, channel: str) -> int:
    return sum(1 for c in fake.calls_to("chat.postMessage") if c.params.get("channel") == channel)


def settle_with_sentinels(fake: FakeSlackWebAPI, bots: list[HttpBot], already: int) -> None:
    """Each bot answers a DM sent after everything else; once all are in, every earlier
    event has been handled (listeners run in order of arrival, no answer is in flight)."""
    for i, bot in enumerate(bots):
        bot.post(event_json(dm_message_body("스톡홀름 ICML", channel=f"D{900 + i}")))
    fake.wait_for("chat.postMessage", count=already + len(bots), timeout=15)
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline and len(fake.calls_to("chat.postMessage")) == already:
        time.sleep(0.05)


def _post_into(bot: HttpBot, body: str, headers: dict[str, str], statuses: list[int]) -> None:
    statuses.append(bot.post(body, headers=headers)[0])


def test_two_replicas_on_one_postgres_answer_an_event_and_its_retry_once(
    fake: FakeSlackWebAPI, pg_url: str, tmp_path: Path
) -> None:
    with (
        running_http_bot(fake.base_url, tmp_path / "a.log", DATABASE_URL=pg_url) as a,
        running_http_bot(fake.base_url, tmp_path / "b.log", DATABASE_URL=pg_url) as b,
    ):
        for attempt in range(3):  # three different events, each to both replicas at once
            body = app_mention_body(f"<@{BOT_USER_ID}> 힐베르트 명언", channel=f"C{attempt}")
            payload = event_json(body)
            statuses: list[int] = []
            threads = [
                threading.Thread(target=_post_into, args=(bot, payload, h, statuses))
                for bot in (a, b)
                for h in ({}, RETRY)
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert statuses == [200] * 4
        settle_with_sentinels(fake, [a, b], already=3)
        for attempt in range(3):
            assert answers_in(fake, f"C{attempt}") == 1, fake.calls_to("chat.postMessage")
        logs = a.logs() + b.logs()
        assert logs.count("answered or being answered") == 9
        assert "store unreachable" not in logs


class _Unavailable(BaseHTTPRequestHandler):
    """A replica that fails: every request gets 503 (a crashed pod behind the load balancer)."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(503)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_a_retry_after_a_failed_first_delivery_is_answered_once(
    fake: FakeSlackWebAPI, tmp_path: Path
) -> None:
    broken = ThreadingHTTPServer(("127.0.0.1", 0), _Unavailable)
    threading.Thread(target=broken.serve_forever, daemon=True).start()
    try:
        body = event_json(app_mention_body(f"<@{BOT_USER_ID}> ICML 2018은 어디서 열렸어?"))
        import urllib.request

        request = urllib.request.Request(
            f"http://127.0.0.1:{broken.server_address[1]}/slack/events",
            data=body.encode(),
            headers=sign_request(body, SIGNING_SECRET),
            method="POST",
        )
        with pytest.raises(urllib.error.HTTPError) as failed:
            urllib.request.build_opener(urllib.request.ProxyHandler({})).open(request, timeout=5)
        assert failed.value.code == 503
    finally:
        broken.shutdown()
        broken.server_close()
    with running_http_bot(
        fake.base_url, tmp_path / "bot.log", BOT_DB=str(tmp_path / "bot.db")
    ) as bot:
        assert bot.post(body, headers=RETRY)[0] == 200  # Slack retries: retry 1
        (answer,) = fake.wait_for("chat.postMessage", timeout=10)
        assert answer.params["channel"] == "C111"
        assert bot.post(body, headers={**RETRY, "X-Slack-Retry-Num": "2"})[0] == 200
        settle_with_sentinels(fake, [bot], already=1)
        assert answers_in(fake, "C111") == 1


def _through(url: str, port: int) -> str:
    parts = urlsplit(url)
    user = parts.netloc.rsplit("@", 1)[0] + "@" if "@" in parts.netloc else ""
    return urlunsplit(parts._replace(netloc=f"{user}127.0.0.1:{port}"))


def _state(url: str, event_id: str) -> str | None:
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT state FROM bot_seen_events WHERE event_id = %s", (event_id,)
        ).fetchone()
    return None if row is None else str(row[0])


def _claimed(url: str, event_id: str, timeout: float = 10.0) -> bool:
    """Whether the event is marked answered in the database (it is, just after the post)."""
    deadline = time.monotonic() + timeout
    while (state := _state(url, event_id)) != "answered" and time.monotonic() < deadline:
        time.sleep(0.05)
    return state == "answered"


def test_answers_keep_coming_while_the_database_is_away(
    fake: FakeSlackWebAPI, pg_url: str, tmp_path: Path
) -> None:
    upstream = urlsplit(pg_url)
    proxy = TcpProxy((upstream.hostname or "127.0.0.1", upstream.port or 5432)).start()
    asked = 0
    try:
        env = {"DATABASE_URL": _through(pg_url, proxy.port)}
        with running_http_bot(fake.base_url, tmp_path / "bot.log", **env) as bot:

            def ask(text: str = "스톡홀름 ICML") -> dict:
                nonlocal asked
                body = app_mention_body(f"<@{BOT_USER_ID}> {text}")
                assert bot.post(event_json(body))[0] == 200
                asked += 1
                fake.wait_for("chat.postMessage", count=asked, timeout=15)
                return body

            first = ask()
            assert _claimed(pg_url, first["event_id"])
            proxy.stop()  # the database goes away mid-run
            during = [ask(), ask("ICML 2018은 며칠 동안 열렸어?")]
            assert "store unreachable" in bot.logs()
            assert "Traceback" not in bot.logs()
            proxy.start()  # …and comes back on the same address
            deadline = time.monotonic() + 30
            while "store reachable again" not in bot.logs():
                assert time.monotonic() < deadline, bot.logs()
                ask()
            last = ask()
            assert _claimed(pg_url, last["event_id"]), "the store is used again"
            assert not any(_state(pg_url, b["event_id"]) for b in during)
            assert len(fake.calls_to("chat.postMessage")) == asked
    finally:
        proxy.stop()


def test_a_wrong_database_url_still_answers(fake: FakeSlackWebAPI, tmp_path: Path) -> None:
    wrong = "postgresql://postgres@127.0.0.1:1/nowhere"
    with running_http_bot(fake.base_url, tmp_path / "bot.log", DATABASE_URL=wrong) as bot:
        assert bot.get("/healthz")[0] == 200
        body = app_mention_body(f"<@{BOT_USER_ID}> 스톡홀름 ICML")
        bot.post(event_json(body))
        bot.post(event_json(body), headers=RETRY)  # in-process dedupe still holds
        settle_with_sentinels(fake, [bot], already=1)
        assert answers_in(fake, "C111") == 1
        logs = bot.logs()
        assert "store unreachable" in logs and "127.0.0.1:1/nowhere" in logs
        assert "Traceback" not in logs

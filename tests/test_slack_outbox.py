"""The outbox, the request guard and the button parser, each on its own.

The outbox is driven with a real ``SlackSender`` against the loopback Web API fake, so
the classification of Slack's answers (429 + Retry-After, 5xx, ``ok: false``, dropped
connections, expired response URLs) is the real one.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator

import pytest
from slack_fake import FakeSlackWebAPI
from slack_sdk import WebClient

from bot.answer import Answerer
from bot.cli import build_parser
from bot.slack.guard import Rejection, check_signature, parse_verified_body, shape_problem
from bot.slack.outbox import (
    POST_MESSAGE,
    RESPONSE_URL,
    Delivery,
    Outbox,
    SlackSender,
    Undelivered,
)
from bot.slack.render import _button_value, parse_button_value


class Reports:
    def __init__(self) -> None:
        self.items: list[Undelivered] = []
        self.lock = threading.Lock()

    def __call__(self, items: list[Undelivered]) -> None:
        with self.lock:
            self.items.extend(items)


@pytest.fixture
def fake() -> Iterator[FakeSlackWebAPI]:
    with FakeSlackWebAPI() as api:
        yield api


def _outbox(fake: FakeSlackWebAPI, reports: Reports, **kw: object) -> Outbox:
    client = WebClient(token="xoxb-outbox", base_url=fake.base_url, retry_handlers=[])
    return Outbox(SlackSender(client, timeout=2), on_undelivered=reports, backoff=0.05, **kw)  # type: ignore[arg-type]


def _post(i: int, **params: object) -> Delivery:
    return Delivery(POST_MESSAGE, f"Ev{i}", {"channel": "C1", "text": f"answer {i}", **params})


def test_a_rate_limit_pauses_posts_without_holding_workers(fake: FakeSlackWebAPI) -> None:
    reports = Reports()
    outbox = _outbox(fake, reports, workers=2)
    fake.fail_next("chat.postMessage", status=429, retry_after=2)
    for i in range(6):
        outbox.put(_post(i))
    response = Delivery(
        RESPONSE_URL, "Ev-r", {"url": fake.response_url("r"), "body": {"text": "x"}}
    )
    started = time.monotonic()
    outbox.put(response)
    # The response_url post is not stuck behind the paused chat.postMessage queue.
    fake.wait_for("response_url", timeout=1.5)
    assert time.monotonic() - started < 1.5
    calls = fake.wait_for("chat.postMessage", count=7, timeout=10)
    delivered = [c for c in calls if not c.faulted]
    assert sorted(c.params["text"] for c in delivered) == [f"answer {i}" for i in range(6)]
    assert sum(c.faulted for c in calls) == 1  # paused, not hammered
    assert outbox.drain(5) == [] and reports.items == []


def test_server_errors_are_retried_then_dropped_and_reported(fake: FakeSlackWebAPI) -> None:
    reports = Reports()
    outbox = _outbox(fake, reports)
    fake.fail_next("chat.postMessage", status=503, times=10)
    outbox.put(_post(1))
    fake.wait_for("chat.postMessage", count=3, timeout=5)
    outbox.drain(5)
    assert len(fake.calls_to("chat.postMessage")) == 3
    (item,) = reports.items
    assert item.final and item.delivery.event_id == "Ev1" and "503" in item.reason


@pytest.mark.parametrize(
    ("fault", "final_reason"),
    [
        ({"error": "channel_not_found"}, "channel_not_found"),
        ({"drop": True, "times": 5}, "RemoteDisconnected"),
    ],
)
def test_drops_run_the_fallback_delivery(
    fake: FakeSlackWebAPI, fault: dict[str, object], final_reason: str
) -> None:
    reports = Reports()
    outbox = _outbox(fake, reports)
    fake.fail_next("chat.postMessage", **fault)  # type: ignore[arg-type]
    share = _post(2)
    share.otherwise = Delivery(
        RESPONSE_URL, "Ev2", {"url": fake.response_url("fallback"), "body": {"text": "sorry"}}
    )
    outbox.put(share)
    (fallback,) = fake.wait_for("response_url", timeout=5)
    assert fallback.params["text"] == "sorry"
    outbox.drain(5)
    (item,) = reports.items
    assert final_reason in item.reason and item.delivery.event_id == "Ev2"


def test_expired_response_urls_are_dropped_without_retry(fake: FakeSlackWebAPI) -> None:
    reports = Reports()
    outbox = _outbox(fake, reports)
    fake.expire_response_urls()
    outbox.put(Delivery(RESPONSE_URL, "Ev3", {"url": fake.response_url("old"), "body": {}}))
    fake.wait_for("response_url")
    outbox.drain(5)
    assert len(fake.calls_to("response_url")) == 1
    (item,) = reports.items
    assert "expired or invalid" in item.reason


def test_drain_reports_what_cannot_be_sent_in_time_and_returns_early(
    fake: FakeSlackWebAPI,
) -> None:
    reports = Reports()
    outbox = _outbox(fake, reports)
    fake.fail_until_cleared("chat.postMessage", status=429, retry_after=60)
    for i in range(3):
        outbox.put(_post(i))
    fake.wait_for("chat.postMessage")
    deadline = time.monotonic() + 5
    while len(outbox) < 3 and time.monotonic() < deadline:  # in flight -> back in the queue
        time.sleep(0.01)
    started = time.monotonic()
    left = outbox.drain(20)
    assert time.monotonic() - started < 2  # Retry-After 60 > 20: no point waiting
    assert sorted(u.delivery.event_id for u in left) == ["Ev0", "Ev1", "Ev2"]
    assert all(not u.final for u in left) and len(reports.items) == 3
    assert not outbox.put(_post(9))  # after drain: refused and reported
    assert reports.items[-1].delivery.event_id == "Ev9"


def test_a_full_outbox_refuses_instead_of_blocking(fake: FakeSlackWebAPI) -> None:
    reports = Reports()
    fake.fail_until_cleared("chat.postMessage", status=429, retry_after=60)
    outbox = _outbox(fake, reports, workers=1, max_pending=2)
    accepted = [outbox.put(_post(i)) for i in range(5)]
    assert accepted.count(True) in (2, 3)  # one may already be in flight
    assert [r.reason for r in reports.items] == ["outbox full"] * accepted.count(False)
    outbox.drain(0.1)


# -- the request guard ---------------------------------------------------------------------------

SECRET = "guard-secret-123456"


def _signed(body: bytes, ts: int | None = None) -> dict[str, str]:
    stamp = str(int(time.time()) if ts is None else ts)
    digest = hmac.new(SECRET.encode(), f"v0:{stamp}:".encode() + body, hashlib.sha256)
    return {"x-slack-request-timestamp": stamp, "x-slack-signature": "v0=" + digest.hexdigest()}


def test_signature_checks() -> None:
    body = b'{"type": "event_callback"}'
    assert check_signature(SECRET, body, _signed(body)) is None
    assert check_signature(SECRET, body + b" ", _signed(body)) == Rejection(
        401, "invalid X-Slack-Signature"
    )
    assert check_signature(SECRET, body, _signed(body, int(time.time()) - 600)).status == 401
    for stamp in ("abc", "", "1e9", "-5", "١٢٣", "9" * 30):
        headers = _signed(body) | {"x-slack-request-timestamp": stamp}
        assert check_signature(SECRET, body, headers).status == 401, stamp  # type: ignore[union-attr]
    assert check_signature(SECRET, b"\xff\xfe", _signed(b"\xff\xfe")) is None  # bytes as sent


@pytest.mark.parametrize(
    ("body", "content_type", "problem"),
    [
        (b"\xff", "application/json", "not UTF-8"),
        (b"{bad", "application/json", "not valid JSON"),
        (b"[]", "application/json", "JSON list"),
        (b"null", "application/json", "JSON NoneType"),
        (b'{"event": "x"}', "application/json", "'event'"),
        (b'{"event": [1]}', "application/json", "'event'"),
        (b'{"authorizations": {"a": 1}}', "application/json", "'authorizations'"),
        (b'{"type": 5}', "application/json", "'type'"),
        (b"payload=%5B1%5D", "application/x-www-form-urlencoded", "JSON list"),
        (b"payload=%7B", "application/x-www-form-urlencoded", "not valid JSON"),
    ],
)
def test_malformed_verified_bodies_are_400(body: bytes, content_type: str, problem: str) -> None:
    result = parse_verified_body(body, content_type)
    assert isinstance(result, Rejection) and result.status == 400
    assert problem in result.reason


def test_well_formed_bodies_pass() -> None:
    assert parse_verified_body(b'{"type": "url_verification"}', "application/json") == (
        '{"type": "url_verification"}'
    )
    form = b"command=%2Ficml2018&text=%EC%A7%88%EB%AC%B8"
    assert parse_verified_body(form, "application/x-www-form-urlencoded") == form.decode()
    assert shape_problem({"event": {"type": "app_mention"}, "actions": [{}]}) is None


# -- button values and -k --------------------------------------------------------------------------


def test_our_button_values_round_trip() -> None:
    assert parse_button_value(_button_value("베이지안 추론", 2)) == ("베이지안 추론", 2)
    long = parse_button_value(_button_value("강화 학습 " * 1000, 1))
    assert long is not None and long[1] == 1


@pytest.mark.parametrize(
    "value",
    [
        '{"q": "x", "i": Infinity}',
        '{"q": "x", "i": NaN}',
        '{"q": "x", "i": 1e400}',
        '{"q": "x", "i": 10000000000000000000000000}',
        '{"q": "x", "i": -1}',
        '{"q": "x", "i": 1.0}',
        '{"q": "x", "i": "1"}',
        '{"q": "x", "i": false}',
        '{"q": ["x"], "i": 0}',
        "[1]",
        "null",
        "",
        "x" * 3000,
        None,
        7,
        {"q": "x", "i": 0},
    ],
)
def test_garbage_button_values_parse_to_none(value: object) -> None:
    assert parse_button_value(value) is None


@pytest.mark.parametrize("k", ["0", "-5", "11", "abc", "1.5"])
def test_k_outside_1_to_10_is_refused(k: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args(["ask", "-k", k, "질문"])
    assert exit_info.value.code == 2
    assert "-k" in capsys.readouterr().err


def test_k_inside_the_range_is_taken() -> None:
    assert build_parser().parse_args(["ask", "-k", "10", "질문"]).k == 10
    assert build_parser().parse_args(["console", "-k", "1"]).k == 1


# -- the outbox and the store's once-only answers ----------------------------------------------


def test_an_answer_finally_dropped_releases_its_event_for_slacks_retry(
    fake: FakeSlackWebAPI, answerer: Answerer
) -> None:
    from slack_bolt import BoltRequest
    from slack_fake import app_mention_body, sign_request

    from bot.config import Config
    from bot.slack.app import build_app

    secret = "outbox-store-secret"
    config = Config(
        slack_bot_token="xoxb-outbox-store",
        slack_signing_secret=secret,
        slack_api_url=fake.base_url,
    )
    bot = build_app(config, answerer)
    try:

        def deliver(body: dict, retry: int = 0) -> None:
            text = json.dumps(body, ensure_ascii=False)
            headers = sign_request(text, secret)
            if retry:
                headers["X-Slack-Retry-Num"] = str(retry)
            assert bot.app.dispatch(BoltRequest(body=text, headers=headers)).status == 200

        fake.fail_next("chat.postMessage", status=503, times=3)  # every attempt of the first
        body = app_mention_body("<@UBOT> 스톡홀름 ICML")
        deliver(body)
        fake.wait_for("chat.postMessage", count=3, timeout=10)
        deadline = time.monotonic() + 10
        while len(bot.outbox) and time.monotonic() < deadline:  # dropped and reported
            time.sleep(0.02)
        deliver(body, retry=1)  # Slack's retry: the event was never answered, so answer it
        calls = fake.wait_for("chat.postMessage", count=4, timeout=10)
        assert [c.faulted for c in calls] == [True, True, True, False]
        deliver(body, retry=2)  # answered now: dropped
        sentinel = app_mention_body("<@UBOT> 힐베르트 명언")
        deliver(sentinel)
        posted = fake.wait_for("chat.postMessage", count=5, timeout=10)
        assert [c.params["thread_ts"] for c in posted if not c.faulted] == [
            body["event"]["ts"],
            sentinel["event"]["ts"],
        ]
    finally:
        bot.drain(5)

"""Tests of the Slack test harness itself, driven by real slack_sdk clients."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from urllib.parse import parse_qs, parse_qsl

import pytest
import slack_payloads
from slack_fake import (
    BOT_USER_ID,
    PROXY_ENV_VARS,
    FakeSlackWebAPI,
    FakeSocketModeServer,
    app_mention_body,
    block_actions_form,
    dm_message_body,
    sign_request,
    slash_command_fields,
    slash_command_form,
    socket_mode_envelope_for_command,
    socket_mode_envelope_for_event,
)
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from slack_sdk.socket_mode.builtin import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.webhook import WebhookClient

BLOCKS = [{"type": "section", "text": {"type": "mrkdwn", "text": "*답변* 입니다"}}]


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_ENV_VARS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def fake() -> Iterator[FakeSlackWebAPI]:
    with FakeSlackWebAPI() as server:
        yield server


def test_web_client_calls_are_recorded_with_decoded_params(fake: FakeSlackWebAPI) -> None:
    client = WebClient(base_url=fake.base_url, token="xoxb-test")

    assert client.auth_test()["user_id"] == BOT_USER_ID
    first = client.chat_postMessage(channel="C111", text="hi", blocks=BLOCKS, thread_ts="1.2")
    second = client.chat_postMessage(channel="C111", text="again")
    # A form post whose blocks are a JSON string, as Slack also accepts.
    client.api_call(
        "chat.update", params={"channel": "C111", "ts": "1.2", "blocks": json.dumps(BLOCKS)}
    )
    info = client.conversations_info(channel="D111")

    assert float(first["ts"]) < float(second["ts"])
    assert first["message"]["blocks"] == BLOCKS
    assert info["channel"]["is_im"] is True
    post = fake.wait_for("chat.postMessage", count=2)[0]
    assert post.params == {"channel": "C111", "text": "hi", "blocks": BLOCKS, "thread_ts": "1.2"}
    assert post.token == "xoxb-test"
    assert post.headers["content-type"].startswith("application/json")
    assert post.path == "/api/chat.postMessage" and not post.faulted
    assert fake.calls_to("chat.update")[0].params["blocks"] == BLOCKS
    assert fake.calls_to("conversations.info")[0].params == {"channel": "D111"}
    assert [c.method for c in fake.calls] == [
        "auth.test",
        "chat.postMessage",
        "chat.postMessage",
        "chat.update",
        "conversations.info",
    ]
    fake.reset()
    assert fake.calls == []
    with pytest.raises(AssertionError, match=r"users\.info"):
        fake.wait_for("users.info", timeout=0.05)


def test_rate_limited_call_is_retried_after_retry_after(fake: FakeSlackWebAPI) -> None:
    client = WebClient(
        base_url=fake.base_url,
        token="xoxb-test",
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)],
    )
    fake.fail_next("chat.postMessage", retry_after=1)

    started = time.monotonic()
    response = client.chat_postMessage(channel="C111", text="hi")

    assert response["ok"] is True
    assert time.monotonic() - started >= 1.0
    assert [c.faulted for c in fake.calls_to("chat.postMessage")] == [True, False]


def test_faults_surface_as_slack_sdk_errors(fake: FakeSlackWebAPI) -> None:
    client = WebClient(base_url=fake.base_url, token="xoxb-test")
    fake.fail_next("auth.test", error="invalid_auth")
    fake.fail_next("chat.postMessage", error="channel_not_found")
    fake.fail_next("chat.delete", status=503)

    with pytest.raises(SlackApiError) as invalid_auth:
        client.auth_test()
    with pytest.raises(SlackApiError) as not_found:
        client.chat_postMessage(channel="C404", text="hi")
    with pytest.raises(SlackApiError) as unavailable:
        client.chat_delete(channel="C111", ts="1.2")

    assert (invalid_auth.value.response.status_code, invalid_auth.value.response["error"]) == (
        200,
        "invalid_auth",
    )
    assert not_found.value.response["error"] == "channel_not_found"
    assert unavailable.value.response.status_code == 503
    assert client.auth_test()["ok"] is True  # faults are consumed


def test_dropped_connection_is_retried_once_by_default(fake: FakeSlackWebAPI) -> None:
    client = WebClient(base_url=fake.base_url, token="xoxb-test")
    fake.fail_next("chat.postMessage", drop=True)
    assert client.chat_postMessage(channel="C111", text="hi")["ok"] is True

    fake.fail_next("chat.postMessage", drop=True, times=2)
    with pytest.raises(ConnectionError):
        client.chat_postMessage(channel="C111", text="hi")
    assert [c.faulted for c in fake.calls_to("chat.postMessage")] == [True, False, True, True]


def test_response_urls_record_posts_and_can_expire(fake: FakeSlackWebAPI) -> None:
    webhook = WebhookClient(fake.response_url("cmd-1"))

    assert webhook.send(text="답변", response_type="ephemeral").status_code == 200
    fake.expire_response_urls()
    expired = webhook.send(text="late")

    assert (expired.status_code, expired.body) == (404, "expired_url")
    first, second = fake.wait_for("response_url", count=2)
    assert first.params == {"text": "답변", "response_type": "ephemeral"}
    assert first.path == "/response/cmd-1" and not first.faulted
    assert second.faulted


def test_builtin_socket_mode_client_receives_envelope_and_acks(fake: FakeSlackWebAPI) -> None:
    rejected = WebClient(base_url=fake.base_url).apps_connections_open
    with pytest.raises(SlackApiError, match="not_allowed"):
        rejected(app_token="xapp-1-A111-test")

    received: list[SocketModeRequest] = []
    got_envelope = threading.Event()

    def listener(client: SocketModeClient, request: SocketModeRequest) -> None:
        received.append(request)
        client.send_socket_mode_response(SocketModeResponse(envelope_id=request.envelope_id))
        got_envelope.set()

    with FakeSocketModeServer(web_api=fake) as socket_mode:
        client = SocketModeClient(
            app_token="xapp-1-A111-test", web_client=WebClient(base_url=fake.base_url)
        )
        client.socket_mode_request_listeners.append(listener)  # type: ignore[arg-type]
        try:
            client.connect()
            envelope = socket_mode_envelope_for_event(app_mention_body(f"<@{BOT_USER_ID}> 질문"))
            socket_mode.send_envelope(envelope)

            assert socket_mode.wait_for_ack(envelope["envelope_id"]) == {
                "envelope_id": envelope["envelope_id"]
            }
            assert got_envelope.wait(5)
            assert received[0].type == "events_api"
            assert received[0].payload["event"]["text"] == f"<@{BOT_USER_ID}> 질문"
            assert fake.calls_to("apps.connections.open")[-1].token == "xapp-1-A111-test"
        finally:
            client.close()


def test_sign_request_is_accepted_by_signature_verifier() -> None:
    secret = "signing-secret"
    verifier = SignatureVerifier(secret)
    bodies = {
        "application/json": json.dumps(dm_message_body("안녕")),
        "application/x-www-form-urlencoded": slash_command_form("질문", response_url="http://x/r"),
    }
    for content_type, body in bodies.items():
        headers = sign_request(body, secret)
        assert headers["Content-Type"] == content_type
        assert verifier.is_valid_request(body, headers)
        assert not verifier.is_valid_request(body + " ", headers)
    stale = sign_request(bodies["application/json"], secret, timestamp=int(time.time()) - 600)
    assert not verifier.is_valid_request(bodies["application/json"], stale)


def test_request_builders_produce_slack_shapes() -> None:
    mention = app_mention_body(f"<@{BOT_USER_ID}> 논문 요약", thread_ts="1.000001")
    assert mention["event"]["thread_ts"] == "1.000001"
    assert mention["event"]["blocks"][0]["elements"][0]["elements"] == [
        {"type": "user", "user_id": BOT_USER_ID},
        {"type": "text", "text": " 논문 요약"},
    ]
    assert mention["authorizations"][0]["user_id"] == BOT_USER_ID
    assert mention["event_id"] != app_mention_body("x")["event_id"]

    dm = dm_message_body("hi", bot_id="BBOT", subtype="bot_message")["event"]
    assert (dm["channel_type"], dm["bot_id"], dm["subtype"]) == ("im", "BBOT", "bot_message")

    form = dict(parse_qsl(slash_command_form("a b", response_url="http://x/r")))
    assert (form["command"], form["text"], form["response_url"]) == (
        "/icml2018",
        "a b",
        "http://x/r",
    )

    payload = json.loads(
        parse_qs(block_actions_form("more", "v1", response_url="http://x/r"))["payload"][0]
    )
    assert payload["actions"][0]["action_id"] == "more"
    assert payload["message"]["blocks"][0]["accessory"]["value"] == "v1"
    assert payload["container"]["message_ts"] == payload["message"]["ts"]
    ephemeral_form = block_actions_form("a", "v", response_url="http://x/r", is_ephemeral=True)
    ephemeral = json.loads(parse_qs(ephemeral_form)["payload"][0])
    assert ephemeral["container"]["is_ephemeral"] is True and "message" not in ephemeral

    command = socket_mode_envelope_for_command(slash_command_fields("q", response_url="http://x/r"))
    assert SocketModeRequest.from_dict(command).type == "slash_commands"  # type: ignore[union-attr]
    assert socket_mode_envelope_for_event(mention, retry_attempt=1)["retry_reason"] == "timeout"


@pytest.mark.skipif(
    not slack_payloads.SHARED_PAYLOADS_DIR.is_dir(), reason="shared payloads folder absent"
)
def test_embedded_payloads_match_shared_folder() -> None:
    folder = slack_payloads.SHARED_PAYLOADS_DIR
    for name, embedded in slack_payloads.JSON_FILES.items():
        assert json.loads((folder / name).read_text()) == embedded, name
    slash = (folder / "slash_command_form_body.txt").read_text().strip()
    assert dict(parse_qsl(slash)) == slack_payloads.SLASH_COMMAND_FIELDS
    block_actions = (folder / "block_actions_form_body.txt").read_text().strip()
    payload = json.loads(parse_qs(block_actions)["payload"][0])
    assert payload == slack_payloads.BLOCK_ACTIONS_EPHEMERAL_BUTTON

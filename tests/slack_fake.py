"""Loopback fakes of Slack for tests: Web API, response URLs, Socket Mode, request builders.

- ``FakeSlackWebAPI``: an HTTP server on 127.0.0.1 answering ``/api/<method>`` like Slack's
  Web API and ``/response/<name>`` like a ``response_url``; records every call and can inject
  faults (429, 5xx, dropped connections, ``{"ok": false}`` errors, expired response URLs).
- ``FakeSocketModeServer``: a WebSocket server playing Slack's side of Socket Mode.
- Builders for signed HTTP requests and Socket Mode envelopes shaped like real Slack payloads.

slack_sdk takes the proxy from HTTPS_PROXY/HTTP_PROXY (ignoring NO_PROXY) for WebClient,
WebhookClient and the Socket Mode client, so tests must unset ``PROXY_ENV_VARS`` to stay on
the loopback interface.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import hmac
import itertools
import json
import re
import socketserver
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from slack_payloads import APP_MENTION_EVENT_CALLBACK, BLOCK_ACTIONS_PAYLOAD, SLASH_COMMAND_FIELDS
from websockets.exceptions import ConnectionClosed
from websockets.sync.server import Server, ServerConnection, serve

TEAM_ID = "T111"
BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"
APP_ID = "A111"
PROXY_ENV_VARS = (
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
)

# Parameters that Slack accepts as JSON-encoded strings in form posts.
SENTINEL_CHANNEL = "DSENTINEL"  # where ``unexpected_calls`` has the bot answer its sentinel
_JSON_STRING_PARAMS = ("blocks", "attachments", "metadata", "view", "user_auth_blocks")
_LOOPBACK = "127.0.0.1"
_ts_counter = itertools.count(1)
_TS_BASE = int(time.time())


def fresh_ts() -> str:
    """Return a new message ts, strictly increasing within the test session."""
    return f"{_TS_BASE}.{next(_ts_counter):06d}"


def fresh_event_id() -> str:
    return "Ev" + uuid.uuid4().hex[:10].upper()


@dataclass(frozen=True)
class RecordedCall:
    """One request received by ``FakeSlackWebAPI``; header names are lower-case.

    ``params`` merges the query string and the body. Form values are strings (slack_sdk sends
    booleans as "1"/"0" there), except JSON-string fields such as ``blocks``, which are decoded.
    """

    method: str
    params: dict[str, Any]
    headers: dict[str, str]
    path: str
    faulted: bool = False

    @property
    def token(self) -> str | None:
        auth = self.headers.get("authorization", "")
        if auth.startswith("Bearer "):
            return auth.removeprefix("Bearer ")
        token = self.params.get("token")
        return token if isinstance(token, str) else None


@dataclass(frozen=True)
class _Fault:
    status: int
    retry_after: int | None
    error: str
    drop: bool
    hang: float = 0.0  # seconds to wait before answering normally (a Slack that hangs)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeSlackWebAPI

    def server_bind(self) -> None:
        # HTTPServer.server_bind() calls socket.getfqdn(), a reverse DNS lookup; skip it.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = _LOOPBACK, self.server_address[1]


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer

    def do_POST(self) -> None:
        self.server.fake._serve(self)

    do_GET = do_POST

    def log_message(self, format: str, *args: Any) -> None:
        pass


class FakeSlackWebAPI:
    """Slack Web API and response URLs on 127.0.0.1; use as a context manager or ``close()``."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._calls: list[RecordedCall] = []
        self._faults: dict[str, deque[_Fault]] = {}
        self._sticky: dict[str, _Fault] = {}
        self._responses: dict[str, dict[str, Any]] = {}
        self._expired = False
        self._socket_mode: FakeSocketModeServer | None = None
        self._server = _HTTPServer((_LOOPBACK, 0), _Handler)
        self._server.fake = self
        self.port: int = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def __enter__(self) -> FakeSlackWebAPI:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=2)

    @property
    def base_url(self) -> str:
        """Value for ``WebClient(base_url=...)``; slack_sdk urljoins the method name to it."""
        return f"http://{_LOOPBACK}:{self.port}/api/"

    def response_url(self, name: str) -> str:
        """A URL standing in for a Slack ``response_url``; posts are recorded as "response_url"."""
        return f"http://{_LOOPBACK}:{self.port}/response/{name}"

    def attach_socket_mode(self, server: FakeSocketModeServer | None) -> None:
        """Make ``apps.connections.open`` hand out ``server``'s URL (None detaches)."""
        with self._cond:
            self._socket_mode = server

    # --- recorded calls -------------------------------------------------------------------

    @property
    def calls(self) -> list[RecordedCall]:
        """A snapshot of every call received so far, in arrival order."""
        with self._cond:
            return list(self._calls)

    def calls_to(self, method: str) -> list[RecordedCall]:
        with self._cond:
            return [c for c in self._calls if c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[RecordedCall]:
        """Block until ``count`` calls to ``method`` arrived; return all calls to it."""

        def matching() -> list[RecordedCall]:
            return [c for c in self._calls if c.method == method]

        with self._cond:
            if not self._cond.wait_for(lambda: len(matching()) >= count, timeout):
                raise AssertionError(
                    f"expected {count} call(s) to {method!r} within {timeout}s, got "
                    f"{len(matching())}; calls so far: {[c.method for c in self._calls]}"
                )
            return matching()

    def unexpected_calls(
        self,
        send_sentinel: Callable[[str], object],
        unexpected: Callable[[RecordedCall], bool],
        *,
        channel: str = SENTINEL_CHANNEL,
        timeout: float = 10.0,
    ) -> list[RecordedCall]:
        """The ``unexpected`` calls received, checked without sleeping a fixed time.

        ``send_sentinel(channel)`` makes the bot answer in ``channel`` (e.g. a DM question);
        once that answer arrives, the fake keeps watching for as long again as the sentinel
        took (requests sent before it have had their turn by then) and returns as soon as
        an ``unexpected`` call shows up, or the empty list at that deadline.
        """

        def is_sentinel(call: RecordedCall) -> bool:
            return call.method == "chat.postMessage" and call.params.get("channel") == channel

        def found() -> list[RecordedCall]:
            return [c for c in self._calls if not is_sentinel(c) and unexpected(c)]

        started = time.monotonic()
        send_sentinel(channel)
        with self._cond:
            if not self._cond.wait_for(lambda: any(map(is_sentinel, self._calls)), timeout):
                raise AssertionError(f"the sentinel was not answered within {timeout}s")
            took = time.monotonic() - started
            self._cond.wait_for(found, max(took, 0.2))
            return found()

    # --- behaviour control ----------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        *,
        status: int | None = None,
        retry_after: int | None = 1,
        error: str | None = None,
        times: int = 1,
        drop: bool = False,
    ) -> None:
        """Make the next ``times`` calls to ``method`` fail (method "response_url" works too).

        ``status`` defaults to 200 when ``error`` is given (a Slack-level ``{"ok": false}``
        error such as "invalid_auth"), else to 429 (``error`` "ratelimited", with a
        ``Retry-After: retry_after`` header). ``drop=True`` closes the connection unanswered.
        """
        code = status if status is not None else (200 if error else 429)
        fault = _Fault(
            status=code,
            retry_after=retry_after if code == 429 else None,
            error=error or ("ratelimited" if code == 429 else "internal_error"),
            drop=drop,
        )
        with self._cond:
            self._faults.setdefault(method, deque()).extend([fault] * times)

    def fail_until_cleared(
        self, method: str, *, status: int = 429, retry_after: int | None = 1
    ) -> None:
        """Fail every call to ``method`` (429 with ``Retry-After`` by default) until
        ``clear_faults``: a Slack that keeps rate-limiting, or keeps failing."""
        fault = _Fault(
            status=status,
            retry_after=retry_after if status == 429 else None,
            error="ratelimited" if status == 429 else "internal_error",
            drop=False,
        )
        with self._cond:
            self._sticky[method] = fault

    def hang_until_cleared(self, method: str, *, seconds: float = 25.0) -> None:
        """Hold every call to ``method`` for ``seconds`` before answering it normally
        (callers with a shorter timeout give up first), until ``clear_faults``."""
        with self._cond:
            self._sticky[method] = _Fault(
                status=200, retry_after=None, error="", drop=False, hang=seconds
            )

    def clear_faults(self, method: str | None = None) -> None:
        """Stop failing ``method`` (every method when None); queued one-off faults too."""
        with self._cond:
            for table in (self._sticky, self._faults):
                if method is None:
                    table.clear()
                else:
                    table.pop(method, None)

    def set_response(self, method: str, body: dict[str, Any]) -> None:
        """Answer every later successful call to ``method`` with ``body``."""
        with self._cond:
            self._responses[method] = body

    def expire_response_urls(self) -> None:
        """Make response URLs answer 404 "expired_url", as Slack does after 30 min / 5 uses."""
        with self._cond:
            self._expired = True

    def reset(self) -> None:
        """Forget calls, queued faults, custom responses and response-URL expiry."""
        with self._cond:
            self._calls.clear()
            self._faults.clear()
            self._sticky.clear()
            self._responses.clear()
            self._expired = False

    # --- request handling -----------------------------------------------------------------

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        url = urlsplit(handler.path)
        headers = {k.lower(): v for k, v in handler.headers.items()}
        raw = handler.rfile.read(int(headers.get("content-length") or 0))
        params: dict[str, Any] = dict(parse_qsl(url.query, keep_blank_values=True))
        params.update(_decode_body(raw, headers.get("content-type", "")))
        if url.path.startswith("/api/"):
            method = url.path.removeprefix("/api/")
        elif url.path.startswith("/response/"):
            method = "response_url"
        else:
            method = url.path
        with self._cond:
            queue = self._faults.get(method)
            fault = queue.popleft() if queue else self._sticky.get(method)
            expired = self._expired and method == "response_url" and fault is None
            call = RecordedCall(method, params, headers, url.path, fault is not None or expired)
            self._calls.append(call)
            self._cond.notify_all()
            override = self._responses.get(method)
        if fault is not None and fault.drop:
            handler.close_connection = True
            return
        if fault is not None and fault.hang:
            time.sleep(fault.hang)
            fault = None
        if fault is not None:
            extra = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
            _reply(handler, fault.status, {"ok": False, "error": fault.error}, extra)
        elif expired:
            _reply(handler, 404, "expired_url")
        elif method == "response_url":
            _reply(handler, 200, override or {"ok": True})
        elif not url.path.startswith("/api/"):
            _reply(handler, 404, {"ok": False, "error": "not_found"})
        else:
            _reply(handler, 200, override or self._default_response(call))

    def _default_response(self, call: RecordedCall) -> dict[str, Any]:
        p = call.params
        if call.method == "auth.test":
            return {
                "ok": True,
                "url": "https://icml2018.slack.com/",
                "team": "ICML2018",
                "user": "icml2018",
                "team_id": TEAM_ID,
                "user_id": BOT_USER_ID,
                "bot_id": BOT_ID,
                "is_enterprise_install": False,
            }
        if call.method in ("chat.postMessage", "chat.update"):
            ts = p.get("ts") if call.method == "chat.update" else fresh_ts()
            message: dict[str, Any] = {
                "type": "message",
                "user": BOT_USER_ID,
                "bot_id": BOT_ID,
                "app_id": APP_ID,
            }
            message |= {k: p[k] for k in ("text", "blocks", "thread_ts", "metadata") if k in p}
            message["ts"] = ts
            return {"ok": True, "channel": p.get("channel"), "ts": ts, "message": message}
        if call.method == "chat.postEphemeral":
            return {"ok": True, "message_ts": fresh_ts()}
        if call.method == "chat.delete":
            return {"ok": True, "channel": p.get("channel"), "ts": p.get("ts")}
        if call.method == "conversations.info":
            channel_id = str(p.get("channel", "C111"))
            is_im = channel_id.startswith("D")
            channel: dict[str, Any] = {"id": channel_id, "is_channel": not is_im, "is_im": is_im}
            channel |= {"user": "U222"} if is_im else {"name": "general", "is_member": True}
            return {"ok": True, "channel": channel}
        if call.method == "users.info":
            user_id = str(p.get("user", "U222"))
            profile = {"display_name": f"user-{user_id}", "real_name": f"User {user_id}"}
            user = {"id": user_id, "team_id": TEAM_ID, "name": f"user-{user_id}", "is_bot": False}
            return {"ok": True, "user": user | {"tz": "Asia/Seoul", "profile": profile}}
        if call.method == "apps.connections.open":
            with self._cond:
                socket_mode = self._socket_mode
            if not (call.token or "").startswith("xapp-"):
                return {"ok": False, "error": "not_allowed_token_type"}
            if socket_mode is None:
                return {"ok": False, "error": "not_allowed"}
            return {"ok": True, "url": socket_mode.connection_url()}
        return {"ok": True}


def _decode_body(raw: bytes, content_type: str) -> dict[str, Any]:
    text = raw.decode("utf-8")
    # slack_sdk posts JSON for methods taking blocks (chat.*) and forms for the others, but
    # labels parameterless calls (auth.test) "application/json" with an empty body.
    if not text.strip() or "multipart/" in content_type:
        return {}
    if "json" in content_type or text.lstrip().startswith("{"):
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            value = None
        if isinstance(value, dict):
            return value
    params: dict[str, Any] = dict(parse_qsl(text, keep_blank_values=True))
    for key in _JSON_STRING_PARAMS:
        if isinstance(params.get(key), str):
            with contextlib.suppress(json.JSONDecodeError):
                params[key] = json.loads(params[key])
    return params


def _reply(
    handler: BaseHTTPRequestHandler,
    status: int,
    body: dict[str, Any] | str,
    headers: dict[str, str] | None = None,
) -> None:
    if isinstance(body, str):
        data, content_type = body.encode(), "text/plain; charset=utf-8"
    else:
        data, content_type = json.dumps(body).encode(), "application/json; charset=utf-8"
    try:
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(data)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the client gave up (timeout); nothing to do


class FakeSocketModeServer:
    """Slack's side of Socket Mode on ws://127.0.0.1 (the builtin SocketModeClient speaks ws://).

    On each connection it sends Slack's ``hello`` message, then records every message with an
    ``envelope_id`` as an ack. It pings every ``ping_interval`` seconds: besides keeping the
    connection alive this wakes up the builtin client, whose ``close()`` otherwise blocks until
    its socket read times out (3 s). Close the client before this server, or the client will
    try to reconnect.
    """

    def __init__(
        self, web_api: FakeSlackWebAPI | None = None, *, ping_interval: float = 0.25
    ) -> None:
        self._cond = threading.Condition()
        self._connections: list[ServerConnection] = []
        self._acks: list[dict[str, Any]] = []
        self._server: Server = serve(
            self._handle,
            _LOOPBACK,
            0,
            compression=None,  # the builtin client cannot inflate permessage-deflate frames
            ping_interval=ping_interval,
            ping_timeout=5,
            close_timeout=0.5,
            open_timeout=2,
        )
        self.port: int = self._server.socket.getsockname()[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        self._web_api = web_api
        if web_api is not None:
            web_api.attach_socket_mode(self)

    def __enter__(self) -> FakeSocketModeServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Detach from the Web API fake, close connections (1001) and stop; about 1 s at most."""
        if self._web_api is not None:
            self._web_api.attach_socket_mode(None)
            self._web_api = None
        self._server.shutdown()
        self._thread.join(timeout=2)

    def connection_url(self) -> str:
        """A fresh URL as ``apps.connections.open`` returns it (the builtin client needs a path)."""
        return f"ws://{_LOOPBACK}:{self.port}/link/?ticket={uuid.uuid4()}&app_id={APP_ID}"

    @property
    def acks(self) -> list[dict[str, Any]]:
        with self._cond:
            return list(self._acks)

    def wait_for_client(self, timeout: float = 5.0) -> None:
        with self._cond:
            if not self._cond.wait_for(lambda: self._connections, timeout):
                raise AssertionError(f"no Socket Mode client connected within {timeout}s")

    def send_envelope(self, envelope: dict[str, Any], timeout: float = 5.0) -> None:
        """Send ``envelope`` (or any message, e.g. ``{"type": "disconnect"}``) to the newest
        connected client, waiting up to ``timeout`` for one to connect."""
        self.wait_for_client(timeout)
        with self._cond:
            connection = self._connections[-1]
        connection.send(json.dumps(envelope))

    def wait_for_ack(self, envelope_id: str, timeout: float = 5.0) -> dict[str, Any]:
        """Return the client's ack for ``envelope_id`` (``{"envelope_id", "payload"?}``)."""

        def find() -> dict[str, Any] | None:
            return next((a for a in self._acks if a.get("envelope_id") == envelope_id), None)

        with self._cond:
            ack = self._cond.wait_for(find, timeout)
            if ack is None:
                raise AssertionError(
                    f"no ack for envelope {envelope_id!r} within {timeout}s; acks: {self._acks}"
                )
            return ack

    def _handle(self, connection: ServerConnection) -> None:
        hello = {
            "type": "hello",
            "num_connections": 1,
            "debug_info": {"host": "applink-fake", "approximate_connection_time": 18060},
            "connection_info": {"app_id": APP_ID},
        }
        try:
            connection.send(json.dumps(hello))
            with self._cond:
                self._connections.append(connection)
                self._cond.notify_all()
            for raw in connection:
                try:
                    message = json.loads(raw)
                except ValueError:
                    continue  # not an ack; Slack would ignore it too
                if isinstance(message, dict) and "envelope_id" in message:
                    with self._cond:
                        self._acks.append(message)
                        self._cond.notify_all()
        except ConnectionClosed:
            pass  # the builtin client closes its socket without a close frame
        finally:
            with self._cond:
                if connection in self._connections:
                    self._connections.remove(connection)
                self._cond.notify_all()


# --- request builders ---------------------------------------------------------------------

_MENTION = re.compile(r"<@([A-Z0-9]+)>")


def _rich_text_blocks(text: str) -> list[dict[str, Any]]:
    parts = _MENTION.split(text)  # alternates plain text and mentioned user ids
    elements = [
        {"type": "user", "user_id": part} if i % 2 else {"type": "text", "text": part}
        for i, part in enumerate(parts)
        if part
    ]
    section = {"type": "rich_text_section", "elements": elements}
    return [{"type": "rich_text", "block_id": "BCCO", "elements": [section]}]


def _event_callback(event: dict[str, Any], event_id: str | None) -> dict[str, Any]:
    body = copy.deepcopy(APP_MENTION_EVENT_CALLBACK)
    body["team_id"] = TEAM_ID
    body["event"] = event
    body["event_id"] = event_id or fresh_event_id()
    body["event_time"] = int(float(event["event_ts"]))
    body["authorizations"][0].update(team_id=TEAM_ID, user_id=BOT_USER_ID)
    body["event_context"] = f"4-{event['type']}-{TEAM_ID}-{event['channel']}"
    return body


def app_mention_body(
    text: str,
    *,
    channel: str = "C111",
    user: str = "U222",
    ts: str | None = None,
    thread_ts: str | None = None,
    event_id: str | None = None,
) -> dict[str, Any]:
    """An Events API ``app_mention`` body; ``text`` is raw, e.g. ``"<@UBOT> question"``."""
    ts = ts or fresh_ts()
    event: dict[str, Any] = {
        "client_msg_id": str(uuid.uuid4()),
        "type": "app_mention",
        "text": text,
        "user": user,
        "ts": ts,
        "blocks": _rich_text_blocks(text),
        "team": TEAM_ID,
        "channel": channel,
        "event_ts": ts,
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    return _event_callback(event, event_id)


def dm_message_body(
    text: str,
    *,
    channel: str = "D111",
    user: str = "U222",
    event_id: str | None = None,
    subtype: str | None = None,
    bot_id: str | None = None,
) -> dict[str, Any]:
    """An Events API ``message.im`` body (``subtype``/``bot_id`` are set as given)."""
    ts = fresh_ts()
    event: dict[str, Any] = {
        "type": "message",
        "text": text,
        "user": user,
        "ts": ts,
        "blocks": _rich_text_blocks(text),
        "team": TEAM_ID,
        "channel": channel,
        "event_ts": ts,
        "channel_type": "im",
    }
    if subtype:
        event["subtype"] = subtype
    if bot_id:
        event["bot_id"] = bot_id
    else:
        event["client_msg_id"] = str(uuid.uuid4())
    return _event_callback(event, event_id)


def channel_message_body(
    text: str,
    *,
    channel: str = "C111",
    thread_ts: str | None = None,
    user: str = "U222",
    channel_type: str = "channel",
    event_id: str | None = None,
) -> dict[str, Any]:
    """A ``message.channels`` (or ``message.groups``) body; ``thread_ts`` makes it a reply."""
    ts = fresh_ts()
    event: dict[str, Any] = {
        "client_msg_id": str(uuid.uuid4()),
        "type": "message",
        "text": text,
        "user": user,
        "ts": ts,
        "blocks": _rich_text_blocks(text),
        "team": TEAM_ID,
        "channel": channel,
        "event_ts": ts,
        "channel_type": channel_type,
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
        event["parent_user_id"] = user
    return _event_callback(event, event_id)


def app_home_opened_body(
    *, user: str = "U222", tab: str = "home", event_id: str | None = None
) -> dict[str, Any]:
    """An Events API ``app_home_opened`` body (the user opened the app's Home or Messages tab)."""
    ts = fresh_ts()
    event: dict[str, Any] = {
        "type": "app_home_opened",
        "user": user,
        "channel": "D111",
        "tab": tab,
        "event_ts": ts,
    }
    return _event_callback(event, event_id)


def slash_command_fields(
    text: str,
    *,
    command: str = "/icml2018",
    response_url: str,
    channel_id: str = "C111",
    user_id: str = "U222",
) -> dict[str, str]:
    """The form fields Slack sends for a slash command (also the Socket Mode payload)."""
    fields = dict(SLASH_COMMAND_FIELDS)
    for key in ("enterprise_id", "enterprise_name"):  # the fixture comes from an Enterprise Grid
        fields.pop(key)
    fields.update(
        team_id=TEAM_ID,
        channel_id=channel_id,
        channel_name="directmessage" if channel_id.startswith("D") else "general",
        user_id=user_id,
        user_name=f"user-{user_id}",
        command=command,
        text=text,
        api_app_id=APP_ID,
        is_enterprise_install="false",
        response_url=response_url,
        trigger_id=f"111.222.{uuid.uuid4().hex[:12]}",
    )
    return fields


def slash_command_form(
    text: str,
    *,
    command: str = "/icml2018",
    response_url: str,
    channel_id: str = "C111",
    user_id: str = "U222",
) -> str:
    """A urlencoded slash-command request body, as Slack POSTs it."""
    fields = slash_command_fields(
        text, command=command, response_url=response_url, channel_id=channel_id, user_id=user_id
    )
    return urlencode(fields)


def block_actions_payload(
    action_id: str,
    value: str,
    *,
    response_url: str,
    channel_id: str = "C111",
    is_ephemeral: bool = False,
    message: dict[str, Any] | None = None,
    user_id: str = "U222",
) -> dict[str, Any]:
    """A ``block_actions`` payload for a button click.

    For a regular message, ``message`` (default: a bot message holding the button) is
    included, as Slack does; for an ephemeral one Slack sends no ``message`` field.
    """
    payload = copy.deepcopy(BLOCK_ACTIONS_PAYLOAD)
    action = payload["actions"][0]
    action.update(action_id=action_id, value=value, action_ts=fresh_ts())
    if message is None and not is_ephemeral:
        message = copy.deepcopy(payload["message"])
        message.update(bot_id=BOT_ID, user=BOT_USER_ID, team=TEAM_ID, ts=fresh_ts())
        message["blocks"][0]["accessory"].update(action_id=action_id, value=value)
    if message is None:
        del payload["message"]
    else:
        payload["message"] = message
    payload["container"].update(
        channel_id=channel_id,
        is_ephemeral=is_ephemeral,
        message_ts=message.get("ts") if message else fresh_ts(),
    )
    payload.update(
        user={"id": user_id, "username": f"user-{user_id}", "team_id": TEAM_ID},
        team={"id": TEAM_ID, "domain": "icml2018"},
        channel={"id": channel_id},
        response_url=response_url,
    )
    return payload


def block_actions_form(
    action_id: str,
    value: str,
    *,
    response_url: str,
    channel_id: str = "C111",
    is_ephemeral: bool = False,
    message: dict[str, Any] | None = None,
    user_id: str = "U222",
) -> str:
    """An interactivity request body, ``payload=`` + quoted JSON as in the shared fixture."""
    payload = block_actions_payload(
        action_id,
        value,
        response_url=response_url,
        channel_id=channel_id,
        is_ephemeral=is_ephemeral,
        message=message,
        user_id=user_id,
    )
    return "payload=" + quote(json.dumps(payload))


def socket_mode_envelope_for_event(
    body: dict[str, Any], *, retry_attempt: int = 0
) -> dict[str, Any]:
    return {
        "envelope_id": str(uuid.uuid4()),
        "payload": body,
        "type": "events_api",
        "accepts_response_payload": False,
        "retry_attempt": retry_attempt,
        "retry_reason": "timeout" if retry_attempt else "",
    }


def socket_mode_envelope_for_command(form_fields: dict[str, str]) -> dict[str, Any]:
    return {
        "envelope_id": str(uuid.uuid4()),
        "payload": form_fields,
        "type": "slash_commands",
        "accepts_response_payload": True,
    }


def socket_mode_envelope_for_interactive(payload: dict[str, Any]) -> dict[str, Any]:
    return {
        "envelope_id": str(uuid.uuid4()),
        "payload": payload,
        "type": "interactive",
        "accepts_response_payload": False,
    }


def sign_request(body: str, secret: str, timestamp: int | None = None) -> dict[str, str]:
    """Headers Slack sends with ``body``: v0 HMAC-SHA256 signature, timestamp, content type."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    is_json = body.lstrip().startswith("{")
    return {
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": f"v0={digest}",
        "Content-Type": "application/json" if is_json else "application/x-www-form-urlencoded",
    }

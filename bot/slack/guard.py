"""Checks on an incoming HTTP request before Bolt sees it: size, signature, shape.

Bolt parses the body while it builds its request object, before it verifies the
signature, and a parse error there becomes a 500 with a traceback (and on a bad
signature Bolt logs the whole body). So the HTTP front door checks, in this order,
without logging any part of an unverified body:

1. the size (``MAX_BODY_BYTES``; the server refuses larger bodies before reading them),
2. the ``X-Slack-Request-Timestamp`` (an integer, within five minutes) and the
   ``X-Slack-Signature`` HMAC over the raw bytes — 401 otherwise,
3. the body of a verified request: UTF-8, a JSON object (or a form whose ``payload``
   is one) with the fields Bolt reads having the types it expects — 400 otherwise.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

MAX_BODY_BYTES = 1024 * 1024  # Slack's payloads are a few KB; 1 MB is generous
MAX_CLOCK_SKEW = 5 * 60
_DICT_FIELDS = (
    "event",
    "team",
    "user",
    "channel",
    "container",
    "enterprise",
    "message",
    "view",
    "state",
)
_LIST_FIELDS = ("actions", "authorizations")


@dataclass(frozen=True, slots=True)
class Rejection:
    """Why a request is refused: the HTTP status and a short reason for the log."""

    status: int
    reason: str


def check_signature(
    secret: str,
    body: bytes,
    headers: Mapping[str, str],
    *,
    clock: Callable[[], float] = time.time,
) -> Rejection | None:
    """None when ``body`` carries a valid, fresh Slack v0 signature."""
    timestamp = headers.get("x-slack-request-timestamp") or ""
    signature = headers.get("x-slack-signature") or ""
    if not timestamp or not signature:
        return Rejection(401, "unsigned request")
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        return Rejection(401, "malformed X-Slack-Request-Timestamp")
    if abs(clock() - int(timestamp)) > MAX_CLOCK_SKEW:
        return Rejection(401, "stale X-Slack-Request-Timestamp")
    base = b"v0:" + timestamp.encode("ascii") + b":" + body
    expected = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace")):
        return Rejection(401, "invalid X-Slack-Signature")
    return None


def parse_verified_body(body: bytes, content_type: str) -> str | Rejection:
    """The body as text if Bolt can parse it into a well-typed payload."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return Rejection(400, "body is not UTF-8")
    try:
        payload = _parse_like_bolt(text, content_type)
    except ValueError:
        return Rejection(400, "body is not valid JSON")
    problem = shape_problem(payload)
    if problem:
        return Rejection(400, problem)
    return text


def _parse_like_bolt(text: str, content_type: str) -> Any:
    # Mirrors slack_bolt.request.internals.parse_body, which Bolt runs on every request.
    if not text:
        return {}
    if content_type.split(";")[0].strip() == "application/json" or text.startswith("{"):
        return json.loads(text)
    params = dict(parse_qsl(text, keep_blank_values=True))
    if "payload" in text and "payload" in params:
        return json.loads(params["payload"])
    return params


def shape_problem(payload: Any) -> str | None:
    """What is wrong with a parsed payload's shape, or None."""
    if not isinstance(payload, dict):
        return f"payload is a JSON {type(payload).__name__}, not an object"
    for key in _DICT_FIELDS:
        value = payload.get(key)
        if value is not None and not isinstance(value, dict | str):
            return f"{key!r} has the wrong type"
    if isinstance(payload.get("event"), str):
        return "'event' is not an object"
    for key in _LIST_FIELDS:
        value = payload.get(key)
        if value is not None and not (
            isinstance(value, list) and all(isinstance(v, dict) for v in value)
        ):
            return f"{key!r} is not a list of objects"
    for key in ("type", "command", "text", "event_id", "trigger_id", "response_url"):
        value = payload.get(key)
        if value is not None and not isinstance(value, str):
            return f"{key!r} is not a string"
    return None

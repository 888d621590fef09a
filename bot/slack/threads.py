"""Which Slack messages belong to a conversation the bot is in, and under which key.

- a mention: the thread it starts or sits in (the bot answers there);
- a DM: the DM itself (or the DM thread written in);
- a channel message: only a reply in a thread, without a mention of the bot (that one
  arrives as ``app_mention`` too), and only if the bot answered in that thread — the
  caller checks the last part against the store.
"""

from __future__ import annotations

from typing import Any

MENTION = "app_mention"
DM = "message.im"
CHANNEL = "message.channels"
GROUP = "message.groups"
# The Events API subscriptions the listeners serve (the app manifests list exactly these).
SUBSCRIPTIONS = (MENTION, DM, CHANNEL, GROUP)


def event_kind(event: dict[str, Any]) -> str | None:
    """The subscription an event came through, None for kinds we do not serve (mpim, …)."""
    if event.get("type") == "app_mention":
        return MENTION
    return {"im": DM, "channel": CHANNEL, "group": GROUP}.get(str(event.get("channel_type")))


def thread_key(event: dict[str, Any], kind: str) -> str | None:
    """Where the conversation's context is kept; None if this message starts none."""
    channel = event.get("channel")
    if not channel:
        return None
    thread = event.get("thread_ts")
    if kind == MENTION:
        return f"{channel}:{thread or event.get('ts')}"
    if kind == DM:
        return f"{channel}:{thread or '-'}"
    return f"{channel}:{thread}" if thread else None


def is_thread_reply_for_us(event: dict[str, Any], bot_user_id: str | None) -> bool:
    """A channel message the bot may answer without a mention: a thread reply that does not
    mention the bot (a mention is answered through ``app_mention``)."""
    if not event.get("thread_ts") or event.get("thread_ts") == event.get("ts"):
        return False
    text = str(event.get("text") or "")
    return not (bot_user_id and f"<@{bot_user_id}>" in text)

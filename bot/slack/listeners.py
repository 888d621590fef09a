"""The listeners: one small method per event, command and action.

Listeners decide only *where* an answer goes (thread, DM, ephemeral, channel); *what*
to answer comes from ``Answerer`` and how it looks from ``render``. Whether a message
is a question for us at all (bot messages, channels, threads, retries) was decided
before, by the global middleware (``middleware``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack

from bot.answer import Answer, Answerer, clean_question
from bot.config import Config
from bot.conversation import NEW, SOURCES, Conversation, Turn, candidates
from bot.corpus import Corpus
from bot.display import paragraph, show
from bot.guide import Guide
from bot.messages import FEEDBACK_NEXT, FEEDBACK_NO_NEXT, FEEDBACK_THANKS, NO_MORE_TEXT
from bot.reload import LiveAnswerer
from bot.slack import feedback
from bot.slack.middleware import (
    CHANNEL_NOT_ALLOWED,
    EVENT_CLAIM,
    KIND,
    THREAD,
    THREAD_KEY,
    may_post_in,
    request_id,
)
from bot.slack.outbox import (
    POST_MESSAGE,
    RESPONSE_URL,
    VIEWS_PUBLISH,
    Delivery,
    Outbox,
)
from bot.slack.render import (
    ACTION_VOTE_UP,
    Message,
    answer_message,
    error_message,
    home_view,
    notice_message,
    paragraph_message,
    parse_button_value,
    parse_passage_value,
    sources_message,
    unescape,
)
from bot.slack.threads import DM, MENTION
from bot.store.base import Store, utcnow
from bot.store.records import QuestionRecord, ThreadContext, Vote

log = logging.getLogger(__name__)

SHARE_FAILED = (
    "채널에 공유하지 못했어요. "
    "봇이 이 채널에 없다면 `/invite @icml2018`로 초대한 뒤 다시 눌러 주세요."
)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


class Listeners:
    """One method per event, command and action; ``build_app`` registers them with Bolt.

    Listeners never call the Web API: every post goes through ``outbox``, so the threads
    Bolt acks with are never held by a slow or rate-limited Slack.
    """

    def __init__(
        self, answerer: Answerer | LiveAnswerer, config: Config, store: Store, outbox: Outbox
    ) -> None:
        self.answerer = answerer
        self.config = config
        self.store = store
        self.outbox = outbox
        self.conversation = Conversation(answerer, k=config.candidates)

    def _may_post_in(self, channel: str | None) -> bool:
        return may_post_in(self.config, channel)

    # -- shared -----------------------------------------------------------------

    def _corpus(self) -> Corpus:
        """The corpus being served now (a reload may have swapped it)."""
        answerer = (
            self.answerer.current if isinstance(self.answerer, LiveAnswerer) else self.answerer
        )
        return answerer.index.corpus

    @property
    def guide(self) -> Guide:
        """What the served corpus holds, for help, no-answer and App Home (cheap to build)."""
        return Guide.from_corpus(self._corpus())

    def _answer(self, question: str, *, event: str, channel_type: str) -> Answer | None:
        started = time.perf_counter()
        try:
            answer = self.answerer.answer(question, k=self.config.candidates)
        except Exception:
            log.exception("answer failed", extra={"event": event, "channel_type": channel_type})
            return None
        self._log_answered(question, answer.status, None, event, channel_type, started)
        return answer

    def _log_answered(
        self,
        text: str,
        status: str,
        kind: str | None,
        event: str,
        channel_type: str,
        started: float,
    ) -> None:
        """One log line per answer: where, what status, how long (question text only
        with BOT_LOG_QUESTIONS)."""
        extra: dict[str, Any] = {
            "event": event,
            "channel_type": channel_type,
            "status": status,
            "question_chars": len(text),
            "latency_ms": round((time.perf_counter() - started) * 1000, 2),
        }
        if self.config.log_questions:
            extra["question"] = text
        how = f"{status} ({kind}, " if kind else f"{status} ("
        log.info(
            "answered %s in %s: %s%d chars, %.1f ms)",
            event,
            channel_type,
            how,
            len(text),
            extra["latency_ms"],
            extra=extra,
        )

    def _log_question(
        self, text: str, status: str, *, transport: str, started: float, turn: Turn | None = None
    ) -> None:
        shown = turn.shown if turn else None
        followup = turn.kind if turn and turn.kind != NEW else None
        self.store.log_question(
            QuestionRecord(
                asked_at=utcnow(),
                status=status,
                transport=transport,
                passage_id=shown.passage_id if shown else None,
                score=round(shown.score, 4) if shown else None,
                latency_ms=round((time.perf_counter() - started) * 1000, 2),
                question_chars=len(text),
                question=clean_question(text),
                followup=followup,
            )
        )

    def _turn(
        self, text: str, previous: ThreadContext | None, *, event: str, channel_type: str
    ) -> Turn | None:
        """``Conversation.reply`` with the same logging as ``_answer``."""
        started = time.perf_counter()
        try:
            turn = self.conversation.reply(text, previous)
        except Exception:
            log.exception("answer failed", extra={"event": event, "channel_type": channel_type})
            return None
        self._log_answered(text, turn.status, turn.kind, event, channel_type, started)
        self._log_question(text, turn.status, transport=event, started=started, turn=turn)
        return turn

    # -- events -----------------------------------------------------------------

    def on_message(
        self, body: dict[str, Any], event: dict[str, Any], context: dict[str, Any]
    ) -> None:
        """A mention, a DM or a follow-up in the bot's thread (the middleware let it through
        and claimed it): answer it; the claim is finished once the reply is delivered."""
        kind = str(context.get(KIND))
        claimed = str(context.get(EVENT_CLAIM) or "")

        def finish(answered: bool) -> None:
            if claimed:
                self.store.finish_event(claimed, answered=answered)

        queued = False
        try:
            queued = self._reply_to_event(
                event, kind, context.get(THREAD_KEY), context.get(THREAD), body, finish
            )
        finally:
            if not queued:
                finish(True)  # nothing to post (withheld), or the answer failed and was said

    def _reply_to_event(
        self,
        event: dict[str, Any],
        kind: str,
        key: str | None,
        previous: ThreadContext | None,
        body: dict[str, Any],
        finish: Callable[[bool], None],
    ) -> bool:
        """Answer one message; True once the reply is queued, ``finish`` then runs when it
        is delivered (True) or given up (False: the event is released for Slack's retry)."""
        channel_type = event.get("channel_type") or "channel"
        event_name = kind if kind in (MENTION, DM) else "thread"
        turn = self._turn(
            unescape(event.get("text") or ""),  # Slack sends a typed "<" as "&lt;"
            previous,
            event=event_name,
            channel_type=channel_type,
        )
        if turn is not None and event_name == "thread" and turn.status in ("help", "no_answer"):
            return False  # unmentioned chatter in the thread: not for the bot
        thread_ts = event.get("thread_ts") or (event.get("ts") if kind == MENTION else None)
        message = error_message() if turn is None else turn_message(turn, self.guide)
        if turn is not None and turn.state is not None and key:
            # Before posting: a reply typed the moment the answer shows must find it. If the
            # post fails, the event is released and Slack's retry answers (and saves) again.
            self.store.save_thread(key, turn.state)
        channel = str(event.get("channel"))
        return self._post(channel, message, request_id(body), thread_ts=thread_ts, on_done=finish)

    def _post(
        self,
        channel: str,
        message: Message,
        event_id: str,
        *,
        thread_ts: str | None = None,
        on_done: Callable[[bool], None] | None = None,
    ) -> bool:
        params: dict[str, Any] = {"channel": channel, **message.as_kwargs(), "unfurl_links": False}
        if thread_ts:
            params["thread_ts"] = thread_ts
        return self.outbox.put(Delivery(POST_MESSAGE, event_id, params, on_done=on_done))

    # -- slash command ------------------------------------------------------------

    def on_command(self, ack: Ack, command: dict[str, Any]) -> None:
        ack()
        text = unescape(str(command.get("text") or "")).strip()  # help or not: the answerer decides
        url, event_id = command.get("response_url"), request_id(command)
        started = time.perf_counter()
        channel = command.get("channel_id")
        answer = self._answer(text, event="slash_command", channel_type=_channel_type(channel))
        if answer is not None:
            turn = Turn(text, NEW, answer)
            self._log_question(
                text, answer.status, transport="slash_command", started=started, turn=turn
            )
        shareable = answer is not None and answer.status != "help" and self._may_post_in(channel)
        message = (
            error_message()
            if answer is None
            else answer_message(answer, guide=self.guide, shareable=shareable)
        )
        self._respond(url, message, event_id, response_type="ephemeral")

    def _respond(self, url: Any, message: Message, event_id: str, **kwargs: Any) -> None:
        delivery = self._response(url, message, event_id, **kwargs)
        if delivery is not None:
            self.outbox.put(delivery)

    @staticmethod
    def _response(url: Any, message: Message, event_id: str, **kwargs: Any) -> Delivery | None:
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            log.warning("no response_url to answer %s", event_id)
            return None
        body = {**message.as_kwargs(), **kwargs}
        return Delivery(RESPONSE_URL, event_id, {"url": url, "body": body})

    # -- buttons ---------------------------------------------------------------------

    def on_share(self, ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        parsed = parse_button_value(action.get("value"))
        channel = _dict(body.get("channel")).get("id") or _dict(body.get("container")).get(
            "channel_id"
        )
        if parsed is None or not isinstance(channel, str) or not channel:
            log.info("share ignored: not a button value of ours")
            return
        url, event_id = body.get("response_url"), request_id(body)
        if not self._may_post_in(channel):
            log.info("share refused: channel not in BOT_ALLOWED_CHANNELS")
            message = Message(CHANNEL_NOT_ALLOWED, [])
            self._respond(url, message, event_id, response_type="ephemeral", replace_original=False)
            return
        question, position = parsed
        answer = self._answer(question, event="share", channel_type=_channel_type(channel))
        if answer is None:
            self._respond(
                url, error_message(), event_id, response_type="ephemeral", replace_original=False
            )
            return
        user = _dict(body.get("user")).get("id")
        message = answer_message(answer, guide=self.guide, position=position, shared_by=user)
        params = {"channel": channel, **message.as_kwargs(), "unfurl_links": False}
        share = Delivery(POST_MESSAGE, event_id, params)
        share.then = self._response(
            url, Message("채널에 공유했어요.", []), event_id, delete_original=True
        )
        share.otherwise = self._response(
            url,
            Message(SHARE_FAILED, []),
            event_id,
            response_type="ephemeral",
            replace_original=False,
        )
        self.outbox.put(share)

    def on_next(self, ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        parsed = _our_button(action)
        if parsed is None:
            return
        question, position = parsed
        answer = self._answer(question, event="next_passage", channel_type="button")
        if answer is None:
            return
        message = answer_message(answer, guide=self.guide, position=position, shareable=True)
        self._reply_privately(body, message, replace_own=True)

    def _reply_privately(
        self, body: dict[str, Any], message: Message, *, replace_own: bool
    ) -> None:
        """Show ``message`` to the clicker only. A public answer is never rewritten for the
        others in the channel: the clicker gets a new ephemeral message; on their own
        ephemeral message (a slash-command answer, a paragraph view) ``replace_own`` replaces
        it in place."""
        ephemeral = bool(_dict(body.get("container")).get("is_ephemeral"))
        url, event_id = body.get("response_url"), request_id(body)
        if ephemeral and replace_own:
            self._respond(url, message, event_id, replace_original=True)
        else:
            self._respond(url, message, event_id, response_type="ephemeral", replace_original=False)

    def on_full(self, ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        """The "전체 문단" button: the whole paragraph of the shown passage, its quote bold."""
        ack()
        parsed = _our_button(action)
        if parsed is None:
            return
        question, position = parsed
        answer = self._answer(question, event="full_paragraph", channel_type="button")
        shown = show(answer, position) if answer is not None else None
        if shown is None:
            return
        view = paragraph(self._corpus(), shown.result.passage_id, shown.quote_text)
        if view is not None:
            self._reply_privately(body, paragraph_message(view), replace_own=False)

    def on_paragraph(self, ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        """The "앞 문단" / "뒤 문단" buttons: the neighbouring paragraph of the same section."""
        ack()
        value = action.get("value")
        passage_id = parse_passage_value(value) if isinstance(value, str) else None
        view = paragraph(self._corpus(), passage_id) if passage_id else None
        if view is not None:
            self._reply_privately(body, paragraph_message(view), replace_own=True)

    # -- App Home ------------------------------------------------------------------------

    def on_home(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        """The Home tab: what the bot knows and how to ask, published for the opener."""
        user = event.get("user")
        if event.get("tab") != "home" or not isinstance(user, str) or not user:
            return
        params = {"user_id": user, "view": home_view(self.guide)}
        self.outbox.put(Delivery(VIEWS_PUBLISH, request_id(body), params))

    def on_vote(self, ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        """👍/👎: record the vote (a second click changes it); a 👎 offers the next passage."""
        ack()
        value = action.get("value")
        item = feedback.decode(value) if isinstance(value, str) else None
        user = _dict(body.get("user")).get("id")
        container = _dict(body.get("container"))
        channel = container.get("channel_id") or _dict(body.get("channel")).get("id")
        url, event_id = body.get("response_url"), request_id(body)
        if item is None or not user:
            return
        score = feedback.UP if action.get("action_id") == ACTION_VOTE_UP else feedback.DOWN
        answer_key = f"{channel}:{container.get('message_ts')}:{item.passage_id}"
        vote = Vote(
            answer_key=answer_key[:255],
            user_hash=self.store.user_hash(str(user)),
            score=score,
            status=item.status,
            passage_id=item.passage_id,
            passage_score=item.score,
            question=item.question,
        )
        before = self.store.record_vote(vote)
        log.info("vote %+d on %s (before: %+d)", score, item.passage_id, before)
        if score == feedback.UP:
            self._respond(
                url,
                notice_message(FEEDBACK_THANKS),
                event_id,
                response_type="ephemeral",
                replace_original=False,
            )
            return
        self._respond(
            url,
            self._next_after_downvote(item),
            event_id,
            response_type="ephemeral",
            replace_original=False,
        )

    def _next_after_downvote(self, item: feedback.Rated) -> Message:
        try:
            answer = self.answerer.answer(
                item.question, k=self.config.candidates, context=item.context
            )
        except Exception:
            log.exception("answer failed", extra={"event": "vote_down"})
            return notice_message(FEEDBACK_NO_NEXT)
        following = item.position + 1
        if following >= len(candidates(answer)):
            return notice_message(FEEDBACK_NO_NEXT)
        message = answer_message(answer, guide=self.guide, position=following, context=item.context)
        intro = {"type": "section", "text": {"type": "mrkdwn", "text": FEEDBACK_NEXT}}
        return Message(text=f"{FEEDBACK_NEXT} {message.text}", blocks=[intro, *message.blocks])


def turn_message(turn: Turn, guide: Guide) -> Message:
    """A conversation turn as a Slack message."""
    if turn.kind == SOURCES:
        return sources_message(turn.footnotes, turn.source)
    if turn.answer is None:
        return notice_message(NO_MORE_TEXT)
    return answer_message(turn.answer, guide=guide, position=turn.position, context=turn.context)


def _our_button(action: dict[str, Any]) -> tuple[str, int] | None:
    """The (question, position) a button of ours carries; anything else is logged and
    ignored."""
    parsed = parse_button_value(action.get("value"))
    if parsed is None:
        log.info("button ignored: not a button value of ours")
    return parsed


def _channel_type(channel_id: str | None) -> str:
    prefix = (channel_id or " ")[0]
    return {"D": "im", "G": "group", "C": "channel"}.get(prefix, "unknown")

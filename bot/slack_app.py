"""The Slack app: Bolt listeners that call ``Answerer.answer`` and send its rendering.

Listeners decide only *where* an answer goes (thread, DM, ephemeral, channel);
*what* to answer comes from ``Answerer`` and how it looks from ``slack_render``.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, BoltRequest, Respond, Say
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot import feedback
from bot.answer import Answer, Answerer, clean_question
from bot.config import Config
from bot.conversation import NEW, SOURCES, Conversation, Turn, candidates
from bot.corpus import Corpus
from bot.display import paragraph, show
from bot.guide import Guide
from bot.messages import FEEDBACK_NEXT, FEEDBACK_NO_NEXT, FEEDBACK_THANKS, NO_MORE_TEXT
from bot.reload import LiveAnswerer
from bot.slack_render import (
    ACTION_FOLLOWING_PARAGRAPH,
    ACTION_FULL,
    ACTION_NEXT,
    ACTION_PREVIOUS_PARAGRAPH,
    ACTION_SHARE,
    ACTION_VOTE_DOWN,
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
from bot.slack_threads import (
    DM,
    MENTION,
    SUBSCRIPTIONS,
    event_kind,
    is_thread_reply_for_us,
    thread_key,
)
from bot.store.base import Store, utcnow
from bot.store.records import QuestionRecord, ThreadContext, Vote

log = logging.getLogger(__name__)

COMMAND = "/icml2018"
# "message" arrives as message.im (DMs) and message.channels/.groups (thread follow-ups).
HOME_EVENT = "app_home_opened"  # the user opened the bot's Home tab
EVENTS = ("app_mention", "message", HOME_EVENT)
EVENT_SUBSCRIPTIONS = (*SUBSCRIPTIONS, HOME_EVENT)  # what the app manifests subscribe to
ACTIONS = (
    ACTION_SHARE,
    ACTION_NEXT,
    ACTION_VOTE_UP,
    ACTION_VOTE_DOWN,
    ACTION_FULL,
    ACTION_PREVIOUS_PARAGRAPH,
    ACTION_FOLLOWING_PARAGRAPH,
)
# Web API methods the listeners call (the app manifest's scopes must cover them).
WEB_API_METHODS = ("auth.test", "chat.postMessage", "views.publish")
LISTENER_THREADS = 16
SHARE_FAILED = (
    "채널에 공유하지 못했어요. "
    "봇이 이 채널에 없다면 `/invite @icml2018`로 초대한 뒤 다시 눌러 주세요."
)


def web_client(config: Config) -> WebClient:
    """A Web API client with bounded retries for rate limits, 5xx and dropped connections."""
    return WebClient(
        token=config.slack_bot_token,
        base_url=config.slack_api_url,
        timeout=10,
        retry_handlers=[
            RateLimitErrorRetryHandler(max_retry_count=2),
            ServerErrorRetryHandler(max_retry_count=2),
            ConnectionErrorRetryHandler(max_retry_count=2),
        ],
    )


@dataclass
class SlackBot:
    """The Bolt app with what it needs to shut down cleanly."""

    app: App
    executor: ThreadPoolExecutor

    def drain(self) -> None:
        """Finish answers in flight (Bolt runs listeners on ``executor``)."""
        self.executor.shutdown(wait=True, cancel_futures=False)


def retry_num(request: BoltRequest) -> int:
    """Slack redelivery count (HTTP ``X-Slack-Retry-Num``; Socket Mode ``retry_attempt``)."""
    values = request.headers.get("x-slack-retry-num") or []
    try:
        return max((int(v) for v in values), default=0)
    except ValueError:
        return 1


class Handlers:
    """The listener bodies, kept apart from Bolt's registration for readability."""

    def __init__(self, answerer: Answerer | LiveAnswerer, config: Config, store: Store) -> None:
        self.answerer = answerer
        self.config = config
        self.store = store
        self.conversation = Conversation(answerer, k=config.candidates)

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
        extra: dict[str, Any] = {
            "event": event,
            "channel_type": channel_type,
            "status": answer.status,
            "question_chars": len(question),
            "latency_ms": round((time.perf_counter() - started) * 1000, 2),
        }
        if self.config.log_questions:
            extra["question"] = question
        log.info(
            "answered %s in %s: %s (%d chars, %.1f ms)",
            event,
            channel_type,
            answer.status,
            len(question),
            extra["latency_ms"],
            extra=extra,
        )
        return answer

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
        extra: dict[str, Any] = {
            "event": event,
            "channel_type": channel_type,
            "status": turn.status,
            "question_chars": len(text),
            "latency_ms": round((time.perf_counter() - started) * 1000, 2),
        }
        if self.config.log_questions:
            extra["question"] = text
        log.info(
            "answered %s in %s: %s (%s, %d chars, %.1f ms)",
            event,
            channel_type,
            turn.status,
            turn.kind,
            len(text),
            extra["latency_ms"],
            extra=extra,
        )
        self._log_question(text, turn.status, transport=event, started=started, turn=turn)
        return turn

    # -- events -----------------------------------------------------------------

    def on_event(
        self,
        body: dict[str, Any],
        event: dict[str, Any],
        request: BoltRequest,
        say: Say,
        context: dict[str, Any],
    ) -> None:
        kind = event_kind(event)
        if event.get("bot_id") or event.get("subtype") or kind is None:
            return  # bot messages, edits and deletions are not questions
        channel = event.get("channel")
        if kind != DM and not self.config.channel_allowed(channel):
            what = "mention" if kind == MENTION else "thread reply"
            log.info("%s ignored: channel not in BOT_ALLOWED_CHANNELS", what)
            return
        if kind not in (MENTION, DM) and not is_thread_reply_for_us(
            event, context.get("bot_user_id")
        ):
            return  # channel chatter; mentions arrive as app_mention
        key = thread_key(event, kind)
        previous = self.store.get_thread(key) if key else None
        if kind not in (MENTION, DM) and previous is None:
            log.debug("message in a thread the bot did not answer: ignored")
            return
        event_id = str(body.get("event_id") or "")
        if event_id and not self.store.claim_event(event_id):
            log.info(
                "ignored delivery of %s (retry %d): answered or being answered",
                event_id,
                retry_num(request),
            )
            return
        done = False
        try:
            done = self._reply_to_event(event, kind, key, previous, say)
        finally:
            if event_id:
                self.store.finish_event(event_id, answered=done)

    def _reply_to_event(
        self,
        event: dict[str, Any],
        kind: str,
        key: str | None,
        previous: ThreadContext | None,
        say: Say,
    ) -> bool:
        """Answer one message; True once the reply is posted (or deliberately withheld)."""
        channel_type = event.get("channel_type") or "channel"
        event_name = kind if kind in (MENTION, DM) else "thread"
        turn = self._turn(
            unescape(event.get("text") or ""),  # Slack sends a typed "<" as "&lt;"
            previous,
            event=event_name,
            channel_type=channel_type,
        )
        if turn is not None and event_name == "thread" and turn.status in ("help", "no_answer"):
            return True  # unmentioned chatter in the thread: not for the bot
        thread_ts = event.get("thread_ts") or (event.get("ts") if kind == MENTION else None)
        message = error_message() if turn is None else turn_message(turn, self.guide)
        if turn is not None and turn.state is not None and key:
            # Before posting: a reply typed the moment the answer shows must find it. If the
            # post fails, the event is released and Slack's retry answers (and saves) again.
            self.store.save_thread(key, turn.state)
        return self._send(say, message, thread_ts=thread_ts)

    def _send(self, say: Say, message: Message, *, thread_ts: str | None) -> bool:
        try:
            say(**message.as_kwargs(), thread_ts=thread_ts, unfurl_links=False)
        except SlackApiError as exc:
            log.error("chat.postMessage failed: %s", exc.response.get("error"))
            return False
        except OSError as exc:  # connection errors that outlasted the client's retries
            log.error("chat.postMessage failed: %s", exc.__class__.__name__)
            return False
        return True

    # -- slash command ------------------------------------------------------------

    def on_command(self, ack: Ack, command: dict[str, Any], respond: Respond) -> None:
        ack()
        text = unescape(command.get("text") or "").strip()  # help or not: the answerer decides
        started = time.perf_counter()
        answer = self._answer(
            text, event="slash_command", channel_type=_channel_type(command.get("channel_id"))
        )
        if answer is not None:
            turn = Turn(text, NEW, answer)
            self._log_question(
                text, answer.status, transport="slash_command", started=started, turn=turn
            )
        message = (
            error_message()
            if answer is None
            else answer_message(answer, guide=self.guide, shareable=answer.status != "help")
        )
        self._respond(respond, message, response_type="ephemeral")

    @staticmethod
    def _respond(respond: Respond, message: Message, **kwargs: Any) -> bool:
        try:
            response = respond(**message.as_kwargs(), **kwargs)
        except Exception as exc:  # the response_url client raises on network errors
            log.error("response_url post failed: %s", exc.__class__.__name__)
            return False
        if response.status_code >= 300:
            log.warning("response_url answered %s (expired or invalid)", response.status_code)
            return False
        return True

    # -- buttons ---------------------------------------------------------------------

    def on_share(
        self,
        ack: Ack,
        body: dict[str, Any],
        action: dict[str, Any],
        client: WebClient,
        respond: Respond,
    ) -> None:
        ack()
        parsed = parse_button_value(action.get("value") or "")
        channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
            "channel_id"
        )
        if parsed is None or not channel:
            return
        question, position = parsed
        answer = self._answer(question, event="share", channel_type=_channel_type(channel))
        if answer is None:
            self._respond(
                respond, error_message(), response_type="ephemeral", replace_original=False
            )
            return
        user = (body.get("user") or {}).get("id")
        message = answer_message(answer, guide=self.guide, position=position, shared_by=user)
        try:
            client.chat_postMessage(channel=channel, **message.as_kwargs(), unfurl_links=False)
        except SlackApiError as exc:
            log.error("sharing to channel failed: %s", exc.response.get("error"))
            self._respond(
                respond,
                Message(SHARE_FAILED, []),
                response_type="ephemeral",
                replace_original=False,
            )
            return
        self._respond(respond, Message("채널에 공유했어요.", []), delete_original=True)

    def on_next(
        self, ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond
    ) -> None:
        ack()
        parsed = parse_button_value(action.get("value") or "")
        if parsed is None:
            return
        question, position = parsed
        answer = self._answer(question, event="next_passage", channel_type="button")
        if answer is None:
            return
        message = answer_message(answer, guide=self.guide, position=position, shareable=True)
        self._reply_privately(body, respond, message, replace_own=True)

    @staticmethod
    def _reply_privately(
        body: dict[str, Any], respond: Respond, message: Message, *, replace_own: bool
    ) -> None:
        """Show ``message`` to the clicker only. A public answer is never rewritten for the
        others in the channel: the clicker gets a new ephemeral message; on their own
        ephemeral message (a slash-command answer, a paragraph view) ``replace_own`` replaces
        it in place."""
        ephemeral = bool((body.get("container") or {}).get("is_ephemeral"))
        if ephemeral and replace_own:
            Handlers._respond(respond, message, replace_original=True)
        else:
            Handlers._respond(respond, message, response_type="ephemeral", replace_original=False)

    def on_full(
        self, ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond
    ) -> None:
        """The "전체 문단" button: the whole paragraph of the shown passage, its quote bold."""
        ack()
        parsed = parse_button_value(action.get("value") or "")
        if parsed is None:
            return
        question, position = parsed
        answer = self._answer(question, event="full_paragraph", channel_type="button")
        shown = show(answer, position) if answer is not None else None
        if shown is None:
            return
        view = paragraph(self._corpus(), shown.result.passage_id, shown.quote_text)
        if view is not None:
            self._reply_privately(body, respond, paragraph_message(view), replace_own=False)

    def on_paragraph(
        self, ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond
    ) -> None:
        """The "앞 문단" / "뒤 문단" buttons: the neighbouring paragraph of the same section."""
        ack()
        passage_id = parse_passage_value(action.get("value") or "")
        view = paragraph(self._corpus(), passage_id) if passage_id else None
        if view is not None:
            self._reply_privately(body, respond, paragraph_message(view), replace_own=True)

    # -- App Home ------------------------------------------------------------------------

    def on_home(self, event: dict[str, Any], client: WebClient) -> None:
        """The Home tab: what the bot knows and how to ask, published for the opener."""
        if event.get("tab") != "home" or not event.get("user"):
            return
        try:
            client.views_publish(user_id=event["user"], view=home_view(self.guide))
        except SlackApiError as exc:
            log.error("views.publish failed: %s", exc.response.get("error"))

    def on_vote(
        self, ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond
    ) -> None:
        """👍/👎: record the vote (a second click changes it); a 👎 offers the next passage."""
        ack()
        item = feedback.decode(action.get("value") or "")
        user = (body.get("user") or {}).get("id")
        container = body.get("container") or {}
        channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
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
                respond,
                notice_message(FEEDBACK_THANKS),
                response_type="ephemeral",
                replace_original=False,
            )
            return
        self._respond(
            respond,
            self._next_after_downvote(item),
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


def _channel_type(channel_id: str | None) -> str:
    prefix = (channel_id or " ")[0]
    return {"D": "im", "G": "group", "C": "channel"}.get(prefix, "unknown")


def build_app(
    config: Config,
    answerer: Answerer | LiveAnswerer,
    *,
    client: WebClient | None = None,
    for_socket_mode: bool = False,
    store: Store | None = None,
) -> SlackBot:
    """The Bolt app with every listener registered; ``store`` defaults to process memory."""
    executor = ThreadPoolExecutor(max_workers=LISTENER_THREADS, thread_name_prefix="listener")
    app = App(
        client=client or web_client(config),
        signing_secret=config.slack_signing_secret or ("socket-mode" if for_socket_mode else None),
        request_verification_enabled=not for_socket_mode,
        token_verification_enabled=False,
        listener_executor=executor,
        process_before_response=False,
    )
    if store is None:
        from bot.store.factory import policy_of
        from bot.store.memory import MemoryStore

        store = MemoryStore(policy_of(config))
    handlers = Handlers(answerer, config, store)
    for event in EVENTS:
        if event != HOME_EVENT:
            app.event(event)(handlers.on_event)
    app.event(HOME_EVENT)(handlers.on_home)
    app.command(COMMAND)(handlers.on_command)
    app.action(ACTION_SHARE)(handlers.on_share)
    app.action(ACTION_NEXT)(handlers.on_next)
    app.action(ACTION_VOTE_UP)(handlers.on_vote)
    app.action(ACTION_VOTE_DOWN)(handlers.on_vote)
    app.action(ACTION_FULL)(handlers.on_full)
    app.action(ACTION_PREVIOUS_PARAGRAPH)(handlers.on_paragraph)
    app.action(ACTION_FOLLOWING_PARAGRAPH)(handlers.on_paragraph)

    @app.error
    def on_error(error: Exception, body: dict[str, Any]) -> None:
        log.error(
            "unhandled error in a listener (%s): %s",
            body.get("type"),
            error.__class__.__name__,
            exc_info=error,
        )

    return SlackBot(app=app, executor=executor)

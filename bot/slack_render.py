"""Answers as Slack messages: Block Kit built with slack_sdk's models, plus a text fallback.

Nothing the user typed reaches Slack as mrkdwn: the question is echoed only as
plain_text with mention syntax removed, and corpus text is escaped (``&``,
``<``, ``>``) before the matched terms are made bold.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from bot import feedback
from bot.answer import Answer, Result, clean_question
from bot.corpus import MARK_RE, Footnote
from bot.highlight import mark
from bot.messages import (
    COVERED_TOPICS,
    ERROR_TEXT,
    EXAMPLE_QUESTIONS,
    MISSING_FOOTNOTE,
    NO_FOOTNOTES_TEXT,
    NO_PREVIOUS_TEXT,
    SOURCES_TITLE,
    TRUNCATED_NOTE,
    source_line,
    teaser,
)

SECTION_LIMIT = 3000
TEXT_LIMIT = 3000  # the notification fallback
BUTTON_VALUE_LIMIT = 2000
MAX_OTHERS = 2
TEASER_CHARS = 70
ACTION_SHARE = "share_answer"
ACTION_NEXT = "next_passage"
ACTION_VOTE_UP = "vote_up"
ACTION_VOTE_DOWN = "vote_down"


def escape(text: str) -> str:
    """Escape the three characters mrkdwn treats as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def safe_plain(text: str, limit: int = 150) -> str:
    """User text fit for a plain_text element: no mention or link syntax, one line, bounded."""
    cleaned = clean_question(text).replace("<", "‹").replace(">", "›")
    return _cut(cleaned or "(빈 질문)", limit)


@dataclass(frozen=True, slots=True)
class Message:
    """What to send: the notification text and the blocks."""

    text: str
    blocks: list[dict[str, Any]]

    def as_kwargs(self) -> dict[str, Any]:
        return {"text": self.text, "blocks": self.blocks}


def _dump(blocks: list[Block]) -> list[dict[str, Any]]:
    return [b.to_dict() for b in blocks]


_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
_ZWSP = "\u200b"  # lets *bold* work next to Hangul letters


def superscript_marks(text: str) -> str:
    """Footnote marks as superscripts ("*2" -> "²"): a bare "*" would start mrkdwn bold."""
    return MARK_RE.sub(lambda m: m.group(0).strip("*[]").translate(_SUPERSCRIPT), text)


def _plain(text: str) -> str:
    return escape(superscript_marks(text))


def _strong(text: str) -> str:
    return f"{_ZWSP}*{_plain(text)}*{_ZWSP}"


def _quote_mrkdwn(result: Result) -> str:
    quoted = mark(result.quote, result.highlights, plain=_plain, strong=_strong)
    lines = [f"&gt; {line}" if line.strip() else "&gt;" for line in quoted.splitlines()]
    return _cut("\n".join(lines), SECTION_LIMIT)


def _footnote_line(note: Footnote) -> str:
    if note.text is None:
        return f"{superscript_marks(note.mark)} _{MISSING_FOOTNOTE}_"
    body = escape(note.display or "")
    for url in note.urls:
        link = f"<{url.replace('>', '%3E').replace('|', '%7C')}|{escape(url)}>"
        body = body.replace(escape(url), link, 1)
    return f"{superscript_marks(note.mark)} {body}"


def _button_value(question: str, position: int) -> str:
    question = clean_question(question)  # mention syntax has no business in a button
    value = json.dumps({"q": question, "i": position}, ensure_ascii=False)
    while len(value) > BUTTON_VALUE_LIMIT and question:
        question = question[: len(question) // 2]
        value = json.dumps({"q": question, "i": position}, ensure_ascii=False)
    return value


def parse_button_value(value: str) -> tuple[str, int] | None:
    """The (question, position) a button carries, or None if it is not ours."""
    try:
        data = json.loads(value)
        question, position = data["q"], int(data["i"])
    except (ValueError, KeyError, TypeError):
        return None
    if not isinstance(question, str) or position < 0:
        return None
    return question, position


def answer_message(
    answer: Answer,
    *,
    position: int = 0,
    shareable: bool = False,
    shared_by: str | None = None,
    context: str | None = None,
) -> Message:
    """Render ``answer`` (its ``position``-th candidate) for Slack; ``context`` is the
    earlier question a follow-up was read with (the vote buttons carry it)."""
    if answer.status == "help":
        return help_message()
    if answer.status == "no_answer" or not answer.results:
        return no_answer_message(answer.query)
    candidates = [answer.results[0], *answer.others]
    position = min(position, len(candidates) - 1)
    result = candidates[position]
    blocks: list[Block] = []
    if shared_by:
        blocks.append(
            ContextBlock(elements=[MarkdownTextObject(text=f"<@{shared_by}>님이 공유한 답변")])
        )
    blocks.append(
        ContextBlock(
            elements=[PlainTextObject(text=f"질문: {safe_plain(answer.query)}", emoji=False)]
        )
    )
    if answer.truncated:
        blocks.append(ContextBlock(elements=[PlainTextObject(text=TRUNCATED_NOTE, emoji=False)]))
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=escape(source_line(result)))]))
    blocks.append(SectionBlock(text=MarkdownTextObject(text=_quote_mrkdwn(result))))
    if result.footnotes:
        notes = "\n".join(_footnote_line(n) for n in result.footnotes)
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=_cut(notes, SECTION_LIMIT))]))
    others = [r for i, r in enumerate(candidates) if i != position][:MAX_OTHERS]
    if others:
        teasers = "\n".join(
            f"• {escape(source_line(r))} — {_plain(teaser(r, TEASER_CHARS))}" for r in others
        )
        blocks.append(DividerBlock())
        blocks.append(SectionBlock(text=MarkdownTextObject(text=f"*다른 문단*\n{teasers}")))
    buttons = []
    if len(candidates) > 1:
        following = (position + 1) % len(candidates)
        buttons.append(
            ButtonElement(
                text="다른 문단 보기",
                action_id=ACTION_NEXT,
                value=_button_value(answer.query, following),
            )
        )
    if shareable:
        buttons.append(
            ButtonElement(
                text="채널에 공유",
                action_id=ACTION_SHARE,
                style="primary",
                value=_button_value(answer.query, position),
            )
        )
    buttons += _vote_buttons(feedback.rated(answer, result, position, context))
    blocks.append(ActionsBlock(elements=buttons))
    text = _cut(f"{source_line(result)}: {superscript_marks(result.quote)}", TEXT_LIMIT)
    return Message(text=escape(text), blocks=_dump(blocks))


def help_message() -> Message:
    topics = "\n".join(f"• {escape(t)}" for t in COVERED_TOPICS)
    examples = "\n".join(f"• {escape(q)}" for q in EXAMPLE_QUESTIONS)
    blocks: list[Block] = [
        SectionBlock(
            text=MarkdownTextObject(
                text="안녕하세요! 두 글에 대한 질문에 *글의 해당 문단을 인용해* 답해 드려요.\n"
                + topics
            )
        ),
        SectionBlock(text=MarkdownTextObject(text="*이렇게 물어보세요*\n" + examples)),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text="채널에서는 저를 멘션하고, DM에서는 그냥 쓰고, "
                    "어디서든 `/icml2018 질문`으로 물어볼 수 있어요. "
                    "`/icml2018`의 답은 나에게만 보이고, [채널에 공유]로 함께 볼 수 있어요."
                )
            ]
        ),
    ]
    return Message(
        text="사용법: /icml2018 질문 — 예: " + escape(EXAMPLE_QUESTIONS[0]), blocks=_dump(blocks)
    )


def no_answer_message(query: str) -> Message:
    topics = "\n".join(f"• {escape(t)}" for t in COVERED_TOPICS)
    examples = " / ".join(escape(q) for q in EXAMPLE_QUESTIONS[:2])
    blocks: list[Block] = [
        ContextBlock(elements=[PlainTextObject(text=f"질문: {safe_plain(query)}", emoji=False)]),
        SectionBlock(
            text=MarkdownTextObject(
                text="죄송해요, 두 글에서는 이 질문에 답하는 내용을 찾지 못했어요.\n"
                "이 봇은 다음 두 글의 내용만 알고 있어요:\n" + topics
            )
        ),
        ContextBlock(elements=[MarkdownTextObject(text=f"예를 들면: {examples}")]),
    ]
    return Message(text="두 글에서 답을 찾지 못했어요.", blocks=_dump(blocks))


def error_message() -> Message:
    return Message(
        text=ERROR_TEXT, blocks=_dump([SectionBlock(text=MarkdownTextObject(text=ERROR_TEXT))])
    )


def _vote_buttons(rated: feedback.Rated) -> list[ButtonElement]:
    value = feedback.encode(rated)
    return [
        ButtonElement(text="👍", action_id=ACTION_VOTE_UP, value=value),
        ButtonElement(text="👎", action_id=ACTION_VOTE_DOWN, value=value),
    ]


def notice_message(text: str) -> Message:
    """A short sentence of ours (no user text in it)."""
    return Message(
        text=escape(text), blocks=_dump([SectionBlock(text=MarkdownTextObject(text=escape(text)))])
    )


def sources_message(footnotes: tuple[Footnote, ...], source: str | None) -> Message:
    """The sources of the passage last shown (a follow-up such as "링크 줘")."""
    if source is None:
        return notice_message(NO_PREVIOUS_TEXT)
    lines = [_footnote_line(n) for n in footnotes] or [escape(NO_FOOTNOTES_TEXT)]
    blocks: list[Block] = [
        ContextBlock(elements=[MarkdownTextObject(text=escape(f"{SOURCES_TITLE} {source}"))]),
        SectionBlock(text=MarkdownTextObject(text=_cut("\n".join(lines), SECTION_LIMIT))),
    ]
    urls = [u for n in footnotes for u in n.urls]
    text = f"{SOURCES_TITLE} " + (" ".join(urls) if urls else source)
    return Message(text=escape(_cut(text, TEXT_LIMIT)), blocks=_dump(blocks))

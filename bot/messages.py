"""What the bot says in Korean, shared by every transport."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from bot.guide import ArticleGuide, Guide


class _Sourced(Protocol):
    @property
    def article_title(self) -> str: ...
    @property
    def section(self) -> str | None: ...
    @property
    def author(self) -> str: ...
    @property
    def kind(self) -> str: ...


NO_MORE_TEXT = "더 보여 드릴 문단이 없어요. 궁금한 것을 다른 말로 물어봐 주세요."
NO_PREVIOUS_TEXT = "앞에서 보여 드린 문단이 없어요. 궁금한 것을 질문으로 써 주세요."
NO_FOOTNOTES_TEXT = "앞 답변의 문단에는 각주나 링크가 없어요."
SOURCES_TITLE = "앞 답변의 출처와 각주예요:"
CONTEXT_NOTE = "(앞 질문과 이어서 읽었어요: {topic})"
NEXT_NOTE = "({n}번째로 가까운 문단이에요)"
FEEDBACK_THANKS = "의견 고마워요!"
FEEDBACK_NEXT = "의견 고마워요. 다음으로 가까운 문단이에요:"
FEEDBACK_NO_NEXT = "의견 고마워요. 더 보여 드릴 문단은 없어요."
ERROR_TEXT = "죄송해요, 답을 만드는 중에 문제가 생겼어요. 잠시 후 다시 물어봐 주세요."
TRUNCATED_NOTE = "(질문이 너무 길어서 앞부분만 읽었어요.)"
OTHER_PASSAGES_TITLE = "다른 문단"
RELATED_TITLE = "가장 가까운 문단"
RELATED_NOTE = "글이 이 질문에 꼭 맞게 답하지는 않을 수도 있어요. 가장 가까운 문단을 보여 드려요."
HOW_TO_ASK = (
    "채널에서는 저를 멘션하고(@icml2018 질문), DM에서는 그냥 쓰고, "
    "어디서든 `/icml2018 질문`으로 물어볼 수 있어요. "
    "`/icml2018`의 답은 나에게만 보이고, [채널에 공유]로 함께 볼 수 있어요."
)
HELP_INTRO = "안녕하세요! 아래 글에 대한 질문에 글의 해당 문단을 인용해 답해 드려요."
NO_ANSWER_INTRO = "죄송해요, 이 질문에 답하는 내용을 글에서 찾지 못했어요."
KNOWN_ARTICLES = "이 봇은 다음 글의 내용만 알고 있어요:"
HELP_EXAMPLES = 4
NO_ANSWER_EXAMPLES = 2
KIND_LABELS = {"caption": "그림 설명", "quote": "인용", "note": "편집자 주", "bio": "필자 소개"}


def source_line(result: _Sourced) -> str:
    """``「title」 · section · author`` (the section, or what kind of passage it is)."""
    parts = [f"「{result.article_title}」"]
    label = KIND_LABELS.get(result.kind)
    if result.section:
        parts.append(result.section)
    if label:
        parts.append(label)
    parts.append(result.author)
    return " · ".join(parts)


def missing_footnotes(numbers: Sequence[str]) -> str:
    """One line for every footnote the text cites but the source never printed."""
    return f"각주 {', '.join(numbers)}: 원문에 실려 있지 않음"


def article_line(article: ArticleGuide) -> str:
    """``「title」(author): section, section, …`` in plain text."""
    sections = ", ".join(article.titled_sections)
    return f"「{article.title}」({article.author})" + (f": {sections}" if sections else "")


def help_text(guide: Guide) -> str:
    """The help as plain text (console, ``ask``)."""
    return "\n".join(
        [
            HELP_INTRO,
            *[f"· {article_line(a)}" for a in guide.articles],
            "",
            "이렇게 물어보세요:",
            *[f"· {q}" for q in guide.examples(HELP_EXAMPLES)],
        ]
    )


def no_answer_text(guide: Guide) -> str:
    """The no-answer reply as plain text."""
    return "\n".join(
        [
            NO_ANSWER_INTRO,
            KNOWN_ARTICLES,
            *[f"· {article_line(a)}" for a in guide.articles],
            "",
            "예를 들면 이렇게 물어보세요: " + " / ".join(guide.examples(NO_ANSWER_EXAMPLES)),
        ]
    )

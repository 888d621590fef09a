"""What the bot says in Korean, shared by every transport."""

from __future__ import annotations

from typing import Protocol


class _Quoted(Protocol):
    @property
    def quote(self) -> str: ...


class _Sourced(Protocol):
    @property
    def article_title(self) -> str: ...
    @property
    def section(self) -> str | None: ...
    @property
    def author(self) -> str: ...
    @property
    def kind(self) -> str: ...


EXAMPLE_QUESTIONS = (
    "ICML 2018은 어디서 열렸어?",
    "강화 학습 논문이 가장 많이 채택된 이유는?",
    "학습된 인덱스 구조 논문 링크 알려줘",
    "수학자가 딥러닝에 기여할 수 있는 일은?",
)

COVERED_TOPICS = (
    "「2018 ICML을 통해 살펴보는 AI 연구 동향」(박찬연): 학회 규모와 주제, 머신러닝과 보안, "
    "공정한 머신러닝, 빅데이터와 베이지안 추론, 딥러닝의 이론적 이해, 딥러닝의 표현 학습, "
    "경험적인 해법을 머신러닝으로 대체하기",
    "「수학자는 어떻게 인공지능을 발전시키는가?」(임성빈): 딥러닝과 수학의 연결 고리, "
    "딥러닝 엔지니어와 수학 전공, 수학자들의 도전을 기다리는 인공지능 이론, 소통과 다양성",
)

HELP_TEXT = "\n".join(
    [
        "안녕하세요! 두 글에 대한 질문에 글의 해당 문단을 인용해 답해 드려요.",
        *[f"· {topic}" for topic in COVERED_TOPICS],
        "",
        "이렇게 물어보세요:",
        *[f"· {q}" for q in EXAMPLE_QUESTIONS],
        "",
        "채널에서는 저를 멘션하고, DM에서는 그냥 쓰고, "
        "어디서든 `/icml2018 질문`으로 물어볼 수 있어요.",
    ]
)

NO_ANSWER_TEXT = "\n".join(
    [
        "죄송해요, 두 글에서는 이 질문에 답하는 내용을 찾지 못했어요.",
        "이 봇은 다음 두 글의 내용만 알고 있어요:",
        *[f"· {topic}" for topic in COVERED_TOPICS],
        "",
        "예를 들면 이렇게 물어보세요: " + " / ".join(EXAMPLE_QUESTIONS[:2]),
    ]
)

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
OTHER_PASSAGES_TITLE = "다른 문단:"
MISSING_FOOTNOTE = "원문에 각주 내용이 실려 있지 않습니다"
KIND_LABELS = {"caption": "그림 설명", "quote": "인용", "note": "편집자 주", "bio": "필자 소개"}


def teaser(result: _Quoted, width: int = 80) -> str:
    """The quote on one line, cut to ``width`` characters."""
    text = result.quote.replace("\n", " ")
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


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

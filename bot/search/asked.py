"""What a question asks about that a passage shows by its form, not by the question's
words: a belief once held ("처음엔 … 없다고 봤다던데 왜?" — "한 동안 저는 … 생각했습니다"),
how two people know each other ("어떻게 아는 사이야?" — "고등학교 선배들과 운동 모임").

Each kind is an index-only marker term that passages of that form hold
(``bot.search.index.marker_terms``); in a question of that kind, the words that say
so ("처음", "사이") stand for the marker instead of their letters
(``bot.search.query``), so "사이" in "푸리에 분석 사이의 관계" is no evidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.search.quote import PREMISE


@dataclass(frozen=True, slots=True)
class AskedKind:
    name: str  # its ``Options`` switch
    marker: str  # the index-only term of passages of this form
    question: re.Pattern[str]  # a question of this kind
    words: frozenset[str]  # the question's terms that say so
    passage: re.Pattern[str]  # a passage of this form


ASKED_KINDS = (
    AskedKind(
        "premise",
        "⟨premise⟩",
        re.compile(
            r"(?:처음(?:에|엔|에는)|한때|한\s?동안|예전(?:에|엔|에는)|원래는|당초).*"
            r"(?:봤|보았|생각했|여겼|여긴|믿었|알았)"
        ),
        frozenset("처음 한때 한동안 예전 옛날 원래 당초".split()),
        PREMISE,
    ),
    AskedKind(
        "relation",
        "⟨relation⟩",
        re.compile(r"(?:아는|알던|알게\s?된|무슨|어떤)\s?사이|어떻게\s?(?:아는|알던|알게)|인연"),
        frozenset("사이 인연 관계".split()),
        re.compile(r"선배|후배|동기|동창|친구|지인|동료|스승|제자|지도\s?교수|은사|모임"),
    ),
)


def markers_of(text: str) -> tuple[str, ...]:
    """The markers of the kinds a passage's ``text`` shows."""
    return tuple(kind.marker for kind in ASKED_KINDS if kind.passage.search(text))


def kinds_asked(question: str, switched_on: frozenset[str]) -> tuple[AskedKind, ...]:
    """The kinds ``question`` asks about, among those ``switched_on``."""
    return tuple(k for k in ASKED_KINDS if k.name in switched_on and k.question.search(question))

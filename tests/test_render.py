"""What users see: the rendering decisions (bot.display) and their Slack and console forms.

Every passage of the corpus, each of its sentences as the quote, and a set of real
questions are rendered; the blocks must pass slack_sdk's own validation and Slack's
limits, and the text must be clean: balanced bold that never splits a word or a
footnote mark, no orphan quotation mark, no link left open, each missing footnote once.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot.answer import Answer, Answerer, Result
from bot.corpus import (
    Corpus,
    EvalQuestion,
    Footnote,
    Passage,
    find_urls,
    load_eval_questions,
)
from bot.display import candidates, paragraph, quotations, show
from bot.guide import Guide
from bot.highlight import STRONG, cut_runs, runs, term_spans
from bot.render_text import render
from bot.slack.render import (
    ACTION_FULL,
    ACTION_NEXT,
    BUTTON_VALUE_LIMIT,
    SECTION_LIMIT,
    Message,
    answer_message,
    escape,
    help_message,
    home_view,
    no_answer_message,
    paragraph_message,
    unescape,
)

REPO = Path(__file__).resolve().parents[1]
DEV_QUESTIONS = REPO.parent / "shared" / "eval" / "dev_questions.yaml"
QUESTIONS = [
    "ICML 2018은 어디서 열렸어?",
    "NIPS",
    "머신러닝과 보안 토론",
    "AI와 보안",
    "Invariant Scattering Convolution Network",
    "arXiv",
    "Wallach 영상",
    "Riemannian optimization",
    "딥러닝의 가치가 커질수록 수학이 중요해질 날",
    "학습된 인덱스 구조 논문 링크 알려줘",
    "ICML 일정표 링크",
    "a < b & c > d 머신러닝 보안",
]
_BOLD = re.compile(r"\u200b\*([^*\n]*)\*\u200b")
_LINK = re.compile(r"<[^<>]*>")
_SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_PAIRS = [("“", "”"), ("「", "」"), ("『", "』")]


def _script(ch: str) -> str:
    if re.match(r"[A-Za-z0-9]", ch):
        return "latin"
    if "\uac00" <= ch <= "\ud7a3":
        return "hangul"
    return "other"


# -- checks on what Slack receives ----------------------------------------------------------


def mrkdwn_texts(blocks: list[dict]) -> Iterator[str]:
    for block in blocks:
        text = block.get("text")
        if isinstance(text, dict) and text.get("type") == "mrkdwn":
            yield text["text"]
        for element in block.get("elements", []):
            if element.get("type") == "mrkdwn":
                yield element["text"]


def check_mrkdwn(text: str) -> None:
    assert len(text) <= SECTION_LIMIT
    without_links = _LINK.sub("", text)
    assert "<" not in without_links and ">" not in without_links, f"open link: {text!r}"
    assert not re.search(r"&(?!amp;|lt;|gt;)", text), f"bare or broken entity: {text!r}"
    stars = without_links.count("*")
    assert stars % 2 == 0, f"unbalanced *: {text!r}"
    bold = list(_BOLD.finditer(without_links))
    assert 2 * len(bold) == stars, f"bold not between zero-width spaces: {text!r}"
    unbolded = _BOLD.sub(lambda m: m.group(1), without_links)
    assert not re.search(r"\[\d+\]", unbolded), f"raw footnote mark: {text!r}"
    for m in bold:
        inner = m.group(1)
        assert inner and inner == inner.strip()
        assert not set(inner) & set(_SUPERSCRIPTS), f"a footnote mark in bold: {text!r}"
        before = without_links[: m.start()][-1:] or " "
        after = without_links[m.end() :][:1] or " "
        # Title lines ("*「…」*") are ours; quote emphasis must cover whole words.
        assert _script(before) == "other" or _script(before) != _script(inner[0]), text
        assert _script(after) == "other" or _script(after) != _script(inner[-1]), text
    assert text.count("원문에 실려 있지 않음") <= 1


def check_message(message: Message) -> None:
    blocks = message.blocks
    assert 0 < len(blocks) <= 50
    for raw in blocks:
        block = Block.parse(raw)
        assert block is not None
        block.validate_json()  # slack_sdk's own checks (lengths, required fields, types)
        for element in raw.get("elements", []):
            if element.get("type") == "button":
                assert len(element["value"]) <= BUTTON_VALUE_LIMIT
                assert len(element["text"]["text"]) <= 75
        if raw["type"] == "context":
            assert len(raw["elements"]) <= 10
    for text in mrkdwn_texts(blocks):
        check_mrkdwn(text)
    assert len(message.text) <= 3000
    assert not re.search(r"&(?!amp;|lt;|gt;)", message.text)
    sent = json.dumps(blocks, ensure_ascii=False)
    assert sent.count("원문에 실려 있지 않음") <= 1


def check_quote_balanced(passage_text: str, quote: str) -> None:
    for opener, closer in _PAIRS:
        if passage_text.count(opener) == passage_text.count(closer):
            assert quote.count(opener) == quote.count(closer), f"orphan {opener}{closer}: {quote}"


# -- building answers for any passage ---------------------------------------------------------


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?”])\s+|\n", text) if s.strip()]


def _result(corpus: Corpus, passage: Passage, quote: str, highlights: tuple[str, ...]) -> Result:
    article = corpus.article(passage.article_id)
    return Result(
        article_id=article.id,
        article_title=article.title,
        author=article.author,
        section=passage.section_title,
        passage_id=passage.id,
        kind=passage.kind,
        text=passage.text,
        quote=quote,
        score=1.0,
        coverage=1.0,
        highlights=highlights,
        footnotes=corpus.footnotes_of(passage),
    )


def _words(text: str) -> tuple[str, ...]:
    """Some words of ``text`` as search terms would come: lower-case, Hangul stems cut."""
    words = re.findall(r"[A-Za-z]{3,}|[가-힣]{2,}|\d+", text)
    return tuple({w.lower()[:4] if w.isascii() else w[:2] for w in words[::3]})


@pytest.fixture(scope="module")
def guide(answerer: Answerer) -> Guide:
    return Guide.from_corpus(answerer.index.corpus)


def test_every_passage_and_sentence_renders_clean_valid_block_kit(
    answerer: Answerer, guide: Guide
) -> None:
    corpus = answerer.index.corpus
    checked = 0
    for passage in corpus.passages:
        for sentence in _sentences(passage.text):
            result = _result(corpus, passage, sentence, _words(passage.text))
            answer = Answer(sentence, "answer", (result,))
            shown = show(answer)
            assert shown is not None
            assert sentence.strip(" ”’") in shown.quote_text or sentence in shown.quote_text
            check_quote_balanced(passage.text, shown.quote_text)
            message = answer_message(answer, guide=guide, shareable=True)
            check_message(message)
            assert render(answer, guide=guide).count("원문에 실려 있지 않음") <= 1
            checked += 1
        view = paragraph(corpus, passage.id, _sentences(passage.text)[-1])
        assert view is not None
        check_message(paragraph_message(view))
    assert checked > len(corpus.passages)


def _dev_questions() -> list[EvalQuestion]:
    """The shared dev questions when the workspace has them (a clean clone does not)."""
    return load_eval_questions(DEV_QUESTIONS) if DEV_QUESTIONS.is_file() else []


def test_real_questions_render_clean_valid_block_kit(answerer: Answerer, guide: Guide) -> None:
    questions = QUESTIONS + [q.q for q in _dev_questions()]
    for question in questions:
        answer = answerer.answer(question)
        for position in range(max(1, len(candidates(answer)))):
            message = answer_message(answer, guide=guide, position=position, shareable=True)
            check_message(message)
            shown = show(answer, position)
            if shown is not None:
                check_quote_balanced(shown.result.text, shown.quote_text)
                text = render(answer, guide=guide)
                assert text.count("원문에 실려 있지 않음") <= 1


def test_help_no_answer_and_home_are_valid(guide: Guide) -> None:
    check_message(help_message(guide))
    check_message(no_answer_message("점심 <!channel> & 메뉴", guide))
    view = home_view(guide)
    View(**view).validate_json()
    assert view["type"] == "home" and len(view["blocks"]) <= 100
    for text in mrkdwn_texts(view["blocks"]):
        check_mrkdwn(text)


# -- emphasis -------------------------------------------------------------------------------


def _bolded(text: str, terms: tuple[str, ...]) -> list[str]:
    return [r.text for r in runs(text, strong=term_spans(text, terms)) if r.style == STRONG]


def test_emphasis_covers_whole_words_never_a_footnote_mark() -> None:
    assert _bolded("NIPS(Neural Information Processing Systems)", ("nip",)) == ["NIPS"]
    text = "‘Invariant Scattering Convolution Networks’[11]라는 논문"
    assert _bolded(text, ("invariant", "scattering", "convolution", "network")) == [
        "Invariant Scattering Convolution Networks"
    ]
    assert _bolded("관한 토론*8", ("토론", "8")) == ["토론"]
    assert _bolded("[ 그림 4 ] AI와 보안*4", ("보안", "4", "ai")) == ["4", "AI", "보안"]
    assert _bolded("리만 최적화(Riemannian optimisation)", ("최적", "optimisation")) == [
        "최적화",
        "optimisation",
    ]
    assert _bolded("강화 학습(reinforcement learning)", ("강화", "학습")) == ["강화 학습"]
    assert _bolded("수학자 2018년 20180", ("학", "2018")) == ["2018"]


def test_slack_bold_never_splits_a_footnote_mark(answerer: Answerer, guide: Guide) -> None:
    for question in ("머신러닝과 보안 토론", "AI와 보안"):
        message = answer_message(answerer.answer(question), guide=guide)
        sent = json.dumps(message.blocks, ensure_ascii=False)
        assert "**" not in sent and "*\\u200b*" not in sent
        check_message(message)


# -- quotes -----------------------------------------------------------------------------------


def test_a_quote_never_starts_or_ends_inside_a_quotation(answerer: Answerer) -> None:
    corpus = answerer.index.corpus
    saying = next(p for p in corpus.passages if "분명 올 것이다.”" in p.text)
    second = saying.text.split(". ", 1)[1]  # "하지만 … 올 것이다.”": its opening mark is before
    shown = show(Answer("q", "answer", (_result(corpus, saying, second, ()),)))
    assert shown is not None
    assert shown.quote_text.startswith("“") and shown.quote_text.endswith("”")
    inside = next(p for p in corpus.passages if "“보안 문제를 방어하는" in p.text)
    piece = "보안 문제를 방어하는 연구를 하고 싶다면"
    shown = show(Answer("q", "answer", (_result(corpus, inside, piece, ()),)))
    assert shown is not None
    for start, end in quotations(shown.quote_text):
        assert start < end
    assert shown.quote_text.count("“") == shown.quote_text.count("”") == 1


# -- footnotes --------------------------------------------------------------------------------


def _notes(answerer: Answerer, guide: Guide, question: str) -> str:
    message = answer_message(answerer.answer(question), guide=guide)
    return "\n".join(
        e["text"] for b in message.blocks if b["type"] == "context" for e in b["elements"]
    )


def test_footnotes_shown_are_those_the_quote_cites(answerer: Answerer, guide: Guide) -> None:
    wallach = _notes(answerer, guide, "Wallach 영상")
    assert "youtu.be/oqfKz-PP9FU" in wallach
    assert "fivethirtyeight" not in wallach  # *10 belongs to another sentence
    arxiv = _notes(answerer, guide, "arXiv")
    assert "arxiv.org/abs/1203.1513" in arxiv
    assert "⁹ " not in arxiv and "¹⁰ " not in arxiv  # the photo credits of figure 2


CITES = [
    ("ICML 일정표 링크", "https://icml.cc/Conferences/2018/Schedule"),
    ("David Abel 정리 글 주소 알려줘", "david-abel.github.io/blog/posts/misc/icml_2018.pdf"),
    ("Obfuscated gradients", "Obfuscated Gradients Give a False Sense of Security"),
    ("machine learning debates 워크숍 링크", "machinelearningdebates.com"),
]


def test_the_footnote_a_question_asks_for_is_shown(answerer: Answerer, guide: Guide) -> None:
    """Showing only the cited footnotes never hides the source a question asks for: when
    the answer's passage carries it, the message shows it."""
    asked = CITES + [(q.q, q.cite) for q in _dev_questions() if q.cite]
    carried = 0
    for question, cite in asked:
        answer = answerer.answer(question)
        if not answer.results or not any(
            cite in (f.text or "") for f in answer.results[0].footnotes
        ):
            continue  # the search's miss, measured by the quality tests
        carried += 1
        assert escape(cite) in _notes(answerer, guide, question), question
    assert carried >= 3


def test_each_missing_footnote_is_listed_once(answerer: Answerer, guide: Guide) -> None:
    notes = _notes(answerer, guide, "Riemannian optimization")
    assert notes.count("원문에 실려 있지 않음") == 1
    assert "각주 16, 17: 원문에 실려 있지 않음" in notes
    text = render(answerer.answer("Riemannian optimization"), guide=guide)
    assert text.count("원문에 실려 있지 않음") == 1


# -- cutting: a synthetic long passage ---------------------------------------------------------


LONG_NOTE_TEXT = (
    "앞 https://a.example/x 그리고 https://a.example/x/y 또 "
    + "설명 & <꺾쇠> " * 400
    + " https://b.example/very/long/"
    + "p" * 300
)


def _long_result() -> Result:
    sentence = "AT&T와 <b> 태그가 있는 아주 긴 문장 https://c.example/q?a=1&b=2 입니다*1. "
    text = sentence * 120  # ~7000 characters, well over one section
    footnotes = (
        Footnote("*1", "참고", LONG_NOTE_TEXT, find_urls(LONG_NOTE_TEXT)),
        Footnote("*2", "참고", "짧은 https://a.example/x", ("https://a.example/x",)),
        Footnote("*3", None, None),
    )
    assert len(text) > 2 * SECTION_LIMIT
    return Result(
        article_id="long",
        article_title="긴 글 & <테스트>",
        author="필자",
        section="긴 섹션",
        passage_id="long-p001",
        kind="body",
        text=text + "끝*2*3",
        quote=text + "끝*2*3",
        score=1.0,
        coverage=1.0,
        highlights=("태그",),
        footnotes=footnotes,
    )


def test_a_long_passage_is_cut_before_escaping_and_never_leaves_a_link_open(
    guide: Guide,
) -> None:
    result = _long_result()
    message = answer_message(Answer("긴 질문 & <x>", "answer", (result,)), guide=guide)
    check_message(message)
    quote = next(b["text"]["text"] for b in message.blocks if b["type"] == "section")
    assert quote.endswith("…")
    assert "AT&amp;T" in quote and "&lt;b&gt;" in quote
    notes = [e["text"] for b in message.blocks if b["type"] == "context" for e in b["elements"]]
    links = [link for n in notes for link in _LINK.findall(n)]
    assert "<https://a.example/x|https://a.example/x>" in links
    assert "<https://a.example/x/y|https://a.example/x/y>" in links
    assert not any("https://a.example/x>/y" in n for n in notes)
    for link in links:
        target, label = link[1:-1].split("|")
        assert target == unescape(label).replace("|", "%7C").replace(">", "%3E")
        assert target.startswith("https://")


def test_cut_runs_keeps_marks_whole_and_prefers_a_space() -> None:
    shown = runs("가나다 라마바*12 사아자", strong=[(0, 3)])
    assert [r.text for r in cut_runs(shown, 10)] == ["가나다", " 라마바", "…"]
    assert "".join(r.text for r in cut_runs(shown, 100)) == "가나다 라마바*12 사아자"


# -- other passages, related, escapes ---------------------------------------------------------


def test_teasers_only_for_passages_that_answer_too(answerer: Answerer, guide: Guide) -> None:
    answer = answerer.answer("Wallach 영상")
    assert answer.others == ()
    message = answer_message(answer, guide=guide)
    actions = [
        e["action_id"] for b in message.blocks if b["type"] == "actions" for e in b["elements"]
    ]
    assert ACTION_NEXT not in actions and ACTION_FULL in actions
    assert "다른 문단" not in json.dumps(message.blocks, ensure_ascii=False)
    answer = answerer.answer("NIPS")
    shown = show(answer)
    assert shown is not None and len(shown.teasers) == min(2, len(answer.others)) > 0
    for teaser, other in zip(shown.teasers, answer.others, strict=False):
        assert teaser.label == other.section
        assert len(teaser.words) <= 40
        assert other.article_title not in teaser.words


def test_related_is_shown_as_uncertain(answerer: Answerer, guide: Guide) -> None:
    answered = answerer.answer("동시 세션이 몇 개였어?")
    assert answered.status == "answer"
    related = Answer(answered.query, "related", answered.results)
    sent = json.dumps(answer_message(related, guide=guide).blocks, ensure_ascii=False)
    assert "가장 가까운 문단" in sent and "않을 수도" in sent
    assert "가장 가까운 문단" in render(related, guide=guide)
    assert "가장 가까운 문단" not in render(answered, guide=guide)
    assert "가장 가까운 문단" not in json.dumps(
        answer_message(answered, guide=guide).blocks, ensure_ascii=False
    )
    for question in QUESTIONS:  # whatever the answerer decides, the label follows the status
        answer = answerer.answer(question)
        labelled = "가장 가까운 문단" in render(answer, guide=guide)
        assert labelled == (answer.status == "related"), question


def test_slack_escapes_round_trip() -> None:
    assert unescape("a &lt; b &amp;&amp; c &gt; d") == "a < b && c > d"
    assert unescape("&amp;lt;") == "&lt;"
    assert unescape(escape("<&>")) == "<&>"


def test_echo_escapes_what_the_user_typed(guide: Guide) -> None:
    message = no_answer_message("a < b & c", guide)
    echo = message.blocks[0]["elements"][0]["text"]
    assert echo == "질문: a &lt; b &amp; c"


# -- the guide comes from the corpus ----------------------------------------------------------


THIRD_ARTICLE = """
id: third
title: 세 번째 글
author: 홍길동
bio: {id: third-bio, text: 글 | 홍길동 소개}
sections:
  - id: only
    title: 유일한 섹션
    examples: ["고양이는 왜 상자를 좋아해?"]
    passages:
      - id: third-p001
        text: 고양이는 좁은 상자를 좋아합니다. 상자 안이 안전하다고 느끼기 때문입니다.
"""


def test_help_and_home_list_whatever_the_corpus_holds(make_answerer) -> None:
    answerer = make_answerer({"third.yaml": THIRD_ARTICLE})
    guide = Guide.from_corpus(answerer.index.corpus)
    for text in (
        json.dumps(help_message(guide).blocks, ensure_ascii=False),
        json.dumps(home_view(guide), ensure_ascii=False),
        render(answerer.answer("도움말"), guide=guide),
    ):
        assert "세 번째 글" in text and "고양이는 왜 상자를 좋아해?" in text
        assert "AI 연구 동향" not in text and "박찬연" not in text and "두 글" not in text
    assert "유일한 섹션" in json.dumps(home_view(guide), ensure_ascii=False)

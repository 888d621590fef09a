"""What a Slack user sees, through the real ``serve`` process and the loopback Slack fake:
buttons that never rewrite a public answer, the whole paragraph, the App Home tab, the
example questions of the corpus, and Slack's entity escapes in incoming text."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from slack_fake import (
    FakeSlackWebAPI,
    RecordedCall,
    app_home_opened_body,
    app_mention_body,
    block_actions_form,
    dm_message_body,
)
from slack_process import HttpBot, event_json, running_http_bot

from bot.corpus import Corpus, load_corpus
from bot.slack.render import (
    ACTION_FOLLOWING_PARAGRAPH,
    ACTION_FULL,
    ACTION_NEXT,
    ACTION_PREVIOUS_PARAGRAPH,
    superscript_marks,
    unescape,
)

REPO = Path(__file__).resolve().parents[1]
REWRITES = ("chat.update", "chat.delete")


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeSlackWebAPI]:
    with FakeSlackWebAPI() as api:
        yield api


@pytest.fixture(scope="module")
def bot(fake: FakeSlackWebAPI, tmp_path_factory: pytest.TempPathFactory) -> Iterator[HttpBot]:
    with running_http_bot(fake.base_url, tmp_path_factory.mktemp("views") / "bot.log") as bot:
        yield bot


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return load_corpus(REPO / "corpus")


@pytest.fixture(autouse=True)
def _clean(fake: FakeSlackWebAPI) -> None:
    fake.reset()


def _button(call: RecordedCall, action_id: str) -> dict:
    for block in call.params["blocks"]:
        for element in block.get("elements", []):
            if element.get("action_id") == action_id:
                return element
    raise AssertionError(f"no {action_id} button in {call.params['blocks']}")


def _public_answer(bot: HttpBot, fake: FakeSlackWebAPI, question: str) -> RecordedCall:
    bot.post(event_json(app_mention_body(f"<@UBOT> {question}")))
    (answer,) = fake.wait_for("chat.postMessage")
    fake.reset()
    return answer


def _click(bot: HttpBot, fake: FakeSlackWebAPI, action_id: str, value: str, **kw) -> RecordedCall:
    bot.post(block_actions_form(action_id, value, response_url=fake.response_url("c"), **kw))
    (reply,) = fake.wait_for("response_url")
    return reply


def _shown_text(call: RecordedCall) -> str:
    """The mrkdwn of a message's sections, formatting removed, as the reader sees it."""
    texts = [b["text"]["text"] for b in call.params["blocks"] if b["type"] == "section"]
    plain = "\n".join(texts).replace("\u200b", "").replace("*", "").replace("&gt; ", "")
    return unescape(plain)


def _echo(call: RecordedCall) -> str:
    """The question as the message echoes it (a plain_text context line)."""
    texts = [
        e["text"]
        for b in call.params["blocks"]
        if b["type"] == "context"
        for e in b["elements"]
        if e["type"] == "plain_text" and e["text"].startswith("질문: ")
    ]
    assert len(texts) == 1, call.params["blocks"]
    return texts[0]


def _kept(reply: RecordedCall) -> bool:
    """The reply is a new message for the clicker only: the public answer is not replaced."""
    return (
        reply.params.get("response_type") == "ephemeral"
        and reply.params.get("replace_original") is False
        and not reply.params.get("delete_original")
    )


def test_other_passage_on_a_public_answer_leaves_it_unchanged(
    bot: HttpBot, fake: FakeSlackWebAPI
) -> None:
    answer = _public_answer(bot, fake, "NIPS")
    reply = _click(bot, fake, ACTION_NEXT, _button(answer, ACTION_NEXT)["value"])
    assert _kept(reply)
    assert _shown_text(reply) != _shown_text(answer)
    assert not [c for c in fake.calls if c.method in REWRITES]


def test_whole_paragraph_on_a_public_answer_then_its_neighbours(
    bot: HttpBot, fake: FakeSlackWebAPI, corpus: Corpus
) -> None:
    answer = _public_answer(bot, fake, "동시 세션이 몇 개였어?")
    whole = _click(bot, fake, ACTION_FULL, _button(answer, ACTION_FULL)["value"])
    assert _kept(whole)
    assert not [c for c in fake.calls if c.method in REWRITES]
    intro = corpus.articles[0].sections[0].passages
    place = next(i for i, p in enumerate(intro) if "3개의 동시 세션" in p.text)
    assert _shown_text(whole) == superscript_marks(intro[place].text)
    section = whole.params["blocks"][1]["text"]["text"]
    assert section.startswith("이번 ICML에서는 구두 발표")  # the paragraph's own start, plain
    assert "\u200b*학회 첫날인 7월 10일에는" in section  # the quoted part, bold
    assert f"문단 {place + 1}/{len(intro)}" in json.dumps(
        whole.params["blocks"], ensure_ascii=False
    )
    fake.reset()
    # On the clicker's own (ephemeral) paragraph view, a neighbour replaces it in place.
    value = _button(whole, ACTION_FOLLOWING_PARAGRAPH)["value"]
    following = _click(bot, fake, ACTION_FOLLOWING_PARAGRAPH, value, is_ephemeral=True)
    assert following.params.get("replace_original") is True
    assert _shown_text(following) == superscript_marks(intro[place + 1].text)
    fake.reset()
    value = _button(following, ACTION_PREVIOUS_PARAGRAPH)["value"]
    back = _click(bot, fake, ACTION_PREVIOUS_PARAGRAPH, value, is_ephemeral=True)
    assert _shown_text(back) == superscript_marks(intro[place].text)
    assert "\u200b*" not in back.params["blocks"][1]["text"]["text"]  # no quote to mark now
    fake.reset()
    first = _click(
        bot,
        fake,
        ACTION_FULL,
        _button(_public_answer(bot, fake, "ICML 2018은 어디서 개최됐어?"), ACTION_FULL)["value"],
    )
    actions = [
        e["action_id"]
        for b in first.params["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    ]
    assert actions == [ACTION_FOLLOWING_PARAGRAPH]  # nothing before a section's first paragraph


def test_a_forged_paragraph_button_is_ignored(bot: HttpBot, fake: FakeSlackWebAPI) -> None:
    bot.post(
        block_actions_form(
            ACTION_FOLLOWING_PARAGRAPH,
            '{"p": "no-such-passage"}',
            response_url=fake.response_url("x"),
        )
    )
    bot.post(block_actions_form(ACTION_FULL, "not json", response_url=fake.response_url("y")))

    def sentinel(channel: str) -> object:
        return bot.post(event_json(dm_message_body("힐베르트 명언", channel=channel)))

    assert fake.unexpected_calls(sentinel, lambda c: c.method == "response_url") == []


def test_app_home_publishes_the_articles_sections_and_examples(
    bot: HttpBot, fake: FakeSlackWebAPI, corpus: Corpus
) -> None:
    bot.post(event_json(app_home_opened_body(user="U777")))
    (published,) = fake.wait_for("views.publish")
    assert published.params["user_id"] == "U777"
    view = published.params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert view["type"] == "home"
    shown = unescape(json.dumps(view, ensure_ascii=False))
    for article in corpus.articles:
        assert article.title in shown and article.author in shown
        for section in article.sections:
            assert (section.title or "들어가며") in shown
            for question in section.examples:
                assert question in shown
    assert f"문단 {len(corpus.passages)}개" in shown
    assert "/icml2018" in shown


def test_the_messages_tab_publishes_nothing(bot: HttpBot, fake: FakeSlackWebAPI) -> None:
    bot.post(event_json(app_home_opened_body(tab="messages")))

    def sentinel(channel: str) -> object:
        return bot.post(event_json(dm_message_body("힐베르트 명언", channel=channel)))

    assert fake.unexpected_calls(sentinel, lambda c: c.method == "views.publish") == []


def test_each_example_is_answered_with_its_own_section(
    bot: HttpBot, fake: FakeSlackWebAPI, corpus: Corpus
) -> None:
    """Every ``examples:`` question of corpus/ (help and App Home show them) is answered,
    with confidence, by a passage of its own section — in a bot process of its own, whose
    tokenizer knows only the real corpus."""
    examples = [(q, s) for a in corpus.articles for s in a.sections for q in s.examples]
    assert examples
    for i, (question, section) in enumerate(examples):
        channel = f"DEX{i:03d}"
        bot.post(event_json(dm_message_body(question, channel=channel)))
        calls = fake.wait_for("chat.postMessage", count=i + 1, timeout=10)
        (call,) = [c for c in calls if c.params["channel"] == channel]
        quote = _shown_text(call).split("\n")[0][:30]
        assert any(quote in superscript_marks(p.text) for p in section.passages), question
        # answered with confidence: not labelled "가장 가까운 문단", not a no-answer
        assert "가장 가까운 문단" not in json.dumps(call.params["blocks"], ensure_ascii=False)


def test_slack_entity_escapes_are_read_as_the_characters_typed(
    bot: HttpBot, fake: FakeSlackWebAPI
) -> None:
    # Slack delivers a typed "a < b" as "a &lt; b"; the bot must read (and echo) "a < b".
    bot.post(event_json(app_mention_body("<@UBOT> a < b 머신러닝 보안")))
    (typed,) = fake.wait_for("chat.postMessage")
    fake.reset()
    bot.post(event_json(app_mention_body("<@UBOT> a &lt; b 머신러닝 보안")))
    (escaped,) = fake.wait_for("chat.postMessage")
    assert _echo(typed) == "질문: a &lt; b 머신러닝 보안"
    assert _shown_text(escaped) == _shown_text(typed)
    assert _echo(escaped) == "질문: a &lt; b 머신러닝 보안"  # escaped once, as Slack expects
    assert "&amp;lt;" not in json.dumps(escaped.params, ensure_ascii=False)
    texts = re.findall(r'"text": "((?:[^"\\]|\\.)*)"', json.dumps(escaped.params["blocks"]))
    assert texts and not [t for t in texts if re.search(r"<(?!https?://)", t)]

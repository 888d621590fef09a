"""Ranking, synonyms, typos, no-answer and help decisions, quotes, footnotes, index cache.

Rankings are asserted on tiny inline corpora (order of passage ids, never raw
scores); no-answer decisions on the real corpus, where the distractors are real.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from bot.answer import GAP, MAX_QUESTION_CHARS, Answer, Answerer, is_help_request
from bot.corpus import Glossary, load_glossary
from bot.search import index as index_module
from bot.search import tokenizer as tokenizer_module
from bot.search.index import load_word_lists
from bot.search.quote import split_sentences
from bot.search.rank import search
from bot.search.synonyms import Synonyms, mine_pairs
from bot.search.tokenizer import Tokenizer

DEMO = """\
    id: demo
    title: 시험용 머신러닝 글
    author: 홍길동
    bio:
      id: demo-bio
      text: 글 | 홍길동 머신러닝을 공부하는 연구자입니다.
    sections:
    - id: rl
      title: null
      passages:
      - id: demo-p001
        text: 강화 학습(reinforcement learning)은 보상을 최대화하도록 행동을 배우는 방법입니다.
      - id: demo-p002
        text: >-
          바둑 게임에서 에이전트를 훈련할 때 강화 학습을 씁니다.
          게임 규칙은 단순하지만 경우의 수가 많습니다.
    - id: bayes
      title: null
      passages:
      - id: demo-p003
        text: 베이지안 추론은 사전 분포와 데이터로 사후 분포를 구하는 방법입니다.
      - id: demo-p004
        text: 합성곱 신경망은 이미지 분류에서 큰 성공을 거두었습니다.
    - id: venue
      title: 모임 앱
      passages:
      - id: demo-p005
        text: 올해 학회는 스웨덴 스톡홀름에서 열렸고 오천 명이 참가했습니다.
      - id: demo-p006
        text: 랜덤 포레스트(random forest)는 여러 나무 모형을 묶는 앙상블 기법입니다.
      - id: demo-p007
        text: 큰 학회장에서는 아는 사람을 찾기가 쉽지 않았습니다.
"""

FOOTNOTED = """\
    id: notes
    title: 각주가 있는 글
    author: 김철수
    bio:
      id: notes-bio
      text: 글 | 김철수 각주를 좋아하는 사람입니다.
    sections:
    - id: main
      title: null
      passages:
      - id: notes-p001
        text: >-
          색인구조를 학습된 모델로 바꾸는 연구가 흥미로웠습니다.*1 일정은 웹사이트에 있습니다.*2
          후속 연구*3도 있었습니다. 그 밖에 날씨 이야기를 했습니다. 점심은 맛있었습니다.
      - id: notes-p002
        text: 워크숍에서는 보안 토론이 열렸습니다. 토론은 길었습니다.
    footnotes:
    - mark: '*1'
      kind: 논문
      text: Kraska, T. (2018). The Case for Learned Index Structures. SIGMOD.
    - mark: '*2'
      kind: 참고
      text: https://icml.cc/Conferences/2018/Schedule
    - mark: '*3'
      missing: true
"""


def _ids(answer: Answer) -> list[str]:
    return [r.passage_id for r in answer.results]


@pytest.fixture
def demo(make_answerer) -> Answerer:
    return make_answerer({"demo.yaml": DEMO}, k=5)


# --- ranking ---------------------------------------------------------------------------


def test_the_passage_holding_the_question_ranks_first(demo: Answerer) -> None:
    assert _ids(demo.answer("베이지안 추론이 뭐야?"))[0] == "demo-p003"
    assert _ids(demo.answer("합성곱 신경망 이미지 분류"))[0] == "demo-p004"
    assert _ids(demo.answer("랜덤 포레스트는 어떤 기법이야?"))[0] == "demo-p006"


def test_more_of_the_question_ranks_higher(demo: Answerer) -> None:
    # Both passages hold 강화 학습; only one also holds 게임 and 에이전트.
    assert _ids(demo.answer("강화 학습 게임 에이전트"))[:2] == ["demo-p002", "demo-p001"]
    assert _ids(demo.answer("강화 학습 보상"))[:2] == ["demo-p001", "demo-p002"]


def test_search_never_returns_passages_without_a_query_term(demo: Answerer) -> None:
    found = search(demo.index, "스톡홀름", k=5)
    assert [h.passage.id for h in found.hits] == ["demo-p005"]
    assert found.terms == ("스톡홀름",)


def test_a_term_in_half_the_passages_still_counts(make_answerer) -> None:
    """BM25Okapi would give it an IDF of 0; the index must still find both passages."""
    half = """\
        id: half
        title: 절반
        author: 이영희
        bio:
          id: half-bio
          text: 글 | 이영희 소개입니다.
        sections:
        - id: s
          title: null
          passages:
          - id: half-p001
            text: 트랜스포머는 주의 메커니즘을 씁니다.
          - id: half-p002
            text: 트랜스포머는 번역에서 처음 쓰였습니다.
          - id: half-p003
            text: 결정 트리는 규칙을 나눕니다.
    """
    answer = make_answerer({"half.yaml": half}).answer("트랜스포머")
    # Shown, as related: the one word does not tell the two apart (``confidence``).
    assert answer.status == "related"
    assert sorted(_ids(answer)) == ["half-p001", "half-p002"]


def test_section_title_and_bio_words_find_their_passages(demo: Answerer) -> None:
    # "모임 앱" is only the section's title.
    assert _ids(demo.answer("모임 앱"))[0] in {"demo-p005", "demo-p006", "demo-p007"}
    assert _ids(demo.answer("이 글의 필자는 누구야?"))[0] == "demo-bio"
    assert _ids(demo.answer("홍길동"))[0] == "demo-bio"


def test_cited_footnote_text_finds_the_passage(make_answerer) -> None:
    answerer = make_answerer({"notes.yaml": FOOTNOTED})
    assert _ids(answerer.answer("The Case for Learned Index Structures"))[0] == "notes-p001"
    assert _ids(answerer.answer("Kraska 논문"))[0] == "notes-p001"


def test_k_limits_the_results(demo: Answerer) -> None:
    assert len(demo.answer("강화 학습", k=1).results) == 1
    assert len(demo.answer("강화 학습", k=5).results) == 2


# --- synonyms: the glossary and the articles' own 한국어(English) pairs --------------------


def test_glossary_synonym_finds_a_passage_that_never_uses_the_word(make_answerer) -> None:
    glossary = "groups:\n- [CNN, 합성곱 신경망, convolutional neural network]\n"
    without = make_answerer({"demo.yaml": DEMO})
    assert without.answer("CNN").status == "no_answer"
    answerer = make_answerer({"demo.yaml": DEMO, "glossary.yaml": glossary})
    answer = answerer.answer("CNN")
    assert answer.status == "answer"
    assert _ids(answer)[0] == "demo-p004"
    assert _ids(answerer.answer("CNN 이미지 분류"))[0] == "demo-p004"
    assert _ids(answerer.answer("convolutional neural network"))[0] == "demo-p004"


def test_mined_pair_lets_english_find_a_korean_only_passage(demo: Answerer) -> None:
    # demo-p002 never writes "reinforcement learning"; demo-p001 pairs it with 강화 학습.
    assert {"demo-p001", "demo-p002"} <= set(_ids(demo.answer("reinforcement learning")))
    answer = demo.answer("reinforcement learning 게임 에이전트")
    assert answer.status == "answer"
    assert _ids(answer)[:2] == ["demo-p002", "demo-p001"]
    assert _ids(demo.answer("random forest"))[0] == "demo-p006"


def test_mine_pairs() -> None:
    text = (
        "가장 많이 채택된 분야는 강화 학습(reinforcement learning)이라는 점, "
        "경험적인 해법(heuristic)과 CNN(convolutional neural network)"
    )
    assert mine_pairs([text]) == [
        ("강화 학습", "reinforcement learning"),
        ("해법", "heuristic"),
        ("CNN", "convolutional neural network"),
    ]
    assert mine_pairs(["ICML(ICML)", "괄호(안에 한글)"]) == []


def test_synonyms_table_expands_runs_both_ways() -> None:
    synonyms = Synonyms.build([(("강화", "학습"), ("reinforcement", "learning"))])
    assert synonyms.expand(["강화", "학습", "논문"]) == [
        (("강화", "학습"), ("reinforcement", "learning"))
    ]
    assert synonyms.expand(["reinforcement", "learning"]) == [
        (("reinforcement", "learning"), ("강화", "학습"))
    ]
    assert synonyms.expand(["학습"]) == []
    assert Synonyms.from_json(json.loads(json.dumps(synonyms.to_json()))) == synonyms


# --- spacing and typos ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("스톡홀롬 학회", "demo-p005"),  # 름 -> 롬
        ("렌덤 포레스트", "demo-p006"),  # 랜 -> 렌
        ("베이지안추론", "demo-p003"),  # no space
        ("강화학습보상", "demo-p001"),
    ],
)
def test_typos_and_spacing(demo: Answerer, question: str, expected: str) -> None:
    answer = demo.answer(question)
    assert answer.status == "answer"
    assert _ids(answer)[0] == expected


# --- no answer and help ---------------------------------------------------------------


@pytest.mark.parametrize(
    "question",
    [
        "점심 메뉴 추천",
        "환율 얼마야?",
        "자바스크립트 배열 중복 제거",
        "다음 주 회의 언제야?",
        "출장비 정산 방법",
    ],
)
def test_out_of_scope_questions_get_no_answer(answerer: Answerer, question: str) -> None:
    answer = answerer.answer(question)
    assert answer.status == "no_answer"
    assert answer.results == ()
    assert answer.as_dict()["results"] == []


def test_lunch_menu_is_not_answered_with_the_lunch_meeting(answerer: Answerer) -> None:
    (lunch,) = [p for p in answerer.index.corpus.passages if "점심 모임" in p.text]
    answer = answerer.answer("점심 메뉴 추천")
    assert answer.status == "no_answer"
    assert lunch.id not in _ids(answer)
    # The same passage does answer a question about it.
    assert _ids(answerer.answer("물리학 전공자들의 점심 모임"))[0] == lunch.id


@pytest.mark.parametrize(
    "question",
    [
        "",
        "   ",
        "hi",
        "Hi!",
        "hello",
        "안녕",
        "안녕하세요~",
        "ㅎㅇ",
        "도와줘",
        "도움말",
        "help",
        "ㅋㅋㅋ",
        "<@U123ABC>",
    ],
)
def test_greetings_and_help_requests_get_help(answerer: Answerer, question: str) -> None:
    answer = answerer.answer(question)
    assert answer.status == "help"
    assert answer.results == ()
    assert answer.candidates == ()


def test_help_detection_does_not_swallow_questions() -> None:
    assert is_help_request("")
    assert is_help_request("안녕ㅋㅋ")
    assert not is_help_request("안녕 베이지안 추론이 뭐야")
    assert not is_help_request("hinge loss")
    assert not is_help_request("도움이 되는 수학")


def test_slack_mentions_are_not_part_of_the_question(answerer: Answerer) -> None:
    plain = answerer.answer("ICML 2018은 며칠 동안 열렸어?")
    mentioned = answerer.answer("<@U123ABC> ICML 2018은 며칠 동안 열렸어? <!here>")
    assert _ids(mentioned) == _ids(plain)
    assert mentioned.query.startswith("<@U123ABC>")  # the query is echoed as asked


def test_a_very_long_question_is_truncated_and_says_so(answerer: Answerer) -> None:
    question = "스톡홀름 ICML " + "가" * (MAX_QUESTION_CHARS + 100)
    answer = answerer.answer(question)
    assert answer.truncated
    assert answer.as_dict()["truncated"] is True
    assert "truncated" not in answerer.answer("스톡홀름 ICML").as_dict()


# --- quotes ---------------------------------------------------------------------------


def test_quote_is_the_sentence_that_carries_the_matched_terms(make_answerer) -> None:
    answerer = make_answerer({"notes.yaml": FOOTNOTED})
    result = answerer.answer("날씨 이야기").results[0]
    assert result.passage_id == "notes-p001"
    assert result.quote == "그 밖에 날씨 이야기를 했습니다."
    assert result.text.startswith("색인구조를")  # text keeps the whole passage


def test_quote_grows_only_to_sentences_that_add_a_question_term(make_answerer) -> None:
    answerer = make_answerer({"notes.yaml": FOOTNOTED})
    # The second sentence repeats 토론 and adds nothing: the first one answers.
    result = answerer.answer("보안 토론").results[0]
    assert result.passage_id == "notes-p002"
    assert result.quote == "워크숍에서는 보안 토론이 열렸습니다."
    # Here it adds 길다: both sentences are quoted.
    result = answerer.answer("보안 토론이 길었어?").results[0]
    assert result.quote == result.text


@pytest.mark.parametrize(
    "question",
    [
        "제프 딘이 구글 서울 캠퍼스에 온 날",
        "중력파 검출에도 베이지안 추론이 쓰이나",
        "힌지 로스를 매끄럽게 만든 손실 함수",
        "페퍼먼 논문은 어느 저널에 실렸어?",
    ],
)
def test_quotes_on_the_real_corpus(answerer: Answerer, question: str) -> None:
    for result in answerer.answer(question).results:
        sentences = split_sentences(result.quote)
        # 1-3 sentences (one more for a reason, a lead-in or a turn), or a short passage whole
        assert 1 <= len(sentences) <= 4 or result.quote == result.text
        # Quoted as written: each run of sentences is the passage's own text.
        assert all(part in result.text for part in result.quote.split(GAP))
        if len(split_sentences(result.text)) > 1:
            # A matched term is in the quote, or in a footnote a quoted sentence cites.
            cited = " ".join(f.text or "" for f in result.footnotes if f.mark in result.quote)
            shown = f"{result.quote} {cited}".lower()
            assert any(h.lower() in shown for h in result.highlights)


# --- footnotes --------------------------------------------------------------------------


def test_footnotes_with_and_without_urls_and_missing(make_answerer) -> None:
    answerer = make_answerer({"notes.yaml": FOOTNOTED})
    data = answerer.answer("색인구조를 학습된 모델로 바꾸는 연구").as_dict()
    top = data["results"][0]
    assert top["passage_id"] == "notes-p001"
    notes = {n["mark"]: n for n in top["footnotes"]}
    assert notes["*1"] == {
        "mark": "*1",
        "text": "논문 | Kraska, T. (2018). The Case for Learned Index Structures. SIGMOD.",
        "urls": [],
    }
    assert notes["*2"] == {
        "mark": "*2",
        "text": "참고 | https://icml.cc/Conferences/2018/Schedule",
        "urls": ["https://icml.cc/Conferences/2018/Schedule"],
    }
    assert notes["*3"] == {"mark": "*3", "text": None, "urls": []}
    # Cited in the quote first.
    assert top["footnotes"][0]["mark"] == "*1"
    json.dumps(data)  # serializable as it is


def test_passage_without_footnotes(make_answerer) -> None:
    answerer = make_answerer({"notes.yaml": FOOTNOTED})
    assert answerer.answer("보안 토론").as_dict()["results"][0]["footnotes"] == []


def _footnotes(answer: Answer) -> dict[str, dict[str, Any]]:
    return {n["mark"]: n for n in answer.as_dict()["results"][0]["footnotes"]}


def test_real_footnotes_urls_whole_and_missing_ones_null(answerer: Answerer) -> None:
    notes = _footnotes(answerer.answer("Variational Bayes 튜토리얼 자료"))
    # Inherited from the figure the passage points to ("[그림 8] 참고").
    assert notes["*12"]["urls"] == [
        "http://www.tamarabroderick.com/files/broderick_tutorial_2018_icml_part_i.pdf"
    ]
    notes = _footnotes(answerer.answer("Riemannian optimization"))
    assert {m: n["text"] for m, n in notes.items()} == {"*16": None, "*17": None}
    notes = _footnotes(answerer.answer("machine learning debates 워크숍 링크"))
    assert notes["*7"]["urls"] == ["https://www.machinelearningdebates.com"]


# --- the answer contract ---------------------------------------------------------------


def test_answer_as_dict_follows_the_contract(answerer: Answerer) -> None:
    data = answerer.answer("ICML 2018은 며칠 동안 개최됐어?").as_dict()
    assert list(data) == ["query", "status", "results", "elapsed_ms"]
    assert data["status"] == "answer"
    top = data["results"][0]
    assert {
        "article_id",
        "article_title",
        "author",
        "section",
        "passage_id",
        "text",
        "quote",
        "score",
        "footnotes",
    } <= set(top)
    assert (top["article_id"], top["author"], top["section"]) == ("icml2018", "박찬연", None)
    assert "스톡홀름" in top["text"]
    assert isinstance(top["score"], float)
    scores = [r["score"] for r in data["results"]]
    assert all(s > 0 for s in scores)


def test_answers_are_the_same_from_many_threads(answerer: Answerer) -> None:
    questions = [
        "ICML 2018은 며칠 동안 열렸어?",
        "Riemannian optimization",
        "렌덤 포레스트 비유",
        "점심 메뉴 추천",
        "hi",
    ] * 4
    expected = [(a.status, _ids(a)) for a in map(answerer.answer, questions)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        got = [(a.status, _ids(a)) for a in pool.map(answerer.answer, questions)]
    assert got == expected


# --- the index cache --------------------------------------------------------------------


class CountingTokenizer:
    """Wraps the session tokenizer and counts the calls that analyse text with Kiwi."""

    def __init__(self, inner: Tokenizer) -> None:
        self._inner = inner
        self.calls: Counter[str] = Counter()

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        if not callable(attr):
            return attr

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] += 1
            return attr(*args, **kwargs)

        return counted

    @property
    def analysed_corpus(self) -> bool:
        return bool(self.calls["terms_and_compounds"] or self.calls["terms"])


class CachedBuilds:
    """Builds Answerers over inline corpora sharing one index cache folder."""

    def __init__(self, make_answerer, tokenizer: Tokenizer, cache: Path) -> None:
        self._make = make_answerer
        self._tokenizer = tokenizer
        self.cache = cache

    def __call__(self, files: dict[str, str]) -> tuple[Answerer, CountingTokenizer]:
        counting = CountingTokenizer(self._tokenizer)
        return self._make(files, with_tokenizer=counting, cache_dir=self.cache), counting


@pytest.fixture
def cached(make_answerer, tokenizer: Tokenizer, tmp_path: Path) -> CachedBuilds:
    return CachedBuilds(make_answerer, tokenizer, tmp_path / "index-cache")


def test_second_build_loads_the_index_from_cache(cached) -> None:
    first, counting = cached({"demo.yaml": DEMO})
    assert counting.calls["terms_and_compounds"] >= 1
    assert len(list(cached.cache.glob("index-*.json"))) == 1
    second, counting = cached({"demo.yaml": DEMO})
    assert not counting.analysed_corpus, counting.calls
    for question in ["강화 학습 게임 에이전트", "reinforcement learning", "스톡홀롬 학회"]:
        assert _ids(second.answer(question)) == _ids(first.answer(question))
        assert second.answer(question).results[0].quote == first.answer(question).results[0].quote


def test_changed_corpus_text_invalidates_the_cache(cached) -> None:
    cached({"demo.yaml": DEMO})
    changed = DEMO.replace("오천 명이", "육천 명이")
    answerer, counting = cached({"demo.yaml": changed})
    assert counting.calls["terms_and_compounds"] >= 1
    assert "육천" in answerer.answer("스톡홀름 학회").results[0].text
    # And the old corpus still has its own entry.
    _, counting = cached({"demo.yaml": DEMO})
    assert not counting.analysed_corpus


def test_changed_glossary_invalidates_the_cache(cached) -> None:
    cached({"demo.yaml": DEMO})
    files = {"demo.yaml": DEMO, "glossary.yaml": "groups:\n- [CNN, 합성곱 신경망]\n"}
    answerer, counting = cached(files)
    assert counting.calls["terms_and_compounds"] >= 1
    assert _ids(answerer.answer("CNN 분류"))[0] == "demo-p004"


def test_changed_tokenizer_invalidates_the_cache(cached, monkeypatch) -> None:
    cached({"demo.yaml": DEMO})
    monkeypatch.setattr(tokenizer_module, "TOKENIZER_VERSION", "test-only")
    _, counting = cached({"demo.yaml": DEMO})
    assert counting.calls["terms_and_compounds"] >= 1


def test_a_corrupt_cache_file_is_rebuilt(cached) -> None:
    cached({"demo.yaml": DEMO})
    (entry,) = cached.cache.glob("index-*.json")
    entry.write_text("{not json", encoding="utf-8")
    answerer, counting = cached({"demo.yaml": DEMO})
    assert counting.calls["terms_and_compounds"] >= 1
    assert _ids(answerer.answer("베이지안 추론"))[0] == "demo-p003"
    assert json.loads(entry.read_text(encoding="utf-8"))


def test_cache_files_are_valid_json_named_by_content(cached) -> None:
    cached({"demo.yaml": DEMO})
    assert {re.sub(r"[0-9a-f]{32}", "…", p.name) for p in cached.cache.glob("*.json")} == {
        "index-….json",
        "words-….json",
    }


def test_word_lists_are_read_from_the_cache_until_a_file_changes(
    write_corpus, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = {"demo.yaml": DEMO, "paraphrases.yaml": "paraphrases:\n  노이즈: [잡음]\n"}
    folder, cache = write_corpus(files), tmp_path / "cache"
    parsed: list[Path] = []

    def counting(folder: Path) -> Glossary:
        parsed.append(folder)
        return load_glossary(folder)

    monkeypatch.setattr(index_module, "load_glossary", counting)
    first = load_word_lists(folder, cache)
    assert first == load_glossary(folder) and len(parsed) == 1
    assert load_word_lists(folder, cache) == first and len(parsed) == 1  # from the cache
    (folder / "paraphrases.yaml").write_text("paraphrases:\n  노이즈: [소음]\n", "utf-8")
    assert load_word_lists(folder, cache).paraphrases == (("노이즈", ("소음",)),)
    assert len(parsed) == 2
    for entry in cache.glob("words-*.json"):  # a broken entry is parsed again
        entry.write_text("[", encoding="utf-8")
    assert load_word_lists(folder, cache).paraphrases == (("노이즈", ("소음",)),)
    assert len(parsed) == 3


def test_a_replicated_index_answers_like_the_original(answerer: Answerer) -> None:
    """The benchmark's scaled corpus: every copy keeps its passages, terms and author."""
    index = answerer.index.replicated(3)
    assert len(index.corpus.passages) == 3 * len(answerer.index.corpus.passages)
    assert set(index.authors) == {a.id for a in index.corpus.articles}
    scaled = Answerer(index)
    question = "임성빈님이 합성곱 연산의 직관을 처음 생각하게 된 계기"
    want = answerer.answer(question).results[0].passage_id
    got = scaled.answer(question).results[0].passage_id
    assert got.rsplit("-x", 1)[0] == want


def test_the_benchmark_times_kiwi_and_the_answer_in_turn() -> None:
    """Each question is timed by the floor right before the answer, so both meet the
    same caches: the warm ratio compares like with like."""
    from bot.bench import _interleaved

    calls: list[tuple[str, str]] = []
    floor_ms, fn_ms = _interleaved(
        lambda q: calls.append(("floor", q)),
        lambda q: calls.append(("answer", q)),
        ["a", "b"],
        rounds=2,
    )
    assert calls == [("floor", "a"), ("answer", "a"), ("floor", "b"), ("answer", "b")] * 2
    assert len(floor_ms) == len(fn_ms) == 4
    assert all(t >= 0 for t in floor_ms + fn_ms)

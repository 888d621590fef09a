"""Text to search terms: Kiwi content morphemes, normalized, without chat filler."""

from __future__ import annotations

import pytest

from bot.search import tokenizer as tokenizer_module
from bot.search.tokenizer import (
    STOPWORDS,
    Tokenizer,
    char_grams,
    count_term,
    get_tokenizer,
    is_count,
    normalize,
)


def test_one_shared_tokenizer_per_process(tokenizer: Tokenizer) -> None:
    assert get_tokenizer() is tokenizer


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("강화 학습은 무엇인가요?", ("강화", "학습")),
        ("스톡홀름에서 열렸습니다", ("스톡홀름", "열리")),
        ("베이지안 추론이 뭐야", ("베이지안", "추론")),
        ("논문을 제출했다", ("논문", "제출")),
    ],
)
def test_particles_and_endings_are_dropped(
    tokenizer: Tokenizer, text: str, expected: tuple[str, ...]
) -> None:
    assert tokenizer.terms(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ICML", ("icml",)),
        ("Reinforcement Learning", ("reinforcement", "learning")),
        ("Neural Networks", ("neural", "network")),
        ("the papers about ICML", ("paper", "icml")),
        ("policies", ("policy",)),
        # Words ending in -ss, -us, -is are not plurals.
        ("analysis", ("analysis",)),
        ("loss", ("loss",)),
    ],
)
def test_english_is_lowercased_and_plurals_folded(
    tokenizer: Tokenizer, text: str, expected: tuple[str, ...]
) -> None:
    assert tokenizer.terms(text) == expected


def test_mixed_korean_and_english(tokenizer: Tokenizer) -> None:
    assert tokenizer.terms("Wasserstein GAN 논문") == ("wasserstein", "gan", "논문")


@pytest.mark.parametrize(
    ("joined", "spaced"),
    [
        ("강화학습", "강화 학습"),
        ("메모리계층구조", "메모리 계층 구조"),
        ("학습된색인구조", "학습된 색인 구조"),
        ("손실함수", "손실 함수"),
        ("강화학습논문", "강화 학습 논문"),
    ],
)
def test_spacing_variants_agree(tokenizer: Tokenizer, joined: str, spaced: str) -> None:
    assert tokenizer.terms(joined) == tokenizer.terms(spaced)


def test_spacing_kiwi_keeps_whole_still_shares_grams(tokenizer: Tokenizer) -> None:
    """Kiwi reads 베이지안추론 as one word; its character grams still cover 베이지안 추론."""
    joined = set(char_grams(tokenizer.terms("베이지안추론")))
    spaced = set(char_grams(tokenizer.terms("베이지안 추론")))
    assert spaced <= joined


def test_full_width_and_zero_width_characters_are_normalized(tokenizer: Tokenizer) -> None:
    assert normalize("ＩＣＭＬ　２０１８") == "ICML 2018"
    assert normalize("강화\u200b학습\ufeff") == "강화학습"
    assert normalize("  여러\t\n  줄  ") == "여러 줄"
    assert tokenizer.terms("ＩＣＭＬ　２０１８") == ("icml", "2018")
    assert tokenizer.terms("강화\u200b학습") == tokenizer.terms("강화학습")
    assert tokenizer.terms("학습된\u00ad색인") == ("학습", "색인")


def test_the_fast_path_of_normalize_agrees_with_the_full_one() -> None:
    """Every character the fast path lets through, and its neighbours, normalized both
    ways: plain text must come out exactly as the character-by-character rules give it."""
    import random
    import sys

    edges = [
        chr(c)
        for c in range(sys.maxunicode + 1)
        if tokenizer_module._PLAIN.fullmatch(chr(c))
        or tokenizer_module._PLAIN.fullmatch(chr(max(c - 1, 0)))
        or tokenizer_module._PLAIN.fullmatch(chr(min(c + 1, sys.maxunicode)))
    ]
    rng = random.Random(0)
    for _ in range(3000):
        text = "".join(rng.choice(edges) for _ in range(rng.randint(0, 12)))
        assert normalize(text) == tokenizer_module._normalize_slowly(text), repr(text)


@pytest.mark.parametrize(
    "text", ["뭐야?", "알려줘", "무엇인지 설명 좀 해줘", "what is it", "", "   "]
)
def test_questions_without_content_give_no_terms(tokenizer: Tokenizer, text: str) -> None:
    assert tokenizer.terms(text) == ()


def test_stopwords_are_dropped_content_kept(tokenizer: Tokenizer) -> None:
    terms = tokenizer.terms("ICML 2018은 며칠 동안 열렸어?")
    assert terms[:2] == ("icml", "2018")
    assert not set(terms) & {"며칠", "동안"}
    assert not set(tokenizer.terms("How many papers were submitted?")) & STOPWORDS


def test_batched_terms_match_terms(tokenizer: Tokenizer) -> None:
    texts = ["강화 학습은 무엇인가요?", "Neural Networks", "", "스톡홀름에서 열렸습니다"]
    assert [r.terms for r in tokenizer.terms_and_compounds(texts)] == [
        tokenizer.terms(t) for t in texts
    ]


def test_a_written_compound_kiwi_splits_is_joined_again(plain_tokenizer: Tokenizer) -> None:
    tokenizer = plain_tokenizer
    [reading] = tokenizer.terms_and_compounds(["딥러닝과 머신러닝, 역전파와 딥 러닝"])
    assert {"딥", "러닝", "머신"} <= set(reading.terms)
    # written whole: one word too; written apart (딥 러닝): only its parts
    assert reading.joined == ("딥러닝", "머신러닝", "역전파")
    # 머신 stands only inside 머신러닝; 러닝 and 딥 stand alone in "딥 러닝" too
    assert "머신" in reading.bound
    assert not {"딥", "러닝"} & set(reading.bound)
    analysis = tokenizer.analyse("딥러닝 얘기")
    assert ("딥러닝", ("딥", "러닝")) in analysis.joined
    assert tokenizer.analyse("딥 러닝 얘기").joined == ()
    # a longer run holds the shorter ones: the articles may write only 딥러닝
    [longer] = tokenizer.terms_and_compounds(["딥러닝엔지니어한테"])
    assert {"딥러닝", "딥러닝엔지니어"} <= set(longer.joined)


def test_analyse_marks_weak_terms(tokenizer: Tokenizer) -> None:
    analysis = tokenizer.analyse("ICML 2018은 어디서 열렸어?")
    assert analysis.terms == ("icml", "2018", "열리")
    # A verb stem says little on its own; nouns and numbers are not weak.
    assert analysis.weak == {"열리"}
    assert analysis.grams == char_grams(analysis.terms)
    # 딥러닝 -> 딥 + 러닝: a one-syllable term is weak.
    assert "딥" in tokenizer.analyse("딥러닝").weak
    assert tokenizer.analyse("") == tokenizer.analyse("   ")


def test_a_number_and_how_many_with_the_same_unit_share_a_term(tokenizer: Tokenizer) -> None:
    people = count_term("명")
    assert people in tokenizer.terms("5000여 명이 참가했습니다")
    assert people in tokenizer.terms("사람 몇명이나 왔어?")
    assert people not in tokenizer.terms("명확한 설명이 필요합니다")  # 명 not after a number
    assert count_term("일") in tokenizer.terms("며칠 동안 열렸어?")
    assert count_term("일") in tokenizer.terms("3일간 열렸습니다")
    assert count_term("년") in tokenizer.terms("몇 년도부터?")
    assert count_term("년") in tokenizer.terms("2012년부터")
    assert count_term("번") in tokenizer.terms("몇 번 열렸어?")
    assert count_term("번") not in tokenizer.terms("2번째 문단")  # an ordinal is a position


def test_a_count_in_native_words_is_a_count_of_the_text_not_of_the_question(
    tokenizer: Tokenizer,
) -> None:
    papers = count_term("편")
    # "몇 편" finds "논문 두 편"; 스무 명 counts people, 세 가지 kinds.
    assert papers in tokenizer.terms("논문 두 편이 발표되었습니다")
    assert papers in tokenizer.analyse("논문 몇 편 나왔어?").terms
    assert count_term("명") in tokenizer.terms("스무 명이 모였습니다")
    assert count_term("가지") in tokenizer.terms("세 가지 질문")
    # 한 of "한 것" is a verb's ending, not one.
    assert not any(is_count(t) for t in tokenizer.terms("그가 한 것은 발표였다"))
    # In a question it names the set picked from ("두 편 중에"), not what is asked.
    assert papers not in tokenizer.analyse("논문 두 편 중에 DAG 다룬 쪽은?").terms


def test_talk_about_remembering_is_chat_filler(tokenizer: Tokenizer) -> None:
    analysis = tokenizer.analyse("스톡홀름 학회 기억이 가물가물해요, 헷갈리고 까먹었어요")
    assert set(analysis.terms) - analysis.filler == {"스톡홀름", "학회"}


def test_a_position_is_one_term_however_it_is_written(tokenizer: Tokenizer) -> None:
    first = {tokenizer.terms(t) for t in ("첫 번째", "첫번째", "1번째", "첫째")}
    assert len(first) == 1 and first != {()}
    assert tokenizer.terms("두 번째") != tokenizer.terms("첫 번째")
    assert "⟨ordinal 2⟩" in tokenizer.analyse("두 번째는?").weak  # a follow-up's topic stays empty


def test_a_name_added_after_the_first_analysis_is_kept_whole_too() -> None:
    # A corpus reloaded with a new person must be analysed as a fresh process would.
    fresh = Tokenizer()
    assert fresh.terms("최성준 박사님과 함께") != ("최성준", "박사", "함께")
    fresh.add_names(["최성준"])
    assert fresh.terms("최성준 박사님과 함께") == ("최성준", "박사", "함께")
    fresh.add_names(["김하늘"])  # and the names before it stay
    assert fresh.terms("최성준 박사님과 김하늘님") == ("최성준", "박사", "김하늘")


def test_a_formula_variable_is_a_term(tokenizer: Tokenizer) -> None:
    # Kiwi tags Greek letters as symbols (SW); in a formula they name what it is about.
    terms = tokenizer.terms("여기에서 φ는 비선형함수이고 λ는 가중치입니다")
    assert "φ" in terms and "λ" in terms
    assert "φ" in tokenizer.terms("등변식 φ 기호 뜻")
    assert tokenizer.terms("★ → ※") == ()  # other symbols are still not words


def test_noun_phrase_tail(tokenizer: Tokenizer) -> None:
    assert tokenizer.noun_phrase_tail("가장 많이 채택된 분야는 강화 학습") == ("강화", "학습")
    assert tokenizer.noun_phrase_tail("함께 쓰는 손실 함수") == ("손실", "함수")


def test_char_grams() -> None:
    # Hangul: bigrams; Latin: trigrams; terms no longer than n are kept whole.
    assert char_grams(["스톡홀름"]) == ("스톡", "톡홀", "홀름")
    assert char_grams(["bayes"]) == ("bay", "aye", "yes")
    assert char_grams(["학습", "학", "ab"]) == ("학습", "학", "ab")
    assert char_grams([]) == ()


def test_a_one_syllable_typo_keeps_most_grams(tokenizer: Tokenizer) -> None:
    (typo,) = tokenizer.terms("스톡홀롬")
    (right,) = tokenizer.terms("스톡홀름")
    shared = set(char_grams([typo])) & set(char_grams([right]))
    assert len(shared) == 2


def test_signature_is_stable(tokenizer: Tokenizer) -> None:
    assert tokenizer.signature == get_tokenizer().signature
    assert len(tokenizer.signature) == 16

"""Corpus loader and ``corpus check``: inline good and broken files, and the real corpus."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.corpus import (
    Corpus,
    CorpusError,
    Problem,
    check_corpus,
    load_corpus,
    load_glossary,
)

REPO = Path(__file__).resolve().parents[1]
CORPUS_DIR = REPO / "corpus"

GOOD = """\
    id: alpha
    title: 알파 글
    author: 홍길동
    source: 시험용 문서
    bio:
      id: alpha-bio
      text: 글 | 홍길동 알파 글을 쓴 사람입니다.
    sections:
    - id: intro
      title: null
      passages:
      - id: alpha-p001
        text: 첫 문단입니다.*1 참고 자료가 있습니다.
    - id: second
      title: 둘째 절
      passages:
      - id: alpha-p002
        text: 둘째 문단은 [그림 1]을 봅니다.*2
      - id: alpha-c01
        kind: caption
        text: '[ 그림 1 ] 그림 설명*3'
    footnotes:
    - mark: '*1'
      kind: 참고
      text: https://example.org/a/b_c.pdf
    - mark: '*2'
      missing: true
    - mark: '*3'
      kind: 논문
      text: 'Kim, A. (2018). A Paper. (http://www.example.com/x)'
"""

OTHER = """\
    id: beta
    title: 베타 글
    author: 김철수
    bio:
      id: beta-bio
      text: 글 | 김철수 베타 글을 쓴 사람입니다.
    sections:
    - id: intro
      title: 시작
      passages:
      - id: beta-p001
        text: 베타의 첫 문단입니다.
"""


def _errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.error]


def _one_error(folder: Path) -> Problem:
    corpus, problems = check_corpus(folder)
    assert corpus is None
    errors = _errors(problems)
    assert len(errors) == 1, errors
    return errors[0]


# --- loading a good corpus -------------------------------------------------------------


def test_good_corpus_loads_into_typed_immutable_objects(write_corpus) -> None:
    corpus = load_corpus(write_corpus({"alpha.yaml": GOOD, "beta.yaml": OTHER}))
    assert [a.id for a in corpus.articles] == ["alpha", "beta"]
    alpha = corpus.article("alpha")
    assert (alpha.title, alpha.author, alpha.source) == ("알파 글", "홍길동", "시험용 문서")
    assert [s.id for s in alpha.sections] == ["intro", "second"]
    assert [s.title for s in alpha.sections] == [None, "둘째 절"]
    # Reading order, the bio last; kinds default to body.
    assert [p.id for p in alpha.passages] == ["alpha-p001", "alpha-p002", "alpha-c01", "alpha-bio"]
    assert [p.kind for p in alpha.passages] == ["body", "body", "caption", "bio"]
    first = alpha.passages[0]
    assert first.marks == ("*1",)
    assert (first.section_id, first.section_title) == ("intro", None)
    assert alpha.passages[1].section_title == "둘째 절"
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.text = "바뀐 문단"  # type: ignore[misc]
    assert len(corpus.passages) == 6


def test_footnotes_keep_kind_text_and_whole_urls(write_corpus) -> None:
    alpha = load_corpus(write_corpus({"alpha.yaml": GOOD})).article("alpha")
    note = alpha.footnotes["*1"]
    assert (note.kind, note.text, note.urls) == (
        "참고",
        "https://example.org/a/b_c.pdf",
        ("https://example.org/a/b_c.pdf",),
    )
    assert note.display == "참고 | https://example.org/a/b_c.pdf"
    # A URL in parentheses loses the parenthesis, not a character of its own.
    assert alpha.footnotes["*3"].urls == ("http://www.example.com/x",)
    missing = alpha.footnotes["*2"]
    assert missing.missing
    assert (missing.text, missing.kind, missing.urls, missing.display) == (None, None, (), None)


def test_passage_citing_a_figure_inherits_the_caption_footnotes(write_corpus) -> None:
    corpus = load_corpus(write_corpus({"alpha.yaml": GOOD}))
    passage = next(p for p in corpus.passages if p.id == "alpha-p002")
    assert [f.mark for f in corpus.footnotes_of(passage)] == ["*2", "*3"]
    caption = next(p for p in corpus.passages if p.id == "alpha-c01")
    assert [f.mark for f in corpus.footnotes_of(caption)] == ["*3"]


def test_check_good_corpus_has_no_errors(write_corpus) -> None:
    corpus, problems = check_corpus(write_corpus({"alpha.yaml": GOOD, "beta.yaml": OTHER}))
    assert isinstance(corpus, Corpus)
    assert _errors(problems) == []


def test_unreferenced_footnote_is_only_a_warning(write_corpus) -> None:
    text = GOOD + "    - mark: '*9'\n      kind: 참고\n      text: 아무도 인용하지 않는 각주\n"
    corpus, problems = check_corpus(write_corpus({"alpha.yaml": text}))
    assert corpus is not None
    (warning,) = problems
    assert not warning.error
    assert "*9" in warning.where


def test_glossary_is_loaded_and_validated(write_corpus) -> None:
    folder = write_corpus(
        {"alpha.yaml": GOOD, "glossary.yaml": "groups:\n- [색인, 인덱스, index]\n"}
    )
    assert load_glossary(folder).groups == (("색인", "인덱스", "index"),)
    # The glossary is not an article.
    assert [a.id for a in load_corpus(folder).articles] == ["alpha"]
    (folder / "glossary.yaml").write_text("groups:\n- [외톨이]\n", encoding="utf-8")
    problem = _one_error(folder)
    assert problem.file.endswith("glossary.yaml")
    assert problem.where == "groups[0]"


def test_paraphrases_are_loaded_and_validated(write_corpus) -> None:
    words = "paraphrases:\n  편견: [선입견, 색안경]\n  개최: [열리다]\n"
    folder = write_corpus({"alpha.yaml": GOOD, "paraphrases.yaml": words})
    assert load_glossary(folder).paraphrases == (
        ("편견", ("선입견", "색안경")),
        ("개최", ("열리다",)),
    )
    assert [a.id for a in load_corpus(folder).articles] == ["alpha"]
    (folder / "paraphrases.yaml").write_text("paraphrases:\n  편견: []\n", encoding="utf-8")
    problem = _one_error(folder)
    assert problem.file.endswith("paraphrases.yaml")
    assert problem.where == "편견"
    (folder / "paraphrases.yaml").write_text("- [편견, 선입견]\n", encoding="utf-8")
    assert _one_error(folder).where == "paraphrases"
    with pytest.raises(CorpusError):
        load_glossary(folder)


# --- broken files: each problem names the file and the id --------------------------------


@pytest.mark.parametrize(
    ("old", "new", "where", "words"),
    [
        pytest.param(
            "  - id: alpha-p002\n",
            "  - id: alpha-p002\n        colour: red\n",
            "alpha-p002",
            "colour",
            id="unknown-passage-key",
        ),
        pytest.param(
            "    title: 알파 글\n",
            "    title: 알파 글\n    subtitle: 부제\n",
            "alpha",
            "subtitle",
            id="unknown-article-key",
        ),
        pytest.param(
            "text: 첫 문단입니다.*1 참고 자료가 있습니다.",
            "text: 첫 문단입니다.*1 참고 자료가 있습니다.*7",
            "alpha-p001",
            "*7",
            id="mark-without-footnote",
        ),
        pytest.param(
            "text: 첫 문단입니다.*1 참고 자료가 있습니다.",
            "text: ''",
            "alpha-p001",
            "text",
            id="empty-text",
        ),
        pytest.param(
            "text: 첫 문단입니다.*1 참고 자료가 있습니다.",
            "text: '   '",
            "alpha-p001",
            "text",
            id="blank-text",
        ),
        pytest.param(
            "kind: caption",
            "kind: picture",
            "alpha-c01",
            "picture",
            id="unknown-passage-kind",
        ),
        pytest.param(
            "  - mark: '*2'\n      missing: true\n",
            "  - mark: '*2'\n      missing: true\n      url: https://example.org\n",
            "*2",
            "url",
            id="unknown-footnote-key",
        ),
    ],
)
def test_check_reports_broken_inline_file(write_corpus, old, new, where, words) -> None:
    broken = GOOD.replace(old, new)
    assert broken != GOOD
    folder = write_corpus({"alpha.yaml": broken})
    problem = _one_error(folder)
    assert problem.file == str(folder / "alpha.yaml")
    assert where in problem.where
    assert words in problem.message
    assert str(folder / "alpha.yaml") in str(problem)
    assert where in str(problem)
    with pytest.raises(CorpusError) as info:
        load_corpus(folder)
    assert info.value.problems == (problem,)


def test_duplicate_passage_id_across_two_files(write_corpus) -> None:
    clash = OTHER.replace("id: beta-p001", "id: alpha-p001")
    folder = write_corpus({"alpha.yaml": GOOD, "beta.yaml": clash})
    problem = _one_error(folder)
    assert problem.where == "alpha-p001"
    # The second file is the one at fault; the message names the first.
    assert problem.file == str(folder / "beta.yaml")
    assert str(folder / "alpha.yaml") in problem.message


def test_duplicate_article_id_across_two_files(write_corpus) -> None:
    clash = OTHER.replace("id: beta\n", "id: alpha\n")
    problem = _one_error(write_corpus({"alpha.yaml": GOOD, "beta.yaml": clash}))
    assert problem.where == "alpha"


def test_bad_yaml_syntax_names_file_and_line(write_corpus) -> None:
    folder = write_corpus({"alpha.yaml": GOOD, "beta.yaml": "id: beta\ntitle: [열린 괄호\n"})
    problem = _one_error(folder)
    assert problem.file == str(folder / "beta.yaml")
    assert problem.where.endswith("행")
    assert "YAML" in problem.message


def test_missing_folder(tmp_path: Path) -> None:
    folder = tmp_path / "nowhere"
    corpus, problems = check_corpus(folder)
    assert corpus is None
    (problem,) = problems
    assert problem.file == str(folder)
    assert problem.error
    with pytest.raises(CorpusError):
        load_corpus(folder)


def test_folder_without_articles(write_corpus) -> None:
    folder = write_corpus({"glossary.yaml": "groups:\n- [색인, 인덱스]\n"})
    assert _one_error(folder).file == str(folder)


# --- the `corpus check` command --------------------------------------------------------


def test_cli_corpus_check_exit_codes(write_corpus, capsys) -> None:
    good = write_corpus({"alpha.yaml": GOOD, "beta.yaml": OTHER}, folder="good")
    assert main(["corpus", "check", str(good)]) == 0
    out, err = capsys.readouterr()
    assert "문서 2개" in out
    assert err == ""

    broken = write_corpus({"alpha.yaml": GOOD.replace("있습니다.", "있습니다.*8")}, folder="broken")
    assert main(["corpus", "check", str(broken)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert str(broken / "alpha.yaml") in err
    assert "alpha-p001" in err
    assert "*8" in err

    assert main(["corpus", "check", str(good / "nowhere")]) == 1
    assert "nowhere" in capsys.readouterr().err


def test_cli_corpus_check_default_is_the_real_corpus(capsys) -> None:
    assert main(["corpus", "check"]) == 0
    assert "문서 2개" in capsys.readouterr().out


def test_console_script_corpus_check(write_corpus) -> None:
    """Through a real process, as ``icml2018-bot corpus check`` runs in CI."""
    script = Path(sys.executable).with_name("icml2018-bot")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "bot"]
    broken = write_corpus(
        {"alpha.yaml": GOOD, "beta.yaml": OTHER.replace("beta-p001", "alpha-p001")}
    )
    result = subprocess.run(
        [*command, "corpus", "check", str(broken)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert "beta.yaml" in result.stderr
    assert "alpha-p001" in result.stderr
    assert "Traceback" not in result.stderr
    good = subprocess.run(
        [*command, "corpus", "check", str(CORPUS_DIR)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert good.returncode == 0, good.stderr


# --- the real corpus ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def real() -> Corpus:
    return load_corpus(CORPUS_DIR)


def test_real_corpus_passes_check() -> None:
    corpus, problems = check_corpus(CORPUS_DIR)
    assert corpus is not None
    assert _errors(problems) == []


def test_real_corpus_articles(real: Corpus) -> None:
    assert {a.id: a.author for a in real.articles} == {"icml2018": "박찬연", "math-ai": "임성빈"}
    for article in real.articles:
        assert article.bio.kind == "bio"
        assert article.author in article.bio.text
        ids = [p.id for p in article.passages]
        assert len(ids) == len(set(ids))


def test_icml_sections_in_reading_order(real: Corpus) -> None:
    titles = [s.title for s in real.article("icml2018").sections]
    assert titles == [
        None,
        "머신러닝과 보안",
        "공정한 머신러닝",
        "빅데이터와 베이지안 추론",
        "딥러닝의 이론적 이해",
        "딥러닝의 표현 학습",
        "경험적인 해법을 머신러닝으로 대체하기",
        "마치며",
    ]


def test_essay_sections_follow_its_headings(real: Corpus) -> None:
    titles = [s.title for s in real.article("math-ai").sections]
    assert titles == [
        None,
        "딥러닝과 수학의 연결 고리",
        "딥러닝 엔지니어가 수학을 꼭 전공해야 하나?",
        "수학자들의 도전을 기다리는 인공지능 이론",
        "글을 맺으면서",
    ]


def test_icml_missing_footnotes_are_recorded_not_invented(real: Corpus) -> None:
    notes = real.article("icml2018").footnotes
    expected = {f"*{n}" for n in [*range(16, 29), 33, 34, 35]}
    assert {mark for mark, note in notes.items() if note.missing} == expected
    for mark in expected:
        assert notes[mark].text is None
        assert notes[mark].urls == ()
    printed = {f"*{n}" for n in range(1, 36)} - expected
    assert all(notes[mark].text for mark in printed)


@pytest.mark.parametrize(
    ("article", "mark", "url"),
    [
        ("icml2018", "*2", "https://icml.cc/Conferences/2018/Schedule"),
        ("icml2018", "*3", "https://david-abel.github.io/blog/posts/misc/icml_2018.pdf"),
        ("icml2018", "*7", "https://www.machinelearningdebates.com"),
        ("icml2018", "*8", "https://twitter.com/LaflammeSteph"),
        ("icml2018", "*10", "https://fivethirtyeight.com/tag/2008-presidential-election"),
        (
            "icml2018",
            "*12",
            "http://www.tamarabroderick.com/files/broderick_tutorial_2018_icml_part_i.pdf",
        ),
        ("icml2018", "*30", "https://doi.org/10.1145/3183713.3196909"),
        ("math-ai", "[2]", "https://www.slideshare.net/ssuser7e10e4/wasserstein-gan-i"),
        ("math-ai", "[6]", "http://geometricdeeplearning.com/"),
        ("math-ai", "[9]", "https://www.di.ens.fr/~mallat/"),
    ],
)
def test_footnote_urls_rebuilt_whole(real: Corpus, article: str, mark: str, url: str) -> None:
    assert url in real.article(article).footnotes[mark].urls


def test_passage_citing_figure_8_inherits_its_footnote(real: Corpus) -> None:
    (passage,) = [p for p in real.passages if "[그림 8] 참고" in p.text]
    assert "*12" not in passage.marks
    notes = real.footnotes_of(passage)
    assert "*12" in [n.mark for n in notes]
    assert any("tamarabroderick.com" in u for n in notes for u in n.urls)


@pytest.mark.parametrize(
    "joined",
    [
        "특히 발표의 주된 내용은 근사적인 베이지안 추론 대신",
        "계층구조(hierarchical structure)를 가지는 데이터를 쌍곡기하학",
        "쇼트커트 커넥션(shortcut connection)을 가지는 다층 네트워크(multi-layered network)",
        "분기 예측(branch prediction)에 대한 연구*32와 2008년에 진행됐던 강화 학습을 이용하여 DRAM "
        "메모리 제어기(DRAM memory controller)를 개선하는 연구*33에서",
        "오히려 딥러닝 논문의 수식들은 현학적인 장벽처럼 느껴지고 코드로 아이디어를 이해하는 것이",
        "적절한 선행적 지식(prior knowledge)을 반영하는 모델을 찾는 것은",
        "다양체 가설은 머신러닝 연구자들이",
    ],
)
def test_paragraphs_cut_by_page_or_column_are_joined(real: Corpus, joined: str) -> None:
    assert sum(joined in p.text for p in real.passages) == 1


def test_captions_and_pull_quotes_are_caption_passages(real: Corpus) -> None:
    captions = [p for p in real.passages if p.kind == "caption"]
    for text in [
        "5000 registered participants (2300 in 2007, 3200 in 2016, 1600 in 2015)",
        '"speed limit sign 45km/h"',
        "The threat model MUST assume the attacker has read the paper",
        "Interpretable, complex, modular; expert information",
    ]:
        assert sum(text in p.text for p in captions) == 1, text
    assert [p.section_id for p in captions if "Stop Sign" in p.text] == ["security"]
    kinds = {p.kind for p in real.article("math-ai").passages}
    assert {"note", "quote", "caption"} <= kinds


# --- example questions per section ---------------------------------------------------------


def test_sections_carry_their_example_questions(write_corpus) -> None:
    text = GOOD.replace(
        "  title: 둘째 절\n", "  title: 둘째 절\n      examples: ['둘째 절에는 뭐가 있어?']\n"
    )
    assert text != GOOD
    article = load_corpus(write_corpus({"alpha.yaml": text})).article("alpha")
    assert [s.examples for s in article.sections] == [(), ("둘째 절에는 뭐가 있어?",)]


@pytest.mark.parametrize(
    "examples", ["'질문 하나'", "['']", "[1, 2]", "['같은 질문', '같은 질문']"], ids=str
)
def test_bad_examples_are_errors(write_corpus, examples: str) -> None:
    text = GOOD.replace("  title: 둘째 절\n", f"  title: 둘째 절\n      examples: {examples}\n")
    problem = _one_error(write_corpus({"alpha.yaml": text}))
    assert problem.where == "second"
    assert "examples" in problem.message


def test_every_section_of_the_real_corpus_has_examples() -> None:
    for article in load_corpus(CORPUS_DIR).articles:
        for section in article.sections:
            assert len(section.examples) >= 2, (article.id, section.id)

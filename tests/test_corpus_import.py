"""``corpus import``: Markdown articles become corpus articles, every sentence kept once.

The essay seed is the real case (it is Markdown, with ``<sup>N</sup>`` marks, a footnote
paragraph, a bio placed mid-text and paragraphs cut by a page break); the hand-made
``corpus/math-ai.yaml`` is the reference it must reproduce. Small inline documents cover
``[^N]`` footnotes, block quotes, lists, images and a trailing numbered footnote list.
"""

from __future__ import annotations

import textwrap
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from test_fidelity import ESSAY_SEED, SEED_URLS, essay_seed, fold, fragments

from bot.cli import main
from bot.corpus import (
    Article,
    Problem,
    check_article_data,
    check_corpus,
    dump_article,
    load_article,
    load_corpus,
)
from bot.corpus_import import ImportResult, MarkdownImportError, ends_sentence, import_markdown

REPO = Path(__file__).resolve().parents[1]
HAND_MADE = REPO / "corpus" / "math-ai.yaml"


def passages(result: ImportResult) -> list[dict[str, Any]]:
    return [p for s in result.data["sections"] for p in s["passages"]]


def errors(problems: list[Problem]) -> list[str]:
    return [str(p) for p in problems if p.error]


def write_article(folder: Path, result: ImportResult) -> Article:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{result.data['id']}.yaml"
    path.write_text(dump_article(result.data), encoding="utf-8")
    return load_article(path)


def md(text: str) -> str:
    return textwrap.dedent(text).lstrip()


# -- the essay seed --------------------------------------------------------------------------

needs_seed = pytest.mark.skipif(not ESSAY_SEED.is_file(), reason="../shared/seeds is not here")


@pytest.fixture(scope="module")
def essay() -> ImportResult:
    return import_markdown(ESSAY_SEED.read_text(encoding="utf-8"), article_id="essay")


@needs_seed
def test_essay_import_passes_corpus_check(essay: ImportResult, tmp_path: Path) -> None:
    assert errors(check_article_data(essay.data, "essay.yaml")) == []
    write_article(tmp_path, essay)
    corpus, problems = check_corpus(tmp_path)
    assert corpus is not None, errors(problems)
    assert [p for p in problems if not p.error] == [], "every footnote is cited"
    assert essay.data["title"] == "수학자는 어떻게 인공지능을 발전시키는가?"
    assert essay.data["author"] == "임성빈"
    assert essay.warnings == []


@needs_seed
def test_every_essay_sentence_stands_whole_in_exactly_one_passage(essay: ImportResult) -> None:
    runs, _ = essay_seed()
    texts = [fold(p["text"]) for p in passages(essay)] + [fold(essay.data["bio"]["text"])]
    seed_text = "".join(fold(run) for run in runs)
    lost = [f for f in fragments(runs) if not any(f in t for t in texts)]
    repeated = [
        f for f in fragments(runs) if sum(f in t for t in texts) > max(1, seed_text.count(f))
    ]
    assert not lost and not repeated, (lost, repeated)
    # Same characters, same counts: nothing invented, nothing dropped.
    assert Counter("".join(texts)) == Counter(seed_text)


@needs_seed
def test_essay_paragraph_continues_across_the_interposed_bio(essay: ImportResult) -> None:
    joined = [p["text"] for p in passages(essay) if "선행적 지식(prior knowledge)을" in p["text"]]
    assert len(joined) == 1
    assert "선행적 지식(prior knowledge)을 반영하는 모델을 찾는 것은 수학적 근거를" in joined[0]
    bio = essay.data["bio"]["text"]
    assert bio.startswith("글 | 임성빈 leo.brain@kakaobrain.com 수식과 증명을 사랑하던")
    assert "반영하는" not in bio
    # The other two page breaks (19/21 and 67/69 of the seed) are joined as well.
    assert any("코드로 아이디어를 이해하는 것이" in p["text"] for p in passages(essay))
    assert any("복잡한 과학적 문제의 해결은" in p["text"] for p in passages(essay))


@needs_seed
def test_essay_footnotes_come_out_whole(essay: ImportResult) -> None:
    _, seed_notes = essay_seed()
    notes = {n["mark"]: n for n in essay.data["footnotes"]}
    assert list(notes) == [f"[{n}]" for n in range(1, 19)]
    for mark, url in SEED_URLS["math-ai"].items():
        assert url in notes[mark]["text"], mark
    for mark, text in seed_notes.items():  # the text as printed, autolink brackets aside
        assert fold(notes[mark]["text"]) == fold(text.replace("<", "").replace(">", "")), mark


@needs_seed
def test_essay_import_reproduces_the_hand_made_article(essay: ImportResult) -> None:
    """Passage for passage the same text and kind as corpus/math-ai.yaml (made by hand)."""
    hand = load_article(HAND_MADE)
    ours = [(p.get("kind", "body"), p["text"]) for p in passages(essay)]
    theirs = [(p.kind, p.text) for p in hand.passages if p.kind != "bio"]
    assert ours == theirs
    assert essay.data["bio"]["text"] == hand.bio.text
    assert [s["title"] for s in essay.data["sections"]] == [s.title for s in hand.sections]
    notes = [(n["mark"], n["kind"], n["text"]) for n in essay.data["footnotes"]]
    assert notes == [(n.mark, n.kind, n.text) for n in hand.footnotes.values()]
    # Imported over the hand-made file, every id is the hand-made one.
    again = import_markdown(
        ESSAY_SEED.read_text(encoding="utf-8"), article_id="math-ai", previous=hand
    )
    assert [p["id"] for p in passages(again)] == [p.id for p in hand.passages if p.kind != "bio"]
    assert [s["id"] for s in again.data["sections"]] == [s.id for s in hand.sections]


@needs_seed
def test_cli_imports_the_essay_into_a_corpus_that_answers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], make_answerer: Any
) -> None:
    out = tmp_path / "corpus" / "essay.yaml"
    code = main(["corpus", "import", str(ESSAY_SEED), "--id", "essay", "-o", str(out)])
    printed = capsys.readouterr()
    assert code == 0, printed.err
    assert "코퍼스 정상: 문서 1개, 문단 23개" in printed.out
    assert main(["corpus", "check", str(out.parent)]) == 0
    answerer = make_answerer({"essay.yaml": out.read_text(encoding="utf-8")})
    answer = answerer.answer("페퍼먼이 증명한 가설은?")
    assert answer.status == "answer"
    assert "다양체 가설" in answer.results[0].text


# -- synthetic Markdown ----------------------------------------------------------------------

SYNTHETIC = md(
    """
    # 합성 문서: 각주와 인용

    첫 문단은 제목 없는 도입부입니다[^1]. 두 번째 문장도 있습니다.

    ## 인용과 목록

    > 인용문 첫 줄입니다.
    > 인용문 둘째 줄입니다.[^2]

    목록이 이어집니다:

    - 사과 항목
    - 배 항목
      1. 안쪽 번호 항목

    ![[그림 1] 고양이 사진[^3]](cat.png)

    쪽 나눔에서 끊긴 문단은 그림을 건너

    ![[그림 2] 장식 그림](decoration.png)

    ![](no-text.png)

    이어집니다. 링크는 [논문](https://arxiv.org/abs/1711.01558)처럼 씁니다.

    “따옴표 하나로 된 문단입니다.”

    ※ 편집자 주: 노트 문단입니다.

    글 | 홍길동 gildong@example.com 글쓴이 소개 문장입니다.

    [^1]: 참고 | <https://example.com/a_b/c?d=1>
    [^2]: 인용 출처 설명입니다.
    [^3]: 논문 | Cat Paper (https://arxiv.org/abs/1203.1513)
    """
)


@pytest.fixture(scope="module")
def synthetic() -> ImportResult:
    return import_markdown(SYNTHETIC, article_id="synth")


def test_synthetic_structure(synthetic: ImportResult, tmp_path: Path) -> None:
    data = synthetic.data
    assert data["title"] == "합성 문서: 각주와 인용"
    assert data["author"] == "홍길동"
    assert [(s["id"], s["title"]) for s in data["sections"]] == [
        ("intro", None),
        ("s1", "인용과 목록"),
    ]
    got = [(p["id"], p.get("kind", "body"), p["text"]) for p in passages(synthetic)]
    assert got == [
        ("synth-p001", "body", "첫 문단은 제목 없는 도입부입니다[1]. 두 번째 문장도 있습니다."),
        ("synth-p002", "quote", "인용문 첫 줄입니다. 인용문 둘째 줄입니다.[2]"),
        ("synth-p003", "body", "목록이 이어집니다:"),
        ("synth-p004", "body", "- 사과 항목\n- 배 항목\n  1. 안쪽 번호 항목"),
        ("synth-c01", "caption", "[그림 1] 고양이 사진[3]"),
        (
            "synth-p005",
            "body",
            "쪽 나눔에서 끊긴 문단은 그림을 건너 이어집니다. "
            "링크는 논문 (https://arxiv.org/abs/1711.01558)처럼 씁니다.",
        ),
        ("synth-c02", "caption", "[그림 2] 장식 그림"),
        ("synth-p006", "quote", "“따옴표 하나로 된 문단입니다.”"),
        ("synth-p007", "note", "※ 편집자 주: 노트 문단입니다."),
    ]
    assert data["bio"] == {
        "id": "synth-bio",
        "text": "글 | 홍길동 gildong@example.com 글쓴이 소개 문장입니다.",
    }
    assert data["footnotes"] == [
        {"mark": "[1]", "kind": "참고", "text": "https://example.com/a_b/c?d=1"},
        {"mark": "[2]", "kind": "설명", "text": "인용 출처 설명입니다."},
        {"mark": "[3]", "kind": "논문", "text": "Cat Paper (https://arxiv.org/abs/1203.1513)"},
    ]
    article = write_article(tmp_path, synthetic)
    assert article.footnotes["[1]"].urls == ("https://example.com/a_b/c?d=1",)
    # The caption's footnote reaches the paragraph that says "[그림 1]" (corpus rule).
    assert synthetic.warnings == []


def test_trailing_numbered_list_and_sup_marks_are_footnotes(tmp_path: Path) -> None:
    result = import_markdown(
        md(
            """
            # 목록 각주

            본문은 윗첨자 표시<sup>1</sup>와 두 번째 표시<sup>2</sup>를 씁니다.

            본문이 인용하지 않는 목록입니다:

            1. 일반 항목

            누락된 각주<sup>3</sup>도 있습니다.

            ## 각주

            1. 참고 | https://icml.cc/Conferences/2018/Schedule
            2. 두 번째 각주 설명입니다.

            글 | 김작가
            """
        ),
        article_id="listnotes",
    )
    texts = [p["text"] for p in passages(result)]
    assert texts == [
        "본문은 윗첨자 표시[1]와 두 번째 표시[2]를 씁니다.",
        "본문이 인용하지 않는 목록입니다:",
        "1. 일반 항목",
        "누락된 각주[3]도 있습니다.",
    ]
    assert [s["title"] for s in result.data["sections"]] == [None], "'각주' is no section"
    assert result.data["footnotes"] == [
        {"mark": "[1]", "kind": "참고", "text": "https://icml.cc/Conferences/2018/Schedule"},
        {"mark": "[2]", "kind": "설명", "text": "두 번째 각주 설명입니다."},
        {"mark": "[3]", "missing": True},
    ]
    assert result.data["author"] == "김작가"
    assert any("[3]" in w for w in result.warnings)
    assert load_corpus(write_article(tmp_path, result) and tmp_path).articles[0].id == "listnotes"


def test_a_sup_footnote_paragraph_is_split_into_entries() -> None:
    result = import_markdown(
        md(
            """
            # 제목

            문장 하나<sup>1</sup>, 문장 둘<sup>2</sup>.

            <sup>1</sup> 참고 | <https://a.example/x> <sup>2</sup> 원문 | Original words.

            글 | 이름 a@b.co
            """
        ),
        article_id="sup",
        author="다른 이름",
    )
    assert result.data["author"] == "다른 이름", "--author wins over the bio line"
    assert result.data["footnotes"] == [
        {"mark": "[1]", "kind": "참고", "text": "https://a.example/x"},
        {"mark": "[2]", "kind": "원문", "text": "Original words."},
    ]


@pytest.mark.parametrize(
    ("text", "ends"),
    [
        ("끝났습니다.", True),
        ("끝났습니다.[17]", True),
        ("그는 “좋다.”", True),
        ("것이다.”[14]", True),
        ("다음과 같습니다:", True),
        ("선행적 지식(prior knowledge)을", False),
        ("스콧 페이지(Scott Page)는 복잡한", False),
        ("숫자 2018", False),
    ],
)
def test_ends_sentence(text: str, ends: bool) -> None:
    assert ends_sentence(text) is ends


def test_import_refuses_what_it_cannot_make(tmp_path: Path) -> None:
    with pytest.raises(MarkdownImportError, match="제목"):
        import_markdown("본문만 있습니다.\n", article_id="x")
    with pytest.raises(MarkdownImportError, match="저자"):
        import_markdown("# 제목\n\n본문입니다.\n", article_id="x")
    with pytest.raises(MarkdownImportError, match="id"):
        import_markdown("# 제목\n\n본문.\n", article_id="한글", author="이름")
    made = import_markdown("# 제목\n\n본문입니다.\n", article_id="x", author="이름")
    assert made.data["bio"]["text"] == "글 | 이름" and made.warnings
    # The command line says so in one line and exits 1, writing nothing.
    src = tmp_path / "bad.md"
    src.write_text("본문만 있습니다.\n", encoding="utf-8")
    assert main(["corpus", "import", str(src), "-o", str(tmp_path / "bad.yaml")]) == 1
    assert not (tmp_path / "bad.yaml").exists()


# -- re-import -------------------------------------------------------------------------------

EDITABLE = md(
    """
    # 다시 가져오기

    첫째 문단입니다. 내용이 조금 있습니다.

    둘째 문단입니다. 이 문단을 고칩니다, 조금만.

    ## 절

    셋째 문단입니다. 그대로 둡니다.

    ![[그림 1] 그림 설명](x.png)

    넷째 문단은 지워집니다.

    다섯째 문단입니다. 역시 그대로입니다.

    글 | 박작가 park@example.com
    """
)


def test_reimport_after_editing_one_paragraph_keeps_the_other_ids(tmp_path: Path) -> None:
    src = tmp_path / "article.md"
    out = tmp_path / "corpus" / "again.yaml"
    src.write_text(EDITABLE, encoding="utf-8")
    assert main(["corpus", "import", str(src), "--id", "again", "-o", str(out)]) == 0
    first = {p.text: p.id for p in load_article(out).passages}

    edited = (
        EDITABLE.replace("이 문단을 고칩니다, 조금만.", "이 문단을 고쳤습니다, 조금만.")
        .replace("넷째 문단은 지워집니다.\n\n", "")
        .replace("## 절\n\n", "## 절\n\n새로 넣은 문단입니다.\n\n")
    )
    src.write_text(edited, encoding="utf-8")
    assert main(["corpus", "import", str(src), "--id", "again", "-o", str(out)]) == 0
    second = {p.text: p.id for p in load_article(out).passages}

    for text in (
        "첫째 문단입니다. 내용이 조금 있습니다.",
        "셋째 문단입니다. 그대로 둡니다.",
        "[그림 1] 그림 설명",
        "다섯째 문단입니다. 역시 그대로입니다.",
        "글 | 박작가 park@example.com",
    ):
        assert second[text] == first[text], text
    old_edited = first["둘째 문단입니다. 이 문단을 고칩니다, 조금만."]
    assert second["둘째 문단입니다. 이 문단을 고쳤습니다, 조금만."] == old_edited
    new_id = second["새로 넣은 문단입니다."]
    assert new_id not in first.values(), "a new paragraph never takes a removed one's id"
    assert new_id == "again-p006"
    assert main(["corpus", "check", str(out.parent)]) == 0

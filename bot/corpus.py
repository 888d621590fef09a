"""Load and validate the article corpus (one YAML file per article) and the glossary.

The corpus is the only source of what the bot says, so the loader is strict:
unknown keys, duplicate ids, empty text and footnote marks without a footnote
entry are all errors, reported with the file and the id they concern.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

PASSAGE_KINDS = ("body", "caption", "quote", "note", "bio")
FOOTNOTE_KINDS = ("참고", "논문", "설명", "원문")
GLOSSARY_FILE = "glossary.yaml"
# Everyday words for the articles' words (one way: a question's word -> the article's).
PARAPHRASES_FILE = "paraphrases.yaml"
_NOT_ARTICLES = frozenset({GLOSSARY_FILE, PARAPHRASES_FILE})

# A footnote reference in passage text: "*5" (report style) or "[5]" (essay style).
MARK_RE = re.compile(r"\*\d+|\[\d+\]")
URL_RE = re.compile(r"https?://[^\s<>()\"']+")
# "[그림 8]" in a paragraph, "[ 그림 8 ] caption…" at the start of a caption.
FIGURE_REF_RE = re.compile(r"\[\s*그림\s*(\d+)\s*\]")

_ARTICLE_KEYS = {"id", "title", "author", "source", "bio", "sections", "footnotes"}
_SECTION_KEYS = {"id", "title", "passages", "examples"}
_PASSAGE_KEYS = {"id", "kind", "text"}
_FOOTNOTE_KEYS = {"mark", "kind", "text", "missing"}
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")


@dataclass(frozen=True, slots=True)
class Footnote:
    """One footnote of an article; ``text`` is None when the source never printed it."""

    mark: str
    kind: str | None
    text: str | None
    urls: tuple[str, ...] = ()

    @property
    def missing(self) -> bool:
        return self.text is None

    @property
    def display(self) -> str | None:
        """The footnote as the article prints it: ``참고 | https://…``."""
        if self.text is None:
            return None
        return f"{self.kind} | {self.text}" if self.kind else self.text


@dataclass(frozen=True, slots=True)
class Passage:
    """A whole paragraph (or caption, quote, note, bio) in reading order."""

    id: str
    article_id: str
    section_id: str | None
    section_title: str | None
    kind: str
    text: str
    marks: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Section:
    id: str
    title: str | None
    passages: tuple[Passage, ...]
    # Questions a user might ask that this section answers (shown in help and App Home).
    examples: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Article:
    id: str
    title: str
    author: str
    source: str
    bio: Passage
    sections: tuple[Section, ...]
    footnotes: Mapping[str, Footnote]

    @property
    def passages(self) -> tuple[Passage, ...]:
        """Every passage in reading order, the author's bio last."""
        return (*(p for s in self.sections for p in s.passages), self.bio)

    @property
    def figure_marks(self) -> dict[str, tuple[str, ...]]:
        """Figure number -> footnote marks of that figure's caption."""
        out: dict[str, tuple[str, ...]] = {}
        for p in self.passages:
            m = FIGURE_REF_RE.match(p.text) if p.kind == "caption" else None
            if m:
                out[m.group(1)] = p.marks
        return out


@dataclass(frozen=True, slots=True)
class Corpus:
    articles: tuple[Article, ...]
    passages: tuple[Passage, ...] = field(init=False)
    _articles_by_id: Mapping[str, Article] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "passages", tuple(p for a in self.articles for p in a.passages))
        object.__setattr__(self, "_articles_by_id", {a.id: a for a in self.articles})

    def article(self, article_id: str) -> Article:
        return self._articles_by_id[article_id]

    def replicated(self, factor: int) -> Corpus:
        """The articles repeated ``factor`` times, ids suffixed ``-xN`` (for benchmarks)."""
        articles = []
        for n in range(factor):

            def suffixed(p: Passage, n: int = n) -> Passage:
                return replace(p, id=f"{p.id}-x{n}", article_id=f"{p.article_id}-x{n}")

            for a in self.articles:
                sections = tuple(
                    replace(s, passages=tuple(suffixed(p) for p in s.passages)) for s in a.sections
                )
                articles.append(
                    replace(a, id=f"{a.id}-x{n}", bio=suffixed(a.bio), sections=sections)
                )
        return Corpus(tuple(articles))

    def footnotes_of(self, passage: Passage) -> tuple[Footnote, ...]:
        """The footnotes a passage refers to: its own marks, then those of the figures it
        points to ("[그림 8] 참고" inherits the footnotes of figure 8's caption)."""
        article = self._articles_by_id[passage.article_id]
        marks = list(passage.marks)
        if passage.kind != "caption":
            for number in FIGURE_REF_RE.findall(passage.text):
                marks += article.figure_marks.get(number, ())
        notes = article.footnotes
        return tuple(notes[m] for m in dict.fromkeys(marks) if m in notes)


@dataclass(frozen=True, slots=True)
class Glossary:
    """Groups of interchangeable terms (synonyms, translations, spellings), and the
    everyday words a reader may use for an article's word (``paraphrases.yaml``)."""

    groups: tuple[tuple[str, ...], ...] = ()
    # (the article's word, the words a question may use for it)
    paraphrases: tuple[tuple[str, tuple[str, ...]], ...] = ()


@dataclass(frozen=True, slots=True)
class Problem:
    file: str
    where: str
    message: str
    error: bool = True

    def __str__(self) -> str:
        level = "오류" if self.error else "경고"
        return f"{level}: {self.file}: {self.where}: {self.message}"


class CorpusError(Exception):
    """The corpus folder cannot be loaded; ``problems`` says why, file by file."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def find_marks(text: str) -> tuple[str, ...]:
    """Footnote marks in ``text``, each once, in order of first appearance."""
    return tuple(dict.fromkeys(MARK_RE.findall(text)))


def find_urls(text: str) -> tuple[str, ...]:
    return tuple(u.rstrip(".,;:") for u in URL_RE.findall(text))


def article_files(folder: Path) -> list[Path]:
    """The article files of a corpus folder (every ``*.yaml`` but the word lists)."""
    return sorted(p for p in folder.glob("*.yaml") if p.name not in _NOT_ARTICLES)


def corpus_files(folder: Path) -> list[Path]:
    """Every file whose content the corpus (and so the index) depends on."""
    lists = [folder / name for name in (GLOSSARY_FILE, PARAPHRASES_FILE)]
    return article_files(folder) + [p for p in lists if p.is_file()]


def _declared_id(raw: Any, fallback: str) -> str:
    """The id a raw item declares, to name it in problems; ``fallback`` when it has none."""
    ident = raw.get("id") if isinstance(raw, dict) else None
    return ident if isinstance(ident, str) and ident.strip() else fallback


class _Reader:
    """Turns parsed YAML into typed objects, collecting problems instead of stopping."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []

    def problem(self, where: str, message: str, *, error: bool = True) -> None:
        self.problems.append(Problem(self.file, where, message, error))

    def mapping(self, value: Any, where: str, keys: set[str], required: set[str]) -> dict:
        if not isinstance(value, dict):
            self.problem(where, "항목이 매핑(key: value)이어야 합니다")
            return {}
        for key in sorted(set(value) - keys, key=str):
            self.problem(where, f"알 수 없는 키 '{key}'")
        for key in sorted(required - set(value)):
            self.problem(where, f"필수 키 '{key}'가 없습니다")
        return value

    def text(self, value: Any, where: str, key: str, *, optional: bool = False) -> str | None:
        if value is None and optional:
            return None
        if not isinstance(value, str) or not value.strip():
            self.problem(where, f"'{key}'가 비어 있습니다")
            return None
        return value.strip()

    def ident(self, value: Any, where: str) -> str:
        if not isinstance(value, str) or not _ID_RE.match(value):
            self.problem(where, f"id {value!r}는 영문 소문자, 숫자, '-'만 쓸 수 있습니다")
            return str(value)
        return value

    def examples(self, raw: Any, where: str) -> tuple[str, ...]:
        """A section's example questions: an optional list of non-empty strings."""
        if raw is None:
            return ()
        if not isinstance(raw, list) or not all(isinstance(q, str) and q.strip() for q in raw):
            self.problem(where, "'examples'는 비어 있지 않은 질문 문자열의 목록이어야 합니다")
            return ()
        questions = tuple(q.strip() for q in raw)
        if len(set(questions)) != len(questions):
            self.problem(where, "'examples'에 같은 질문이 두 번 있습니다")
        return questions

    def footnotes(self, raw: Any, article_id: str) -> dict[str, Footnote]:
        notes: dict[str, Footnote] = {}
        if not isinstance(raw, list):
            if raw is not None:
                self.problem(article_id, "'footnotes'는 목록이어야 합니다")
            return notes
        for i, item in enumerate(raw):
            label = item.get("mark") if isinstance(item, dict) else None
            name = f"각주 {label}" if isinstance(label, str) else f"footnotes[{i}]"
            where = f"{article_id} {name}"
            d = self.mapping(item, where, _FOOTNOTE_KEYS, {"mark"})
            mark = d.get("mark")
            if not isinstance(mark, str) or not MARK_RE.fullmatch(mark):
                self.problem(where, f"각주 표시 {mark!r}는 '*5' 또는 '[5]' 꼴이어야 합니다")
                continue
            where = f"{article_id} 각주 {mark}"
            if mark in notes:
                self.problem(where, "각주 표시가 중복됩니다")
            if d.get("missing") is True:
                if "text" in d or "kind" in d:
                    self.problem(where, "missing 각주에는 text와 kind를 쓰지 않습니다")
                notes[mark] = Footnote(mark, None, None)
                continue
            kind = d.get("kind")
            if kind not in FOOTNOTE_KINDS:
                self.problem(
                    where, f"kind {kind!r}는 {', '.join(FOOTNOTE_KINDS)} 중 하나여야 합니다"
                )
            text = self.text(d.get("text"), where, "text")
            if text is not None:
                notes[mark] = Footnote(mark, kind, text, find_urls(text))
        return notes

    def passage(
        self, raw: Any, article_id: str, section: tuple[str | None, str | None], default_kind: str
    ) -> Passage | None:
        where = _declared_id(raw, f"{article_id} passage")
        d = self.mapping(raw, where, _PASSAGE_KEYS, {"id", "text"})
        if "id" not in d:
            return None
        pid = self.ident(d["id"], where)
        kind = d.get("kind", default_kind)
        if kind not in PASSAGE_KINDS:
            self.problem(pid, f"kind {kind!r}는 {', '.join(PASSAGE_KINDS)} 중 하나여야 합니다")
        text = self.text(d.get("text"), pid, "text")
        if text is None:
            return None
        return Passage(pid, article_id, section[0], section[1], kind, text, find_marks(text))

    def article(self, raw: Any) -> Article | None:
        where = _declared_id(raw, "(문서)")
        d = self.mapping(raw, where, _ARTICLE_KEYS, {"id", "title", "author", "bio", "sections"})
        if "id" not in d:
            return None
        aid = self.ident(d["id"], "(문서)")
        title = self.text(d.get("title"), aid, "title") or ""
        author = self.text(d.get("author"), aid, "author") or ""
        source = self.text(d.get("source"), aid, "source", optional=True) or ""
        bio = self.passage(d.get("bio"), aid, (None, None), "bio")
        sections: list[Section] = []
        raw_sections = d.get("sections")
        if not isinstance(raw_sections, list) or not raw_sections:
            self.problem(aid, "'sections'는 비어 있지 않은 목록이어야 합니다")
            raw_sections = []
        for s in raw_sections:
            sd = self.mapping(
                s, _declared_id(s, f"{aid} section"), _SECTION_KEYS, {"id", "passages"}
            )
            if "id" not in sd:
                continue
            sid = self.ident(sd["id"], f"{aid} section")
            stitle = self.text(sd.get("title"), sid, "title", optional=True)
            raw_passages = sd.get("passages")
            if not isinstance(raw_passages, list) or not raw_passages:
                self.problem(sid, "'passages'는 비어 있지 않은 목록이어야 합니다")
                raw_passages = []
            passages = [self.passage(p, aid, (sid, stitle), "body") for p in raw_passages]
            examples = self.examples(sd.get("examples"), sid)
            sections.append(Section(sid, stitle, tuple(p for p in passages if p), examples))
        footnotes = self.footnotes(d.get("footnotes"), aid)
        if bio is None:
            return None
        article = Article(aid, title, author, source, bio, tuple(sections), footnotes)
        self.cross_check(article)
        return article

    def cross_check(self, article: Article) -> None:
        seen: set[str] = set()
        for section in article.sections:
            if section.id in seen:
                self.problem(section.id, "섹션 id가 중복됩니다")
            seen.add(section.id)
        cited: set[str] = set()
        for p in article.passages:
            for mark in p.marks:
                cited.add(mark)
                if mark not in article.footnotes:
                    self.problem(p.id, f"각주 {mark}를 참조하지만 footnotes에 없습니다")
        for mark in article.footnotes:
            if mark not in cited:
                self.problem(
                    f"{article.id} 각주 {mark}", "어느 문단도 참조하지 않습니다", error=False
                )


# libyaml's loader when PyYAML was built with it: ten times faster on the word lists,
# which start-up reads on every run.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _parse(path: Path) -> tuple[Any, list[Problem]]:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER), []
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(str(path), "(파일)", f"읽을 수 없습니다: {exc.__class__.__name__}")]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{mark.line + 1}행" if mark is not None else "(파일)"
        return None, [Problem(str(path), where, f"YAML 문법 오류: {getattr(exc, 'problem', exc)}")]


def check_corpus(folder: Path, *, word_lists: bool = True) -> tuple[Corpus | None, list[Problem]]:
    """Load ``folder`` and return the corpus (None on errors) with every problem found;
    ``word_lists=False`` leaves the glossary and paraphrases to ``load_glossary``."""
    folder = Path(folder)
    if not folder.is_dir():
        return None, [Problem(str(folder), "(폴더)", "코퍼스 폴더가 없습니다")]
    files = article_files(folder)
    if not files:
        return None, [Problem(str(folder), "(폴더)", "문서 YAML 파일이 하나도 없습니다")]
    problems: list[Problem] = []
    articles: list[Article] = []
    owners: dict[str, str] = {}
    for path in files:
        raw, parse_problems = _parse(path)
        problems += parse_problems
        if parse_problems:
            continue
        reader = _Reader(str(path))
        article = reader.article(raw)
        problems += reader.problems
        if article is None:
            continue
        for pid in [article.id, *(p.id for p in article.passages)]:
            if pid in owners:
                problems.append(Problem(str(path), pid, f"id가 {owners[pid]}에서 이미 쓰였습니다"))
            owners[pid] = str(path)
        articles.append(article)
    glossary_path = folder / GLOSSARY_FILE
    if word_lists and glossary_path.is_file():
        problems += _list_problems(glossary_path, _glossary_groups)
    paraphrases_path = folder / PARAPHRASES_FILE
    if word_lists and paraphrases_path.is_file():
        problems += _list_problems(paraphrases_path, _paraphrases)
    if any(p.error for p in problems):
        return None, problems
    return Corpus(tuple(articles)), problems


def load_corpus(folder: Path) -> Corpus:
    """Load a corpus folder's articles or raise CorpusError listing every error (the
    word lists are checked where they are read, by ``load_glossary``)."""
    corpus, problems = check_corpus(folder, word_lists=False)
    if corpus is None:
        raise CorpusError(p for p in problems if p.error)
    return corpus


def _glossary_groups(raw: Any, file: str) -> tuple[tuple[tuple[str, ...], ...], list[Problem]]:
    problems: list[Problem] = []
    groups: list[tuple[str, ...]] = []
    items = raw.get("groups") if isinstance(raw, dict) else None
    if isinstance(raw, dict):
        for key in sorted(set(raw) - {"groups"}, key=str):
            problems.append(Problem(file, "(문서)", f"알 수 없는 키 '{key}'"))
    if not isinstance(items, list):
        return (), [*problems, Problem(file, "groups", "'groups'는 목록이어야 합니다")]
    for i, group in enumerate(items):
        terms = group if isinstance(group, list) else None
        if not terms or len(terms) < 2 or not all(isinstance(t, str) and t.strip() for t in terms):
            problems.append(Problem(file, f"groups[{i}]", "두 개 이상의 용어 목록이어야 합니다"))
            continue
        groups.append(tuple(t.strip() for t in terms))
    return tuple(groups), problems


Paraphrase = tuple[str, tuple[str, ...]]


def _paraphrases(raw: Any, file: str) -> tuple[tuple[Paraphrase, ...], list[Problem]]:
    problems: list[Problem] = []
    items = raw.get("paraphrases") if isinstance(raw, dict) else None
    if isinstance(raw, dict):
        for key in sorted(set(raw) - {"paraphrases"}, key=str):
            problems.append(Problem(file, "(문서)", f"알 수 없는 키 '{key}'"))
    if not isinstance(items, dict):
        message = "'paraphrases'는 '문서의 낱말: [바꿔 쓰는 말, …]' 목록이어야 합니다"
        return (), [*problems, Problem(file, "paraphrases", message)]
    out: list[Paraphrase] = []
    for word, values in items.items():
        ok = isinstance(word, str) and word.strip() and isinstance(values, list) and values
        if not ok or not all(isinstance(v, str) and v.strip() for v in values):
            problems.append(Problem(file, str(word), "바꿔 쓰는 말을 하나 이상 적어야 합니다"))
            continue
        out.append((word.strip(), tuple(v.strip() for v in values)))
    return tuple(out), problems


def _list_problems(
    path: Path, read: Callable[[Any, str], tuple[Any, list[Problem]]]
) -> list[Problem]:
    """Every problem of a word list file (the glossary, the paraphrases)."""
    raw, problems = _parse(path)
    return problems or read(raw, str(path))[1]


def _load_list(path: Path, read: Callable[[Any, str], tuple[Any, list[Problem]]]) -> Any:
    raw, problems = _parse(path)
    found, more = read(raw, str(path)) if not problems else ((), [])
    errors = [p for p in problems + more if p.error]
    if errors:
        raise CorpusError(errors)
    return found


def load_glossary(folder: Path) -> Glossary:
    """The glossary and paraphrases of a corpus folder; absent files are empty lists."""
    glossary, paraphrases = Path(folder) / GLOSSARY_FILE, Path(folder) / PARAPHRASES_FILE
    groups = _load_list(glossary, _glossary_groups) if glossary.is_file() else ()
    words = _load_list(paraphrases, _paraphrases) if paraphrases.is_file() else ()
    return Glossary(groups, words)


@dataclass(frozen=True, slots=True)
class EvalQuestion:
    """One entry of an evaluation file (the dev-set format)."""

    q: str
    kind: str
    needles: tuple[str, ...] = ()
    cite: str | None = None
    answer: str | None = None  # a substring the first result's quote must show


def load_eval_questions(path: Path) -> list[EvalQuestion]:
    """Read a question file: a YAML list of {q, kind, needles?, cite?, answer?}."""
    raw, problems = _parse(Path(path))
    if problems:
        raise CorpusError(problems)
    if not isinstance(raw, list):
        raise CorpusError([Problem(str(path), "(문서)", "질문 목록(YAML list)이어야 합니다")])
    questions: list[EvalQuestion] = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict) or not isinstance(item.get("q"), str):
            raise CorpusError([Problem(str(path), f"[{i}]", "각 항목에 문자열 q가 있어야 합니다")])
        needles = item.get("needles") or ()
        questions.append(
            EvalQuestion(
                q=item["q"],
                kind=str(item.get("kind", "")),
                needles=tuple(str(n) for n in needles),
                cite=str(item["cite"]) if item.get("cite") else None,
                answer=str(item["answer"]) if item.get("answer") else None,
            )
        )
    return questions


def load_article(path: Path) -> Article:
    """Load one article file on its own (e.g. an earlier import); CorpusError on errors."""
    raw, problems = _parse(Path(path))
    if problems:
        raise CorpusError(problems)
    reader = _Reader(str(path))
    article = reader.article(raw)
    errors = [p for p in reader.problems if p.error]
    if article is None or errors:
        raise CorpusError(errors or [Problem(str(path), "(문서)", "문서를 읽을 수 없습니다")])
    return article


def check_article_data(raw: Any, file: str) -> list[Problem]:
    """Every problem of one article given as raw data (what an importer is about to write)."""
    reader = _Reader(file)
    reader.article(raw)
    return reader.problems


class _ArticleDumper(yaml.SafeDumper):
    """Block style, long lines kept whole, multi-line text as literal blocks."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.nodes.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_ArticleDumper.add_representer(str, _represent_str)


def dump_article(data: Mapping[str, Any], *, header: str = "") -> str:
    """One article as corpus YAML (the schema of corpus/README.md), keys in schema order."""
    text = yaml.dump(
        dict(data),
        Dumper=_ArticleDumper,
        allow_unicode=True,
        sort_keys=False,
        width=10_000,
        default_flow_style=False,
    )
    comments = "".join(f"# {line}\n" if line else "#\n" for line in header.splitlines())
    return comments + text

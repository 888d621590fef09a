"""Turn a Markdown article into a corpus article (``icml2018-bot corpus import``).

The Markdown is parsed with markdown-it-py (CommonMark, plus its footnote plugin for
``[^N]``); this module only decides what each block is in the corpus's terms:

- the first heading (or ``title=``) is the title, every later heading starts a section;
- a paragraph is a ``body`` passage; a block quote, or a paragraph that is one quotation
  (“…”), a ``quote``; an image, or a paragraph that starts ``[그림 N]``, a ``caption``; a
  paragraph that starts ``※`` a ``note``; a list one passage, an item per line;
- footnotes come from ``[^N]`` / ``[^N]: text``, from ``<sup>N</sup>`` marks with a
  paragraph of ``<sup>N</sup> 참고 | …`` entries, or from a trailing numbered list whose
  numbers the text cites; every mark is written ``[N]``, every URL whole;
- a ``글 | NAME email …`` paragraph (with the paragraph after it when the line is only the
  name) is the author's bio;
- a body paragraph that stops mid-sentence (a print page break) continues in the next
  body paragraph, even across an interposed caption, note or bio.

Nothing is invented or dropped: every character of text goes to exactly one passage or
footnote. Re-importing over an earlier import keeps the ids of unchanged (and of slightly
edited) paragraphs, so feedback and logs that name a passage id stay valid.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode
from mdit_py_plugins.footnote import footnote_plugin

from bot.corpus import FIGURE_REF_RE, FOOTNOTE_KINDS, Article, find_urls

# A paragraph of footnote entries: "<sup>1</sup> 설명 | … <sup>2</sup> 참고 | …".
_SUP_ENTRY_RE = re.compile(r"\x00(\d+)\x00")
_SUP_PARAGRAPH_RE = re.compile(r"^\s*\x00\d+\x00")
_KIND_PREFIX_RE = re.compile(rf"^\s*({'|'.join(FOOTNOTE_KINDS)})\s*[|｜]\s*")
_BIO_RE = re.compile(r"^글\s*[|｜]\s*")
_EMAIL_RE = re.compile(r"\S+@\S+\.\S+")
# "[^7]" with no definition (the plugin leaves it as text) and a literal "[7]": marks too.
_UNDEFINED_REF_RE = re.compile(r"\[\^?(\d+)\]")
# Marks and closing punctuation that may follow a sentence end.
_TRAILER_RE = re.compile(r"(?:\[\d+\]|[\s”’\"'」』)\]])*$")
_SENTENCE_CLOSERS = ".?!:;…。"
_NOTE_PREFIXES = ("※",)
_ID_SAFE_RE = re.compile(r"[^a-z0-9]+")
# At or above this similarity an edited paragraph keeps the id it had.
SAME_PASSAGE_RATIO = 0.6
# A sup mark in rendered text, before it is known to be a footnote mark.
_SUP = "\x00{}\x00"


class MarkdownImportError(Exception):
    """The Markdown cannot become an article; the message says why, in Korean."""


@dataclass
class _Block:
    kind: str  # heading | body | quote | caption | note | list | bio | notes
    text: str
    level: int = 0
    numbers: tuple[int, ...] = ()  # ordered-list item numbers
    items: tuple[str, ...] = ()


@dataclass
class ImportResult:
    """The article as raw corpus data (ready for ``dump_article``) and what was noticed."""

    data: dict[str, Any]
    warnings: list[str] = field(default_factory=list)

    @property
    def passage_count(self) -> int:
        return sum(len(s["passages"]) for s in self.data["sections"]) + 1

    @property
    def footnote_count(self) -> int:
        return sum(1 for n in self.data.get("footnotes", ()) if not n.get("missing"))


def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark").use(footnote_plugin).enable("table")


# -- inline text ---------------------------------------------------------------------------


def _inline_text(node: SyntaxTreeNode) -> str:
    """Plain text of inline content: formatting dropped, sup marks as placeholders, link
    targets kept after their text, line breaks inside a paragraph joined with a space."""
    out: list[str] = []
    sup_open = False
    for child in node.children:
        kind = child.type
        if kind == "text":
            text = child.content
            if sup_open and text.strip().isdigit():
                out.append(_SUP.format(text.strip()))
                continue
            out.append(_UNDEFINED_REF_RE.sub(lambda m: _SUP.format(m.group(1)), text))
        elif kind == "footnote_ref":
            out.append(_SUP.format(child.meta.get("label", "")))
        elif kind == "html_inline":
            tag = child.content.strip().lower()
            if tag.startswith("<sup"):
                sup_open = True
            elif tag.startswith("</sup"):
                sup_open = False
            elif tag.startswith("<br"):
                out.append("\n")
        elif kind == "softbreak":
            out.append(" ")
        elif kind == "hardbreak":
            out.append("\n")
        elif kind == "code_inline":
            out.append(child.content)
        elif kind == "image":
            out.append(_inline_text(child))
        elif kind == "link":
            inner = _inline_text(child)
            href = str(child.attrs.get("href", ""))
            shown = inner.strip()
            if href and shown != href and not href.startswith(("#", "mailto:")):
                out.append(f"{inner} ({href})" if shown else href)
            else:
                out.append(inner)
        else:  # em, strong, s and other wrappers: their text, not their markup
            out.append(_inline_text(child) if child.children else child.content)
    return "".join(out)


def _clean(text: str) -> str:
    lines = [re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.split("\n")]
    return "\n".join(line for line in lines if line)


def _is_image_only(node: SyntaxTreeNode) -> bool:
    inline = node.children[0] if node.children else None
    if inline is None:
        return False
    parts = [c for c in inline.children if not (c.type == "text" and not c.content.strip())]
    parts = [c for c in parts if c.type not in ("softbreak", "hardbreak")]
    return bool(parts) and all(c.type == "image" for c in parts)


# -- blocks --------------------------------------------------------------------------------


def _list_items(node: SyntaxTreeNode, depth: int = 0) -> tuple[list[str], list[int]]:
    """Lines of a (possibly nested) list: each item with its marker, nested ones indented."""
    lines: list[str] = []
    numbers: list[int] = []
    ordered = node.type == "ordered_list"
    start = int(node.attrs.get("start", 1) or 1) if ordered else 1
    for i, item in enumerate(node.children):
        number = int(item.info) if ordered and item.info.isdigit() else start + i
        texts: list[str] = []
        nested: list[str] = []
        for child in item.children:
            if child.type in ("bullet_list", "ordered_list"):
                nested += _list_items(child, depth + 1)[0]
            else:
                texts.append(_block_text(child))
        marker = f"{number}{item.markup or '.'}" if ordered else (item.markup or "-")
        lines.append("  " * depth + f"{marker} " + " ".join(t for t in texts if t))
        lines += nested
        numbers.append(number)
    return lines, numbers


def _block_text(node: SyntaxTreeNode) -> str:
    """The text of any block, as one string (paragraphs joined by newlines)."""
    if node.type in ("paragraph", "heading"):
        return _clean(_inline_text(node.children[0])) if node.children else ""
    if node.type in ("fence", "code_block"):
        return node.content.rstrip("\n")
    if node.type == "html_block":
        return _clean(re.sub(r"<[^>]+>", " ", node.content))
    if node.type in ("bullet_list", "ordered_list"):
        return "\n".join(_list_items(node)[0])
    if node.type == "table":
        rows = []
        for row in _descendants(node, "tr"):
            cells = [_clean(_inline_text(c.children[0])) for c in row.children if c.children]
            rows.append(" | ".join(cells))
        return "\n".join(rows)
    return "\n".join(t for t in (_block_text(c) for c in node.children) if t)


def _descendants(node: SyntaxTreeNode, kind: str) -> Iterable[SyntaxTreeNode]:
    for child in node.children:
        if child.type == kind:
            yield child
        else:
            yield from _descendants(child, kind)


def _blocks(markdown: str) -> tuple[list[_Block], dict[str, str]]:
    """The document's blocks in reading order, and its ``[^N]: text`` definitions."""
    tree = SyntaxTreeNode(_parser().parse(markdown))
    blocks: list[_Block] = []
    definitions: dict[str, str] = {}
    for node in tree.children:
        kind = node.type
        if kind == "hr":
            continue
        if kind == "footnote_block":
            for note in node.children:
                label = str(note.meta.get("label", ""))
                definitions[label] = _block_text(note)
            continue
        if kind == "heading":
            blocks.append(_Block("heading", _block_text(node), level=int(node.tag[1:])))
            continue
        if kind == "blockquote":
            blocks.append(_Block("quote", _block_text(node)))
            continue
        if kind in ("bullet_list", "ordered_list"):
            lines, numbers = _list_items(node)
            items = tuple(_block_text_items(node))
            numbered = tuple(numbers) if kind == "ordered_list" else ()
            blocks.append(_Block("list", "\n".join(lines), numbers=numbered, items=items))
            continue
        if kind == "paragraph" and _is_image_only(node):
            blocks.append(_Block("caption", _block_text(node)))
            continue
        text = _block_text(node)
        if text:
            blocks.append(_Block(_paragraph_kind(text), text))
    return [b for b in blocks if b.text.strip() or b.kind == "heading"], definitions


def _block_text_items(node: SyntaxTreeNode) -> Iterable[str]:
    """Each top-level item's text without its marker (for a trailing footnote list)."""
    for item in node.children:
        yield "\n".join(t for t in (_block_text(c) for c in item.children) if t)


def _paragraph_kind(text: str) -> str:
    if _SUP_PARAGRAPH_RE.match(text):
        return "notes"
    if _BIO_RE.match(text):
        return "bio"
    if FIGURE_REF_RE.match(text):
        return "caption"
    if text.startswith(_NOTE_PREFIXES):
        return "note"
    if _is_quotation(text):
        return "quote"
    return "body"


def _is_quotation(text: str) -> bool:
    """A paragraph that is one quotation: “…” (footnote marks after it allowed)."""
    core = _SUP_ENTRY_RE.sub("", text).rstrip()
    return core.startswith("“") and core.endswith("”") and core.find("”") == len(core) - 1


def ends_sentence(text: str) -> bool:
    """Whether a paragraph ends a sentence (marks, quotes and brackets after it allowed)."""
    core = _TRAILER_RE.sub("", _SUP_ENTRY_RE.sub(lambda m: f"[{m.group(1)}]", text)).rstrip()
    return not core or core[-1] in _SENTENCE_CLOSERS


# -- footnotes -----------------------------------------------------------------------------


def _footnote(number: str, text: str) -> dict[str, Any]:
    text = _clean(text.replace("\n", " "))
    m = _KIND_PREFIX_RE.match(text)
    if m:
        kind, text = m.group(1), text[m.end() :]
    else:
        kind = "참고" if find_urls(text) else "설명"
    return {"mark": f"[{number}]", "kind": kind, "text": text}


def _sup_entries(text: str) -> list[tuple[str, str]]:
    """``\\x001\\x00 설명 | … \\x002\\x00 …`` -> [("1", "설명 | …"), ("2", "…")]."""
    parts = _SUP_ENTRY_RE.split(text)
    return [(parts[i], parts[i + 1].strip()) for i in range(1, len(parts) - 1, 2)]


# -- the article ---------------------------------------------------------------------------


def _slug(text: str) -> str:
    return _ID_SAFE_RE.sub("-", text.lower()).strip("-")


def _bio_author(bio: str) -> str | None:
    rest = _BIO_RE.sub("", bio.split("\n")[0])
    email = _EMAIL_RE.search(rest)
    name = rest[: email.start()] if email else rest
    name = name.strip(" ,·|")
    return name or None


def _marks_to_text(text: str) -> str:
    return _SUP_ENTRY_RE.sub(lambda m: f"[{m.group(1)}]", text)


def _number_labels(blocks: Sequence[_Block], definitions: Mapping[str, str]) -> dict[str, str]:
    """Footnote label -> number: numeric labels stay, others are numbered after them."""
    labels = list(definitions)
    for block in blocks:
        labels += _SUP_ENTRY_RE.findall(block.text)
    numeric = [int(label) for label in labels if label.isdigit()]
    following = max(numeric, default=0) + 1
    out: dict[str, str] = {}
    for label in dict.fromkeys(labels):
        if label.isdigit():
            out[label] = label
        else:
            out[label] = str(following)
            following += 1
    return out


def import_markdown(
    markdown: str,
    *,
    article_id: str,
    title: str | None = None,
    author: str | None = None,
    source: str | None = None,
    previous: Article | None = None,
) -> ImportResult:
    """Build the raw article for ``markdown``; ``previous`` (an earlier import of the same
    article) lends its ids to the passages that are still there."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", article_id):
        raise MarkdownImportError(
            f"문서 id {article_id!r}는 영문 소문자, 숫자, '-'만 쓸 수 있습니다"
        )
    blocks, definitions = _blocks(markdown)
    warnings: list[str] = []
    labels = _number_labels(blocks, definitions)

    def relabel(text: str) -> str:
        return _SUP_ENTRY_RE.sub(lambda m: _SUP.format(labels.get(m.group(1), m.group(1))), text)

    for block in blocks:
        block.text = relabel(block.text)

    # The title: --title, else the first heading (which is then no section).
    if title is None:
        first = next((b for b in blocks if b.kind == "heading"), None)
        if first is None:
            raise MarkdownImportError("제목이 없습니다: 첫 줄에 '# 제목'을 쓰거나 --title을 주세요")
        title = first.text
        blocks.remove(first)

    notes: dict[str, dict[str, Any]] = {}
    for label, text in definitions.items():
        number = labels[label]
        notes[number] = _footnote(number, relabel(text))
    body: list[_Block] = []
    for block in blocks:
        if block.kind == "notes":
            for number, text in _sup_entries(block.text):
                notes[number] = _footnote(number, text)
        else:
            body.append(block)

    cited = {n for b in body for n in _SUP_ENTRY_RE.findall(b.text)}
    # A trailing numbered list whose numbers the text cites holds the footnotes.
    tail = [i for i, b in enumerate(body) if b.kind not in ("heading", "bio")]
    if tail and body[tail[-1]].kind == "list" and body[tail[-1]].numbers:
        last = body[tail[-1]]
        if {str(n) for n in last.numbers} & (cited - set(notes)):
            for num, item in zip(last.numbers, last.items, strict=True):
                notes[str(num)] = _footnote(str(num), relabel(item))
            index = tail[-1]
            del body[index]
            # A heading right before the list ("각주", "참고 문헌") titles the notes, not a section.
            only_bio_after = all(b.kind == "bio" for b in body[index:])
            if index > 0 and body[index - 1].kind == "heading" and only_bio_after:
                del body[index - 1]
            cited = {n for b in body for n in _SUP_ENTRY_RE.findall(b.text)}

    bio_text, body = _take_bio(body)
    if bio_text is None:
        if not author:
            raise MarkdownImportError(
                "저자 소개가 없습니다: '글 | 이름 이메일 …' 문단을 넣거나 --author를 주세요"
            )
        bio_text = f"글 | {author}"
        warnings.append("저자 소개 문단이 없어 '글 | 이름'만으로 bio를 만들었습니다")
    author = author or _bio_author(bio_text)
    if not author:
        raise MarkdownImportError("저자를 알 수 없습니다: --author를 주세요")

    sections = _sections(_join_continued(body), article_id)
    missing = sorted(cited - set(notes), key=int)
    if missing:
        warnings.append(
            "본문이 참조하지만 내용이 없는 각주(missing으로 기록): "
            + ", ".join(f"[{n}]" for n in missing)
        )
    footnotes = [notes[n] for n in sorted(notes, key=int)]
    footnotes += [{"mark": f"[{n}]", "missing": True} for n in missing]
    footnotes.sort(key=lambda f: int(f["mark"][1:-1]))
    uncited = sorted(set(notes) - cited, key=int)
    if uncited:
        warnings.append("어느 문단도 참조하지 않는 각주: " + ", ".join(f"[{n}]" for n in uncited))

    data: dict[str, Any] = {
        "id": article_id,
        "title": _marks_to_text(title),
        "author": author,
    }
    if source:
        data["source"] = source
    data["bio"] = {"id": f"{article_id}-bio", "text": _marks_to_text(bio_text)}
    data["sections"] = sections
    if footnotes:
        data["footnotes"] = footnotes
    _assign_ids(data, previous)
    return ImportResult(data, warnings)


def _take_bio(body: list[_Block]) -> tuple[str | None, list[_Block]]:
    """Pull out the ``글 | …`` paragraph (and the paragraph after a name-only line)."""
    for i, block in enumerate(body):
        if block.kind != "bio":
            continue
        parts = [block.text]
        end = i + 1
        follower = body[end] if end < len(body) else None
        if not ends_sentence(block.text) and follower is not None and follower.kind == "body":
            parts.append(follower.text)
            end += 1
        return " ".join(parts), body[:i] + body[end:]
    return None, body


# Blocks a page break may put between the two halves of a cut paragraph.
_INTERPOSED = ("caption", "note", "bio")


def _join_continued(blocks: list[_Block]) -> list[_Block]:
    """Join a body paragraph that stops mid-sentence with the next body paragraph."""
    out: list[_Block] = []
    pending: _Block | None = None  # a body paragraph still waiting for its end
    for block in blocks:
        if pending is not None and block.kind == "body":
            pending.text = f"{pending.text} {block.text}"
            if ends_sentence(pending.text):
                pending = None
            continue
        if pending is not None and block.kind not in _INTERPOSED:
            pending = None  # a heading, list or quote: the paragraph really ends there
        out.append(block)
        if block.kind == "body" and not ends_sentence(block.text):
            pending = block
    return out


def _sections(blocks: list[_Block], article_id: str) -> list[dict[str, Any]]:
    sections: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    for block in blocks:
        if block.kind == "heading":
            current = {"id": "", "title": _marks_to_text(block.text), "passages": []}
            sections.append(current)
            continue
        if current is None:
            current = {"id": "intro", "title": None, "passages": []}
            sections.append(current)
        kind = "body" if block.kind == "list" else block.kind
        passage: dict[str, Any] = {"id": ""}
        if kind != "body":
            passage["kind"] = kind
        passage["text"] = _marks_to_text(block.text)
        current["passages"].append(passage)
    # A heading with nothing under it (two headings in a row) is folded into the next title.
    kept: list[dict[str, Any]] = []
    carry: list[str] = []
    for section in sections:
        if not section["passages"]:
            carry.append(section["title"])
            continue
        if carry:
            section["title"] = " / ".join([*carry, section["title"] or ""]).strip(" /")
            carry = []
        kept.append(section)
    if carry:
        raise MarkdownImportError(f"마지막 제목 아래에 문단이 없습니다: {' / '.join(carry)}")
    if not kept:
        raise MarkdownImportError("본문 문단이 하나도 없습니다")
    return kept


# -- stable ids ----------------------------------------------------------------------------


def _prefix(article_id: str, kind: str) -> str:
    return f"{article_id}-c" if kind == "caption" else f"{article_id}-p"


def _assign_ids(data: dict[str, Any], previous: Article | None) -> None:
    """Give every section and passage an id: the one it had in ``previous`` when it is the
    same (or nearly the same) text, else the next free number."""
    aid = data["id"]
    used: set[str] = set()
    old_sections = {s.title: s.id for s in previous.sections} if previous else {}
    titled = (s for s in data["sections"] if s["title"] is not None)
    numbers = {id(s): n for n, s in enumerate(titled, 1)}
    for section in data["sections"]:
        number = numbers.get(id(section), 0)
        if section["id"]:
            used.add(section["id"])
            continue
        sid = old_sections.get(section["title"])
        if sid is None or sid in used:
            sid = _slug(section["title"] or "") or f"s{number}"
            if not re.match(r"^[a-z0-9]", sid) or sid in used:
                sid = f"s{number}"
            while sid in used:
                sid += "-x"
        section["id"] = sid
        used.add(sid)

    passages = [p for s in data["sections"] for p in s["passages"]]
    old = [p for p in previous.passages if p.kind != "bio"] if previous else []
    taken: dict[int, str] = {}
    free = list(range(len(old)))
    # 1) the same text keeps its id
    for i, passage in enumerate(passages):
        for j in free:
            if old[j].text == passage["text"]:
                taken[i] = old[j].id
                free.remove(j)
                break
    # 2) an edited paragraph keeps its id when it is still mostly the same text
    pairs = []
    for i, passage in enumerate(passages):
        if i in taken:
            continue
        for j in free:
            ratio = difflib.SequenceMatcher(None, old[j].text, passage["text"]).ratio()
            if ratio >= SAME_PASSAGE_RATIO:
                pairs.append((ratio, i, j))
    for _ratio, i, j in sorted(pairs, reverse=True):
        if i not in taken and j in free:
            taken[i] = old[j].id
            free.remove(j)
    # 3) the rest get new numbers, after every number the article ever used
    counters: dict[str, int] = {}
    for p in old:
        m = re.match(r"^(.*?)(\d+)$", p.id)
        if m:
            counters[m.group(1)] = max(counters.get(m.group(1), 0), int(m.group(2)))
    width = {f"{aid}-p": 3, f"{aid}-c": 2}
    for i, passage in enumerate(passages):
        if i in taken:
            passage["id"] = taken[i]
            continue
        prefix = _prefix(aid, passage.get("kind", "body"))
        counters[prefix] = counters.get(prefix, 0) + 1
        passage["id"] = f"{prefix}{counters[prefix]:0{width[prefix]}d}"
    if previous is not None:
        data["bio"]["id"] = previous.bio.id

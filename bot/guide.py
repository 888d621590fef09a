"""What the corpus holds, as help, no-answer and App Home texts list it.

Built once from the loaded ``Corpus``: every article with its sections and the
example questions each section declares (``examples:`` in the YAML), so a
third article dropped into ``corpus/`` shows up in every text without code.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.corpus import Corpus

UNTITLED_SECTION = "들어가며"  # the label of an article's untitled introduction


@dataclass(frozen=True, slots=True)
class SectionGuide:
    title: str
    examples: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ArticleGuide:
    title: str
    author: str
    sections: tuple[SectionGuide, ...]

    @property
    def titled_sections(self) -> tuple[str, ...]:
        """The section titles as the article prints them (its introduction has none)."""
        return tuple(s.title for s in self.sections if s.title != UNTITLED_SECTION)


@dataclass(frozen=True, slots=True)
class Guide:
    articles: tuple[ArticleGuide, ...]
    passages: int

    @classmethod
    def from_corpus(cls, corpus: Corpus) -> Guide:
        articles = tuple(
            ArticleGuide(
                title=a.title,
                author=a.author,
                sections=tuple(
                    SectionGuide(s.title or UNTITLED_SECTION, s.examples) for s in a.sections
                ),
            )
            for a in corpus.articles
        )
        return cls(articles, len(corpus.passages))

    def examples(self, limit: int) -> tuple[str, ...]:
        """Up to ``limit`` example questions, spread over articles and sections: the first
        example of each section, taken from each article in turn, then the second, …"""
        per_article = [_breadth_first(a.sections) for a in self.articles]
        out: list[str] = []
        for depth in range(max((len(q) for q in per_article), default=0)):
            for questions in per_article:
                if depth < len(questions) and len(out) < limit:
                    out.append(questions[depth])
        return tuple(out)


def _breadth_first(sections: tuple[SectionGuide, ...]) -> list[str]:
    """Every section's first example, then every section's second, …"""
    depth = max((len(s.examples) for s in sections), default=0)
    return [s.examples[d] for d in range(depth) for s in sections if d < len(s.examples)]

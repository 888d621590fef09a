"""Shared fixtures: one Kiwi per session, the real corpus's answerer, inline corpora.

Building Kiwi costs about a second and its first analysis another, so the tokenizer
and the answerer over the real corpus are session-scoped. Every index cache goes to a
session temp folder (``BOT_CACHE_DIR``), never to the user's ``~/.cache``.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest
from slack_fake import PROXY_ENV_VARS

from bot.answer import Answerer
from bot.corpus import load_corpus, load_glossary
from bot.search.index import corpus_names
from bot.search.tokenizer import Tokenizer, get_tokenizer

REPO = Path(__file__).resolve().parents[1]
CORPUS_DIR = REPO / "corpus"

CorpusWriter = Callable[..., Path]
AnswererFactory = Callable[..., Answerer]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--load-full",
        action="store_true",
        default=False,
        help="run the load tests at full size (make load); bounded size otherwise",
    )


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """slack_sdk honours HTTP(S)_PROXY; loopback fakes must be reached directly."""
    for name in PROXY_ENV_VARS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session", autouse=True)
def bot_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The session's index cache folder, also exported as BOT_CACHE_DIR (subprocesses
    inherit it, so they reuse the index the session built)."""
    folder = tmp_path_factory.mktemp("bot-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("BOT_CACHE_DIR", str(folder))
        for name in ("BOT_CORPUS_DIR", "BOT_CONFIG"):  # the user's settings stay out
            mp.delenv(name, raising=False)
        yield folder


@pytest.fixture(scope="session")
def tokenizer() -> Tokenizer:
    """The process-wide, warmed-up Kiwi tokenizer."""
    return get_tokenizer()


@pytest.fixture(scope="session")
def plain_tokenizer() -> Tokenizer:
    """A Kiwi of its own, for tests of how Kiwi splits words: the session's shared one
    learns the names of every inline corpus, and then reads some words whole (머신러닝)."""
    tokenizer = Tokenizer()
    tokenizer.warm_up()
    return tokenizer


@pytest.fixture(scope="session")
def answerer(tokenizer: Tokenizer, bot_cache_dir: Path) -> Answerer:
    """An answerer over the real corpus (corpus/)."""
    return Answerer.from_folder(CORPUS_DIR, tokenizer=tokenizer, cache_dir=bot_cache_dir)


@pytest.fixture(scope="session")
def bot_answerer(bot_cache_dir: Path) -> Answerer:
    """An answerer over the real corpus as the bot process runs it: a tokenizer of its
    own that knows only the real corpus's names (the session's shared one also learns
    those of the inline test corpora, and Kiwi reads some text differently then)."""
    corpus, glossary = load_corpus(CORPUS_DIR), load_glossary(CORPUS_DIR)
    tokenizer = Tokenizer()
    tokenizer.add_names(corpus_names(corpus, glossary))
    tokenizer.warm_up()
    return Answerer.from_folder(CORPUS_DIR, tokenizer=tokenizer, cache_dir=bot_cache_dir)


@pytest.fixture
def write_corpus(tmp_path: Path) -> CorpusWriter:
    """Write ``{file name: YAML text}`` (dedented) into a folder under tmp_path; return it."""

    def write(files: Mapping[str, str], *, folder: str = "corpus") -> Path:
        target = tmp_path / folder
        target.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            (target / name).write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
        return target

    return write


@pytest.fixture
def make_answerer(
    write_corpus: CorpusWriter, tokenizer: Tokenizer, tmp_path: Path
) -> AnswererFactory:
    """Build an Answerer over a small inline corpus, reusing the session's Kiwi.

    ``files`` maps file names to YAML text (an article per file, optionally
    ``glossary.yaml``); pass ``with_tokenizer=`` to wrap the session tokenizer and
    ``cache_dir=`` to exercise the index cache (off by default).
    """

    def make(
        files: Mapping[str, str],
        *,
        k: int = 3,
        with_tokenizer: Tokenizer | None = None,
        cache_dir: Path | None = None,
    ) -> Answerer:
        folder = write_corpus(files)
        return Answerer.from_folder(
            folder,
            tokenizer=with_tokenizer or tokenizer,
            cache_dir=cache_dir,
            use_cache=cache_dir is not None,
            k=k,
        )

    return make

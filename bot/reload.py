"""The corpus a running bot serves, swapped whole on SIGHUP without dropping a request.

``LiveAnswerer`` holds the current ``Answerer``; transports call ``answer`` through it,
and each call uses the Answerer that was current when it started, so a request in
flight during a swap finishes on the index it began with. A reload builds the new
corpus, glossary and index beside the old one and swaps it in only if it loads and
answers; a broken corpus leaves the old one serving and the log says why.

Both modes run in a single process (Socket Mode, and waitress for HTTP, which does not
fork), so the signal handler is in-process: ``install_sighup`` rebuilds on a thread of
its own, and the server keeps answering meanwhile (see bot/slack/runners.py).
"""

from __future__ import annotations

import hashlib
import logging
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.answer import Answer, Answerer
from bot.corpus import CorpusError, corpus_files

log = logging.getLogger(__name__)


def corpus_version(folder: Path) -> str:
    """A short hash of every file the corpus (and so the index) is built from."""
    h = hashlib.sha256()
    for path in corpus_files(Path(folder)):
        h.update(path.name.encode() + b"\0")
        h.update(path.read_bytes() + b"\0")
    return h.hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class Served:
    """One loaded corpus: its answerer and what identifies it."""

    answerer: Answerer
    version: str
    loaded_at: float

    def health(self) -> dict[str, Any]:
        corpus = self.answerer.index.corpus
        return {
            "status": "ok",
            "corpus": self.version,
            "articles": len(corpus.articles),
            "passages": len(corpus.passages),
            "loaded_at": datetime.fromtimestamp(self.loaded_at, UTC).isoformat(timespec="seconds"),
        }


class ReloadFailed(Exception):
    """The new corpus did not load or did not answer; the old one keeps serving."""


def check_answerer(answerer: Answerer) -> None:
    """The new index answers: every article's title finds a passage, without an error."""
    for article in answerer.index.corpus.articles:
        answer = answerer.answer(article.title)
        if answer.status != "help" and not (answer.results or answer.candidates):
            raise ReloadFailed(f"'{article.id}' 문서의 제목으로 찾은 문단이 없습니다")


class LiveAnswerer:
    """The Answerer currently serving; ``reload`` swaps in a freshly built one."""

    def __init__(self, folder: Path, load: Callable[[Path], Answerer]) -> None:
        self.folder = Path(folder)
        self._load = load
        self._reload_lock = threading.Lock()
        version = corpus_version(self.folder)
        self._served = Served(load(self.folder), version, time.time())

    @classmethod
    def from_folder(
        cls, folder: Path, *, cache_dir: Path | None = None, k: int = 3
    ) -> LiveAnswerer:
        def load(path: Path) -> Answerer:
            return Answerer.from_folder(path, cache_dir=cache_dir, k=k)

        return cls(folder, load)

    @property
    def served(self) -> Served:
        return self._served

    @property
    def current(self) -> Answerer:
        return self._served.answerer

    @property
    def version(self) -> str:
        return self._served.version

    def answer(self, question: str, **kwargs: Any) -> Answer:
        return self._served.answerer.answer(question, **kwargs)

    def health(self) -> dict[str, Any]:
        return self._served.health()

    def reload(self) -> bool:
        """Build the corpus now on disk and swap it in; False (old one kept) on failure."""
        with self._reload_lock:
            old = self._served
            try:
                version = corpus_version(self.folder)
                if version == old.version:
                    log.info("corpus reload: unchanged (%s)", version)
                    return True
                answerer = self._load(self.folder)
                check_answerer(answerer)
            except CorpusError as exc:
                problems = "; ".join(str(p) for p in exc.problems)
                log.error("corpus reload failed, still serving %s: %s", old.version, problems)
                return False
            except (OSError, ReloadFailed) as exc:
                log.error("corpus reload failed, still serving %s: %s", old.version, exc)
                return False
            except Exception:
                log.exception("corpus reload failed, still serving %s", old.version)
                return False
            self._served = Served(answerer, version, time.time())
            log.info(
                "corpus reloaded: %s -> %s (%d articles, %d passages)",
                old.version,
                version,
                len(answerer.index.corpus.articles),
                len(answerer.index.corpus.passages),
            )
            return True

    def reload_in_background(self) -> threading.Thread:
        thread = threading.Thread(target=self.reload, name="corpus-reload", daemon=True)
        thread.start()
        return thread

    def install_sighup(self) -> None:
        """Reload on SIGHUP in this process (call from its main thread)."""

        def on_hup(signum: int, _frame: Any) -> None:
            log.info("signal %d: reloading the corpus from %s", signum, self.folder)
            self.reload_in_background()

        signal.signal(signal.SIGHUP, on_hup)

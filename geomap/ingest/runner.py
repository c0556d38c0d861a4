"""Ingestion runs: read inputs, skip what is stored, geoparse the rest, store in batches.

Articles are parsed in batches (in this process, or in ``workers`` forked
processes that share its loaded geoparser) and each batch is written in one
short transaction by this process. A run killed at any point leaves every committed
batch whole; running it again skips those by content hash and stores exactly
the rest.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import signal
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from itertools import chain
from pathlib import Path
from typing import Any, Protocol

from tqdm import tqdm

from ..config import Settings, load_settings
from ..errors import GazetteerError, IngestError, InputError, ModelError, StoreError
from ..models import Article, ParsedDocument
from ..store import Store, check_article, content_hash
from .formats import Entry
from .sources import read_path

__all__ = [
    "IngestReport",
    "ingest_paths",
    "ingest_article",
    "reprocess_stored",
    "seed_if_empty",
    "SEEDS_DIR",
    "BATCH_SIZE",
]

SEEDS_DIR = Path(__file__).resolve().parent.parent / "seeds"
# What a bundled sample's text cannot say itself (its first line is the paper's name, not the headline).
_SEED_DETAILS: dict[str, dict[str, Any]] = {
    "cyprus-mail-xi-moscow.txt": {
        "title": "China’s Xi to visit Moscow after US-Russia clash over Ukraine",
        "source": "Cyprus Mail (Reuters)",
        "published": datetime(2023, 3, 17, tzinfo=UTC),
    },
}
BATCH_SIZE = 64
# A broken model or gazetteer fails every article alike: stop the run instead of reporting each.
_FATAL = (ModelError, GazetteerError)


class Parser(Protocol):
    """What ingestion needs of a geoparser (``geomap.pipeline.Geoparser``)."""

    def parse(self, text: str, *, title: str | None = None) -> ParsedDocument: ...

    def parse_many(self, texts: Iterable[str], *, batch_size: int = ...) -> Iterable[ParsedDocument]: ...


@dataclass
class IngestReport:
    """What a run did: new articles, duplicates skipped, re-parsed ones, and each failure's reason."""

    ingested: int = 0
    duplicates: int = 0
    reprocessed: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failed

    def summary(self) -> str:
        """The one-paragraph account printed at the end of ``geomap ingest``."""
        parts = [f"{self.ingested} ingested", f"{self.duplicates} duplicates skipped"]
        if self.reprocessed:
            parts.append(f"{self.reprocessed} re-parsed")
        parts.append(f"{len(self.failed)} failed")
        lines = [", ".join(parts) + f" ({self.seconds:.1f} s)"]
        lines += [f"  failed: {origin}: {reason}" for origin, reason in self.failed]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ingested": self.ingested,
            "duplicates": self.duplicates,
            "reprocessed": self.reprocessed,
            "failed": [{"input": o, "reason": r} for o, r in self.failed],
            "seconds": round(self.seconds, 3),
        }


# --- parsers ---------------------------------------------------------------

_PARSERS: dict[str, Parser] = {}


def _parser(settings: Settings) -> Parser:
    """One geoparser per configuration per process (loading the model takes a second)."""
    key = repr(settings)
    if key not in _PARSERS:
        from ..pipeline import Geoparser

        _PARSERS[key] = Geoparser(settings)
    return _PARSERS[key]


def _parse_one(parser: Parser, article: Article) -> ParsedDocument | str:
    """The parse, or why it failed (a model or gazetteer failure stops the run)."""
    try:
        return parser.parse(article.text, title=article.title or None)
    except _FATAL:
        raise
    except Exception as exc:  # one article's failure must not stop the run
        return f"geoparser failed: {type(exc).__name__}: {exc}"


def _parse_batch(parser: Parser, articles: Sequence[Article]) -> list[ParsedDocument | str]:
    """Parses of a batch through the model's batched path; one by one if an article breaks it."""
    try:
        return list(parser.parse_many([a.text for a in articles], batch_size=len(articles)))
    except _FATAL:
        raise
    except Exception:
        return [_parse_one(parser, a) for a in articles]


_worker_parser: Parser | None = None


def _init_worker(parent: Parser | None, settings: Settings) -> None:
    """Worker set-up: the parent's loaded parser (fork) or a new one; Ctrl-C and death are the parent's."""
    global _worker_parser
    _worker_parser = parent if parent is not None else _parser(settings)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops the pool; no traceback per worker
    if sys.platform.startswith("linux"):  # a SIGKILLed ingest must not leave workers behind
        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _worker_parse(articles: list[Article]) -> list[ParsedDocument | str]:
    assert _worker_parser is not None
    return _parse_batch(_worker_parser, articles)


@contextmanager
def _parsing(parser: Parser, settings: Settings, workers: int) -> Iterator[Callable[[list[Article]], Future]]:
    """A function that starts parsing a batch and returns its future: here, or in a process pool.

    With fork the workers inherit the loaded model and gazetteer (loaded
    first), so they start at once and share the index's memory. They are all
    started before this function returns, before any other thread exists.
    """
    if workers <= 1:

        def now(articles: list[Article]) -> Future:
            future: Future = Future()
            future.set_result(_parse_batch(parser, articles))
            return future

        yield now
        return
    if "fork" in multiprocessing.get_all_start_methods():
        getattr(parser, "load", lambda: None)()
        context, initargs = multiprocessing.get_context("fork"), (parser, settings)
    else:
        context, initargs = multiprocessing.get_context("spawn"), (None, settings)
    try:
        with ProcessPoolExecutor(workers, mp_context=context, initializer=_init_worker, initargs=initargs) as pool:
            pool.submit(int).result()  # start the workers now
            yield lambda articles: pool.submit(_worker_parse, articles)
    except BrokenProcessPool:
        raise IngestError(
            "a parsing worker process died (out of memory?); run the same command again with fewer --workers "
            "(the batches already stored are kept)"
        ) from None


# --- runs --------------------------------------------------------------------


@dataclass(slots=True)
class _Item:
    origin: str
    article: Article
    stored_id: int | None = None  # set when re-parsing an article already stored


class _Run:
    """Book-keeping of one run: the report, the progress bar, the batches to parse."""

    def __init__(self, store: Store, *, reprocess: bool, progress: bool, batch_size: int) -> None:
        self.store = store
        self.reprocess = reprocess
        self.batch_size = max(1, batch_size)
        self.report = IngestReport()
        self.bar = tqdm(unit=" articles", file=sys.stderr, disable=not progress, dynamic_ncols=True)

    def _skip(self) -> None:
        self.report.duplicates += 1
        self.bar.update(1)

    def fail(self, origin: str, reason: str) -> None:
        self.report.failed.append((origin, reason))
        self.bar.update(1)

    def batches(self, entries: Iterable[Entry]) -> Iterator[list[_Item]]:
        """Articles still to parse, in batches; failures and duplicates are counted on the way."""
        seen: set[str] = set()
        pending: dict[str, _Item] = {}
        for entry in entries:
            if entry.article is None:
                self.fail(entry.origin, entry.error or "unreadable")
                continue
            try:
                check_article(entry.article)
            except InputError as exc:
                self.fail(entry.origin, exc.message)
                continue
            digest = content_hash(entry.article.text)
            if digest in seen:
                self._skip()
                continue
            seen.add(digest)
            pending[digest] = _Item(entry.origin, entry.article)
            if len(pending) >= self.batch_size:
                if batch := self._unstored(pending):
                    yield batch
                pending = {}
        if pending and (batch := self._unstored(pending)):
            yield batch

    def _unstored(self, pending: dict[str, _Item]) -> list[_Item]:
        stored = self.store.stored_hashes(pending)
        out = []
        for digest, item in pending.items():
            if digest not in stored:
                out.append(item)
            elif self.reprocess:
                item.stored_id = stored[digest]
                out.append(item)
            else:
                self._skip()
        return out

    def _store_new(self, batch: list[_Item], new: list[tuple[Article, ParsedDocument]]) -> None:
        """Store new articles in one transaction; if the database refuses it, one by one, so a
        record the checks let through fails alone and the others are still stored."""
        try:
            results = self.store.add_many(new)
        except StoreError:
            if len(new) == 1:
                raise
            results = []
            origins = {id(item.article): item.origin for item in batch}
            for article, parsed in new:
                try:
                    results += self.store.add_many([(article, parsed)])
                except StoreError as exc:
                    self.fail(origins[id(article)], exc.message)
        for _, is_new in results:
            if is_new:
                self.report.ingested += 1
            else:  # another writer stored the same text meanwhile
                self.report.duplicates += 1

    def write(self, batch: list[_Item], parses: list[ParsedDocument | str]) -> None:
        """Store one parsed batch: new articles in one transaction, re-parses in another."""
        new, again = [], []
        for item, parsed in zip(batch, parses, strict=True):
            if isinstance(parsed, str):
                self.fail(item.origin, parsed)
            elif item.stored_id is not None:
                again.append((item.stored_id, parsed))
            else:
                new.append((item.article, parsed))
        if new:
            self._store_new(batch, new)
        if again:
            self.store.replace_mentions_many(again)
            self.report.reprocessed += len(again)
        self.bar.update(len(new) + len(again))
        self.bar.set_postfix(new=self.report.ingested, dup=self.report.duplicates, failed=len(self.report.failed))


def _run(
    entries: Iterable[Entry],
    store: Store,
    *,
    settings: Settings | None,
    parser: Parser | None,
    workers: int,
    reprocess: bool,
    progress: bool,
    batch_size: int,
) -> IngestReport:
    started = time.perf_counter()
    settings = settings or load_settings()
    with _parsing(parser or _parser(settings), settings, workers) as submit:
        run = _Run(store, reprocess=reprocess, progress=progress, batch_size=batch_size)
        ahead: deque[tuple[list[_Item], Future]] = deque()
        try:
            for batch in run.batches(entries):
                ahead.append((batch, submit([i.article for i in batch])))
                while len(ahead) >= 2 * workers - 1:  # keep the workers busy while this process writes
                    done, future = ahead.popleft()
                    run.write(done, future.result())
            while ahead:
                done, future = ahead.popleft()
                run.write(done, future.result())
        finally:
            run.bar.close()
    run.report.seconds = time.perf_counter() - started
    return run.report


def ingest_paths(
    paths: Iterable[str | Path],
    store: Store,
    *,
    source: str | None = None,
    workers: int = 1,
    reprocess: bool = False,
    progress: bool = True,
    settings: Settings | None = None,
    parser: Parser | None = None,
    batch_size: int = BATCH_SIZE,
) -> IngestReport:
    """Ingest files, folders, ``-`` and URLs; stored texts are skipped (re-parsed with ``reprocess``)."""
    entries = chain.from_iterable(read_path(p, source=source) for p in paths)
    return _run(
        entries,
        store,
        settings=settings,
        parser=parser,
        workers=workers,
        reprocess=reprocess,
        progress=progress,
        batch_size=batch_size,
    )


def reprocess_stored(
    store: Store,
    *,
    workers: int = 1,
    progress: bool = True,
    settings: Settings | None = None,
    parser: Parser | None = None,
    batch_size: int = BATCH_SIZE,
) -> IngestReport:
    """Re-parse every stored article (after a gazetteer or model change), replacing its mentions."""
    entries = (Entry(f"article {a.id}", a) for a in store.iter_articles())
    return _run(
        entries,
        store,
        settings=settings,
        parser=parser,
        workers=workers,
        reprocess=True,
        progress=progress,
        batch_size=batch_size,
    )


def ingest_article(
    store: Store, article: Article, *, parser: Parser | None = None, settings: Settings | None = None
) -> tuple[int, bool]:
    """Parse and store one article (the API's POST); a stored text is not parsed again."""
    check_article(article)
    stored = store.stored_hashes([content_hash(article.text)])
    if stored:
        return next(iter(stored.values())), False
    parsed = (parser or _parser(settings or load_settings())).parse(article.text, title=article.title or None)
    return store.add(article, parsed)


def _seed_entries() -> Iterator[Entry]:
    """The bundled samples, with the headline, source and date each file lacks."""
    for entry in read_path(SEEDS_DIR):
        details = _SEED_DETAILS.get(Path(entry.origin).name)
        if entry.article is not None and details:
            entry.article = replace(entry.article, **details)
        yield entry


def seed_if_empty(store: Store, settings: Settings, *, parser: Parser | None = None) -> int:
    """Ingest the bundled sample articles into an empty default store, so a new user sees a map.

    Does nothing when seeding is switched off (``GEOMAP_SEED_ON_FIRST_RUN=0``),
    when the store is a database the user named (``GEOMAP_DATABASE_URL``) or
    when it holds any article. Returns the number of articles stored.
    """
    if not settings.seed_on_first_run or settings.database_url or store.stats()["articles"]:
        return 0
    report = _run(
        _seed_entries(),
        store,
        settings=settings,
        parser=parser,
        workers=1,
        reprocess=False,
        progress=False,
        batch_size=BATCH_SIZE,
    )
    if report.failed:
        origin, reason = report.failed[0]
        raise IngestError(f"the bundled sample {origin} could not be ingested: {reason}")
    return report.ingested

"""Ingestion runs: read inputs, skip what is stored, geoparse the rest, store in batches.

Articles are parsed in batches (in this process, or in ``workers`` forked
processes that share its loaded geoparser) and each batch is written in one
short transaction by this process. A run killed at any point leaves every committed
batch whole; running it again skips those by content hash and stores exactly
the rest.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import partial
from itertools import chain
from pathlib import Path
from typing import Any

from ..config import Settings, load_settings
from ..errors import ConfigError, IngestError, InputError, StoreError
from ..gazetteer.builder import INDEX_FILE
from ..models import Article, ParsedDocument
from ..parallel import Submitter, pipelined, worker_pool
from ..store import Store, check_article, content_hash
from .formats import Entry
from .parsing import Item, Parser, parse_items, parser_for
from .progress import Progress
from .sources import count_entries, read_path

__all__ = [
    "IngestReport",
    "ingest_paths",
    "ingest_article",
    "reprocess_stored",
    "seed_if_empty",
    "SEEDS_DIR",
    "BATCH_SIZE",
    "FIRST_INDEX_BUILD_SECONDS",
    "run_entries",
    "index_ready",
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
# How long the first build of the place index takes on a 2-core machine (27-40 s measured): said before it starts.
FIRST_INDEX_BUILD_SECONDS = 40


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


_worker_parser: Parser | None = None


def _init_worker(parent: Parser | None, settings: Settings) -> None:
    """Worker set-up: the parent's loaded parser (fork) or a new one (spawn)."""
    global _worker_parser
    _worker_parser = parent if parent is not None else parser_for(settings)


def _worker_parse(items: list[Item]) -> list[ParsedDocument | str]:
    assert _worker_parser is not None
    return parse_items(_worker_parser, items)


def index_ready(settings: Settings) -> bool:
    """Whether the place index exists (else the first parse builds it, ``FIRST_INDEX_BUILD_SECONDS``)."""
    return (settings.gazetteer_path / INDEX_FILE).is_file()


_LOADED: weakref.WeakSet[Any] = weakref.WeakSet()  # parsers loaded in this process: no second "loading" line


def _load(parser: Parser, settings: Settings, progress: Progress) -> None:
    """Load the model and the index before the first article, saying so (a build takes a while)."""
    load = getattr(parser, "load", None)
    if load is None or parser in _LOADED:
        return
    if not index_ready(settings):
        progress.stage(
            f"building the place index in {settings.gazetteer_path} first (once; about "
            f"{FIRST_INDEX_BUILD_SECONDS} s on two cores)"
        )
    progress.stage("loading the spaCy model and the place index")
    load()
    _LOADED.add(parser)


# --- runs --------------------------------------------------------------------


class _Run:
    """Book-keeping of one run: the report, the progress bar, the batches to parse."""

    def __init__(self, store: Store, *, reprocess: bool, progress: Progress, batch_size: int) -> None:
        self.store = store
        self.reprocess = reprocess
        self.batch_size = max(1, batch_size)
        self.report = IngestReport()
        self.progress = progress

    def _skip(self) -> None:
        self.report.duplicates += 1
        self.progress.advance(1)

    def fail(self, origin: str, reason: str) -> None:
        self.report.failed.append((origin, reason))
        self.progress.advance(1)

    def batches(self, entries: Iterable[Entry]) -> Iterator[list[Item]]:
        """Articles still to parse, in batches; failures and duplicates are counted on the way."""
        seen: set[str] = set()
        pending: dict[str, Item] = {}
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
            pending[digest] = Item(entry.origin, entry.article)
            if len(pending) >= self.batch_size:
                if batch := self._unstored(pending):
                    yield batch
                pending = {}
        if pending and (batch := self._unstored(pending)):
            yield batch

    def _unstored(self, pending: dict[str, Item]) -> list[Item]:
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

    def _store_new(self, batch: list[Item], new: list[tuple[Article, ParsedDocument]]) -> None:
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

    def write(self, batch: list[Item], parses: list[ParsedDocument | str]) -> None:
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
        self.progress.advance(
            len(new) + len(again), new=self.report.ingested, dup=self.report.duplicates, failed=len(self.report.failed)
        )


@contextmanager
def _parsing(
    parser: Parser | None, settings: Settings, workers: int, scheduler: str | None, progress: Progress
) -> Iterator[tuple[Submitter, Callable[[list[Item]], list[ParsedDocument | str]], int]]:
    """Where batches are parsed: (a submitter, the task to submit, how many batches to keep in flight).

    Here or in ``workers`` processes (the geoparser loaded first, in this
    process); or on the Dask cluster at ``scheduler``, whose workers load their own.
    """
    if scheduler:
        try:
            from .cluster import cluster_pool, parse_on_worker  # the optional 'cluster' extra (dask)
        except ModuleNotFoundError as exc:
            raise ConfigError(
                f"parsing on a Dask cluster needs dask and distributed ({exc.name} is missing): "
                "pip install 'geomap[cluster]'"
            ) from None

        progress.stage(f"connecting to the Dask scheduler at {scheduler}")
        with cluster_pool(scheduler) as (submitter, cluster_workers):
            yield submitter, parse_on_worker, 2 * cluster_workers
        return
    parser = parser or parser_for(settings)
    _load(parser, settings, progress)
    pool = worker_pool(
        workers,
        _init_worker,
        forked_args=(parser, settings),
        spawned_args=(None, settings),
        before_fork=getattr(parser, "load", None),
    )
    task = _worker_parse if workers > 1 else partial(parse_items, parser)
    try:
        with pool as executor:
            # 2 * workers - 1 batches in flight keep the workers busy while this process writes
            yield executor, task, 2 * workers - 1
    except BrokenProcessPool:
        raise IngestError(
            "a parsing worker process died (out of memory?); run the same command again with fewer --workers "
            "(the batches already stored are kept)"
        ) from None


def _run(
    entries: Iterable[Entry],
    store: Store,
    *,
    settings: Settings | None,
    parser: Parser | None,
    workers: int,
    reprocess: bool,
    progress: Progress,
    batch_size: int,
    scheduler: str | None = None,
) -> IngestReport:
    started = time.perf_counter()
    settings = settings or load_settings()
    run = _Run(store, reprocess=reprocess, progress=progress, batch_size=batch_size)
    try:
        with _parsing(parser, settings, workers, scheduler, progress) as (submitter, task, ahead):
            progress.stage("geoparsing")
            for batch, parses in pipelined(submitter, task, run.batches(entries), ahead=ahead):
                run.write(batch, parses)
    finally:
        progress.close()
    run.report.seconds = time.perf_counter() - started
    return run.report


def run_entries(
    entries: Iterable[Entry],
    store: Store,
    *,
    parser: Parser | None = None,
    settings: Settings | None = None,
    progress: Progress | None = None,
    batch_size: int = BATCH_SIZE,
) -> IngestReport:
    """Store the articles of ``entries`` not stored yet, parsed here in batches (``geomap watch``'s path)."""
    return _run(
        entries,
        store,
        settings=settings,
        parser=parser,
        workers=1,
        reprocess=False,
        progress=progress or Progress(enabled=False),
        batch_size=batch_size,
    )


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
    scheduler: str | None = None,
) -> IngestReport:
    """Ingest files, folders, ``-`` and URLs; stored texts are skipped (re-parsed with ``reprocess``).

    ``scheduler`` (tcp://host:8786): parse on that Dask cluster's workers instead of ``workers`` processes here.
    """
    paths = list(paths)
    bar = Progress(enabled=progress)
    if progress:
        bar.stage("counting the articles in the input")
        counts = [count_entries(p) for p in paths]
        bar.set_total(None if None in counts else sum(c or 0 for c in counts))
    entries = chain.from_iterable(read_path(p, source=source) for p in paths)
    return _run(
        entries,
        store,
        settings=settings,
        parser=parser,
        workers=workers,
        reprocess=reprocess,
        progress=bar,
        batch_size=batch_size,
        scheduler=scheduler,
    )


def reprocess_stored(
    store: Store,
    *,
    workers: int = 1,
    progress: bool = True,
    settings: Settings | None = None,
    parser: Parser | None = None,
    batch_size: int = BATCH_SIZE,
    scheduler: str | None = None,
) -> IngestReport:
    """Re-parse every stored article (after a gazetteer or model change), replacing its mentions."""
    entries = (Entry(f"article {a.id}", a) for a in store.iter_articles())
    bar = Progress(enabled=progress, total=store.stats()["articles"] if progress else None)
    return _run(
        entries,
        store,
        settings=settings,
        parser=parser,
        workers=workers,
        reprocess=True,
        progress=bar,
        batch_size=batch_size,
        scheduler=scheduler,
    )


def ingest_article(
    store: Store, article: Article, *, parser: Parser | None = None, settings: Settings | None = None
) -> tuple[int, bool]:
    """Parse and store one article (the API's POST); a stored text is not parsed again."""
    check_article(article)
    stored = store.stored_hashes([content_hash(article.text)])
    if stored:
        return next(iter(stored.values())), False
    parsed = (parser or parser_for(settings or load_settings())).parse(article.text, title=article.title or None)
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
        progress=Progress(enabled=False),
        batch_size=BATCH_SIZE,
    )
    if report.failed:
        origin, reason = report.failed[0]
        raise IngestError(f"the bundled sample {origin} could not be ingested: {reason}")
    return report.ingested

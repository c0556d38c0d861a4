"""The long-lived parts one app shares between requests: settings, store, geoparser.

The store and the geoparser are opened on first use (the parser loads the
spaCy model and the place index, seconds of work) so ``create_app`` stays
cheap and ``/api/health`` never waits on them. The web layer registers a
``Services`` under ``EXTENSION``; views reach it through ``services()``.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from flask import current_app

from ..config import Settings
from ..errors import InputError, LimitError
from ..gazetteer import PlaceIndex, get_gazetteer
from ..models import ParsedDocument
from ..store import Store, open_store
from ..textcheck import text_problem
from .ratelimit import RateLimiter

if TYPE_CHECKING:
    from ..pipeline import Geoparser
    from ..recognise.entities import Entity

__all__ = ["EXTENSION", "Services", "services"]

EXTENSION = "geomap"  # key of the Services in app.extensions


class _SerialParser:
    """Runs one parse at a time, within the service limits.

    One at a time: the parser loads lazily and memoises, and threads gain
    nothing on CPU-bound parsing under the GIL anyway. Within limits: a text
    longer than ``max_parse_chars`` is refused (413) before any work; at most
    ``parse_queue`` requests wait for the parser, each at most
    ``parse_wait_seconds``, so geoparsing never ties up every request thread
    and a small request behind a long one gets a quick 503 with Retry-After
    instead of a wait of minutes.
    """

    def __init__(self, parser: Geoparser, settings: Settings) -> None:
        self._parser = parser
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(1 + max(0, settings.parse_queue))
        self._max_chars = settings.max_parse_chars
        self._wait = settings.parse_wait_seconds

    @contextmanager
    def _turn(self, texts: list[str]) -> Iterator[None]:
        """Hold the parser for ``texts``, or raise InputError (413, 422) or LimitError (503)."""
        size = sum(map(len, texts))
        if size > self._max_chars:
            raise InputError(
                f"the text has {size} characters; one geoparse request may carry at most {self._max_chars} "
                "(GEOMAP_MAX_PARSE_CHARS): split it",
                status=413,
            )
        for text in texts:
            if problem := text_problem(text):
                raise InputError(f"the text {problem}", status=422)
        busy = LimitError(
            "the geoparser is busy with other requests; retry shortly", status=503, retry_after=math.ceil(self._wait)
        )
        if not self._slots.acquire(blocking=False):
            raise busy
        try:
            if not self._lock.acquire(timeout=self._wait):
                raise busy
            try:
                yield
            finally:
                self._lock.release()
        finally:
            self._slots.release()

    def parse(self, text: str, *, title: str | None = None) -> ParsedDocument:
        """``Geoparser.parse`` within the limits."""
        with self._turn([text, title or ""]):
            return self._parser.parse(text, title=title)

    def parse_many(self, texts: Iterable[str], *, batch_size: int = 32) -> list[ParsedDocument]:
        """``Geoparser.parse_many`` within the limits (what ingestion's ``Parser`` protocol asks for)."""
        texts = list(texts)
        with self._turn(texts):
            return list(self._parser.parse_many(texts, batch_size=batch_size))

    def resolve_spans(
        self, text: str, spans: Sequence[tuple[int, int]], *, place_unknown: bool = True
    ) -> ParsedDocument:
        """``Geoparser.resolve_spans`` within the limits (places found by someone else's NER)."""
        with self._turn([text]):
            return self._parser.resolve_spans(text, spans, place_unknown=place_unknown)

    def parse_with_entities(self, text: str, labels: Collection[str]) -> tuple[ParsedDocument, list[Entity]]:
        """``Geoparser.parse`` and ``Geoparser.entities`` (people, organisations) in one turn within the limits."""
        with self._turn([text]):
            return self._parser.parse(text), self._parser.entities(text, labels)


class Services:
    """Lazily opened store and geoparser for one Flask app."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._store: Store | None = None
        self._parser: _SerialParser | None = None
        self._gazetteer: PlaceIndex | None = None
        self.rate_limiter = RateLimiter(settings.rate_limit_path, settings.parse_rate_limit)

    @property
    def store(self) -> Store:
        """The article store, opened once."""
        if self._store is None:
            with self._lock:
                if self._store is None:
                    self._store = open_store(self.settings)
        return self._store

    def opened_data_version(self) -> int | None:
        """The store's data version if a request has opened the store; None otherwise (never opens it)."""
        store = self._store
        return store.data_version() if store is not None else None

    @property
    def parser(self) -> _SerialParser:
        """The geoparser, loaded once (spaCy model + gazetteer), used by one request at a time."""
        if self._parser is None:
            gazetteer = self.gazetteer  # outside the lock: it takes the same lock
            with self._lock:
                if self._parser is None:
                    # Imported here, not at the top: it loads spaCy (a second), which only geoparsing needs.
                    from ..pipeline import Geoparser

                    self._parser = _SerialParser(Geoparser(self.settings, gazetteer=gazetteer), self.settings)
        return self._parser

    @property
    def gazetteer(self) -> PlaceIndex:
        """The place index: the one the geoparser resolves with, so lookups and parses agree."""
        if self._gazetteer is None:
            with self._lock:
                if self._gazetteer is None:
                    self._gazetteer = get_gazetteer(self.settings)
        return self._gazetteer

    def status(self) -> dict[str, Any]:
        """What is loaded, for ``/api/health``."""
        return {"store_open": self._store is not None, "parser_loaded": self._parser is not None}


def services() -> Services:
    """The current app's services."""
    services_: Services = current_app.extensions[EXTENSION]
    return services_

"""A cache of whole read-API responses, in front of Flask, dropped the moment the database changes.

Listing places under a filter is a grouped query over every mention; the map
and its clients ask the same few questions again and again. A view marked
``@cached`` lets ``ResponseCache.middleware`` keep its final answer (status,
headers, body exactly as Flask produced them, one copy per URL and per
gzip/identity encoding). A repeated request is then answered by the
middleware without entering Flask at all: routing, the after-request hooks and
compression ran once, when the entry was made.

Freshness: every entry is tagged with the database version read *before* its
view ran, and a hit is served only if a fresh read, made for this request,
still matches. The version follows SQLite's ``PRAGMA data_version``, which
moves whenever any other connection commits (this process's writes, another
``geomap serve`` worker, ``geomap ingest``), so an answer is never served
stale after a commit that finished before the request arrived. Other
backends are not cached.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from functools import wraps
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from flask import request

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = ["ResponseCache", "cached"]

F = TypeVar("F", bound=Callable[..., Any])

_VERSION = "geomap.cache_version"  # environ key: the view may be cached at this database version


class _Entry(NamedTuple):
    version: int
    status: str
    headers: list[tuple[str, str]]
    body: bytes


def _key(environ: WSGIEnvironment) -> tuple[str, str, str, bool]:
    """What an answer depends on: the URL and whether the client takes gzip (the ``Vary`` header)."""
    return (environ.get("SCRIPT_NAME", ""), environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", ""),
            "gzip" in environ.get("HTTP_ACCEPT_ENCODING", "").lower())


class ResponseCache:
    """LRU of final (status 200) GET responses keyed by URL and encoding, valid for one database version.

    Bounded by ``max_entries`` and by ``max_bytes`` of bodies, per process.
    """

    def __init__(self, sqlite_path: str | None, max_entries: int = 512, max_bytes: int = 128 << 20) -> None:
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple[str, str, str, bool], _Entry] = OrderedDict()
        self._max = max_entries
        self._max_bytes = max_bytes  # identity bodies are large (the whole map's GeoJSON: ~2 MB)
        self._bytes = 0
        self._computing: dict[tuple[str, str, str, bool], threading.Lock] = {}
        self._path = sqlite_path
        self._local = threading.local()
        self._conns: list[sqlite3.Connection] = []
        self._generation = 0

    def version(self) -> int | None:
        """A number that grows whenever the database changed; None: do not cache.

        Each thread asks its own connection for ``PRAGMA data_version`` (no lock to
        queue on: waiting for one while the GIL is busy cost milliseconds per request).
        Those counters are per connection, so a thread that sees its counter move
        bumps one shared generation, which tags the entries. Every thread notices
        every commit on its own, so a write may be counted up to once per thread:
        an entry may be recomputed needlessly, never served stale.
        """
        if self._path is None:
            return None
        local = self._local
        conn = getattr(local, "conn", None)
        try:
            if conn is None:
                conn = sqlite3.connect(self._path, check_same_thread=False, isolation_level=None)
                with self._lock:
                    self._conns.append(conn)
                local.conn, local.seen = conn, None
            seen = conn.execute("PRAGMA data_version").fetchone()[0]
        except sqlite3.Error:
            return None
        if seen != local.seen:
            with self._lock:
                self._generation += 1
            local.seen = seen
        return self._generation

    def _get(self, key: tuple[str, str, str, bool]) -> _Entry | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def _put(self, key: tuple[str, str, str, bool], entry: _Entry) -> None:
        with self._lock:
            old = self._entries.pop(key, None)
            self._bytes += len(entry.body) - (len(old.body) if old else 0)
            self._entries[key] = entry
            while len(self._entries) > self._max or (self._bytes > self._max_bytes and len(self._entries) > 1):
                self._bytes -= len(self._entries.popitem(last=False)[1].body)

    def _key_lock(self, key: tuple[str, str, str, bool]) -> threading.Lock:
        """One lock per URL, so concurrent misses compute an answer once and the rest wait for it."""
        with self._lock:
            lock = self._computing.get(key)
            if lock is None:
                if len(self._computing) > 4 * self._max:
                    self._computing.clear()
                lock = self._computing[key] = threading.Lock()
            return lock

    def _fresh(self, key: tuple[str, str, str, bool]) -> _Entry | None:
        entry = self._get(key)
        return entry if entry is not None and entry.version == self.version() else None

    def close(self) -> None:
        """Close the threads' connections and stop caching."""
        self._path = None
        with self._lock:
            conns, self._conns = self._conns, []
        for conn in conns:
            conn.close()

    @staticmethod
    def middleware(app: WSGIApplication, cache: Callable[[], ResponseCache | None]) -> WSGIApplication:
        """Wrap ``app``: answer GETs from ``cache()`` (None until a cached view opened it), fill it on misses."""

        def fill(environ: WSGIEnvironment, start_response: StartResponse, key: tuple[str, str, str, bool]) -> Iterable[bytes]:
            seen: list[Any] = []

            def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], object]:
                seen[:] = [status, headers]
                return start_response(status, headers, exc_info)

            body = app(environ, capture)
            version = environ.get(_VERSION)
            store = cache()
            if version is None or store is None or not seen or not seen[0].startswith("200 "):
                return body
            try:
                data = b"".join(body)
            finally:
                getattr(body, "close", lambda: None)()
            store._put(key, _Entry(version, seen[0], list(seen[1]), data))
            return [data]

        def serve(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
            if environ.get("REQUEST_METHOD") != "GET":
                return app(environ, start_response)
            key, store = _key(environ), cache()
            if store is None or store._get(key) is None:  # never cached (or evicted): not known to be cacheable
                return fill(environ, start_response, key)
            entry = store._fresh(key)
            if entry is None:
                with store._key_lock(key):
                    entry = store._fresh(key)  # another request may have refreshed it while we waited
                    if entry is None:
                        return fill(environ, start_response, key)
            start_response(entry.status, list(entry.headers))
            return [entry.body]

        return serve


def cached(view: F) -> F:
    """Let the cache middleware keep this GET view's answer until the database changes."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from .state import services

        version = services().cache.version()
        if version is not None and request.method == "GET":
            request.environ[_VERSION] = version
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]

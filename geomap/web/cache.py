"""A cache of whole read-API responses, in front of Flask, dropped the moment the database changes.

Listing places under a filter is a grouped query over every mention; the map
and its clients ask the same few questions again and again. A view marked
``@cached`` lets the WSGI layer ``CacheLayer`` keep its final answer (status,
headers, body exactly as Flask produced them, one copy per URL and per
gzip/identity encoding). A repeated request is then answered without
entering Flask at all: routing, the after-request hooks and compression ran
once, when the entry was made. Concurrent requests for a URL that has no
fresh answer wait for one of them to compute it.

Freshness: every entry is tagged with the database version read *before* its
view ran, and a hit is served only if a fresh read, made for this request,
still matches. The version follows SQLite's ``PRAGMA data_version``, which
moves whenever any other connection commits (this process's writes, another
``geomap serve`` worker, ``geomap ingest``), so an answer is never served
stale after a commit that finished before the request arrived. Other
backends are not cached.
"""

from __future__ import annotations

import queue
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from functools import wraps
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from flask import request

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = ["CacheLayer", "ResponseCache", "cached"]

F = TypeVar("F", bound=Callable[..., Any])
Key = tuple[str, str, str, bool]

_VERSION = "geomap.cache_version"  # environ key: the view may be cached at this database version


class _Entry(NamedTuple):
    version: int
    status: str
    headers: list[tuple[str, str]]
    body: bytes


class _Watcher:
    """One connection and the ``data_version`` it last reported (None: no baseline yet)."""

    def __init__(self, path: str, baseline: bool) -> None:
        self.conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.seen: int | None = self.read() if baseline else None

    def read(self) -> int:
        return int(self.conn.execute("PRAGMA data_version").fetchone()[0])


def _key(environ: WSGIEnvironment) -> Key:
    """What an answer depends on: the URL and whether the client takes gzip (the ``Vary`` header)."""
    return (
        environ.get("SCRIPT_NAME", ""),
        environ.get("PATH_INFO", ""),
        environ.get("QUERY_STRING", ""),
        "gzip" in environ.get("HTTP_ACCEPT_ENCODING", "").lower(),
    )


class ResponseCache:
    """LRU of final (status 200) GET responses keyed by URL and encoding, valid for one database version.

    Bounded by ``max_entries`` and by ``max_bytes`` of bodies, per process.
    """

    def __init__(
        self, sqlite_path: str | None, max_entries: int = 512, max_bytes: int = 128 << 20, watchers: int = 8
    ) -> None:
        self._lock = threading.Lock()
        self._entries: OrderedDict[Key, _Entry] = OrderedDict()
        self._max = max_entries
        self._max_bytes = max_bytes  # identity bodies are large (the whole map's GeoJSON: ~2 MB)
        self._bytes = 0
        self._path = sqlite_path
        self._idle: queue.SimpleQueue[_Watcher] = queue.SimpleQueue()
        self._all: list[_Watcher] = []
        self._generation = 0
        for _ in range(watchers if sqlite_path else 0):
            self._idle.put(self._add_watcher(baseline=True))

    def _add_watcher(self, baseline: bool) -> _Watcher:
        watcher = _Watcher(self._path or "", baseline)
        with self._lock:
            self._all.append(watcher)
        return watcher

    def version(self) -> int | None:
        """A number that grows whenever the database changed; None: do not cache.

        ``PRAGMA data_version`` is read on a connection taken from a pool, with
        no lock held around it (queueing for one while the GIL was busy cost
        milliseconds per request). Its values are per connection, so a
        connection that sees its value move bumps one shared generation, which
        tags the entries. The pool's connections take their baselines together,
        before any entry exists; one opened later, when all are in use, has no
        baseline and bumps on its first read. Every connection notices every
        commit on its own, so a write may be counted once per connection: an
        entry may be recomputed needlessly, never served stale.
        """
        if self._path is None:
            return None
        try:
            watcher = self._idle.get_nowait()
        except queue.Empty:
            try:
                watcher = self._add_watcher(baseline=False)
            except sqlite3.Error:
                return None
        try:
            seen = watcher.read()
            if seen != watcher.seen:
                with self._lock:
                    self._generation += 1
                watcher.seen = seen
            return self._generation
        except sqlite3.Error:
            return None
        finally:
            self._idle.put(watcher)

    def fresh(self, key: Key) -> _Entry | None:
        """The entry for ``key`` if it was made at the current database version."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            self._entries.move_to_end(key)
        return entry if entry.version == self.version() else None

    def put(self, key: Key, entry: _Entry) -> None:
        """Remember ``entry``, evicting the least recently used beyond the bounds."""
        with self._lock:
            old = self._entries.pop(key, None)
            self._bytes += len(entry.body) - (len(old.body) if old else 0)
            self._entries[key] = entry
            while len(self._entries) > self._max or (self._bytes > self._max_bytes and len(self._entries) > 1):
                self._bytes -= len(self._entries.popitem(last=False)[1].body)

    def close(self) -> None:
        """Close the connections and stop caching."""
        self._path = None
        with self._lock:
            watchers, self._all = self._all, []
        for watcher in watchers:
            watcher.conn.close()


class CacheLayer:
    """WSGI layer: answers GETs from the cache, lets one request per URL fill it, passes the rest.

    ``cache()`` is None until a cached view opened the store. URLs whose
    answer came from a view that is not cached (pages, assets, errors) are
    remembered, up to ``max_plain`` of them, and passed straight through.
    """

    def __init__(self, app: WSGIApplication, cache: Callable[[], ResponseCache | None], max_plain: int = 4096) -> None:
        self._app = app
        self._cache = cache
        self._lock = threading.Lock()
        self._flights: dict[Key, threading.Lock] = {}
        self._plain: OrderedDict[Key, None] = OrderedDict()
        self._max_plain = max_plain

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "GET":
            return self._app(environ, start_response)
        key = _key(environ)
        if key in self._plain:
            return self._app(environ, start_response)
        entry = self._fresh(key)
        if entry is None:
            with self._flight(key):
                entry = self._fresh(key)  # another request may have filled it while this one waited
                if entry is None:
                    return self._fill(environ, start_response, key)
        start_response(entry.status, list(entry.headers))
        return [entry.body]

    def _fresh(self, key: Key) -> _Entry | None:
        cache = self._cache()
        return cache.fresh(key) if cache is not None else None

    def _flight(self, key: Key) -> threading.Lock:
        """One lock per URL, so concurrent misses compute an answer once and the rest wait for it."""
        with self._lock:
            lock = self._flights.get(key)
            if lock is None:
                if len(self._flights) > 4 * self._max_plain:
                    self._flights.clear()
                lock = self._flights[key] = threading.Lock()
            return lock

    def _fill(self, environ: WSGIEnvironment, start_response: StartResponse, key: Key) -> Iterable[bytes]:
        seen: list[Any] = []

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], object]:
            seen[:] = [status, headers]
            return start_response(status, headers, exc_info)

        body = self._app(environ, capture)
        version, cache = environ.get(_VERSION), self._cache()
        if version is None or cache is None:
            with self._lock:
                self._plain[key] = None
                while len(self._plain) > self._max_plain:
                    self._plain.popitem(last=False)
            return body
        if not seen or not seen[0].startswith("200 "):
            return body
        try:
            data = b"".join(body)
        finally:
            getattr(body, "close", lambda: None)()
        cache.put(key, _Entry(version, seen[0], list(seen[1]), data))
        return [data]


def cached(view: F) -> F:
    """Let ``CacheLayer`` keep this GET view's answer until the database changes."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from .state import services

        version = services().cache.version()
        if version is not None and request.method == "GET":
            request.environ[_VERSION] = version
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]

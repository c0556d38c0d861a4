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
stale after a commit that finished before the request arrived. On
PostgreSQL the store keeps a counter that every write transaction raises in
its own commit, which gives every server sharing the database the same
promise. Other backends are not cached. The version comes from the store
(``Store.data_version``); views opt in with ``api.caching.cached``.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, NamedTuple

from ..api.caching import CACHE_VERSION

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = ["CacheLayer", "ResponseCache"]

Key = tuple[str, str, str, bool]

MAX_ENTRIES = 512  # answers kept per process
MAX_BYTES = 128 << 20  # bytes of answers kept per process
MAX_PLAIN = 4096  # URLs remembered as not cacheable (pages, assets, errors)


class _Entry(NamedTuple):
    version: int
    status: str
    headers: list[tuple[str, str]]
    body: bytes


def _key(environ: WSGIEnvironment) -> Key:
    """What an answer depends on: the URL and whether the client takes gzip (the ``Vary`` header)."""
    return (
        environ.get("SCRIPT_NAME", ""),
        environ.get("PATH_INFO", ""),
        environ.get("QUERY_STRING", ""),
        "gzip" in environ.get("HTTP_ACCEPT_ENCODING", "").lower(),
    )


class ResponseCache:
    """LRU of final (status 200) GET responses keyed by URL and encoding, each tagged with its data version.

    Bounded by ``max_entries`` and by ``max_bytes`` of bodies, per process.
    """

    def __init__(self, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES) -> None:
        self._lock = threading.Lock()
        self._entries: OrderedDict[Key, _Entry] = OrderedDict()
        self._max = max_entries
        self._max_bytes = max_bytes  # identity bodies are large (the whole map's GeoJSON: ~2 MB)
        self._bytes = 0

    def fresh(self, key: Key, current: Callable[[], int | None]) -> _Entry | None:
        """The entry for ``key`` if it was made at the database's ``current()`` version (read only on a hit)."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            self._entries.move_to_end(key)
        version = current()
        return entry if version is not None and entry.version == version else None

    def put(self, key: Key, entry: _Entry) -> None:
        """Remember ``entry``, evicting the least recently used beyond the bounds."""
        with self._lock:
            old = self._entries.pop(key, None)
            self._bytes += len(entry.body) - (len(old.body) if old else 0)
            self._entries[key] = entry
            while len(self._entries) > self._max or (self._bytes > self._max_bytes and len(self._entries) > 1):
                self._bytes -= len(self._entries.popitem(last=False)[1].body)


class CacheLayer:
    """WSGI layer: answers GETs from the cache, lets one request per URL fill it, passes the rest.

    ``version()`` is the database's current data version, None until a cached
    view opened the store (the layer never opens it) or where the backend
    cannot tell. URLs whose answer came from a view that is not cached (pages,
    assets, errors) are remembered, up to ``max_plain`` of them, and passed
    straight through.
    """

    def __init__(
        self,
        app: WSGIApplication,
        version: Callable[[], int | None],
        cache: ResponseCache | None = None,
        max_plain: int = MAX_PLAIN,
    ) -> None:
        self._app = app
        self._version = version
        self._cache = cache or ResponseCache()
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
        return self._cache.fresh(key, self._version)

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
        version = environ.get(CACHE_VERSION)
        if version is None:
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
        self._cache.put(key, _Entry(version, seen[0], list(seen[1]), data))
        return [data]

"""A cache of whole read-API responses, dropped the moment the database changes.

Listing places under a filter is a grouped query over every mention; the map
and its clients ask the same few questions again and again. For SQLite the
cache keys every entry on ``PRAGMA data_version`` read from one dedicated
connection: that number changes whenever any other connection (this server's
writes, ``geomap ingest`` in another process) commits, so an answer is never
served stale. Other backends are not cached.
"""

from __future__ import annotations

import gzip
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Response, request

from .compress import accepts_gzip, gzip_bytes

__all__ = ["ResponseCache", "cached"]

F = TypeVar("F", bound=Callable[..., Any])


class ResponseCache:
    """LRU of (status 200) response bodies keyed by URL, valid for one database version."""

    def __init__(self, sqlite_path: str | None, max_entries: int = 512) -> None:
        self._lock = threading.Lock()
        self._entries: OrderedDict[str, tuple[int, bytes, str, dict[str, str]]] = OrderedDict()
        self._max = max_entries
        self._computing: dict[str, threading.Lock] = {}
        self._conn: sqlite3.Connection | None = None
        if sqlite_path:
            self._conn = sqlite3.connect(sqlite_path, check_same_thread=False, isolation_level=None)

    def version(self) -> int | None:
        """The database's change counter as this cache's connection sees it; None: do not cache."""
        if self._conn is None:
            return None
        with self._lock:
            try:
                return int(self._conn.execute("PRAGMA data_version").fetchone()[0])
            except sqlite3.Error:
                return None

    def get(self, key: str, version: int) -> Response | None:
        """The stored response for ``key`` if it was made at ``version``."""
        with self._lock:
            hit = self._entries.get(key)
            if hit is None or hit[0] != version:
                return None
            self._entries.move_to_end(key)
        _, body, mimetype, headers = hit
        if accepts_gzip():
            return Response(body, mimetype=mimetype, headers=headers)
        plain = {k: v for k, v in headers.items() if k != "Content-Encoding"}
        return Response(gzip.decompress(body), mimetype=mimetype, headers=plain)

    def put(self, key: str, version: int, resp: Response) -> None:
        """Remember a successful response, gzip-compressed once here rather than on every hit."""
        headers = {k: v for k, v in resp.headers.items() if k in {"Content-Disposition", "X-Total-Count"}}
        headers["Content-Encoding"] = "gzip"
        with self._lock:
            self._entries[key] = (version, gzip_bytes(resp.get_data()), resp.mimetype or "application/json", headers)
            self._entries.move_to_end(key)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)

    def key_lock(self, key: str) -> threading.Lock:
        """One lock per URL, so concurrent misses compute an answer once and the rest wait for it."""
        with self._lock:
            lock = self._computing.get(key)
            if lock is None:
                if len(self._computing) > 4 * self._max:
                    self._computing.clear()
                lock = self._computing[key] = threading.Lock()
            return lock

    def close(self) -> None:
        """Close the dedicated connection."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def cached(view: F) -> F:
    """Serve a GET view from the app's response cache when the database has not changed."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from .state import services

        cache = services().cache
        version = cache.version()
        key = request.full_path
        if version is None:
            return view(*args, **kwargs)
        hit = cache.get(key, version)
        if hit is not None:
            return hit
        with cache.key_lock(key):
            hit = cache.get(key, version)  # another request may have filled it while we waited
            if hit is not None:
                return hit
            resp = view(*args, **kwargs)
            if isinstance(resp, Response) and resp.status_code == 200:
                cache.put(key, version, resp)
                return cache.get(key, version) or resp
            return resp

    return wrapper  # type: ignore[return-value]

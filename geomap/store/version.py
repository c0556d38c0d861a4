"""A number that moves whenever the database changed: what cached answers are tagged with.

SQLite's ``PRAGMA data_version`` moves whenever any *other* connection commits
(this process's writes through the store's engine, another ``geomap serve``
worker, ``geomap ingest`` in another process). Other backends have no such
counter here, so their answers are not cached (``current()`` is None).
"""

from __future__ import annotations

import queue
import sqlite3
import threading

from sqlalchemy.engine import Engine

from .engine import sqlite_file

__all__ = ["DataVersion"]

DEFAULT_WATCHERS = 8  # pooled connections: one per concurrent request thread keeps reads lock-free


class _Watcher:
    """One connection and the ``data_version`` it last reported (None: no baseline yet)."""

    def __init__(self, path: str, baseline: bool) -> None:
        self.conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.seen: int | None = self.read() if baseline else None

    def read(self) -> int:
        return int(self.conn.execute("PRAGMA data_version").fetchone()[0])


class DataVersion:
    """The store's data version, read on a pool of connections of its own.

    ``PRAGMA data_version`` is read on a connection taken from a pool, with no
    lock held around it (queueing for one while the GIL was busy cost
    milliseconds per request). Its values are per connection, so a connection
    that sees its value move bumps one shared generation. The pool's
    connections take their baselines together, before any answer is tagged;
    one opened later, when all are in use, has no baseline and bumps on its
    first read. Every connection notices every commit on its own, so a write
    may be counted once per connection: a cached answer may be recomputed
    needlessly, never served stale.
    """

    def __init__(self, path: str | None, watchers: int = DEFAULT_WATCHERS) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._idle: queue.SimpleQueue[_Watcher] = queue.SimpleQueue()
        self._all: list[_Watcher] = []
        self._generation = 0
        for _ in range(watchers if path else 0):
            self._idle.put(self._add_watcher(baseline=True))

    @classmethod
    def of(cls, engine: Engine) -> DataVersion:
        """The version of the database behind ``engine`` (never moving, None, for other backends)."""
        return cls(sqlite_file(engine))

    def _add_watcher(self, baseline: bool) -> _Watcher:
        watcher = _Watcher(self._path or "", baseline)
        with self._lock:
            self._all.append(watcher)
        return watcher

    def current(self) -> int | None:
        """A number that grows whenever the database changed; None: the backend cannot tell."""
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

    def close(self) -> None:
        """Close the connections; ``current()`` is None from now on."""
        self._path = None
        with self._lock:
            watchers, self._all = self._all, []
        for watcher in watchers:
            watcher.conn.close()

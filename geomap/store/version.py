"""A number that moves whenever the database changed: what cached answers are tagged with.

SQLite's ``PRAGMA data_version`` moves whenever any *other* connection commits
(this process's writes through the store's engine, another ``geomap serve``
worker, ``geomap ingest`` in another process). PostgreSQL has no such
counter, so the store keeps one: a one-row table ``geomap_data_version``
whose value every write transaction raises first thing (``bump``), so the new
number becomes visible in the same commit as the data, to every server and
process sharing the database. Taking that row first also orders concurrent
writers the way SQLite's write lock does, without deadlocks between them.
Other backends have no counter, so their answers are not cached
(``current()`` is None).
"""

from __future__ import annotations

import queue
import sqlite3
import threading
from typing import Protocol

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from .engine import sqlite_file

__all__ = ["DataVersion", "PostgresVersion", "VersionSource", "version_source", "prepare_counter", "bump"]

# PostgreSQL's counter: idempotent steps run when the store opens (no schema version of their own).
_COUNTER_STEPS = (
    "CREATE TABLE IF NOT EXISTS geomap_data_version (id integer PRIMARY KEY, version bigint NOT NULL)",
    "INSERT INTO geomap_data_version (id, version) VALUES (1, 0) ON CONFLICT (id) DO NOTHING",
)
_BUMP = "UPDATE geomap_data_version SET version = version + 1 WHERE id = 1"
_READ = "SELECT version FROM geomap_data_version WHERE id = 1"


def prepare_counter(conn: Connection) -> bool:
    """Create PostgreSQL's version counter if missing; whether this backend keeps one (False: not PostgreSQL)."""
    if conn.dialect.name != "postgresql":
        return False
    for step in _COUNTER_STEPS:
        conn.execute(text(step))
    return True


def bump(conn: Connection) -> None:
    """Raise the counter inside the write transaction ``conn`` is in (call it before the transaction's writes)."""
    conn.execute(text(_BUMP))


class VersionSource(Protocol):
    """What the store asks for its data version."""

    def current(self) -> int | None: ...

    def close(self) -> None: ...


class PostgresVersion:
    """The counter a PostgreSQL store keeps, read on the store's own connection pool (one query per call)."""

    def __init__(self, engine: Engine) -> None:
        self._engine: Engine | None = engine

    def current(self) -> int | None:
        engine = self._engine
        if engine is None:
            return None
        try:
            with engine.connect() as conn:
                value = conn.execute(text(_READ)).scalar()
        except SQLAlchemyError:
            return None  # cannot tell: the answer is computed, not cached
        return None if value is None else int(value)

    def close(self) -> None:
        self._engine = None


def version_source(engine: Engine, counts_writes: bool) -> VersionSource:
    """SQLite's ``data_version``; PostgreSQL's counter when the store keeps it; else a source that cannot tell."""
    if counts_writes:
        return PostgresVersion(engine)
    return DataVersion.of(engine)


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

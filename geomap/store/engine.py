"""Opening the database: the one place that knows about SQLite.

Every SQLite-only statement of the store lives in this module (PRAGMAs, the
write-lock ``BEGIN IMMEDIATE``, ``PRAGMA integrity_check``). Any other backend
(PostgreSQL) gets a plain SQLAlchemy engine and its own transaction semantics.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from ..distance import great_circle_km
from ..errors import StoreError

__all__ = [
    "make_engine",
    "is_sqlite",
    "sqlite_file",
    "integrity_check",
    "lock_schema",
    "WRITE",
    "SQLITE_DISTANCE_FUNCTION",
]

# Execution option a connection sets to say "this transaction will write".
WRITE = "geomap_write"

_BUSY_TIMEOUT_MS = 30_000
_WAL_RETRY_SECONDS = 0.05  # between tries to switch a new file to WAL while another opener holds it
# SQLite function: great-circle km between two (lat, lon) points, for the "near" filter (spatial.py).
SQLITE_DISTANCE_FUNCTION = "geomap_km"
_SCHEMA_LOCK = 0x67656F6D  # PostgreSQL advisory lock key taken while the schema is created or upgraded ("geom")


def is_sqlite(engine: Engine) -> bool:
    """Whether the engine talks to SQLite (and this module's PRAGMAs apply)."""
    return engine.dialect.name == "sqlite"


def sqlite_file(engine: Engine) -> str | None:
    """The path of the SQLite file behind ``engine``; None for other backends and in-memory databases."""
    url = engine.url
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return url.database


def make_engine(url: str) -> Engine:
    """An engine for ``url``; for SQLite files, creates the folder and sets WAL, foreign keys, timeouts."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreError(
            f"database URL {url!r} is not a valid SQLAlchemy URL (e.g. sqlite:///path/geomap.sqlite)"
        ) from None
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        folder = Path(parsed.database).expanduser().parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the database folder {folder}: {exc.strerror or exc}") from None
    try:
        engine = create_engine(parsed, pool_pre_ping=parsed.get_backend_name() != "sqlite")
    except (NoSuchModuleError, ModuleNotFoundError) as exc:
        raise StoreError(f"no database driver for {parsed.drivername!r}: {exc}; install it with pip") from None
    if is_sqlite(engine):
        _configure_sqlite(engine)
    return engine


def lock_schema(conn: Connection) -> None:
    """Hold the schema lock until this write transaction ends, so concurrent first runs create the schema once.

    SQLite's write transaction (``BEGIN IMMEDIATE``) already excludes other
    writers; PostgreSQL takes a transaction-scoped advisory lock: a second
    process waits, then finds the schema the first one committed.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SCHEMA_LOCK})


# --- SQLite only -------------------------------------------------------------


def _configure_sqlite(engine: Engine) -> None:
    """WAL so readers never wait for a writer; foreign keys on; writes take the lock up front.

    pysqlite's own transaction handling is switched off (SQLAlchemy's
    documented recipe) so a write transaction can start with ``BEGIN
    IMMEDIATE``: a deferred transaction that reads first and writes later can
    fail with "database is locked" when another writer committed in between.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
        _use_wal(cur)
        cur.execute("PRAGMA synchronous = NORMAL")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()
        # the "near" filter's distance on plain coordinates (spatial.py)
        dbapi_conn.create_function(SQLITE_DISTANCE_FUNCTION, 4, great_circle_km, deterministic=True)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITE) else "BEGIN")


def _use_wal(cur: sqlite3.Cursor) -> None:
    """Switch the file to WAL (a property of the file, kept once set), waiting out other first openers.

    Changing the journal mode needs the file to itself, and SQLite answers "database is locked" at
    once, without the busy handler, when another connection is creating the schema meanwhile (several
    processes opening a new store together), so the switch is retried within the busy timeout.
    """
    deadline = time.monotonic() + _BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            if cur.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                cur.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(_WAL_RETRY_SECONDS)


def integrity_check(engine: Engine) -> str:
    """SQLite's ``PRAGMA integrity_check`` answer ("ok" when sound); "ok" on other backends."""
    if not is_sqlite(engine):
        return "ok"
    with engine.connect() as conn:
        rows = conn.exec_driver_sql("PRAGMA integrity_check").all()
    return "\n".join(str(r[0]) for r in rows)

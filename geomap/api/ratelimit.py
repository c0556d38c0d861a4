"""A per-client request rate limit that every worker process of one server shares.

``geomap serve --workers N`` runs N processes; a limit counted in memory would
let a client through N times as often. The counts live in a small SQLite file
in the data directory instead (one row per client and minute, one short write
per counted request, far cheaper than the geoparse it guards). The window is a
fixed calendar minute: a client may send ``per_minute`` requests in it and is
told, with the answer's ``Retry-After``, when the next minute begins.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from pathlib import Path

from ..errors import ConfigError

__all__ = ["RateLimiter", "WINDOW_SECONDS"]

log = logging.getLogger(__name__)

WINDOW_SECONDS = 60
_BUSY_TIMEOUT_MS = 5_000
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS hits (client TEXT NOT NULL, window INTEGER NOT NULL, n INTEGER NOT NULL, "
    "PRIMARY KEY (client, window)) WITHOUT ROWID"
)
_COUNT = (
    "INSERT INTO hits (client, window, n) VALUES (?, ?, 1) "
    "ON CONFLICT (client, window) DO UPDATE SET n = n + 1 RETURNING n"
)


class RateLimiter:
    """At most ``per_minute`` counted requests per client and minute (0: no limit)."""

    def __init__(self, path: Path, per_minute: int) -> None:
        if per_minute < 0:
            raise ConfigError(f"GEOMAP_PARSE_RATE_LIMIT must be 0 (no limit) or more, not {per_minute}")
        self.path = path
        self.per_minute = per_minute
        self._local = threading.local()  # one connection per thread, opened after any fork

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            conn.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = OFF")  # counts lost in a crash only forgive a few requests
            conn.execute(_SCHEMA)
            self._local.conn = conn
        return conn

    def hit(self, client: str, now: float | None = None) -> int | None:
        """Count one request of ``client``; None when it is allowed, else the seconds until it would be."""
        if not self.per_minute:
            return None
        now = time.time() if now is None else now
        window = int(now // WINDOW_SECONDS)
        try:
            conn = self._conn()
            n = conn.execute(_COUNT, (client, window)).fetchone()[0]
            if n == 1:  # the client's first request this minute: forget everyone's older minutes
                conn.execute("DELETE FROM hits WHERE window < ?", (window - 1,))
        except (sqlite3.Error, OSError) as exc:  # a broken counter must not take geoparsing down with it
            log.warning("rate limit not applied: cannot use %s: %s", self.path, exc)
            return None
        if n <= self.per_minute:
            return None
        return max(1, int((window + 1) * WINDOW_SECONDS - now + 0.999))

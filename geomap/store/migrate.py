"""Creating the schema in an empty database and upgrading an old one, step by step.

Versions:
  1. ``articles``, ``places``, ``mentions`` (+ ``schema_version``).
  2. adds ``place_stats`` (``stats.py``), filled from the stored mentions.
  3. adds ``place_periods`` (``rollup.py``), filled from the stored mentions.
  4. adds the full-text index (``search.py``), filled from the stored articles.
  5. adds ``places.native_name`` (the official or local name beside the English one), empty for
     the places already stored until their articles are re-parsed (``geomap ingest --reprocess``).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import insert, inspect, select
from sqlalchemy.engine import Connection
from sqlalchemy.schema import CreateColumn

from ..errors import StoreError
from . import search
from .rollup import fill
from .schema import SCHEMA_VERSION, articles, mentions, metadata, place_periods, place_stats, places, schema_version
from .stats import refresh_place_stats

__all__ = ["current_version", "create_schema", "upgrade"]

_V1_TABLES = [schema_version, articles, places, mentions]
_V2_TABLES = [*_V1_TABLES, place_stats]
_FULL_TEXT_VERSION = 4


def current_version(conn: Connection) -> int | None:
    """The database's schema version; None for an empty database."""
    names = set(inspect(conn).get_table_names())
    if "schema_version" not in names:
        if names & {"articles", "places", "mentions"}:
            raise StoreError("the database has geomap-like tables but no schema version; use a new database file")
        return None
    version = conn.execute(select(schema_version.c.version)).scalar()
    if version is None:
        raise StoreError("the database's schema_version table is empty; use a new database file")
    return int(version)


def create_schema(conn: Connection, version: int = SCHEMA_VERSION) -> None:
    """Create an empty database at ``version`` (older versions exist for upgrade tests)."""
    tables = {1: _V1_TABLES, 2: _V2_TABLES}.get(version, metadata.sorted_tables)
    if version not in (1, 2, 3, 4, SCHEMA_VERSION):
        raise StoreError(f"cannot create schema version {version}")
    metadata.create_all(conn, tables=tables)
    if version >= _FULL_TEXT_VERSION:
        search.install(conn)
    conn.execute(insert(schema_version).values(id=1, version=version))


def _v1_to_v2(conn: Connection) -> None:
    """Add the maintained per-place counts and fill them from the stored mentions."""
    place_stats.create(conn)
    ids = [
        row[0] for row in conn.execute(select(mentions.c.place_id).where(mentions.c.place_id.is_not(None)).distinct())
    ]
    refresh_place_stats(conn, ids)


def _v2_to_v3(conn: Connection) -> None:
    """Add the maintained per-period counts and fill them from the stored mentions."""
    place_periods.create(conn)
    fill(conn)


def _v3_to_v4(conn: Connection) -> None:
    """Add the full-text index over article titles and texts and index the stored articles."""
    search.install(conn)
    search.fill(conn)


def _v4_to_v5(conn: Connection) -> None:
    """Add the places' native names (a database created at an older version by this code may have it)."""
    columns = conn.exec_driver_sql("SELECT * FROM places LIMIT 0").keys()  # names only: no type reflection
    if "native_name" in list(columns):
        return
    column = CreateColumn(places.c.native_name).compile(dialect=conn.dialect)  # the schema's own definition
    conn.exec_driver_sql(f"ALTER TABLE places ADD COLUMN {column}")


_UPGRADES: dict[int, Callable[[Connection], None]] = {1: _v1_to_v2, 2: _v2_to_v3, 3: _v3_to_v4, 4: _v4_to_v5}


def upgrade(conn: Connection, version: int) -> int:
    """Run every upgrade step from ``version`` to the current one; returns the new version."""
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"the database has schema version {version}, newer than this geomap's {SCHEMA_VERSION}; upgrade geomap"
        )
    while version < SCHEMA_VERSION:
        _UPGRADES[version](conn)
        version += 1
        conn.execute(schema_version.update().values(version=version))
    return version

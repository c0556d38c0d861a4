"""The store's tables, its schema version and the steps that upgrade old databases.

One SQLAlchemy Core ``MetaData`` for every backend: nothing here is
SQLite-specific, so the same schema runs on PostgreSQL.

Versions:
  1. ``articles``, ``places``, ``mentions`` (+ ``schema_version``).
  2. adds ``place_stats``: per place, maintained mention/article counts and the
     newest publication date, so the map's unfiltered place list is an index
     read instead of an aggregate over every mention.
  3. adds ``place_periods``: per place, scope, source and day / month / all
     time, maintained counts, so date and source filters add up a few cells
     instead of counting every matching mention (see ``rollup.py``).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    and_,
    bindparam,
    case,
    func,
    insert,
    inspect,
    or_,
    select,
)
from sqlalchemy.engine import Connection

from ..errors import StoreError

__all__ = [
    "SCHEMA_VERSION",
    "metadata",
    "schema_version",
    "articles",
    "places",
    "mentions",
    "place_stats",
    "place_periods",
    "create_schema",
    "upgrade",
    "current_version",
    "refresh_place_stats",
    "add_to_place_stats",
]

SCHEMA_VERSION = 3

metadata = MetaData()

schema_version = Table(
    "schema_version",
    metadata,
    Column("id", Integer, primary_key=True),  # always 1: a one-row table
    Column("version", Integer, nullable=False),
)

articles = Table(
    "articles",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("title", Text, nullable=False, default=""),
    Column("text", Text, nullable=False),
    Column("url", Text),
    Column("source", String(200)),
    Column("published", DateTime),  # UTC, naive
    Column("content_hash", String(64), nullable=False, unique=True),
    Column("ingested", DateTime, nullable=False),  # UTC, naive
    Index("ix_articles_published", "published"),
    Index("ix_articles_source", "source"),
)

places = Table(
    "places",
    metadata,
    Column("id", String(100), primary_key=True),  # Place.id: "gn:<geonameid>" or "geomap:<slug>"
    Column("geonameid", Integer),
    Column("name", String(300), nullable=False),
    Column("asciiname", String(300), nullable=False, default=""),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("feature_code", String(10)),
    Column("country_code", String(2)),
    Column("country_name", String(200)),
    Column("admin1_name", String(200)),
    Column("population", BigInteger, nullable=False, default=0),  # continents exceed 2**31
    Column("source", String(50), nullable=False, default=""),
    Index("ix_places_lat_lon", "lat", "lon"),
    Index("ix_places_country", "country_code"),
)

mentions = Table(
    "mentions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("article_id", Integer, ForeignKey("articles.id", ondelete="CASCADE"), nullable=False),
    Column("place_id", String(100), ForeignKey("places.id")),  # NULL: name found, not resolved
    Column("start_char", Integer, nullable=False),
    Column("end_char", Integer, nullable=False),
    Column("surface", Text, nullable=False),
    Column("snippet", Text, nullable=False, default=""),
    Column("confidence", Float, nullable=False, default=0.0),
    Column("kind", String(20), nullable=False, default="toponym"),  # "toponym" | "demonym"
    # Covering indexes: place → its articles (map counts, place pages);
    # article → its places (article pages, place counts per article).
    Index("ix_mentions_place", "place_id", "kind", "article_id"),
    Index("ix_mentions_article", "article_id", "kind", "place_id"),
)

# scope "toponym" counts only place names; scope "all" also counts demonyms.
place_stats = Table(
    "place_stats",
    metadata,
    Column("place_id", String(100), ForeignKey("places.id"), primary_key=True),
    Column("all_kinds", Boolean, primary_key=True),
    Column("mentions", Integer, nullable=False),
    Column("articles", Integer, nullable=False),
    Column("last_published", DateTime),
)
# The map's first request reads the top of this index: most mentioned first.
Index("ix_place_stats_rank", place_stats.c.all_kinds, place_stats.c.mentions.desc(), place_stats.c.place_id)

# One row per (place, all_kinds, grain, period, source): see rollup.py. NULL period:
# grain "A" (all time) or an undated article; NULL source: articles without one.
place_periods = Table(
    "place_periods",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("place_id", String(100), ForeignKey("places.id"), nullable=False),
    Column("all_kinds", Boolean, nullable=False),
    Column("grain", String(1), nullable=False),  # "D" day, "M" month, "A" all time
    Column("period", DateTime),  # the period's start, UTC
    Column("source", String(200)),
    Column("mentions", Integer, nullable=False),
    Column("articles", Integer, nullable=False),
    Column("last_published", DateTime),
    Index("ix_place_periods_place", "place_id", "grain", "period"),
)
# Filters read a range of periods (or one source's all-time cells) from this covering index.
Index(
    "ix_place_periods_range",
    *(
        place_periods.c[n]
        for n in ("all_kinds", "grain", "period", "source", "place_id", "mentions", "articles", "last_published")
    ),
)

_V1_TABLES = [schema_version, articles, places, mentions]
_V2_TABLES = [*_V1_TABLES, place_stats]


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
    if version not in (1, 2, SCHEMA_VERSION):
        raise StoreError(f"cannot create schema version {version}")
    metadata.create_all(conn, tables=tables)
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
    from .rollup import fill  # rollup builds on these tables

    place_periods.create(conn)
    fill(conn)


_UPGRADES: dict[int, Callable[[Connection], None]] = {1: _v1_to_v2, 2: _v2_to_v3}


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


def refresh_place_stats(conn: Connection, place_ids: list[str] | set[str]) -> None:
    """Recount mentions, articles and newest date of these places, in both scopes.

    Called inside the write transaction that changed their mentions, so the
    counts never disagree with the mentions a reader sees.
    """
    ids = sorted(set(place_ids))
    for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
        conn.execute(place_stats.delete().where(place_stats.c.place_id.in_(chunk)))
        for all_kinds in (False, True):
            cond = mentions.c.place_id.in_(chunk)
            if not all_kinds:
                cond = cond & (mentions.c.kind == "toponym")
            rows = conn.execute(
                select(
                    mentions.c.place_id,
                    func.count(mentions.c.id),
                    func.count(mentions.c.article_id.distinct()),
                    func.max(articles.c.published),
                )
                .join(articles, articles.c.id == mentions.c.article_id)
                .where(cond)
                .group_by(mentions.c.place_id)
            ).all()
            if rows:
                conn.execute(
                    insert(place_stats),
                    [
                        {"place_id": p, "all_kinds": all_kinds, "mentions": n, "articles": a, "last_published": last}
                        for p, n, a, last in rows
                    ],
                )


def add_to_place_stats(conn: Connection, new: list[dict]) -> None:
    """Count newly stored mentions into ``place_stats`` without recounting the old ones.

    ``new`` holds the inserted mention rows (``place_id``, ``kind``,
    ``article_id``) plus each one's article ``published``; every article in it
    is new, so its articles add to the counts as they are.
    """
    deltas: dict[tuple[str, bool], list] = {}
    for m in new:
        if m["place_id"] is None:
            continue
        scopes = (True, False) if m["kind"] == "toponym" else (True,)
        for all_kinds in scopes:
            d = deltas.setdefault((m["place_id"], all_kinds), [0, set(), None])
            d[0] += 1
            d[1].add(m["article_id"])
            if m["published"] is not None and (d[2] is None or m["published"] > d[2]):
                d[2] = m["published"]
    if not deltas:
        return
    ids = sorted({pid for pid, _ in deltas})
    existing: set[tuple[str, bool]] = set()
    for i in range(0, len(ids), 500):
        rows = conn.execute(
            select(place_stats.c.place_id, place_stats.c.all_kinds).where(place_stats.c.place_id.in_(ids[i : i + 500]))
        )
        existing.update((p, bool(k)) for p, k in rows)
    params = [
        {"pid": pid, "scope": k, "n": n, "a": len(arts), "p": last} for (pid, k), (n, arts, last) in deltas.items()
    ]
    updates = [x for x in params if (x["pid"], x["scope"]) in existing]
    inserts = [x for x in params if (x["pid"], x["scope"]) not in existing]
    if updates:
        s, p = place_stats.c, bindparam("p", type_=DateTime)
        conn.execute(
            place_stats.update()
            .where(s.place_id == bindparam("pid"), s.all_kinds == bindparam("scope"))
            .values(
                mentions=s.mentions + bindparam("n"),
                articles=s.articles + bindparam("a"),
                last_published=case(
                    (and_(p.is_not(None), or_(s.last_published.is_(None), s.last_published < p)), p),
                    else_=s.last_published,
                ),
            ),
            updates,
        )
    if inserts:
        conn.execute(
            insert(place_stats),
            [
                {
                    "place_id": x["pid"],
                    "all_kinds": x["scope"],
                    "mentions": x["n"],
                    "articles": x["a"],
                    "last_published": x["p"],
                }
                for x in inserts
            ],
        )

"""The store's tables and the schema version they make up (``migrate.py`` creates and upgrades them).

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
  4. adds the full-text index over article titles and texts (``search.py``:
     an FTS5 table kept by triggers on SQLite, a generated ``tsvector``
     column with a GIN index on PostgreSQL; neither is in this ``MetaData``).
"""

from __future__ import annotations

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
)

__all__ = [
    "SCHEMA_VERSION",
    "metadata",
    "schema_version",
    "articles",
    "places",
    "mentions",
    "place_stats",
    "place_periods",
]

SCHEMA_VERSION = 5

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
    Column("name", String(300), nullable=False),  # the English name (Donetsk Oblast)
    Column("native_name", String(300), nullable=False, default="", server_default=""),  # Donetska oblast
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

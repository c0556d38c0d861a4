"""Removing articles with their mentions, keeping every maintained count exact.

Runs inside one write transaction: the mentions go, the articles go, the
per-place counts (``place_stats``) of the places they named are recounted,
the per-period cells (``place_periods``) lose exactly what the articles added,
and places no remaining mention names are dropped, so the map, the API and a
full recount agree afterwards.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.engine import Connection

from . import rollup
from .schema import articles, mentions, place_periods, place_stats, places
from .stats import refresh_place_stats

__all__ = ["delete_articles"]

_CHUNK = 500  # ids per IN (...) list


def delete_articles(conn: Connection, article_ids: Sequence[int]) -> int:
    """Delete these articles (unknown ids are ignored); returns how many were deleted."""
    deleted = 0
    left: list[dict[str, Any]] = []
    ids = sorted(set(article_ids))
    for chunk in (ids[i : i + _CHUNK] for i in range(0, len(ids), _CHUNK)):
        rows = conn.execute(
            select(mentions.c.place_id, mentions.c.kind, mentions.c.article_id, articles.c.published, articles.c.source)
            .join(articles, articles.c.id == mentions.c.article_id)
            .where(mentions.c.article_id.in_(chunk), mentions.c.place_id.is_not(None))
        )
        left += [dict(r._mapping) for r in rows]
        conn.execute(mentions.delete().where(mentions.c.article_id.in_(chunk)))
        deleted += conn.execute(articles.delete().where(articles.c.id.in_(chunk))).rowcount
    touched = {r["place_id"] for r in left}
    refresh_place_stats(conn, touched)
    rollup.apply(conn, left, [])
    _drop_unmentioned(conn, touched)
    return deleted


def _drop_unmentioned(conn: Connection, place_ids: set[str]) -> None:
    """Remove the places among ``place_ids`` that no mention names any more (nor any count row)."""
    ids = sorted(place_ids)
    for chunk in (ids[i : i + _CHUNK] for i in range(0, len(ids), _CHUNK)):
        conn.execute(
            places.delete().where(
                places.c.id.in_(chunk),
                ~exists(select(mentions.c.id).where(mentions.c.place_id == places.c.id)),
                ~exists(select(place_stats.c.place_id).where(place_stats.c.place_id == places.c.id)),
                ~exists(select(place_periods.c.id).where(place_periods.c.place_id == places.c.id)),
            )
        )

"""Mentions as a list, the places each article names, and whole result sets read as a stream.

``/api/mentions`` pages through mentions newest article first, each with its
article and place; downloads read every matching row of a list through one
query whose rows arrive in batches (``yield_per``: a server-side cursor on
PostgreSQL, SQLite's own stepping), so memory stays flat however many rows
match. Article records carry ``named``: the places they name, most
mentioned first, looked up for a page or a batch at a time.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.engine import Connection, Row

from .filters import Filters
from .queries import (
    _ARTICLE_COLS,
    Page,
    _article_conds,
    _article_ref,
    _kind_cond,
    _mention_cols,
    _mention_dict,
    _newest_first,
    _page,
    _place_conds,
)
from .schema import articles, mentions, places

__all__ = ["list_mentions", "mention_rows", "named_places", "newest_articles", "STREAM_BATCH"]

STREAM_BATCH = 1000  # rows a streamed read holds at once
NAMED_AT_MOST = 50  # places listed per article in ``named`` (most mentioned first)
_NAMED_COLS = (places.c.id, places.c.name, places.c.lat, places.c.lon, places.c.kind, places.c.country_code)
_MENTION_PLACE_COLS = (*_NAMED_COLS, places.c.admin1_name)


def _mention_stmt(f: Filters) -> tuple[Select, Select]:
    """Resolved mentions under ``f``, newest article first, with article and place columns; and their count."""
    joined = mentions.join(articles, articles.c.id == mentions.c.article_id).join(
        places, places.c.id == mentions.c.place_id
    )
    conds = [_kind_cond(f), *_article_conds(f), *_place_conds(f)]
    stmt = (
        select(
            *_mention_cols(),
            mentions.c.article_id,
            *(c.label(f"a_{c.name}") for c in _ARTICLE_COLS),
            *(c.label(f"p_{c.name}") for c in _MENTION_PLACE_COLS),
        )
        .select_from(joined)
        .where(*conds)
        .order_by(*_newest_first(), mentions.c.start_char, mentions.c.id)
    )
    return stmt, select(func.count()).select_from(joined).where(*conds)


def _mention_record(row: Row) -> dict[str, Any]:
    m = row._mapping
    place = {c.name: m[f"p_{c.name}"] for c in _MENTION_PLACE_COLS}
    return {**_mention_dict(row), "article_id": m["article_id"], "place": place, "article": _article_ref(row)}


def list_mentions(conn: Connection, f: Filters, limit: int, offset: int) -> Page:
    """A page of resolved mentions under ``f``, newest article first, each with its place and article."""
    stmt, count = _mention_stmt(f)
    return _page(conn, stmt, limit, offset, _mention_record, count)


def mention_rows(conn: Connection, f: Filters) -> Iterator[dict[str, Any]]:
    """Every resolved mention under ``f``, in ``list_mentions`` order, read ``STREAM_BATCH`` rows at a time."""
    stmt, _ = _mention_stmt(f)
    for row in conn.execution_options(yield_per=STREAM_BATCH).execute(stmt):
        yield _mention_record(row)


def named_places(conn: Connection, article_ids: list[int], f: Filters) -> dict[int, list[dict[str, Any]]]:
    """Per article, the places it names (counted mentions under ``f``'s kind), most mentioned first."""
    out: dict[int, list[dict[str, Any]]] = {a: [] for a in article_ids}
    if not article_ids:
        return out
    n = func.count(mentions.c.id).label("mentions")
    rows = conn.execute(
        select(mentions.c.article_id, *_NAMED_COLS, n)
        .select_from(mentions.join(places, places.c.id == mentions.c.place_id))
        .where(mentions.c.article_id.in_(article_ids), _kind_cond(f))
        .group_by(mentions.c.article_id, *_NAMED_COLS)
        .order_by(mentions.c.article_id, n.desc(), places.c.id)
    )
    for row in rows:
        named = out[row.article_id]
        if len(named) < NAMED_AT_MOST:
            named.append({c.name: row._mapping[c.name] for c in _NAMED_COLS} | {"mentions": row.mentions})
    return out


def newest_articles(
    conn: Connection, place_ids: list[str], f: Filters, per_place: int, snippets: int
) -> dict[str, Page]:
    """Per place, its ``per_place`` newest articles under ``f`` (not its newest mentions: one article naming
    a place five times counts once), each with up to ``snippets`` of its mentions of the place, in text order;
    ``total`` counts the place's articles. Items are mentions with their article, as ``place_mentions`` gives."""
    out = {pid: Page([], 0, per_place, 0) for pid in place_ids}
    for i in range(0, len(place_ids), 500):
        ids = place_ids[i : i + 500]
        pairs = (
            select(mentions.c.place_id, mentions.c.article_id)
            .select_from(mentions.join(articles, articles.c.id == mentions.c.article_id))
            .where(mentions.c.place_id.in_(ids), _kind_cond(f), *_article_conds(f))
            .group_by(mentions.c.place_id, mentions.c.article_id)
            .subquery()
        )
        ranked = (
            select(
                pairs.c.place_id,
                pairs.c.article_id,
                func.row_number().over(partition_by=pairs.c.place_id, order_by=_newest_first()).label("rank"),
                func.count().over(partition_by=pairs.c.place_id).label("total"),
            )
            .select_from(pairs.join(articles, articles.c.id == pairs.c.article_id))
            .subquery()
        )
        chosen = conn.execute(select(ranked).where(ranked.c.rank <= per_place)).all()
        order = {(r.place_id, r.article_id): r.rank for r in chosen}
        for r in chosen:
            out[r.place_id].total = int(r.total)
        if not chosen:
            continue
        rows = conn.execute(
            select(
                *_mention_cols(),
                mentions.c.place_id,
                mentions.c.article_id,
                *(c.label(f"a_{c.name}") for c in _ARTICLE_COLS),
            )
            .select_from(mentions.join(articles, articles.c.id == mentions.c.article_id))
            .where(
                mentions.c.place_id.in_(ids),
                mentions.c.article_id.in_({r.article_id for r in chosen}),
                _kind_cond(f),
            )
            .order_by(mentions.c.start_char, mentions.c.id)
        ).all()
        picked: dict[tuple[str, int], list[dict[str, Any]]] = {}
        for row in rows:
            key = (row.place_id, row.article_id)
            if key in order and len(picked.setdefault(key, [])) < snippets:
                picked[key].append({**_mention_dict(row), "article": _article_ref(row)})
        for (place_id, _), items in sorted(picked.items(), key=lambda kv: (kv[0][0], order[kv[0]])):
            out[place_id].items.extend(items)
    return out

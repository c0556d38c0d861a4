"""Maintained per-period counts (``place_periods``): what date and source filters read.

A cell counts, for one place, one scope (toponyms only, or all kinds), one
source and one period, the mentions and the articles published in that
period, and the newest publication time among them. Periods come in three
grains: ``D`` (a UTC day), ``M`` (a UTC month) and ``A`` (all time, undated
articles included). An article has one publication time and one source, so it
falls in exactly one cell per place, scope and grain: article counts of
disjoint cells add up exactly, which lets a date range be answered as whole
months + whole days + (at most two) partial days counted from the mentions.

Cells change in the same transaction as the mentions they count; ``apply``
takes the mention rows that left and the rows that arrived, so ingest and
``--reprocess`` keep every cell exact.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, exists, func, insert, literal, select
from sqlalchemy.engine import Connection

from .schema import articles, mentions, place_periods

__all__ = ["GRAINS", "period_start", "next_period", "apply", "fill"]

GRAINS = ("D", "M", "A")

# (place_id, all_kinds, grain, period, source)
Key = tuple[str, bool, str, datetime | None, str | None]


def period_start(published: datetime | None, grain: str) -> datetime | None:
    """The start of the period of ``grain`` holding ``published`` (None: all time or undated)."""
    if published is None or grain == "A":
        return None
    if grain == "M":
        return datetime(published.year, published.month, 1)
    return datetime(published.year, published.month, published.day)


def next_period(start: datetime, grain: str) -> datetime:
    """The start of the day or month after the one starting at ``start``."""
    if grain == "M":
        return datetime(start.year + start.month // 12, start.month % 12 + 1, 1)
    return start + timedelta(days=1)


def _cells(rows: Iterable[dict[str, Any]]) -> dict[Key, list]:
    """Per cell: [mentions, article ids, newest published] of these mention rows."""
    out: dict[Key, list] = {}
    for m in rows:
        if m["place_id"] is None:
            continue
        published = m["published"]
        for all_kinds in (True, False) if m["kind"] == "toponym" else (True,):
            for grain in GRAINS:
                key = (m["place_id"], all_kinds, grain, period_start(published, grain), m["source"])
                cell = out.setdefault(key, [0, set(), None])
                cell[0] += 1
                cell[1].add(m["article_id"])
                if published is not None and (cell[2] is None or published > cell[2]):
                    cell[2] = published
    return out


def _existing(conn: Connection, keys: set[Key]) -> dict[Key, list]:
    """The stored cells among ``keys``: key -> [id, mentions, articles, last_published, duplicate ids].

    Two concurrent writers on PostgreSQL may each insert the same new cell;
    such duplicates are folded into one here (the first id keeps the sums),
    so later changes apply to the whole count.

    One lookup per period the keys touch (by place within it), so a batch of
    articles spread over many days reads only its own cells, through the
    (place, grain, period) index.
    """
    c = place_periods.c
    cols = (c.id, c.place_id, c.all_kinds, c.grain, c.period, c.source, c.mentions, c.articles, c.last_published)
    by_period: dict[tuple[str, datetime | None], set[str]] = {}
    for k in keys:
        by_period.setdefault((k[2], k[3]), set()).add(k[0])
    found: dict[Key, list] = {}
    for (grain, period), place_ids in by_period.items():
        ids = sorted(place_ids)
        when = c.period.is_(None) if period is None else c.period == period
        for i in range(0, len(ids), 500):
            for r in conn.execute(select(*cols).where(c.place_id.in_(ids[i : i + 500]), c.grain == grain, when)):
                key = (r.place_id, bool(r.all_kinds), r.grain, r.period, r.source)
                if key not in keys:
                    continue
                if key not in found:
                    found[key] = [r.id, r.mentions, r.articles, r.last_published, []]
                    continue
                cell = found[key]
                cell[1] += r.mentions
                cell[2] += r.articles
                cell[3] = max((t for t in (cell[3], r.last_published) if t is not None), default=None)
                cell[4].append(r.id)
    return found


def _newest(conn: Connection, key: Key) -> datetime | None:
    """Recount a cell's newest publication time from the mentions (after an article left it)."""
    place_id, all_kinds, grain, start, source = key
    if grain == "A":
        conds = []
    elif start is None:
        return None  # a day or month cell without a period holds undated articles only
    else:
        end = next_period(start, grain)
        conds = [articles.c.published >= start, articles.c.published < end]
    has_place = [mentions.c.article_id == articles.c.id, mentions.c.place_id == place_id]
    if not all_kinds:
        has_place.append(mentions.c.kind == "toponym")
    return conn.execute(
        select(func.max(articles.c.published)).where(
            *conds,
            articles.c.source.is_not_distinct_from(source),
            exists(select(literal(1)).select_from(mentions).where(*has_place)),
        )
    ).scalar()


def apply(conn: Connection, left: list[dict[str, Any]], arrived: list[dict[str, Any]]) -> None:
    """Move the cells from counting ``left`` to counting ``arrived``.

    Rows are mention rows (``place_id``, ``kind``, ``article_id``) with their
    article's ``published`` and ``source``; ``left`` must already be gone from
    ``mentions`` and ``arrived`` stored, when a newest time needs a recount.
    """
    old, new = _cells(left), _cells(arrived)
    keys = set(old) | set(new)
    if not keys:
        return
    existing = _existing(conn, keys)
    inserts, updates, deletes = [], [], []
    for key in keys:
        n_old, arts_old, _ = old.get(key, (0, set(), None))
        n_new, arts_new, last_new = new.get(key, (0, set(), None))
        dn, da = n_new - n_old, len(arts_new) - len(arts_old)
        if key not in existing:
            if dn > 0:
                inserts.append(
                    {
                        "place_id": key[0],
                        "all_kinds": key[1],
                        "grain": key[2],
                        "period": key[3],
                        "source": key[4],
                        "mentions": dn,
                        "articles": da,
                        "last_published": last_new,
                    }
                )
            continue
        cell_id, n, a, last, duplicates = existing[key]
        deletes += duplicates
        if n + dn <= 0:
            deletes.append(cell_id)
            continue
        if arts_old - arts_new:
            last = None  # recounted below, once the cell's counts are written
        elif last_new is not None and (last is None or last_new > last):
            last = last_new
        elif dn == 0 and da == 0 and not duplicates:
            continue
        updates.append(
            {"cid": cell_id, "n": n + dn, "a": a + da, "p": last, "key": key, "recount": bool(arts_old - arts_new)}
        )
    c = place_periods.c
    if deletes:
        for i in range(0, len(deletes), 500):
            conn.execute(place_periods.delete().where(c.id.in_(deletes[i : i + 500])))
    for u in updates:
        if u["recount"]:
            u["p"] = _newest(conn, u["key"])
    if updates:
        conn.execute(
            place_periods.update()
            .where(c.id == bindparam("cid"))
            .values(mentions=bindparam("n"), articles=bindparam("a"), last_published=bindparam("p")),
            [{k: u[k] for k in ("cid", "n", "a", "p")} for u in updates],
        )
    if inserts:
        conn.execute(insert(place_periods), inserts)


def fill(conn: Connection, batch: int = 2_000) -> None:
    """Count every stored mention into an empty ``place_periods`` (the schema upgrade), a batch of articles at once."""
    last = 0
    while True:
        ids = [
            r[0]
            for r in conn.execute(
                select(articles.c.id).where(articles.c.id > last).order_by(articles.c.id).limit(batch)
            )
        ]
        if not ids:
            return
        rows = conn.execute(
            select(mentions.c.place_id, mentions.c.kind, mentions.c.article_id, articles.c.published, articles.c.source)
            .join(articles, articles.c.id == mentions.c.article_id)
            .where(
                and_(
                    mentions.c.article_id >= ids[0], mentions.c.article_id <= ids[-1], mentions.c.place_id.is_not(None)
                )
            )
        )
        apply(conn, [], [dict(r._mapping) for r in rows])
        last = ids[-1]

"""Maintained per-place counts (``place_stats``): what the unfiltered place list reads.

Both functions run inside the write transaction that changed the mentions, so
the counts never disagree with the mentions a reader sees.
"""

from __future__ import annotations

from sqlalchemy import DateTime, and_, bindparam, case, func, insert, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from .schema import articles, mentions, place_stats

__all__ = ["refresh_place_stats", "add_to_place_stats"]


def refresh_place_stats(conn: Connection, place_ids: list[str] | set[str]) -> None:
    """Recount mentions, articles and newest date of these places, in both scopes.

    Called inside the write transaction that changed their mentions, so the
    counts never disagree with the mentions a reader sees.
    """
    ids = sorted(set(place_ids))
    for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
        conn.execute(place_stats.delete().where(place_stats.c.place_id.in_(chunk)))
        for all_kinds in (False, True):
            cond: ColumnElement[bool] = mentions.c.place_id.in_(chunk)
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

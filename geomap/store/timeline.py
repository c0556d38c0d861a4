"""Articles and mentions over time: the histogram under the map (``GET /api/timeline``).

Mentions per UTC day add up the maintained day cells of ``place_periods``
(``rollup.py``) for the places and source the filters keep; a partial day at
either end of a date range, and any filter the cells cannot answer (one
article, a text search), count the mentions themselves. Articles per day
count the ``articles`` rows (one per article, read through the publication
index): a place filter keeps the articles that mention a matching place. Days
are then gathered into weeks (starting on Monday) or months.

``undated`` counts the articles without a publication time that pass every
filter but the dates: a date range hides exactly those.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.engine import Connection

from .filters import Filters
from .queries import _article_conds, _kind_cond, _matching_articles, _place_conds, to_utc
from .schema import articles, mentions, place_periods, places

__all__ = ["INTERVALS", "timeline", "bucket_start"]

INTERVALS = ("day", "week", "month")
_DAY = timedelta(days=1)
_TICK = timedelta(microseconds=1)


def bucket_start(day: date, interval: str) -> date:
    """The first day of the day, week (Monday) or month holding ``day``."""
    if interval == "week":
        return day - timedelta(days=day.weekday())
    if interval == "month":
        return day.replace(day=1)
    return day


def _as_date(value: Any) -> date:
    """A ``date()`` result as a date (SQLite answers text, PostgreSQL a date)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _articles_under(f: Filters, *, dated: bool = True) -> list[ColumnElement[bool]]:
    """Conditions on ``articles`` for the filters; ``dated`` False leaves the date range out."""
    return _matching_articles(f if dated else replace(f, since=None, until=None))


def _article_days(conn: Connection, f: Filters) -> Counter[date]:
    day = func.date(articles.c.published)
    rows = conn.execute(
        select(day, func.count()).where(articles.c.published.is_not(None), *_articles_under(f)).group_by(day)
    )
    return Counter({_as_date(d): int(n) for d, n in rows})


def _raw_mention_days(conn: Connection, f: Filters, lo: datetime | None, hi: datetime | None) -> Counter[date]:
    """Mentions per day counted from the mentions, for articles in [lo, hi) (None: no bound) under ``f``."""
    conds = [mentions.c.place_id.is_not(None), _kind_cond(f), articles.c.published.is_not(None), *_article_conds(f)]
    if lo is not None:
        conds.append(articles.c.published >= lo)
    if hi is not None:
        conds.append(articles.c.published < hi)
    place_conds = _place_conds(f)
    if place_conds:
        conds.append(mentions.c.place_id.in_(select(places.c.id).where(*place_conds)))
    day = func.date(articles.c.published)
    rows = conn.execute(
        select(day, func.count(mentions.c.id))
        .select_from(mentions.join(articles, articles.c.id == mentions.c.article_id))
        .where(*conds)
        .group_by(day)
    )
    return Counter({_as_date(d): int(n) for d, n in rows})


def _cell_mention_days(
    conn: Connection, f: Filters, lo: datetime | None, hi: datetime | None, grain: str = "D"
) -> Counter[date]:
    """Mentions per period start added up from the cells of ``grain`` (days, or months) in [lo, hi)."""
    c = place_periods.c
    conds = [c.all_kinds == f.demonyms, c.grain == grain, c.period.is_not(None)]
    if lo is not None:
        conds.append(c.period >= lo)
    if hi is not None:
        conds.append(c.period < hi)
    if f.source is not None:
        conds.append(c.source == f.source)
    place_conds = _place_conds(f)
    if place_conds:
        conds.append(c.place_id.in_(select(places.c.id).where(*place_conds)))
    rows = conn.execute(select(c.period, func.sum(c.mentions)).where(*conds).group_by(c.period))
    return Counter({_as_date(p): int(n) for p, n in rows})


def _cells_answer(f: Filters) -> bool:
    """Whether the day cells can count the mentions under ``f`` (they know places, source and day only)."""
    return f.article_id is None and f.text is None and f.min_confidence is None


def _mention_days(conn: Connection, f: Filters, interval: str) -> Counter[date]:
    """Mentions per day (per month's first day when months are asked for over all time: fewer cells)."""
    if not _cells_answer(f):
        return _raw_mention_days(conn, f, None, None)
    since, until = to_utc(f.since), to_utc(f.until)
    if interval == "month" and since is None and until is None:
        return _cell_mention_days(conn, f, None, None, grain="M")
    first = None if since is None else datetime(since.year, since.month, since.day)
    if first is not None and since is not None and first < since:
        first += _DAY
    end = None if until is None else datetime(until.year, until.month, until.day)
    if end is not None and until is not None and end + _DAY - _TICK <= until:
        end += _DAY
    if first is not None and end is not None and first >= end:  # inside one day: count it
        return _raw_mention_days(conn, f, None, None)
    counts = _cell_mention_days(conn, f, first, end)
    if first is not None and since is not None and since < first:
        counts += _raw_mention_days(conn, f, None, first)
    if end is not None and until is not None and end <= until:
        counts += _raw_mention_days(conn, f, end, None)
    return counts


def timeline(conn: Connection, f: Filters, interval: str = "day") -> dict[str, Any]:
    """``{"interval", "buckets": [{"start", "articles", "mentions"}], "undated"}``, oldest bucket first.

    Only buckets holding an article or a mention are listed.
    """
    if interval not in INTERVALS:
        raise ValueError(f"interval must be one of {INTERVALS}")
    per_article, per_mention = Counter[date](), Counter[date]()
    for day, n in _article_days(conn, f).items():
        per_article[bucket_start(day, interval)] += n
    for day, n in _mention_days(conn, f, interval).items():
        per_mention[bucket_start(day, interval)] += n
    undated = conn.execute(
        select(func.count()).where(articles.c.published.is_(None), *_articles_under(f, dated=False))
    ).scalar_one()
    starts = sorted(set(per_article) | set(per_mention))
    return {
        "interval": interval,
        "buckets": [{"start": s.isoformat(), "articles": per_article[s], "mentions": per_mention[s]} for s in starts],
        "undated": int(undated),
    }

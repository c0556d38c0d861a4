"""Place counts under date and source filters, added up from ``place_periods`` cells.

A publication-time range [since, until] splits into whole months, whole days
at either end, and at most two partial days; the whole periods read their
maintained cells, the partial days count their mentions. The pieces are
disjoint and every article falls in exactly one cell per grain, so the sums
equal a count over the matching mentions.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Select, func, select, union_all
from sqlalchemy.sql.selectable import Subquery

from .rollup import next_period
from .schema import articles, mentions, place_periods

__all__ = ["plan", "mention_counts", "period_counts"]

_DAY = timedelta(days=1)
_TICK = timedelta(microseconds=1)

# (grain, first period start or None, end period start (exclusive) or None)
Cells = list[tuple[str, datetime | None, datetime | None]]
# (since, until, until inclusive?) over publication times
Raw = list[tuple[datetime | None, datetime | None, bool]]


def _day(t: datetime) -> datetime:
    return datetime(t.year, t.month, t.day)


def _plan(since: datetime | None, until: datetime | None) -> tuple[Cells, Raw]:
    first_day = None if since is None else (_day(since) if _day(since) == since else _day(since) + _DAY)
    end_day = None if until is None else _day(until + _TICK)
    if first_day is not None and end_day is not None and first_day >= end_day:
        return [], [(since, until, True)]
    raw: Raw = []
    if since is not None and first_day is not None and since < first_day:
        raw.append((since, first_day, False))
    if until is not None and end_day is not None and end_day <= until:
        raw.append((end_day, until, True))
    first_month = None
    if first_day is not None:
        first_month = datetime(first_day.year, first_day.month, 1)
        if first_month < first_day:
            first_month = next_period(first_month, "M")
    end_month = None if end_day is None else datetime(end_day.year, end_day.month, 1)
    if first_month is not None and end_month is not None and first_month >= end_month:
        return [("D", first_day, end_day)], raw
    cells: Cells = [("M", first_month, end_month)]
    if first_day is not None and first_month is not None and first_day < first_month:
        cells.append(("D", first_day, first_month))
    if end_day is not None and end_month is not None and end_month < end_day:
        cells.append(("D", end_month, end_day))
    return cells, raw


def plan(since: datetime | None, until: datetime | None) -> tuple[Cells, Raw]:
    """Split [since, until] (naive UTC, inclusive) into cell ranges and raw time ranges.

    No bound at all reads the all-time cells (undated articles included). Near
    the ends of the calendar, where a day or month boundary does not exist, the
    whole range is counted from the mentions.
    """
    if since is None and until is None:
        return [("A", None, None)], []
    try:
        return _plan(since, until)
    except OverflowError:
        return [], [(since, until, True)]


def mention_counts(conds: list[ColumnElement[bool]]) -> Select:
    """Per place: mentions, distinct articles and newest publication time of the mentions matching ``conds``."""
    return (
        select(
            mentions.c.place_id,
            func.count(mentions.c.id).label("mentions"),
            func.count(mentions.c.article_id.distinct()).label("articles"),
            func.max(articles.c.published).label("last_published"),
        )
        .select_from(mentions.join(articles, articles.c.id == mentions.c.article_id))
        .where(mentions.c.place_id.is_not(None), *conds)
        .group_by(mentions.c.place_id)
    )


def period_counts(
    all_kinds: bool,
    since: datetime | None,
    until: datetime | None,
    source: str | None,
    kind_cond: ColumnElement[bool],
    place_ids: Select | None,
) -> Subquery:
    """Per place (``place_id``, ``mentions``, ``articles``, ``last_published``) under these filters."""
    c = place_periods.c
    cells, raw = plan(since, until)
    parts: list[Select] = []
    for grain, lo, hi in cells:
        conds = [c.all_kinds == all_kinds, c.grain == grain]
        if grain == "A":
            conds.append(c.period.is_(None))
        if lo is not None:
            conds.append(c.period >= lo)
        if hi is not None:
            conds.append(c.period < hi)
        if source is not None:
            conds.append(c.source == source)
        if place_ids is not None:
            conds.append(c.place_id.in_(place_ids))
        parts.append(select(c.place_id, c.mentions, c.articles, c.last_published).where(*conds))
    for lo, hi, inclusive in raw:
        dated = []
        if lo is not None:
            dated.append(articles.c.published >= lo)
        if hi is not None:
            dated.append(articles.c.published <= hi if inclusive else articles.c.published < hi)
        if source is not None:
            dated.append(articles.c.source == source)
        # The articles first: a day's worth of articles reads only their mentions.
        conds = [kind_cond, mentions.c.article_id.in_(select(articles.c.id).where(*dated))]
        if place_ids is not None:
            conds.append(mentions.c.place_id.in_(place_ids))
        parts.append(mention_counts(conds))
    pieces = (parts[0] if len(parts) == 1 else union_all(*parts)).subquery()
    return (
        select(
            pieces.c.place_id,
            func.sum(pieces.c.mentions).label("mentions"),
            func.sum(pieces.c.articles).label("articles"),
            func.max(pieces.c.last_published).label("last_published"),
        )
        .group_by(pieces.c.place_id)
        .subquery()
    )

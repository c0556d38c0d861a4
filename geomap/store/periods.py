"""Place counts under date and source filters, added up from ``place_periods`` cells.

A publication-time range [since, until] splits into whole months, whole days
at either end, and at most two partial days; the whole periods read their
maintained cells, the partial days count their mentions. The pieces are
disjoint and every article falls in exactly one cell per grain, so the sums
equal a count over the matching mentions. An early ``since`` with no
``until`` reads the smaller complement: the all-time totals minus the cells
before ``since``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, DateTime, Select, cast, func, null, select, union_all
from sqlalchemy.engine import Connection
from sqlalchemy.sql.selectable import Subquery

from .rollup import next_period
from .schema import articles, mentions, place_periods, place_stats

__all__ = ["plan", "mention_counts", "mostly_after", "period_counts"]

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
    except (OverflowError, ValueError):  # timedelta past year 9999, datetime(10000, ...)
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


def mostly_after(conn: Connection, since: datetime) -> bool:
    """Whether most of the stored time span lies after ``since`` (then its complement is read instead)."""
    first, last = conn.execute(  # two subqueries: each is one index probe, a joint min/max scans the index
        select(
            select(func.min(articles.c.published)).scalar_subquery(),
            select(func.max(articles.c.published)).scalar_subquery(),
        )
    ).one()
    return first is not None and since > first and (last - since) > (since - first)


def _cell_parts(cells: Cells, conds: list[ColumnElement[bool]], sign: int) -> list[Select]:
    c = place_periods.c
    parts = []
    for grain, lo, hi in cells:
        where = [*conds, c.grain == grain]
        if grain == "A" or (lo is None and hi is None):
            where.append(c.period.is_(None))
        if lo is not None:
            where.append(c.period >= lo)
        if hi is not None:
            where.append(c.period < hi)
        parts.append(_signed(select(c.place_id, c.mentions, c.articles, c.last_published).where(*where), sign))
    return parts


def _raw_parts(raw: Raw, conds: list[ColumnElement[bool]], source: str | None, sign: int) -> list[Select]:
    parts = []
    for lo, hi, inclusive in raw:
        dated = []
        if lo is not None:
            dated.append(articles.c.published >= lo)
        if hi is not None:
            dated.append(articles.c.published <= hi if inclusive else articles.c.published < hi)
        if source is not None:
            dated.append(articles.c.source == source)
        # The articles first: a day's worth of articles reads only their mentions.
        parts.append(
            _signed(mention_counts([*conds, mentions.c.article_id.in_(select(articles.c.id).where(*dated))]), sign)
        )
    return parts


def _signed(part: Select, sign: int) -> Select:
    """``part`` as it adds up (sign 1), or as it is taken away from a total (-1: negated counts, no newest time)."""
    if sign > 0:
        return part
    sub = part.subquery()
    return select(
        sub.c.place_id,
        (-sub.c.mentions).label("mentions"),
        (-sub.c.articles).label("articles"),
        cast(null(), DateTime).label("last_published"),
    )


def period_counts(
    all_kinds: bool,
    since: datetime | None,
    until: datetime | None,
    source: str | None,
    kind_cond: ColumnElement[bool],
    place_ids: Select | None,
    complement: bool = False,
) -> Subquery:
    """Per place (``place_id``, ``mentions``, ``articles``, ``last_published``) under these filters.

    With ``complement`` (only for ``since`` without ``until``), the all-time
    totals joined with what lies before ``since`` (and the undated articles),
    taken away: fewer cells when ``since`` is early. Every article counted then
    is newer than any taken away, so the all-time newest time stays right.
    """
    c = place_periods.c
    cell_conds = [c.all_kinds == all_kinds]
    raw_conds = [kind_cond]
    if source is not None:
        cell_conds.append(c.source == source)
    if place_ids is not None:
        cell_conds.append(c.place_id.in_(place_ids))
        raw_conds.append(mentions.c.place_id.in_(place_ids))
    if complement and since is not None and until is None:
        cells, raw = plan(None, since - _TICK)
        if source is None:  # the maintained per-place totals
            s = place_stats.c
            totals = select(s.place_id, s.mentions, s.articles, s.last_published).where(s.all_kinds == all_kinds)
            if place_ids is not None:
                totals = totals.where(s.place_id.in_(place_ids))
            total = totals.subquery()
        else:
            total = _summed(_cell_parts([("A", None, None)], cell_conds, 1))
        # ("M", None, None): the undated articles, which no date range holds
        taken = _summed(
            [*_cell_parts([*cells, ("M", None, None)], cell_conds, -1), *_raw_parts(raw, raw_conds, source, -1)],
            positive=False,
        )
        left = total.c.mentions + func.coalesce(taken.c.mentions, 0)
        return (
            select(
                total.c.place_id,
                left.label("mentions"),
                (total.c.articles + func.coalesce(taken.c.articles, 0)).label("articles"),
                total.c.last_published,
            )
            .select_from(total.outerjoin(taken, taken.c.place_id == total.c.place_id))
            .where(left > 0)
            .subquery()
        )
    cells, raw = plan(since, until)
    return _summed(_cell_parts(cells, cell_conds, 1) + _raw_parts(raw, raw_conds, source, 1))


def _summed(parts: list[Select], positive: bool = True) -> Subquery:
    """The parts' rows added up per place (``positive``: only places left with a mention)."""
    pieces = (parts[0] if len(parts) == 1 else union_all(*parts)).subquery()
    summed = select(
        pieces.c.place_id,
        func.sum(pieces.c.mentions).label("mentions"),
        func.sum(pieces.c.articles).label("articles"),
        func.max(pieces.c.last_published).label("last_published"),
    ).group_by(pieces.c.place_id)
    return (summed.having(func.sum(pieces.c.mentions) > 0) if positive else summed).subquery()

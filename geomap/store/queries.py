"""Read queries behind the map and the API: places, a place's mentions, articles.

Each page is one query for its rows plus a cheap count of the total (or, for
aggregates, a ``COUNT(*) OVER ()`` window in the same query). The place list
without article filters (what the map loads first) reads the maintained
``place_stats`` table through its ranking index; filters on articles (dates,
source) add up maintained per-period cells; one article's places are counted
from its mentions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, literal, or_, select, true
from sqlalchemy.engine import Connection, Row
from sqlalchemy.sql.selectable import Subquery

from .filters import Filters
from .periods import mention_counts, mostly_after, period_counts
from .schema import articles, mentions, place_stats, places
from .search import TextMatch, highlight, ranked
from .spatial import distance_km, within_bbox, within_km

__all__ = [
    "Filters",
    "Page",
    "to_utc",
    "iso",
    "list_places",
    "get_place",
    "list_place_mentions",
    "newest_mentions",
    "list_articles",
    "get_article",
]


@dataclass
class Page:
    """One page of a list, with the total number of rows under the same filters."""

    items: list[dict[str, Any]] = field(default_factory=list)
    total: int = 0
    limit: int = 0
    offset: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"items": self.items, "total": self.total, "limit": self.limit, "offset": self.offset}


def to_utc(dt: datetime | None) -> datetime | None:
    """Stored form of a time: UTC without tzinfo (naive input is taken as UTC)."""
    if dt is None or dt.tzinfo is None:
        return dt
    return dt.astimezone(UTC).replace(tzinfo=None)


def iso(dt: datetime | None) -> str | None:
    """JSON form of a stored time: ISO 8601 with an explicit UTC offset."""
    return None if dt is None else dt.replace(tzinfo=UTC).isoformat()


_PLACE_COLS = (
    places.c.id,
    places.c.name,
    places.c.native_name,
    places.c.lat,
    places.c.lon,
    places.c.kind,
    places.c.geonameid,
    places.c.country_code,
    places.c.admin1_name,
    places.c.population,
)
_DISTANCE_DECIMALS = 3  # km to the metre: the same figure from PostGIS and plain coordinates
_ARTICLE_COLS = (articles.c.id, articles.c.title, articles.c.url, articles.c.source, articles.c.published)


def _place_dict(row: Row, prefix: str = "") -> dict[str, Any]:
    m = row._mapping
    d = {c.name: m[f"{prefix}{c.name}"] for c in _PLACE_COLS}
    d["mentions"] = m[f"{prefix}mentions"] or 0
    d["articles"] = m[f"{prefix}articles"] or 0
    d["last_published"] = iso(m[f"{prefix}last_published"])
    if f"{prefix}distance_km" in m:  # a "near" query: how far from its point
        d["distance_km"] = round(m[f"{prefix}distance_km"], _DISTANCE_DECIMALS)
    return d


def _article_ref(row: Row, prefix: str = "a_") -> dict[str, Any]:
    m = row._mapping
    return {
        "id": m[f"{prefix}id"],
        "title": m[f"{prefix}title"],
        "url": m[f"{prefix}url"],
        "source": m[f"{prefix}source"],
        "published": iso(m[f"{prefix}published"]),
    }


def _kind_cond(f: Filters) -> ColumnElement[bool]:
    """The condition on the mentions themselves: their kind (demonyms or not) and their confidence."""
    kind = true() if f.demonyms else mentions.c.kind == "toponym"
    return kind if f.min_confidence is None else and_(kind, mentions.c.confidence >= f.min_confidence)


def _place_conds(f: Filters) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    if f.q:
        pattern = "%" + f.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        conds.append(or_(places.c.name.ilike(pattern, escape="\\"), places.c.asciiname.ilike(pattern, escape="\\")))
    if f.bbox is not None:
        conds.append(within_bbox(*f.bbox))
    if f.near is not None:
        conds.append(within_km(*f.near))
    if f.country:
        conds.append(places.c.country_code == f.country.upper())
    if f.kind:
        conds.append(places.c.kind == f.kind)
    return conds


def _article_conds(f: Filters) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    if f.since is not None:
        conds.append(articles.c.published >= to_utc(f.since))
    if f.until is not None:
        conds.append(articles.c.published <= to_utc(f.until))
    if f.source is not None:
        conds.append(articles.c.source == f.source)
    if f.article_id is not None:
        conds.append(articles.c.id == int(f.article_id))
    if f.text is not None:
        conds.append(TextMatch(f.text))
    return conds


def _matching_articles(f: Filters) -> list[ColumnElement[bool]]:
    """Conditions on ``articles`` for the filters: their own, and naming a place that passes the place filters."""
    conds = _article_conds(f)
    place_conds = _place_conds(f)
    if place_conds:
        conds.append(
            exists(
                select(literal(1))
                .select_from(mentions.join(places, places.c.id == mentions.c.place_id))
                .where(mentions.c.article_id == articles.c.id, _kind_cond(f), *place_conds)
            )
        )
    return conds


def _page(conn: Connection, stmt: Select, limit: int, offset: int, convert, count: Select | None = None) -> Page:
    """Run a page of ``stmt``; the total comes from ``count``, else from a window over the rows."""
    if count is not None:
        rows = conn.execute(stmt.limit(limit).offset(offset)).all()
        total = conn.execute(count).scalar_one()
    else:
        rows = conn.execute(stmt.add_columns(func.count().over().label("total")).limit(limit).offset(offset)).all()
        if rows:
            total = rows[0]._mapping["total"]
        else:  # past the last page: the window saw no rows
            total = conn.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one()
    return Page([convert(r) for r in rows], int(total), limit, offset)


def _nearest_first(f: Filters) -> tuple[ColumnElement[float], ...]:
    """With ``near``: the distance from its point, which orders the places (nearest first); else nothing."""
    return () if f.near is None else (distance_km(*f.near[:2]).label("distance_km"),)


def _ranked_places(f: Filters) -> tuple[Select, Select]:
    """Places by maintained counts (nearest first with ``near``): a read of the ranking index, and its count."""
    s = place_stats
    source = s.join(places, places.c.id == s.c.place_id)
    place_conds = _place_conds(f)
    conds = [s.c.all_kinds == f.demonyms, *place_conds]
    distance = _nearest_first(f)
    order = (distance[0].element,) if distance else (s.c.mentions.desc(),)
    stmt = (
        select(*_PLACE_COLS, s.c.mentions, s.c.articles, s.c.last_published, *distance)
        .select_from(source)
        .where(*conds)
        .order_by(*order, s.c.place_id)
    )
    if place_conds:  # counted from the places that pass (their indexes), each probing its counts by key
        counted = exists().where(s.c.place_id == places.c.id, s.c.all_kinds == f.demonyms)
        count = select(func.count()).select_from(places).where(*place_conds, counted)
    else:
        count = select(func.count()).select_from(s).where(*conds)
    return stmt, count


def _place_counts(f: Filters, complement: bool = False) -> Subquery:
    """Per place counts over the mentions whose articles (and places) pass the filters.

    Dates and source add up maintained per-period cells (``periods.py``); one
    article's places, or those of the articles a text search matches, are
    counted from their mentions, the articles selected first (``IN``).
    """
    place_conds = _place_conds(f)
    place_ids = select(places.c.id).where(*place_conds) if place_conds else None
    if f.article_id is None and f.text is None and f.min_confidence is None:
        since, until = to_utc(f.since), to_utc(f.until)
        return period_counts(f.demonyms, since, until, f.source, _kind_cond(f), place_ids, complement)
    conds = [_kind_cond(f), mentions.c.article_id.in_(select(articles.c.id).where(*_article_conds(f)))]
    if place_ids is not None:
        conds.append(mentions.c.place_id.in_(place_ids))
    return mention_counts(conds).subquery()


def _aggregated_places(f: Filters, limit: int, offset: int, complement: bool = False) -> tuple[Select, Select]:
    """A page of counted places and the count of all of them.

    The page is cut (and the total windowed) over the narrow counts before the
    place records are joined, so only ``limit`` rows carry them (with ``near``
    the cut needs each place's point, so the places are joined first).
    """
    agg = _place_counts(f, complement)
    distance = _nearest_first(f)
    if distance:
        cut = select(agg, *distance, func.count().over().label("total"))
        cut = cut.select_from(agg.join(places, places.c.id == agg.c.place_id)).order_by(distance[0].element)
    else:
        cut = select(agg, func.count().over().label("total")).order_by(agg.c.mentions.desc())
    top = cut.order_by(agg.c.place_id).limit(limit).offset(offset).subquery()
    order = top.c.distance_km if distance else top.c.mentions.desc()
    extra = (top.c.distance_km,) if distance else ()
    stmt = (
        select(*_PLACE_COLS, top.c.mentions, top.c.articles, top.c.last_published, top.c.total, *extra)
        .select_from(top.join(places, places.c.id == top.c.place_id))
        .order_by(order, top.c.place_id)
    )
    return stmt, select(func.count()).select_from(agg)


def list_places(conn: Connection, f: Filters, limit: int, offset: int) -> Page:
    """Places with at least one counted mention, most mentioned first (ties by id)."""
    if f.on_articles:
        since = to_utc(f.since)
        by_cells = f.article_id is None and f.text is None and f.min_confidence is None
        wide = since is not None and f.until is None and by_cells and mostly_after(conn, since)
        stmt, count = _aggregated_places(f, limit, offset, complement=wide)
        rows = conn.execute(stmt).all()
        total = rows[0].total if rows else conn.execute(count).scalar_one()  # past the last page: no window
        return Page([_place_dict(r) for r in rows], int(total), limit, offset)
    stmt, count = _ranked_places(f)
    return _page(conn, stmt, limit, offset, _place_dict, count)


def get_place(conn: Connection, place_id: str, demonyms: bool = False) -> dict[str, Any] | None:
    """One stored place with its counts; None when it is not stored."""
    s = place_stats
    row = conn.execute(
        select(*_PLACE_COLS, s.c.mentions, s.c.articles, s.c.last_published)
        .select_from(places.outerjoin(s, and_(s.c.place_id == places.c.id, s.c.all_kinds == demonyms)))
        .where(places.c.id == place_id)
    ).first()
    return None if row is None else _place_dict(row)


def _mention_cols() -> tuple:
    return (
        mentions.c.id,
        mentions.c.start_char,
        mentions.c.end_char,
        mentions.c.surface,
        mentions.c.snippet,
        mentions.c.confidence,
        mentions.c.kind,
    )


def _mention_dict(row: Row) -> dict[str, Any]:
    m = row._mapping
    return {
        "id": m["id"],
        "start": m["start_char"],
        "end": m["end_char"],
        "text": m["surface"],
        "snippet": m["snippet"],
        "confidence": m["confidence"],
        "kind": m["kind"],
    }


def _newest_first() -> tuple:
    return (articles.c.published.desc().nulls_last(), articles.c.id.desc())


def list_place_mentions(conn: Connection, place_id: str, f: Filters, limit: int, offset: int) -> Page:
    """The mentions of one place, newest article first; place filters do not apply."""
    conds = [mentions.c.place_id == place_id, _kind_cond(f), *_article_conds(f)]
    joined = mentions.join(articles, articles.c.id == mentions.c.article_id)
    stmt = (
        select(*_mention_cols(), *(c.label(f"a_{c.name}") for c in _ARTICLE_COLS))
        .select_from(joined)
        .where(*conds)
        .order_by(*_newest_first(), mentions.c.start_char, mentions.c.id)
    )
    count = select(func.count()).select_from(joined if f.on_articles else mentions).where(*conds)
    return _page(conn, stmt, limit, offset, _mention_with_article, count)


def _mention_with_article(row: Row) -> dict[str, Any]:
    return {**_mention_dict(row), "article": _article_ref(row)}


def newest_mentions(conn: Connection, place_ids: list[str], f: Filters, per_place: int) -> dict[str, Page]:
    """``list_place_mentions(..., limit=per_place)`` for many places in one query per 500 places.

    A ``ROW_NUMBER()`` window ranks each place's mentions in the same order as
    ``list_place_mentions`` and a ``COUNT(*)`` window gives each place's total.
    """
    out = {pid: Page([], 0, per_place, 0) for pid in place_ids}
    joined = mentions.join(articles, articles.c.id == mentions.c.article_id)
    ids = list(out)
    newest = (*_newest_first(), mentions.c.start_char, mentions.c.id)
    for i in range(0, len(ids), 500):
        ranked = (
            select(
                *_mention_cols(),
                mentions.c.place_id,
                *(c.label(f"a_{c.name}") for c in _ARTICLE_COLS),
                func.row_number().over(partition_by=mentions.c.place_id, order_by=newest).label("rank"),
                func.count().over(partition_by=mentions.c.place_id).label("total"),
            )
            .select_from(joined)
            .where(mentions.c.place_id.in_(ids[i : i + 500]), _kind_cond(f), *_article_conds(f))
            .subquery()
        )
        rows = conn.execute(select(ranked).where(ranked.c.rank <= per_place).order_by(ranked.c.place_id, ranked.c.rank))
        for row in rows:
            page = out[row.place_id]
            page.items.append(_mention_with_article(row))
            page.total = int(row.total)
    return out


def _article_places_count(f: Filters):
    return (
        select(func.count(mentions.c.place_id.distinct()))
        .where(mentions.c.article_id == articles.c.id, _kind_cond(f))
        .scalar_subquery()
    )


def _article_dict(row: Row) -> dict[str, Any]:
    m = row._mapping
    return {**_article_ref(row, ""), "ingested": iso(m["ingested"]), "places": m["places"]}


LEAD_CHARS = 200  # characters of an article's text listed with it (the story feed's snippet)


def _with_lead(row: Row) -> dict[str, Any]:
    return {**_article_dict(row), "lead": " ".join((row.lead or "").split())}


def article_query(conn: Connection, f: Filters) -> tuple[Select, Select, Callable[[Row], dict[str, Any]]]:
    """Articles newest first (statement, count, row converter); place filters keep the articles that mention
    a matching place.

    A text search orders them by relevance instead (newest first among equals)
    and gives each a ``match``: an excerpt with the matched words (``search.highlight``).
    """
    conds = _matching_articles(f)
    count = select(func.count()).select_from(articles).where(*conds)
    if f.text is None:
        stmt = (
            select(
                *_ARTICLE_COLS,
                articles.c.ingested,
                _article_places_count(f).label("places"),
                func.substr(articles.c.text, 1, LEAD_CHARS).label("lead"),
            )
            .where(*conds)
            .order_by(*_newest_first())
        )
        return stmt, count, _with_lead
    matched = ranked(conn, f.text)
    stmt = (
        select(*_ARTICLE_COLS, articles.c.ingested, articles.c.text, _article_places_count(f).label("places"))
        .select_from(articles.join(matched, matched.c.article_id == articles.c.id))
        .where(*conds)
        .order_by(matched.c.score.desc(), *_newest_first())
    )
    query = f.text

    def with_match(row: Row) -> dict[str, Any]:
        return {**_article_dict(row), "match": highlight(f"{row.title}\n{row.text}", query)}

    return stmt, count, with_match


def list_articles(conn: Connection, f: Filters, limit: int, offset: int) -> Page:
    """A page of ``article_query``."""
    stmt, count, convert = article_query(conn, f)
    return _page(conn, stmt, limit, offset, convert, count)


def get_article(conn: Connection, article_id: int) -> dict[str, Any] | None:
    """One article with its text and every mention (both kinds, in text order) with its place."""
    f = Filters()
    row = conn.execute(
        select(*_ARTICLE_COLS, articles.c.ingested, articles.c.text, _article_places_count(f).label("places")).where(
            articles.c.id == int(article_id)
        )
    ).first()
    if row is None:
        return None
    out = {**_article_dict(row), "text": row.text}
    s = place_stats
    rows = conn.execute(
        select(
            *_mention_cols(),
            *(c.label(f"p_{c.name}") for c in _PLACE_COLS),
            s.c.mentions.label("p_mentions"),
            s.c.articles.label("p_articles"),
            s.c.last_published.label("p_last_published"),
        )
        .select_from(
            mentions.outerjoin(places, places.c.id == mentions.c.place_id).outerjoin(
                s,
                and_(s.c.place_id == places.c.id, s.c.all_kinds == False),  # noqa: E712 (SQL expression)
            )
        )
        .where(mentions.c.article_id == int(article_id))
        .order_by(mentions.c.start_char, mentions.c.id)
    ).all()
    out["mentions"] = [
        {**_mention_dict(r), "place": _place_dict(r, "p_") if r._mapping["p_id"] is not None else None} for r in rows
    ]
    return out

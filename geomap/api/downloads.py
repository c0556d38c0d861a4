"""List endpoints in every format: a JSON page, or the same page as GeoJSON, CSV or KML, or every
matching row streamed as a download (``limit=all``, ``/export/<list>.<format>``).

A download reads the store a batch at a time and writes as it reads, so its
memory stays flat whatever it holds; it is never kept by the response cache
or compressed in one piece.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import Any

from flask import Response, jsonify, request

from ..errors import InputError
from ..map.formats import DOWNLOAD_FORMATS, FORMATS, KML_ARTICLES, MIMETYPES, csv_stream, geojson_stream, kml_stream
from ..store import Filters, Page, Store
from ..textparams import parse_choice
from .caching import not_cached
from .params import parse_page
from .services import services

__all__ = ["LISTS", "listing", "download"]

LISTS = ("places", "mentions", "articles")
ALL = "all"  # limit=all: every matching row, streamed
NEWEST_BATCH = 500  # places whose newest articles are looked up in one go


def _stream(store: Store, kind: str, filters: Filters, fmt: str) -> Iterator[dict[str, Any]]:
    if kind == "places":
        places = store.stream_places(filters)
        return _with_newest_articles(store, places, filters) if fmt == "kml" else places
    if kind == "mentions":
        return store.stream_mentions(filters)
    return store.stream_articles(filters)


def _with_newest_articles(store: Store, places: Iterable[dict[str, Any]], filters: Filters) -> Iterator[dict[str, Any]]:
    """The places, each with its ``newest_articles`` (for a KML description), looked up a batch at a time."""
    rest = iter(places)
    while batch := list(islice(rest, NEWEST_BATCH)):
        newest = store.articles_for_places([p["id"] for p in batch], filters, per_place=KML_ARTICLES, snippets=1)
        for p in batch:
            yield {**p, "newest_articles": [m["article"] for m in newest[p["id"]].items]}


def _write(kind: str, fmt: str, records: Iterable[dict[str, Any]], **members: Any) -> Iterator[str]:
    if fmt == "csv":
        return csv_stream(kind, records)
    if fmt == "kml":
        return kml_stream(kind, records, f"geomap {kind}")
    return geojson_stream(kind, records, **members)


def download(kind: str, fmt: str, filters: Filters) -> Response:
    """Every row of list ``kind`` under ``filters``, streamed in ``fmt`` as an attachment."""
    if fmt not in DOWNLOAD_FORMATS:
        raise InputError(f"a download is one of {', '.join(DOWNLOAD_FORMATS)}, not {fmt!r}")
    not_cached()
    # The store is looked up now: the body is written after the view returned, outside the app context.
    records = _stream(services().store, kind, filters, fmt)
    body = (chunk.encode("utf-8") for chunk in _write(kind, fmt, records))
    resp = Response(body, mimetype=MIMETYPES[fmt])
    resp.headers["Content-Disposition"] = f'attachment; filename="geomap-{kind}.{fmt}"'
    return resp


def listing(kind: str, page: Callable[[Filters, int, int], Page], default_limit: int) -> Response:
    """A list endpoint: ``format=json|geojson|csv|kml``; ``limit=all`` with a non-JSON format downloads all."""
    fmt = parse_choice(request.args, "format", FORMATS, "json")
    filters = Filters.from_args(request.args)
    if request.args.get("limit", "").strip().lower() == ALL:
        if fmt == "json":
            raise InputError("limit=all streams a download: add format=csv, geojson or kml (JSON pages hold 1000 rows)")
        return download(kind, fmt, filters)
    limit, offset = parse_page(request.args, default_limit=default_limit)
    result = page(filters, limit, offset)
    if fmt == "json":
        resp = jsonify({"ok": True, **result.to_dict()})
    else:
        members = {"total": result.total, "limit": limit, "offset": offset}
        records: Iterable[dict[str, Any]] = result.items
        if kind == "places" and fmt == "kml":
            newest = services().store.articles_for_places(
                [p["id"] for p in result.items], filters, per_place=KML_ARTICLES
            )
            records = [{**p, "newest_articles": [m["article"] for m in newest[p["id"]].items]} for p in result.items]
        resp = Response("".join(_write(kind, fmt, records, **members)), mimetype=MIMETYPES[fmt])
        if fmt in {"csv", "kml"}:
            resp.headers["Content-Disposition"] = f'attachment; filename="geomap-{kind}.{fmt}"'
    resp.headers["X-Total-Count"] = str(result.total)
    return resp

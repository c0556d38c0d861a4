"""Records from the store as streamed CSV, GeoJSON and KML text: what every list endpoint can answer.

Each writer takes an iterable of records and yields the document in pieces,
so a download of every stored mention never sits in memory whole. Escaping is
the writer's job: CSV cells a spreadsheet would run as formulas are made
inert, GeoJSON is ``json.dumps``, and KML text is XML-escaped; a KML
description is HTML (Google Earth and QGIS render it), so the values inside
it are HTML-escaped before the whole is XML-escaped, and only http(s) links
are made.

Record kinds (``KINDS``): ``places`` (a place with counts; in KML with its
newest articles), ``mentions`` (one mention with its place and article),
``articles`` (an article with the places it names).
"""

from __future__ import annotations

import csv
import html
import io
import json
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

from .features import PLACE_FIELDS

__all__ = [
    "FORMATS",
    "DOWNLOAD_FORMATS",
    "MIMETYPES",
    "FIELDS",
    "csv_stream",
    "geojson_stream",
    "kml_stream",
    "feature",
    "safe_cell",
]

FORMATS = ("json", "geojson", "csv", "kml")
DOWNLOAD_FORMATS = ("geojson", "csv", "kml")
MIMETYPES = {
    "json": "application/json",
    "geojson": "application/geo+json",
    "csv": "text/csv",
    "kml": "application/vnd.google-earth.kml+xml",
}
KML_NS = "http://www.opengis.net/kml/2.2"
KML_ARTICLES = 10  # articles listed in a place's KML description at most (its newest_articles)
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

FIELDS: dict[str, tuple[str, ...]] = {
    "places": PLACE_FIELDS,
    "mentions": (
        "id",
        "article_id",
        "start",
        "end",
        "text",
        "kind",
        "confidence",
        "snippet",
        "place_id",
        "place_name",
        "lat",
        "lon",
        "place_kind",
        "country_code",
        "article_title",
        "article_url",
        "article_source",
        "article_published",
    ),
    "articles": ("id", "title", "url", "source", "published", "ingested", "places", "place_names"),
}


def safe_cell(value: Any) -> Any:
    """A CSV cell a spreadsheet shows as text: a leading =, +, -, @, tab or CR gets a quote mark."""
    if hasattr(value, "isoformat"):
        value = value.isoformat()
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return "" if value is None else value


def _flat(kind: str, record: dict[str, Any]) -> dict[str, Any]:
    """One CSV row's values for a record of ``kind``."""
    if kind == "mentions":
        place, article = record.get("place") or {}, record.get("article") or {}
        return {
            **{k: record.get(k) for k in ("id", "article_id", "start", "end", "text", "kind", "confidence", "snippet")},
            "place_id": place.get("id"),
            "place_name": place.get("name"),
            "lat": place.get("lat"),
            "lon": place.get("lon"),
            "place_kind": place.get("kind"),
            "country_code": place.get("country_code"),
            **{f"article_{k}": article.get(k) for k in ("title", "url", "source", "published")},
        }
    if kind == "articles":
        named = record.get("named") or []
        return {**record, "place_names": "; ".join(p["name"] for p in named)}
    return record


def csv_stream(kind: str, records: Iterable[dict[str, Any]]) -> Iterator[str]:
    """A header row, then one row per record (formula cells made inert)."""
    fields = FIELDS[kind]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(fields)
    for record in records:
        row = _flat(kind, record)
        writer.writerow([safe_cell(row.get(f)) for f in fields])
        if out.tell() > 1 << 16:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


def _point(p: dict[str, Any]) -> list[float]:
    return [round(float(p["lon"]), 5), round(float(p["lat"]), 5)]


def feature(kind: str, record: dict[str, Any]) -> dict[str, Any]:
    """A GeoJSON feature: a place or a mention at its point, an article at the points it names."""
    geometry: dict[str, Any] | None = None
    props = record
    if kind == "places":
        props = {k: v for k, v in record.items() if k not in {"lat", "lon"}}
        geometry = {"type": "Point", "coordinates": _point(record)}
    elif kind == "mentions" and record.get("place"):
        geometry = {"type": "Point", "coordinates": _point(record["place"])}
    elif kind == "articles" and record.get("named"):
        geometry = {"type": "MultiPoint", "coordinates": [_point(p) for p in record["named"]]}
    return {"type": "Feature", "id": record["id"], "geometry": geometry, "properties": props}


def geojson_stream(kind: str, records: Iterable[dict[str, Any]], **members: Any) -> Iterator[str]:
    """A FeatureCollection (with foreign ``members``), one feature per record, written as it goes."""
    head = json.dumps({"type": "FeatureCollection", **members}, ensure_ascii=False)
    yield head[:-1] + ', "features": ['
    for i, record in enumerate(records):
        yield ("," if i else "") + json.dumps(feature(kind, record), ensure_ascii=False, default=str)
    yield "]}\n"


def _link(url: Any, text: str) -> str:
    """An HTML link when ``url`` is http(s), else the text alone (both HTML-escaped)."""
    if isinstance(url, str) and urlsplit(url).scheme in {"http", "https"}:
        return f'<a href="{html.escape(url, quote=True)}">{html.escape(text)}</a>'
    return html.escape(text)


def _article_line(article: dict[str, Any]) -> str:
    published = article.get("published")
    meta = " · ".join(str(v) for v in (article.get("source"), str(published)[:10] if published else None) if v)
    title = article.get("title") or "(untitled article)"
    return f"<li>{_link(article.get('url'), title)}{' — ' + html.escape(meta) if meta else ''}</li>"


def _placemark(kind: str, record: dict[str, Any]) -> str:
    """One ``<Placemark>``: names and descriptions escaped, coordinates as lon,lat."""
    if kind == "places":
        name, points = record["name"], [record]
        counts = f"{record.get('mentions', 0)} mentions in {record.get('articles', 0)} articles"
        where = ", ".join(str(record[k]) for k in ("kind", "admin1_name", "country_code") if record.get(k))
        body = f"<p>{html.escape(where)}</p><p>{html.escape(counts)}</p>"
        newest = record.get("newest_articles") or []
        if newest:
            body += "<ul>" + "".join(_article_line(a) for a in newest[:KML_ARTICLES]) + "</ul>"
    elif kind == "mentions":
        place, article = record.get("place") or {}, record.get("article") or {}
        name, points = record.get("text") or "", [place] if place else []
        body = f"<p>{html.escape(record.get('snippet') or '')}</p><ul>{_article_line(article)}</ul>"
    else:
        name, points = record.get("title") or "(untitled article)", record.get("named") or []
        names = ", ".join(p["name"] for p in points)
        body = f"<ul>{_article_line(record)}</ul><p>{html.escape(names)}</p>"
    coords = [f"{float(p['lon']):.5f},{float(p['lat']):.5f}" for p in points]
    if not coords:
        geometry = ""
    elif len(coords) == 1:
        geometry = f"<Point><coordinates>{coords[0]}</coordinates></Point>"
    else:
        points_kml = "".join(f"<Point><coordinates>{c}</coordinates></Point>" for c in coords)
        geometry = f"<MultiGeometry>{points_kml}</MultiGeometry>"
    return (
        f"<Placemark><name>{escape(str(name))}</name><description>{escape(body)}</description>{geometry}</Placemark>\n"
    )


def kml_stream(kind: str, records: Iterable[dict[str, Any]], title: str) -> Iterator[str]:
    """A KML 2.2 document, one Placemark per record; a place's ``newest_articles`` go into its description."""
    yield f'<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="{KML_NS}"><Document><name>{escape(title)}</name>\n'
    for record in records:
        yield _placemark(kind, record)
    yield "</Document></kml>\n"

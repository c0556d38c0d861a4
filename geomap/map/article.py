"""``GET /articles/<id>``: a stored article as a readable page, its places marked and linked to the map.

The HTML is written here with every stored value escaped (``html.escape``);
no template engine sees the article. Each resolved mention becomes a link to
the map centred on its place with its popup open (``/?at=lat,lon,zoom&place=id``).
"""

from __future__ import annotations

import html
from typing import Any
from urllib.parse import urlencode, urlsplit

__all__ = ["article_page", "PLACE_ZOOM"]

PLACE_ZOOM = 8  # the zoom a place link opens the map at


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _place_link(map_url: str, place: dict[str, Any]) -> str:
    """The map centred on ``place`` with its popup open."""
    at = f"{place['lat']:.4f},{place['lon']:.4f},{PLACE_ZOOM}"
    return map_url + "?" + urlencode({"at": at, "place": place["id"]})


def _marked_text(text: str, mentions: list[dict[str, Any]], map_url: str) -> str:
    """The text as paragraphs, each resolved mention a link to its place on the map."""
    out, at = [], 0
    for m in sorted((m for m in mentions if m.get("place")), key=lambda m: (m["start"], m["end"])):
        if m["start"] < at or m["end"] > len(text):
            continue  # overlapping or out of range: leave the text as it is
        place = m["place"]
        out.append(_e(text[at : m["start"]]))
        out.append(
            f'<a class="geomap-place-link" href="{_e(_place_link(map_url, place))}" '
            f'title="{_e(place["name"])}">{_e(text[m["start"] : m["end"]])}</a>'
        )
        at = m["end"]
    out.append(_e(text[at:]))
    body = "".join(out)
    return "".join(f"<p>{para}</p>" for para in body.split("\n") if para.strip())


def article_page(article: dict[str, Any], map_url: str, css_url: str) -> str:
    """The whole HTML document for one stored article (its mentions carry their places)."""
    title = article.get("title") or "(untitled article)"
    meta = " · ".join(_e(v) for v in (article.get("source"), (article.get("published") or "")[:10] or "undated") if v)
    url = article.get("url")
    original = ""
    if isinstance(url, str) and urlsplit(url).scheme in {"http", "https"}:
        original = f' · <a href="{_e(url)}" rel="noopener noreferrer nofollow">original</a>'
    places: dict[str, dict[str, Any]] = {}
    for m in article.get("mentions", []):
        if m.get("place"):
            places.setdefault(m["place"]["id"], m["place"])
    place_items = "".join(
        f'<li><a href="{_e(_place_link(map_url, p))}">{_e(p["name"])}</a> '
        f"<small>{_e(p.get('country_code'))}</small></li>"
        for p in places.values()
    )
    text = _marked_text(article.get("text") or "", article.get("mentions", []), map_url)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)} — geomap</title>"
        f'<link rel="stylesheet" href="{_e(css_url)}"></head>'
        '<body class="geomap-page"><a class="geomap-skip" href="#text">Skip to the text</a>'
        f'<nav><a href="{_e(map_url)}">← Map</a></nav>'
        f'<main><article><h1>{_e(title)}</h1><p class="geomap-meta">{meta}{original}</p>'
        f'<div id="text" class="geomap-article-text">{text}</div>'
        f"</article><aside><h2>Places named ({len(places)})</h2><ul>{place_items}</ul></aside></main>"
        "</body></html>\n"
    )

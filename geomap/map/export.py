"""Pages built from the store: the live map page and the standalone export.

The live page carries no data (the browser loads ``/api/map``); the export
carries the places and the newest articles about each inline (with their
sentences naming the place), with every script and stylesheet and the
low-zoom basemap, so one file opens from disk.
"""

from __future__ import annotations

from typing import Any

from ..config import Settings
from ..store import Filters, Store
from .build import build_map, export_csp, render_map
from .features import feature_collection, place_feature

__all__ = ["map_data", "live_page", "export_page", "MAP_LIMIT", "EXPORT_LIMIT", "PREVIEW_ARTICLES"]

MAP_LIMIT = 20_000  # places the live map loads at most (most mentioned first)
EXPORT_LIMIT = 2_000  # places an export holds at most (the file grows with each)
PREVIEW_ARTICLES = 5  # newest articles per place inlined in an export popup
PREVIEW_SNIPPETS = 3  # sentences per article shown under it

_MAP_FIELDS = ("id", "name", "native_name", "kind", "country_code", "admin1_name", "mentions", "articles")


def map_data(store: Store, filters: Filters, limit: int = MAP_LIMIT) -> dict[str, Any]:
    """The map's GeoJSON: the most mentioned places under ``filters``, lean properties only."""
    page = store.places(filters, limit=limit, offset=0)
    features = [place_feature({k: p[k] for k in (*_MAP_FIELDS, "lat", "lon")}) for p in page.items]
    return feature_collection(features, total=page.total, truncated=page.total > len(features))


def live_page(
    settings: Settings, filters: dict[str, str], urls: dict[str, str], downloads: list[dict[str, str]]
) -> str:
    """The map page; ``urls`` holds dataUrl, placeUrl, exportUrl, docsUrl, timelineUrl, articlesUrl,
    articlePageUrl; ``downloads`` the files the panel offers for the current filters ({label, url})."""
    options = {"live": True, "filters": filters, "downloads": downloads, **urls}
    return render_map(build_map(settings, options, inline=False))


def export_page(settings: Settings, store: Store, filters: Filters, shown_filters: dict[str, str]) -> str:
    """One self-contained HTML file: assets, places and their newest articles inline."""
    collection = map_data(store, filters, limit=EXPORT_LIMIT)
    previews = store.articles_for_places(
        [f["id"] for f in collection["features"]], filters, per_place=PREVIEW_ARTICLES, snippets=PREVIEW_SNIPPETS
    )
    for feature in collection["features"]:
        page = previews[feature["id"]]
        feature["properties"]["preview"] = {"items": page.items, "articles": page.total}
    described = ", ".join(f"{k}={v}" for k, v in sorted(shown_filters.items())) or "none"
    note = f"Filters: {described}."
    if collection["truncated"]:
        note += f" Showing the {len(collection['features'])} most mentioned of {collection['total']} places."
    options = {"live": False, "filters": shown_filters, "data": collection, "note": note}
    html = render_map(build_map(settings, options, inline=True, title="geomap export"))
    return export_csp(html, settings.tiles)

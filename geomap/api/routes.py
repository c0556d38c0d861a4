"""The JSON API under ``/api``: places, articles, geoparsing, geocoding, health."""

from __future__ import annotations

from importlib.metadata import version
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request, url_for

from ..errors import GeomapError, InputError, NotFoundError
from ..map.export import MAP_LIMIT, map_data
from ..store import Filters
from ..store.timeline import INTERVALS
from ..textparams import parse_bool, parse_choice
from .auth import require_api_key
from .body import article_from_json, json_object, text_field
from .caching import cached
from .downloads import listing
from .guard import geoparsing
from .params import parse_page
from .services import services

__all__ = ["api"]

api = Blueprint("api", __name__, url_prefix="/api")


def ok(payload: dict[str, Any], status: int = 200) -> Response:
    """A successful JSON answer: ``{"ok": true, ...}``."""
    resp = jsonify({"ok": True, **payload})
    resp.status_code = status
    return resp


@api.get("/places")
@cached
def places_list() -> Response:
    """Places under the filters, most mentioned first, as JSON, GeoJSON, CSV or KML."""
    return listing("places", lambda f, limit, offset: services().store.places(f, limit=limit, offset=offset), 100)


@api.get("/mentions")
@cached
def mentions_list() -> Response:
    """Resolved mentions under the filters, newest article first, with their place and article."""
    return listing("mentions", lambda f, limit, offset: services().store.mentions(f, limit=limit, offset=offset), 100)


@api.get("/places/<place_id>")
@cached
def place_detail(place_id: str) -> Response:
    """One place and its mentions (newest article first), under the same filters."""
    filters = Filters.from_args(request.args)
    limit, offset = parse_page(request.args, default_limit=20, max_limit=500)
    store = services().store
    place = store.place(place_id)
    if place is None:
        raise NotFoundError(f"no stored place with id {place_id!r}; ids look like gn:703448 (see /api/places)")
    mentions = store.place_mentions(place_id, filters, limit=limit, offset=offset)
    return ok({"place": place, "mentions": mentions.to_dict()})


@api.get("/map")
@cached
def map_places() -> Response:
    """The map's data: GeoJSON of the most mentioned places under the filters."""
    filters = Filters.from_args(request.args)
    limit, _ = parse_page(request.args, default_limit=MAP_LIMIT, max_limit=50_000)
    body = map_data(services().store, filters, limit=limit)
    return Response(jsonify(body).get_data(), mimetype="application/geo+json")


@api.get("/articles")
@cached
def articles_list() -> Response:
    """Stored articles under the filters, newest first (most relevant first for ``text``), with their places."""
    return listing("articles", lambda f, limit, offset: services().store.articles(f, limit=limit, offset=offset), 50)


@api.get("/timeline")
@cached
def timeline() -> Response:
    """Articles and mentions per day, week or month under the filters, plus the undated articles."""
    interval = parse_choice(request.args, "interval", INTERVALS, "day")
    return ok(services().store.timeline(Filters.from_args(request.args), interval))


@api.get("/articles/<int:article_id>")
@cached
def article_detail(article_id: int) -> Response:
    """One article with its text and resolved mentions."""
    article = services().store.article(article_id)
    if article is None:
        raise NotFoundError(f"no stored article with id {article_id} (see /api/articles)")
    return ok({"article": article})


@api.delete("/articles/<int:article_id>")
@require_api_key
def article_delete(article_id: int) -> Response:
    """Delete one article with its mentions; the places' counts follow."""
    if not services().store.delete_articles([article_id]):
        raise NotFoundError(f"no stored article with id {article_id} (see /api/articles)")
    return ok({"deleted": article_id})


@api.post("/articles")
@require_api_key
def articles_create() -> Response:
    """Geoparse one article and store it; 201 when new, 200 when the same text was stored before.

    The first article a user stores retires the bundled sample (``ingest.sample``).
    """
    from ..ingest import ingest_article, retire_sample

    article = article_from_json(json_object())
    svc = services()
    article_id, created = ingest_article(svc.store, article, parser=svc.parser)
    if created:
        retire_sample(svc.store)
    resp = ok({"id": article_id, "created": created, "article": svc.store.article(article_id)}, 201 if created else 200)
    resp.headers["Location"] = url_for("api.article_detail", article_id=article_id)
    return resp


@api.post("/extract")
@geoparsing
def extract() -> Response:
    """Geoparse a text without storing it: mentions (with places) and focus."""
    body = json_object()
    text = text_field(body, "text", required=True) or ""
    title = text_field(body, "title")
    alternatives = parse_bool(request.args, "alternatives")
    parsed = services().parser.parse(text, title=title)
    return ok(
        {
            "title": parsed.title,
            "mentions": [m.to_dict(alternatives=alternatives) for m in parsed.mentions],
            "focus": {k: [f.to_dict() for f in v] for k, v in parsed.focus.items()},
        }
    )


@api.get("/geocode")
def geocode() -> Response:
    """Look a name up in the offline gazetteer (and the online geocoder when configured)."""
    from ..geocoders import geocode as lookup

    query = (request.args.get("q") or "").strip()
    if not query:
        raise InputError("q is required, e.g. /api/geocode?q=Kharkiv")
    limit, _ = parse_page(request.args, default_limit=5, max_limit=50)
    country = (request.args.get("country") or "").strip() or None
    found = lookup(query, settings=services().settings, limit=limit, country_codes=country)
    return ok({"query": query, "results": [_geocoded(r) for r in found]})


def _geocoded(result: Any) -> dict[str, Any]:
    """A geocoder answer (a ``Place``, a geopy ``Location`` or a dict) as JSON."""
    if hasattr(result, "to_dict"):
        return result.to_dict()
    if hasattr(result, "latitude"):
        raw = result.raw if isinstance(getattr(result, "raw", None), dict) else {}
        raw = {k: v for k, v in raw.items() if k != "alternate_names"}  # hundreds of names: not for an API answer
        return {"name": result.address, "lat": result.latitude, "lon": result.longitude, **raw}
    return dict(result)


@api.get("/health")
def health() -> Response:
    """Liveness plus what is stored; 503 when the store cannot be read."""
    svc = services()
    try:
        stats = svc.store.stats()
    except GeomapError as exc:
        current_app.logger.error("health: the store cannot be read: %s", exc.message)
        resp = jsonify(
            {"ok": False, "error": "the article store cannot be read; the server log says why", "status": 503}
        )
        resp.status_code = 503
        return resp
    return ok({"status": "ok", "version": version("geomap"), "store": stats, **svc.status()})

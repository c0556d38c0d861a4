"""The OpenAPI 3 document served at ``/openapi.json`` and rendered at ``/docs``.

Written by hand next to the routes it describes; a test checks that every
route the app serves appears here and nothing else does.
"""

from __future__ import annotations

from functools import lru_cache
from importlib.metadata import version
from typing import Any

from flask import Blueprint, Response, jsonify

from ..models import KINDS
from ..store import MAX_SOURCE_CHARS
from ..textparams import BOOLEAN_WORDS
from .params import MAX_OFFSET
from .services import services

__all__ = ["openapi", "openapi_spec", "served_spec"]

openapi = Blueprint("openapi", __name__)


# Text a request may carry: anything but NUL (refused with 400 everywhere); NON_BLANK: with a visible character too.
NO_NUL = "^[^\\x00]*$"
NON_BLANK = "^[^\\x00]*[^\\s\\x00][^\\x00]*$"
NUMBER = r"\s*[-+]?(\d+\.?\d*|\.\d+)\s*"


def _q(name: str, typ: str, description: str, **schema: Any) -> dict[str, Any]:
    if typ == "string" and "enum" not in schema and "format" not in schema:
        schema = {"pattern": NO_NUL, **schema}
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": {"type": typ, **schema},
    }


FILTERS = [
    _q("q", "string", "Part of a place name (case-insensitive)."),
    _q(
        "bbox",
        "string",
        "west,south,east,north in degrees, e.g. 22,44,41,53 (west > east crosses the antimeridian).",
        pattern=f"^(\\s*|{NUMBER}(,{NUMBER}){{3}})$",
    ),
    _q("country", "string", "Two-letter ISO country code, e.g. UA.", pattern="^\\s*([A-Za-z]{2})?\\s*$"),
    _q("kind", "string", "Kind of place.", enum=list(KINDS)),
    _q("since", "string", "Articles published on or after this date (YYYY-MM-DD or ISO 8601).", format="date-time"),
    _q(
        "until",
        "string",
        "Articles published on or before this date (a bare date includes the whole day).",
        format="date-time",
    ),
    _q("source", "string", "Articles from this source (publisher)."),
    _q("demonyms", "boolean", 'Count demonym mentions ("Russian" for Russia) too; default false.'),
]


def _paging(default: int, maximum: int) -> list[dict[str, Any]]:
    return [
        _q("limit", "integer", f"Items per page, 1..{maximum} (default {default}).", minimum=1, maximum=maximum),
        _q("offset", "integer", "Items to skip (default 0).", minimum=0, maximum=MAX_OFFSET),
    ]


def _resp(description: str, ctype: str = "application/json") -> dict[str, Any]:
    return {"description": description, "content": {ctype: {"schema": {"type": "object"}}}}


ERR = {"$ref": "#/components/responses/Error"}
PAGE_ERR = {"description": "An error page.", "content": {"text/html": {"schema": {"type": "string"}}}}
ERRORS_READ = {"400": ERR, "404": ERR, "405": ERR, "500": ERR}
ERRORS_WRITE = {"400": ERR, "401": ERR, "413": ERR, "415": ERR, "422": ERR, "500": ERR, "503": ERR}
# Geoparsing: 413 above GEOMAP_MAX_PARSE_CHARS, 429 above the client's rate, 503 while the geoparser is busy.
ERRORS_PARSE = {**ERRORS_WRITE, "429": ERR}

ARTICLE_BODY = {
    "type": "object",
    "required": ["text"],
    "properties": {
        "text": {"type": "string", "pattern": NON_BLANK, "description": "The article text."},
        "title": {"type": "string", "nullable": True},
        "url": {
            "type": "string",
            "nullable": True,
            "description": "Link to the article; shown as a link only for http(s).",
        },
        "published": {
            "type": "string",
            "nullable": True,
            "format": "date-time",
            "description": "ISO 8601 publication time.",
        },
        "source": {"type": "string", "nullable": True, "maxLength": MAX_SOURCE_CHARS, "description": "Publisher name."},
    },
}


def _op(op_id: str, summary: str, responses: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"operationId": op_id, "summary": summary, "responses": responses, **extra}


def _secured(key_required: bool) -> dict[str, Any]:
    """The operation's ``security`` member: the Bearer key only where one is configured and needed."""
    return {"security": [{"bearer": []}]} if key_required else {}


@lru_cache(maxsize=4)
def openapi_spec(write_key: bool = False, parse_key: bool = False) -> dict[str, Any]:
    """The whole document; ``write_key``/``parse_key``: whether writing / geoparsing need the API key."""
    id_param = {
        "name": "place_id",
        "in": "path",
        "required": True,
        "description": "Place id, e.g. gn:703448.",
        "schema": {"type": "string"},
    }
    article_param = {
        "name": "article_id",
        "in": "path",
        "required": True,
        "description": "Article id.",
        "schema": {"type": "integer"},
    }
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "geomap",
            "version": version("geomap"),
            "description": "Places mentioned in news articles: stored articles, their places and mentions, "
            "and geoparsing on demand. "
            'Errors are JSON objects {"ok": false, "error": message, "status": code}.',
        },
        "paths": {
            "/api/places": {
                "get": _op(
                    "listPlaces",
                    "Places under the filters, most mentioned first.",
                    {
                        "200": {
                            "description": "A page of places.",
                            "content": {
                                "application/json": {"schema": {"type": "object"}},
                                "application/geo+json": {"schema": {"type": "object"}},
                                "text/csv": {"schema": {"type": "string"}},
                            },
                        },
                        **ERRORS_READ,
                    },
                    parameters=[
                        *FILTERS,
                        *_paging(100, 1000),
                        _q("format", "string", "Answer format (default json).", enum=["json", "geojson", "csv"]),
                    ],
                )
            },
            "/api/places/{place_id}": {
                "get": _op(
                    "getPlace",
                    "One place with its mentions, newest article first.",
                    {"200": _resp("The place and a page of its mentions."), **ERRORS_READ},
                    parameters=[id_param, *FILTERS, *_paging(20, 500)],
                )
            },
            "/api/map": {
                "get": _op(
                    "mapPlaces",
                    "The map's data: GeoJSON of the most mentioned places.",
                    {
                        "200": _resp("A FeatureCollection with total and truncated.", "application/geo+json"),
                        **ERRORS_READ,
                    },
                    parameters=[
                        *FILTERS,
                        _q("limit", "integer", "Places at most, 1..50000 (default 20000).", minimum=1, maximum=50000),
                    ],
                )
            },
            "/api/articles": {
                "get": _op(
                    "listArticles",
                    "Stored articles under the filters, newest first.",
                    {"200": _resp("A page of articles."), **ERRORS_READ},
                    parameters=[*FILTERS, *_paging(50, 1000)],
                ),
                "post": _op(
                    "createArticle",
                    "Geoparse one article and store it.",
                    {
                        "201": _resp("Stored; the article with its mentions."),
                        "200": _resp("The same text was stored before."),
                        **ERRORS_WRITE,
                    },
                    requestBody={"required": True, "content": {"application/json": {"schema": ARTICLE_BODY}}},
                    **_secured(write_key),
                ),
            },
            "/api/articles/{article_id}": {
                "get": _op(
                    "getArticle",
                    "One article with its text and mentions.",
                    {"200": _resp("The article."), **ERRORS_READ},
                    parameters=[article_param],
                ),
                "delete": _op(
                    "deleteArticle",
                    "Delete one article with its mentions; the places' counts follow.",
                    {"200": _resp('{"ok": true, "deleted": id}'), "401": ERR, **ERRORS_READ, "503": ERR},
                    parameters=[article_param],
                    **_secured(write_key),
                ),
            },
            "/api/extract": {
                "post": _op(
                    "extract",
                    "Geoparse a text without storing it.",
                    {"200": _resp("Mentions with their places, and the focus."), **ERRORS_PARSE},
                    parameters=[
                        _q("alternatives", "boolean", "Include the ranked alternative places of each mention.")
                    ],
                    requestBody={
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["text"],
                                    "properties": {
                                        "text": {"type": "string", "pattern": NON_BLANK},
                                        "title": {"type": "string", "nullable": True},
                                    },
                                }
                            }
                        },
                    },
                    **_secured(parse_key),
                )
            },
            "/api/geocode": {
                "get": _op(
                    "geocode",
                    "Look a place name up in the gazetteer.",
                    {"200": _resp("Matching places, best first."), **ERRORS_READ},
                    parameters=[
                        {**_q("q", "string", "The name to look up.", pattern=NON_BLANK), "required": True},
                        _q("limit", "integer", "Results at most, 1..50 (default 5).", minimum=1, maximum=50),
                        _q("country", "string", "Only places in these countries (ISO codes, comma-separated)."),
                    ],
                )
            },
            "/api/health": {
                "get": _op(
                    "health", "Liveness and what is stored.", {"200": _resp("Server and store status."), "503": ERR}
                )
            },
            "/parse/text": {
                "post": _op(
                    "cliffParseText",
                    "CLIFF-CLAVIN compatible geoparsing of the form field q.",
                    {"200": _resp("CLIFF's shape: results.places.mentions and results.places.focus."), **ERRORS_PARSE},
                    description="Demonyms are left out unless replaceAllDemonyms=true, as in CLIFF.",
                    requestBody={
                        "required": True,
                        "content": {
                            "application/x-www-form-urlencoded": {
                                "schema": {
                                    "type": "object",
                                    "required": ["q"],
                                    "properties": {
                                        "q": {"type": "string", "pattern": NON_BLANK},
                                        "replaceAllDemonyms": {"type": "string", "enum": list(BOOLEAN_WORDS)},
                                    },
                                }
                            }
                        },
                    },
                    **_secured(parse_key),
                ),
                "get": _op(
                    "cliffParseTextGet",
                    "The same, with q in the query string.",
                    {"200": _resp("CLIFF's response."), **ERRORS_PARSE},
                    parameters=[
                        {**_q("q", "string", "The text to parse.", pattern=NON_BLANK), "required": True},
                        _q("replaceAllDemonyms", "boolean", "Include demonyms."),
                    ],
                    **_secured(parse_key),
                ),
            },
            "/openapi.json": {"get": _op("openapi", "This document.", {"200": _resp("OpenAPI 3 document.")})},
            "/docs": {"get": _op("docs", "This document as an HTML page.", {"200": _resp("HTML page.", "text/html")})},
            "/": {
                "get": _op(
                    "mapPage",
                    "The interactive map (takes the filter parameters).",
                    {"200": _resp("HTML page.", "text/html"), "400": PAGE_ERR},
                    parameters=FILTERS,
                )
            },
            "/export/map.html": {
                "get": _op(
                    "exportMap",
                    "The map as one standalone HTML file (data and assets inline).",
                    {"200": _resp("HTML file.", "text/html"), "400": PAGE_ERR, "503": PAGE_ERR},
                    parameters=FILTERS,
                )
            },
            "/assets/{package}/{name}": {
                "get": _op(
                    "asset",
                    "JavaScript, CSS and images the pages use (served locally, no CDN).",
                    {"200": _resp("The file.", "application/octet-stream"), "400": ERR, "404": ERR},
                    parameters=[
                        {
                            "name": "package",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                            "description": "leaflet, markercluster, jquery, font-awesome or geomap.",
                        },
                        {
                            "name": "name",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                            "description": "File path inside the package.",
                        },
                    ],
                )
            },
        },
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "Needed only when GEOMAP_API_KEY is set."}
            },
            "responses": {
                "Error": {
                    "description": "An error the client can act on.",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["ok", "error", "status"],
                                "properties": {
                                    "ok": {"type": "boolean", "enum": [False]},
                                    "error": {"type": "string"},
                                    "status": {"type": "integer"},
                                },
                            }
                        }
                    },
                }
            },
        },
    }


def served_spec() -> dict[str, Any]:
    """The document for this app's settings (which endpoints need the key)."""
    settings = services().settings
    keyed = bool(settings.api_key)
    return openapi_spec(write_key=keyed, parse_key=keyed and not settings.open_geoparsing)


@openapi.get("/openapi.json")
def openapi_json() -> Response:
    """The OpenAPI 3 document."""
    return jsonify(served_spec())

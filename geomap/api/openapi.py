"""The OpenAPI 3 document served at ``/openapi.json`` and rendered at ``/docs``.

Written by hand next to the routes it describes; a test checks that every
route the app serves appears here and nothing else does.
"""

from __future__ import annotations

from functools import lru_cache
from importlib.metadata import version
from typing import Any

from flask import Blueprint, Response, jsonify

from ..map.formats import MIMETYPES
from ..models import KINDS
from ..store import MAX_SOURCE_CHARS
from ..textparams import BOOLEAN_WORDS
from .cliff import CLIFF_PREFIXES, CLIFF_VERSION
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
        "text",
        "string",
        "Full-text search: articles whose title or text holds every word (stemmed; at most 32 words). "
        "/api/articles ranks by relevance and adds a highlighted excerpt; places and counts follow the matching "
        "articles.",
    ),
    _q(
        "bbox",
        "string",
        "west,south,east,north in degrees, e.g. 22,44,41,53 (west > east crosses the antimeridian).",
        pattern=f"^(\\s*|{NUMBER}(,{NUMBER}){{3}})$",
    ),
    _q("near", "string", "lat,lon,km: places within km of the point, nearest first, e.g. 50.45,30.52,100."),
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
    _q(
        "min_confidence",
        "number",
        "Count only mentions whose confidence (calibrated probability that the place is right) is at least this.",
        minimum=0,
        maximum=1,
    ),
]


FORMAT = _q(
    "format",
    "string",
    "Answer format (default json); with limit=all, csv, geojson and kml stream every matching row.",
    enum=["json", "geojson", "csv", "kml"],
)


def _path_enum(name: str, values: list[str]) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string", "enum": values}}


def _paging(default: int, maximum: int) -> list[dict[str, Any]]:
    return [
        _q("limit", "integer", f"Items per page, 1..{maximum} (default {default}).", minimum=1, maximum=maximum),
        _q("offset", "integer", "Items to skip (default 0).", minimum=0, maximum=MAX_OFFSET),
    ]


def _resp(description: str, ctype: str = "application/json") -> dict[str, Any]:
    return {"description": description, "content": {ctype: {"schema": {"type": "object"}}}}


def _downloads(description: str) -> dict[str, Any]:
    """A 200 answer in JSON or any of the ``format=`` download types (csv, geojson, kml)."""
    types = dict.fromkeys(["application/json", *MIMETYPES.values()])
    return {"description": description, "content": {t: {"schema": {}} for t in types}}


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


CLIFF_ERR = {"$ref": "#/components/responses/CliffError"}
_CLIFF_FORM_FIELDS = {
    "replaceAllDemonyms": {
        "type": "string",
        "enum": list(BOOLEAN_WORDS),
        "description": 'Count "Russian" as a mention of Russia (default false).',
    },
    "language": {"type": "string", "description": "EN (the default); other languages are refused with a 422."},
}
# CLIFF endpoint -> (operation id, summary, what the field q holds, more form fields)
_CLIFF_ENDPOINTS: dict[str, tuple[str, str, str, dict[str, Any]]] = {
    "/parse/text": ("cliffParseText", "Geoparse a text, in CLIFF's shape.", "The text.", _CLIFF_FORM_FIELDS),
    "/parse/sentences": (
        "cliffParseSentences",
        "Geoparse sentences; charIndex counts from each sentence's start.",
        'JSON list of strings or of {"sentence", "story_sentences_id"} objects.',
        _CLIFF_FORM_FIELDS,
    ),
    "/parse/json": (
        "cliffParseJson",
        "Resolve the places of pre-computed CoreNLP entities (Media Cloud's NLP JSON).",
        'JSON {"<story_sentences_id>": {"corenlp": {"sentences": [{"tokens": [{"word", "ne"}]}]}}}.',
        _CLIFF_FORM_FIELDS,
    ),
}


def _cliff_paths(parse_key: bool, extract_key: bool) -> dict[str, Any]:
    """The CLIFF endpoints, under each prefix they are served at; ``*_key``: whether they need the API key."""
    responses = {"200": _resp(f"CLIFF {CLIFF_VERSION}'s envelope: status, version, milliseconds, results.")}
    errors = dict.fromkeys(("400", "401", "404", "405", "413", "415", "422", "429", "500", "503"), CLIFF_ERR)
    paths: dict[str, Any] = {}
    for prefix in CLIFF_PREFIXES:
        tag = prefix.strip("/").replace("-", "").replace(".", "") or "root"
        for path, (op_id, summary, q, fields) in _CLIFF_ENDPOINTS.items():
            properties: dict[str, dict[str, Any]] = {"q": {"type": "string", "description": q}, **fields}
            form = {"type": "object", "required": ["q"], "properties": properties}
            paths[prefix + path] = {
                "post": _op(
                    f"{op_id}_{tag}",
                    summary,
                    {**responses, **errors},
                    requestBody={"required": True, "content": {"application/x-www-form-urlencoded": {"schema": form}}},
                    **_secured(parse_key),
                ),
                "get": _op(
                    f"{op_id}Get_{tag}",
                    summary + " (fields in the query string)",
                    {**responses, **errors},
                    parameters=[
                        {**_q(name, str(f["type"]), str(f.get("description", ""))), "required": name == "q"}
                        for name, f in properties.items()
                    ],
                    **_secured(parse_key),
                ),
            }
        lookup = _op(
            f"cliffGeonames_{tag}",
            "A gazetteer record by GeoNames id, with its parents (admin1, country) nested in parent.",
            {**responses, **errors},
            parameters=[{**_q("id", "integer", "GeoNames id, e.g. 524901."), "required": True}],
        )  # a lookup, not a geoparse: open to every client, like /api/geocode
        paths[prefix + "/geonames"] = {"get": lookup, "post": {**lookup, "operationId": f"cliffGeonamesPost_{tag}"}}
        extract = _op(
            f"cliffExtract_{tag}",
            "Fetch a web page and return its article text (off unless GEOMAP_CLIFF_EXTRACT; needs the API key).",
            {**responses, **errors, "403": CLIFF_ERR, "502": CLIFF_ERR},
            description="Refuses private, loopback and other non-public addresses (server-side request forgery).",
            parameters=[{**_q("url", "string", "The http(s) address of the page."), "required": True}],
            **_secured(extract_key),
        )
        paths[prefix + "/extract"] = {"get": extract, "post": {**extract, "operationId": f"cliffExtractPost_{tag}"}}
    return paths


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
                        "200": _downloads("A page of places."),
                        **ERRORS_READ,
                    },
                    parameters=[
                        *FILTERS,
                        *_paging(100, 1000),
                        FORMAT,
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
                    {"200": _downloads("A page of articles."), **ERRORS_READ},
                    parameters=[*FILTERS, *_paging(50, 1000), FORMAT],
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
            "/api/mentions": {
                "get": _op(
                    "listMentions",
                    "Resolved mentions under the filters, newest article first, each with its place and article "
                    "(id, title, url, source, published), offsets and snippet.",
                    {"200": _downloads("A page of mentions."), **ERRORS_READ},
                    parameters=[*FILTERS, *_paging(100, 1000), FORMAT],
                )
            },
            "/api/timeline": {
                "get": _op(
                    "timeline",
                    "Articles and mentions per day, week or month under the filters (UTC), oldest first, "
                    "and how many undated articles pass every filter but the dates.",
                    {
                        "200": _resp('{"interval", "buckets": [{"start", "articles", "mentions"}], "undated"}'),
                        **ERRORS_READ,
                    },
                    parameters=[
                        *FILTERS,
                        _q("interval", "string", "Bucket size (default day).", enum=["day", "week", "month"]),
                    ],
                )
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
                        _q("alternatives", "boolean", "Include the ranked alternative places of each mention."),
                        _q(
                            "min_confidence",
                            "number",
                            "Leave out mentions whose confidence (the probability their place is right) is below"
                            " this (0..1).",
                            minimum=0,
                            maximum=1,
                        ),
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
            **_cliff_paths(parse_key, write_key),
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
            "/articles/{article_id}": {
                "get": _op(
                    "articlePage",
                    "One stored article as a readable HTML page, its places marked and linked to the map.",
                    {"200": _resp("HTML page.", "text/html"), "404": PAGE_ERR},  # a page path: HTML errors
                    parameters=[article_param],
                )
            },
            "/export/{kind}.{fmt}": {
                "get": _op(
                    "exportList",
                    "Every place, mention or article under the filters, streamed as CSV, GeoJSON or KML "
                    "(KML 2.2: one Placemark per record; a place's newest articles in its description).",
                    {"200": _downloads("The file."), "400": PAGE_ERR, "404": PAGE_ERR},  # a page path: HTML errors
                    parameters=[
                        {
                            "name": "kind",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "enum": ["places", "mentions", "articles"]},
                        },
                        {
                            "name": "fmt",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "enum": ["csv", "geojson", "kml"]},
                        },
                        *FILTERS,
                    ],
                )
            },
            "/tiles/{z}/{x}/{y}.png": {
                "get": _op(
                    "basemapTile",
                    "One tile of the offline basemap (OpenStreetMap, zoom 0-6, © OpenStreetMap contributors, ODbL).",
                    {"200": _resp("PNG image.", "image/png"), "404": ERR},
                    parameters=[
                        {"name": n, "in": "path", "required": True, "schema": {"type": "integer", "minimum": 0}}
                        for n in ("z", "x", "y")
                    ],
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
                "CliffError": {
                    "description": "CLIFF's error shape, on the CLIFF endpoints.",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["status", "details", "version"],
                                "properties": {
                                    "status": {"type": "string", "enum": ["error"]},
                                    "details": {"type": "string"},
                                    "version": {"type": "string"},
                                },
                            }
                        }
                    },
                },
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
                },
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

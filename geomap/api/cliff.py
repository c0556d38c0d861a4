"""``/parse/text`` answering like CLIFF-CLAVIN, so CLIFF clients can point at geomap unchanged.

CLIFF returns ``results.places.mentions`` (each resolved place with
``source.charIndex``/``source.string``) and ``results.places.focus`` with
``countries``, ``states`` and ``cities``, plus ``status``, ``milliseconds``
and ``version``. Demonyms ("Russian") are left out unless the client asks
with ``replaceAllDemonyms=true``, as CLIFF does.
"""

from __future__ import annotations

import time
from typing import Any

from flask import Blueprint, Response, jsonify, request

from ..errors import InputError
from ..models import FocusPlace, Mention, ParsedDocument, Place
from ..textparams import parse_bool
from .services import services

__all__ = ["cliff", "cliff_results"]

cliff = Blueprint("cliff", __name__)

CLIFF_VERSION = "2.6.1"  # the CLIFF release whose response shape this follows

_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
_FEATURE_CLASS = {
    "country": "A",
    "admin1": "A",
    "admin2": "A",
    "city": "P",
    "water": "H",
    "continent": "L",
    "region": "L",
    "landmark": "S",
}


def _geonameid(place: Place | None) -> int | str:
    return place.geonameid if place and place.geonameid else ""


def _cliff_place(place: Place) -> dict[str, Any]:
    gazetteer = services().gazetteer
    cc = place.country_code or ""
    country = gazetteer.country(cc) if cc else None
    state = gazetteer.admin1(cc, place.admin1_code) if cc and place.admin1_code else None
    return {
        "id": place.geonameid or 0,
        "name": place.name,
        "lat": place.lat,
        "lon": place.lon,
        "countryCode": place.country_code or "",
        "countryGeoNameId": _geonameid(country),
        "featureClass": place.feature_class or _FEATURE_CLASS.get(place.kind, ""),
        "featureCode": place.feature_code or "",
        "population": place.population,
        "stateCode": place.admin1_code or "",
        "stateGeoNameId": _geonameid(state),
    }


def _mention(m: Mention) -> dict[str, Any]:
    assert m.place is not None
    return {
        **_cliff_place(m.place),
        "confidence": round(m.confidence, 4),
        "source": {"charIndex": m.start, "string": m.text},
    }


def _focus(items: list[FocusPlace]) -> list[dict[str, Any]]:
    return [{**_cliff_place(f.place), "score": round(f.score, 4)} for f in items]


def cliff_results(parsed: ParsedDocument, *, demonyms: bool) -> dict[str, Any]:
    """CLIFF's ``results`` member for one parsed text."""
    mentions = [m for m in parsed.mentions if m.place is not None and (demonyms or m.kind != "demonym")]
    return {
        "places": {
            "mentions": [_mention(m) for m in mentions],
            "focus": {
                "countries": _focus(parsed.focus.get("countries", [])),
                "states": _focus(parsed.focus.get("regions", [])),
                "cities": _focus(parsed.focus.get("cities", [])),
            },
        },
        "people": [],
        "organizations": [],
    }


@cliff.route("/parse/text", methods=["GET", "POST"])
def parse_text() -> Response:
    """Geoparse the form (or query) field ``q``."""
    started = time.perf_counter()
    if request.method == "POST" and request.mimetype not in _FORM_TYPES and "q" not in request.args:
        raise InputError(
            "send a form (application/x-www-form-urlencoded) with field 'q', "
            f"not {request.mimetype or 'no content type'!r}",
            status=415,
        )
    text = request.values.get("q")
    if text is None or not text.strip():
        raise InputError("send the text to parse in the form field 'q' (application/x-www-form-urlencoded)")
    demonyms = parse_bool(request.values, "replaceAllDemonyms")
    parsed = services().parser.parse(text)
    return jsonify(
        {
            "results": cliff_results(parsed, demonyms=demonyms),
            "status": "ok",
            "milliseconds": round((time.perf_counter() - started) * 1000),
            "version": CLIFF_VERSION,
        }
    )

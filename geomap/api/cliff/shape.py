"""CLIFF 2.6's JSON, built from geomap's places: the envelope, the place record, mentions, focus, people.

CLIFF writes every place the same way (``id``, ``name``, ``lat``, ``lon``,
``population``, ``featureClass``, ``featureCode``, ``countryCode``,
``countryGeoNameId``, ``stateCode``, ``stateGeoNameId``), the two GeoNames ids
of the parents as strings ("" when unknown), as CLIFF does. Mentions add
``confidence`` and ``source``; focus places add ``score``; a GeoNames lookup
nests each ``parent`` (admin1, then country) inside its child.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from ...gazetteer import PlaceIndex
from ...models import FocusPlace, Mention, ParsedDocument, Place

__all__ = [
    "CLIFF_VERSION",
    "STATUS_OK",
    "STATUS_ERROR",
    "RESPONSE_KEYS",
    "PLACE_KEYS",
    "envelope",
    "error_body",
    "place_record",
    "with_parents",
    "results",
    "count_names",
    "SourceOf",
]

CLIFF_VERSION = "2.6.1"  # the CLIFF release whose response shape this follows
STATUS_OK = "ok"
STATUS_ERROR = "error"
RESPONSE_KEYS = ("results", "status", "milliseconds", "version")
PLACE_KEYS = (
    "id",
    "name",
    "lat",
    "lon",
    "population",
    "featureClass",
    "featureCode",
    "countryCode",
    "countryGeoNameId",
    "stateCode",
    "stateGeoNameId",
)
SCORE_DIGITS = 4

# GeoNames feature class and code for a kind of place whose record carries none (geomap's city list
# names only capitals PPLC; every other populated place is GeoNames' plain "PPL").
_DEFAULT_FEATURE = {
    "continent": ("L", "CONT"),
    "country": ("A", "PCLI"),
    "admin1": ("A", "ADM1"),
    "admin2": ("A", "ADM2"),
    "city": ("P", "PPL"),
    "region": ("L", "RGN"),
    "water": ("H", ""),
    "landmark": ("S", ""),
}
_PARENTLESS = frozenset({"continent", "country"})

# A mention's ``source`` fields besides ``string``: ``charIndex`` (and ``storySentencesId`` for sentences).
SourceOf = Callable[[Mention], dict[str, Any]]


def envelope(results: dict[str, Any], milliseconds: float) -> dict[str, Any]:
    """CLIFF's answer around ``results``."""
    return {"results": results, "status": STATUS_OK, "milliseconds": round(milliseconds), "version": CLIFF_VERSION}


def error_body(details: str) -> dict[str, Any]:
    """CLIFF's error answer: ``status`` "error" and the reason in ``details``."""
    return {"status": STATUS_ERROR, "details": details, "version": CLIFF_VERSION}


def _geonameid_text(place: Place | None) -> str:
    return str(place.geonameid) if place is not None and place.geonameid else ""


def _state_of(place: Place, index: PlaceIndex) -> Place | None:
    if place.kind == "admin1":
        return place
    if place.country_code and place.admin1_code:
        return index.admin1(place.country_code, place.admin1_code)
    return None


def place_record(place: Place, index: PlaceIndex) -> dict[str, Any]:
    """One place in CLIFF's shape; the parents' GeoNames ids come from their own records in ``index``."""
    feature_class, feature_code = _DEFAULT_FEATURE.get(place.kind, ("", ""))
    cc = place.country_code or ""
    return {
        "id": place.geonameid or 0,
        "name": place.name,
        "lat": place.lat,
        "lon": place.lon,
        "population": place.population,
        "featureClass": place.feature_class or feature_class,
        "featureCode": place.feature_code or feature_code,
        "countryCode": cc,
        "countryGeoNameId": _geonameid_text(index.country(cc) if cc else None),
        "stateCode": place.admin1_code or "",
        "stateGeoNameId": _geonameid_text(_state_of(place, index)),
    }


def with_parents(place: Place, index: PlaceIndex) -> dict[str, Any]:
    """The place's record with its ``parent`` chain nested inside it: admin1, then country."""
    chain = [place]
    state = _state_of(place, index) if place.kind not in _PARENTLESS else None
    if state is not None and state is not place and state.id != place.id:
        chain.append(state)
    country = index.country(place.country_code) if place.country_code and place.kind not in _PARENTLESS else None
    if country is not None:
        chain.append(country)
    records = [place_record(p, index) for p in chain]
    for child, parent in itertools.pairwise(records):
        child["parent"] = parent
    return records[0]


def _focus(items: Iterable[FocusPlace], index: PlaceIndex) -> list[dict[str, Any]]:
    return [{**place_record(f.place, index), "score": round(f.score, SCORE_DIGITS)} for f in items]


def _mention(m: Mention, index: PlaceIndex, source_of: SourceOf) -> dict[str, Any]:
    assert m.place is not None
    return {
        **place_record(m.place, index),
        "confidence": round(m.confidence, SCORE_DIGITS),
        "source": {"string": m.text, **source_of(m)},
    }


def _char_index(m: Mention) -> dict[str, Any]:
    return {"charIndex": m.start}


def count_names(names: Iterable[str]) -> list[dict[str, Any]]:
    """``[{"name", "count"}]``, most mentioned first (ties in order of first mention), as CLIFF lists people."""
    counts = Counter(" ".join(n.split()) for n in names if n.strip())
    return [{"name": name, "count": n} for name, n in counts.most_common()]


def results(
    parsed: ParsedDocument,
    index: PlaceIndex,
    *,
    demonyms: bool,
    people: Sequence[str] = (),
    organizations: Sequence[str] = (),
    source_of: SourceOf | None = None,
) -> dict[str, Any]:
    """CLIFF's ``results`` for one parsed text.

    Demonym mentions ("Russian") are left out unless ``demonyms``, as CLIFF
    does without ``replaceAllDemonyms``. ``source_of(mention)`` gives the
    ``source`` fields besides ``string`` (default: ``charIndex`` in the text).
    """
    source = source_of or _char_index
    mentions = [m for m in parsed.mentions if m.place is not None and (demonyms or m.kind != "demonym")]
    return {
        "places": {
            "mentions": [_mention(m, index, source) for m in mentions],
            "focus": {
                "countries": _focus(parsed.focus.get("countries", []), index),
                "states": _focus(parsed.focus.get("regions", []), index),
                "cities": _focus(parsed.focus.get("cities", []), index),
            },
        },
        "people": count_names(people),
        "organizations": count_names(organizations),
    }

"""The places a found name may refer to, before any context is weighed."""

from __future__ import annotations

from collections.abc import Callable

from ..models import Candidate, Place
from ..recognise.spans import Found

__all__ = ["candidates_for", "MAX_CANDIDATES", "AREA_KINDS", "METROPOLIS"]

Lookup = Callable[[str], list[Candidate]]

MAX_CANDIDATES = 25
# What a demonym can stand for: "Russian" is Russia, never a village called Russian.
AREA_KINDS = frozenset({"country", "continent", "admin1", "region"})
_NAMED_AREAS = frozenset({"country", "admin1", "continent"})
METROPOLIS = 1_000_000
SEAT_SHARE = 2  # a region whose same-named city holds at least 1/SEAT_SHARE of its people is named after it
OUTWEIGHED = 10  # a region gives way to a same-named city this many times more populous


def candidates_for(found: Found, lookup: Lookup) -> list[Candidate]:
    """Gazetteer candidates of ``found``, restricted by its country and kind when it has them."""
    cands = found.candidates if found.candidates and not found.lookup else lookup(found.name)
    if found.country:
        cands = [c for c in cands if c.place.country_code == found.country] or (
            [] if found.kind == "demonym" else cands
        )
    if found.kind == "demonym" or found.source == "abbreviation":
        cands = [c for c in cands if c.place.kind in AREA_KINDS or c.place.kind == "city"]
        areas = [c for c in cands if c.place.kind in AREA_KINDS]
        cands = areas or cands
    out = [Candidate(c.place, c.primary, c.score, {}) for c in cands[:MAX_CANDIDATES]]
    if any(c.primary and c.place.population >= METROPOLIS for c in out):
        # "Tehran" is a city of millions by its own name; a town that merely lists it among its other
        # names (Tīrān) is never what a text means by it, however near the text's other places it lies.
        out = [c for c in out if c.primary or c.place.kind != "city" or _metropolis(c.place)]
    _mark_seats(out)
    if found.kind != "demonym" and any(
        c.primary and c.place.kind in _NAMED_AREAS and not c.features.get("seat") for c in out
    ):
        # A bare country or state name usually means the area (or a metropolis of that name:
        # Washington, New York), not a small town that shares it ("California, Pennsylvania").
        for c in out:
            if c.place.kind not in AREA_KINDS and c.place.kind != "water" and not _metropolis(c.place):
                c.features["shadowed"] = 1.0
    return out


def _mark_seats(cands: list[Candidate]) -> None:
    """Flag regions whose name means a city first.

    Regions are often named after their seat; the bare name then means the city: a region found
    only under another name of a city inside it ("Mecca" for Makkah province), or one whose seat
    of the same name holds most of its people (Saint-Louis, Senegal). And a district of a few
    villages gives way to a city of its name many times its size elsewhere (Saint Louis,
    Seychelles, for St. Louis, Missouri).
    """
    cities = [c.place for c in cands if c.place.kind == "city"]
    inside = {(p.country_code, p.admin1_code): p.population for p in cities}
    biggest = max((p.population for p in cities), default=0)
    for c in cands:
        p = c.place
        if p.kind != "admin1":
            continue
        seat = inside.get((p.country_code, p.admin1_code))
        named_after_seat = seat is not None and (not c.primary or seat * SEAT_SHARE >= p.population)
        if named_after_seat or biggest >= OUTWEIGHED * max(p.population, 1):
            c.features["seat"] = 1.0


def _metropolis(p: Place) -> bool:
    return p.kind == "city" and (p.feature_code == "PPLC" or p.population >= METROPOLIS)

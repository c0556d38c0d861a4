"""Near-twins: a city and the region or county of the same name at (nearly) the same point.

GeoNames keeps Donetsk the city and the Donetsk region, Mahnomen the town and
Mahnomen County, Jenin the city and its governorate, Moscow the city and the
city-region Moskva as separate records. Both sit within a few tens of
kilometres of each other, so distance alone cannot tell which one a text
meant, and the ranking evidence (country, region, nearness) is the same for
both. The rule, as writers and gold standards use the names:

- a bare name means the populated place: "Donetsk", "shelling in Mahnomen";
- the area only when the text names it as one, with a word of its kind in or
  right after the name: "the Donetsk region", "Mahnomen County", "Jenin
  governorate".

Only first- and second-level areas step aside for a city (macro-regions such as
the Gaza Strip keep their own ranking), and only for a city of that name (its
own or an alternate one: Janīn for "Jenin") within ``TWIN_KM`` of the area's point.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from ..distance import great_circle_km
from ..models import Candidate

__all__ = ["TWIN_KM", "AREA_WORD", "says_area", "choose_twin"]

TWIN_KM = 50.0  # an area's point and its namesake city's within this: "the same point" for the rule
_TWIN_AREAS = frozenset({"admin1", "admin2"})
# Words that make a name an area's. After the name only those that rarely start another noun phrase:
# "Tipperary District Court" is the town's court, "Jenin governorate" the governorate.
_NAMING_WORDS = "county|parish|borough|region|oblast|province|governorate|prefecture|krai|kray|raion|rayon|voivodeship"
_AREA_WORDS = f"{_NAMING_WORDS}|state|district|department|municipality|canton|territory"
AREA_WORD = re.compile(rf"\b(?:{_AREA_WORDS})\b", re.IGNORECASE)
_AREA_WORD_AFTER = re.compile(rf"\s+(?:{_NAMING_WORDS})\b", re.IGNORECASE)


def says_area(text: str, start: int, end: int) -> bool:
    """Whether the mention ``text[start:end]`` names an area: a region word in it or right after it."""
    return bool(AREA_WORD.search(text, start, end) or _AREA_WORD_AFTER.match(text, end))


def choose_twin(text: str, start: int, end: int, ranked: Sequence[Candidate], chosen: Candidate) -> Candidate:
    """``chosen``, or its near-twin when the rule above says the text means the other one."""
    if chosen.place.kind in _TWIN_AREAS:
        if says_area(text, start, end):
            return chosen
        return _twin(ranked, chosen, lambda c: c.place.kind == "city") or chosen
    if chosen.place.kind == "city" and says_area(text, start, end):
        return _twin(ranked, chosen, lambda c: c.place.kind in _TWIN_AREAS) or chosen
    return chosen


def _twin(ranked: Sequence[Candidate], chosen: Candidate, wanted: Callable[[Candidate], bool]) -> Candidate | None:
    """The best-ranked candidate ``wanted`` accepts whose point lies within TWIN_KM of ``chosen``'s."""
    p = chosen.place
    for c in ranked:
        if c is not chosen and wanted(c) and great_circle_km(p.lat, p.lon, c.place.lat, c.place.lon) <= TWIN_KM:
            return c
    return None

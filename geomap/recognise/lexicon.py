"""The word lists recognition relies on, read once from ``geomap/data``.

- ``demonyms.csv``: adjectival and people forms of places ("Russian", "Sri
  Lankan") with the place they stand for;
- ``abbreviations.csv``: forms news writes places in ("U.S.", "Ill.", "UAE"),
  some valid only right after another place ("Springfield, Ill.");
- ``stopnames.txt``: capitalised words the gazetteer alone must not turn into places.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

__all__ = ["PlaceRef", "Lexicon", "get_lexicon"]


@dataclass(frozen=True, slots=True)
class PlaceRef:
    """What a demonym or abbreviation stands for: a name to look up, within a country."""

    place: str
    country: str | None
    context: str = "any"  # "any" or "after_place" (only as a qualifier: "Springfield, Ill.")


@dataclass(frozen=True, slots=True)
class Lexicon:
    demonyms: dict[str, PlaceRef]
    abbreviations: dict[str, PlaceRef]
    stopnames: frozenset[str]


def _rows(name: str) -> list[dict[str, str]]:
    with resources.files("geomap.data").joinpath(name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _plural(form: str) -> str | None:
    """'Russian' -> 'Russians', 'Israeli' -> 'Israelis'; None where English has no -s plural."""
    if form.endswith(("an", "i", "er", "ot", "on", "ard", "ole", "urk", "erb", "oat", "ede")):
        return form + "s"
    return None


@lru_cache(maxsize=1)
def get_lexicon() -> Lexicon:
    """Load the tables (cached: they never change while geomap runs)."""
    demonyms: dict[str, PlaceRef] = {}
    for row in _rows("demonyms.csv"):
        ref = PlaceRef(row["place"], row["country"] or None)
        demonyms[row["form"]] = ref
        plural = _plural(row["form"])
        if plural:
            demonyms.setdefault(plural, ref)
    abbreviations = {
        row["form"]: PlaceRef(row["place"], row["country"] or None, row["context"] or "any")
        for row in _rows("abbreviations.csv")
    }
    text = resources.files("geomap.data").joinpath("stopnames.txt").read_text(encoding="utf-8")
    stop = frozenset(w.strip() for w in text.splitlines() if w.strip() and not w.startswith("#"))
    return Lexicon(demonyms, abbreviations, stop)

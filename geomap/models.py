"""The data that flows between the stages: ingest → recognise → resolve → store → serve.

Plain dataclasses, no behaviour beyond conversion to JSON-ready dicts, so every
stage can be tested on its own with hand-built values.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

__all__ = ["Place", "Candidate", "Mention", "FocusPlace", "ParsedDocument", "Article", "KINDS"]

# What a place is, coarse enough for filters on the map and in the API.
KINDS = (
    "continent",
    "country",
    "admin1",  # first-level region: state, oblast, province
    "admin2",  # county, district
    "city",  # populated place
    "water",  # sea, ocean, gulf, strait, lake, river
    "region",  # macro-region without a government: Donbas, Sahel, Middle East
    "landmark",  # building or site standing for a place (the Kremlin)
    "other",
)


@dataclass(frozen=True, slots=True)
class Place:
    """One gazetteer record.

    ``id`` is stable across rebuilds: ``"gn:<geonameid>"`` for GeoNames records,
    ``"geomap:<slug>"`` for the project's own data file. ``name`` is the name an
    English reader expects (Crimea, Donetsk Oblast, Avdiivka); ``native_name`` keeps
    the official or transliterated one the source gives, when it differs.
    """

    id: str
    name: str
    lat: float
    lon: float
    kind: str
    geonameid: int | None = None
    asciiname: str = ""
    feature_class: str | None = None
    feature_code: str | None = None
    country_code: str | None = None
    country_name: str | None = None
    admin1_code: str | None = None
    admin1_name: str | None = None
    population: int = 0
    alternate_names: tuple[str, ...] = ()
    source: str = ""
    native_name: str = ""  # the official or local name when ``name`` is the English one ("Donetska oblast")

    def to_dict(self, *, alternate_names: bool = False) -> dict[str, Any]:
        """JSON-ready record; alternate names only on request (they are long)."""
        d = asdict(self)
        if alternate_names:
            d["alternate_names"] = list(self.alternate_names)
        else:
            del d["alternate_names"]
        return d


@dataclass(slots=True)
class Candidate:
    """A place a name may refer to, with the evidence that ranked it."""

    place: Place
    primary: bool  # matched the record's primary (or official) name
    score: float = 0.0
    features: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "place": self.place.to_dict(),
            "primary": self.primary,
            "score": round(self.score, 4),
            "features": {k: round(v, 4) for k, v in self.features.items()},
        }


@dataclass(slots=True)
class Mention:
    """One place name in a text, and the place it was resolved to.

    ``start``/``end`` are Python string offsets into the parsed text.
    ``kind`` is ``"toponym"`` for a place name, ``"demonym"`` for an adjective or
    people-name standing for a country ("Russian forces"), so consumers can hide
    those. ``approximate`` marks a name the gazetteer does not know that was given as a
    place: ``place`` is then the nearby place it was put at (``resolve.anchor``).
    """

    start: int
    end: int
    text: str
    snippet: str
    place: Place | None
    confidence: float = 0.0
    kind: str = "toponym"
    alternatives: list[Candidate] = field(default_factory=list)
    approximate: bool = False

    def to_dict(self, *, alternatives: bool = True) -> dict[str, Any]:
        d: dict[str, Any] = {
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "snippet": self.snippet,
            "kind": self.kind,
            "confidence": round(self.confidence, 4),
            "place": self.place.to_dict() if self.place else None,
            "approximate": self.approximate,
        }
        if alternatives:
            d["alternatives"] = [c.to_dict() for c in self.alternatives]
        return d


@dataclass(slots=True)
class FocusPlace:
    """A place the document is about, with a score in 0..1 (CLIFF's "focus")."""

    place: Place
    score: float
    mentions: int

    def to_dict(self) -> dict[str, Any]:
        return {"place": self.place.to_dict(), "score": round(self.score, 4), "mentions": self.mentions}


@dataclass(slots=True)
class ParsedDocument:
    """What the geoparser found in one text."""

    text: str
    mentions: list[Mention]
    focus: dict[str, list[FocusPlace]]  # keys: "countries", "regions", "cities"
    title: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "mentions": [m.to_dict() for m in self.mentions],
            "focus": {k: [f.to_dict() for f in v] for k, v in self.focus.items()},
        }


@dataclass(slots=True)
class Article:
    """One news article as ingested, before or after it is stored."""

    text: str
    title: str = ""
    url: str | None = None
    source: str | None = None
    published: datetime | None = None
    id: int | None = None  # set once stored

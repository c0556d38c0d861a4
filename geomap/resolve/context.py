"""What the rest of a document says about where it is: the evidence ranking weighs.

Built from every found name's candidates: which countries and first-level
regions the text names or implies, which name qualifies which ("Paris, Texas",
"Dublin in Ohio"), which names stand in one list ("Texas, Ohio and Georgia"),
what kind of place the words around a name say it is ("the state of
Washington"), where the dateline puts the article, and where the places
already resolved lie.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..gazetteer.normalise import normalise
from ..models import Candidate, Place
from ..recognise.spans import Found

__all__ = ["Context", "Cues", "Votes", "build_context", "region_key", "level"]

# "Paris, Texas", "Dublin in Ohio", "Springfield (Ill.)": the second name narrows the first.
_QUALIFIER_GAP = re.compile(r"^(?:\s*,\s*|\s+in\s+|\s*\(\s*|\s+of\s+)$")
# "Alabama, Georgia and Texas", "Egypt and Niger": a list ends in "and"/"or"; commas alone may be qualifiers.
_LIST_COMMA = re.compile(r"^\s*,\s*$")
_LIST_END = re.compile(r"^\s*,?\s+(?:and|or|&)\s+$")
# Words that say a name is a first-level region or a city: "Washington state", "the province of Ontario".
_REGION_AFTER = re.compile(r"\s+(?:state|province|oblast|governorate|prefecture)\b", re.IGNORECASE)  # also ends a span
_REGION_BEFORE = re.compile(r"\b(?:state|province|oblast|governorate|prefecture)s?\s+of\s+$", re.IGNORECASE)
_CITY_BEFORE = re.compile(r"\b(?:city|town)\s+of\s+$", re.IGNORECASE)


def region_key(p: Place) -> tuple[str, str] | None:
    """(country, admin1) of a place, the unit context is counted in."""
    if p.country_code and p.admin1_code:
        return (p.country_code, p.admin1_code)
    return None


def level(p: Place) -> tuple[str, str]:
    """What a list's members share: the kind, and the country below country level ("Texas and Georgia")."""
    return (p.kind, "") if p.kind in {"country", "continent", "water", "region"} else (p.kind, p.country_code or "")


COUNTRY_SELF = 0.5  # a country's own mention is weaker evidence for a town in it than a place there
# One mention's votes: for countries, and for (country, admin1) regions.
Votes = tuple[defaultdict[str, float], defaultdict[tuple[str, str], float]]


@dataclass(slots=True)
class Cues:
    """What the words around one mention say about it."""

    typed: str | None = None  # the kind the text gives it: "admin1" ("Washington state") or "city"
    qualifies: tuple[Place, ...] = ()  # candidates of the name it qualifies: Atlanta's for "Atlanta, Georgia"
    siblings: tuple[int, ...] = ()  # the other members of its list ("Texas, Ohio and Georgia")

    def any(self) -> bool:
        """True when the mention has evidence of its own that its namesakes do not share."""
        return bool(self.typed or self.qualifies or self.siblings)


@dataclass(slots=True)
class Context:
    """Per-document evidence. Votes are weights summed over mentions."""

    countries: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    regions: defaultdict[tuple[str, str], float] = field(default_factory=lambda: defaultdict(float))
    qualifier_of: dict[int, int] = field(default_factory=dict)  # mention index -> index of its qualifier
    home: Place | None = None  # the dateline's place
    points: dict[str, tuple[float, float, float]] = field(
        default_factory=dict
    )  # place id -> lat, lon (degrees), weight
    named_regions: dict[tuple[str, str], set[str]] = field(default_factory=dict)  # region -> ids of places naming it
    own: list[Votes] = field(default_factory=list)  # each mention's own votes (left out when ranking it)
    cues: list[Cues] = field(default_factory=list)
    levels: list[tuple[str, str] | None] = field(default_factory=list)  # level of each mention's pass-one place
    total: float = 0.0

    def country_share(self, cc: str | None, own: Mapping[str, float]) -> float:
        """Share of the document's country votes for ``cc``, leaving out the mention's own votes."""
        if not cc:
            return 0.0
        total = self.total - sum(own.values())
        return max(0.0, self.countries[cc] - own[cc]) / total if total > 0 else 0.0

    def region_share(self, key: tuple[str, str] | None, own: Mapping[tuple[str, str], float]) -> float:
        if key is None:
            return 0.0
        total = self.total - sum(own.values())
        return max(0.0, self.regions[key] - own[key]) / total if total > 0 else 0.0


def _votes(cands: Sequence[Candidate]) -> Votes:
    """How one mention votes: spread over its candidates by prior, one vote in all."""
    countries: defaultdict[str, float] = defaultdict(float)
    regions: defaultdict[tuple[str, str], float] = defaultdict(float)
    top = cands[:10]
    total = sum(c.score for c in top)
    if total <= 0:
        return countries, regions
    for c in top:
        w = c.score / total
        if c.place.country_code:
            countries[c.place.country_code] += w * (COUNTRY_SELF if c.place.kind == "country" else 1.0)
        key = region_key(c.place)
        if key and c.place.kind != "country":
            regions[key] += w
    return countries, regions


def _add(into: defaultdict[Any, float], votes: Mapping[Any, float]) -> None:
    """Sum ``votes`` into ``into`` (what ``Counter.update`` does, for float weights)."""
    for key, weight in votes.items():
        into[key] += weight


def build_context(text: str, found: Sequence[Found], candidates: Sequence[Sequence[Candidate]]) -> Context:
    """The document's context, with each mention's own votes and cues."""
    ctx = Context()
    namesakes: dict[str, Votes] = {}
    for f, cands in zip(found, candidates):
        weight = 0.5 if f.kind == "demonym" else 1.0
        countries, regions = _votes(cands)
        for cc in countries:
            countries[cc] *= weight
        for region in regions:
            regions[region] *= weight
        _add(ctx.countries, countries)
        _add(ctx.regions, regions)
        ctx.total += weight if cands else 0.0
        key = normalise(f.name)
        if key in namesakes:  # a name is no evidence for itself: its namesakes' votes are its own
            _add(namesakes[key][0], countries)
            _add(namesakes[key][1], regions)
        else:
            namesakes[key] = (countries, regions)
        ctx.own.append(namesakes[key])
        ctx.cues.append(Cues(typed=_typed(text, f)))
        if f.source == "dateline" and cands and ctx.home is None:
            ctx.home = cands[0].place
    for i in range(len(found) - 1):
        a, b = found[i], found[i + 1]
        if candidates[i + 1] and _QUALIFIER_GAP.match(text[a.end : b.start]) and b.kind != "demonym":
            ctx.qualifier_of[i] = i + 1
            ctx.cues[i + 1].qualifies = tuple(c.place for c in candidates[i][:10])
    for members in _lists(text, found):
        for i in members:
            ctx.cues[i].siblings = tuple(j for j in members if j != i)
    return ctx


def _typed(text: str, f: Found) -> str | None:
    if (
        _REGION_AFTER.match(text, f.end)
        or _REGION_AFTER.search(f.text)
        or _REGION_BEFORE.search(text, max(0, f.start - 20), f.start)
    ):
        return "admin1"
    if _CITY_BEFORE.search(text, max(0, f.start - 15), f.start):
        return "city"
    return None


def _lists(text: str, found: Sequence[Found]) -> list[list[int]]:
    """Runs of names joined by commas that end in "and"/"or" ("A, B and C", "A and B")."""
    out: list[list[int]] = []
    run: list[int] = []
    for i in range(len(found)):
        if run:
            gap = text[found[i - 1].end : found[i].start]
            if _LIST_END.match(gap):
                out.append([*run, i])
                run = []
                continue
            if not _LIST_COMMA.match(gap):
                run = []
        if found[i].kind == "demonym":
            run = []
            continue
        run.append(i)
    return out

"""What the rest of a document says about where it is: the evidence ranking weighs.

Built from every found name's candidates: which countries and first-level
regions the text names or implies, which name qualifies which ("Paris, Texas",
"Dublin in Ohio"), where the dateline puts the article, and where the places
already resolved lie.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..models import Candidate, Place
from ..recognise.spans import Found

__all__ = ["Context", "Votes", "build_context", "region_key"]

# "Paris, Texas", "Dublin in Ohio", "Springfield (Ill.)": the second name narrows the first.
_QUALIFIER_GAP = re.compile(r"^(?:\s*,\s*|\s+in\s+|\s*\(\s*|\s+of\s+)$")


def region_key(p: Place) -> tuple[str, str] | None:
    """(country, admin1) of a place, the unit context is counted in."""
    if p.country_code and p.admin1_code:
        return (p.country_code, p.admin1_code)
    return None


# One mention's votes: for countries, and for (country, admin1) regions.
Votes = tuple[Counter[str], Counter[tuple[str, str]]]


@dataclass(slots=True)
class Context:
    """Per-document evidence. Votes are weights summed over mentions."""

    countries: Counter[str] = field(default_factory=Counter)
    regions: Counter[tuple[str, str]] = field(default_factory=Counter)
    qualifier_of: dict[int, int] = field(default_factory=dict)  # mention index -> index of its qualifier
    home: Place | None = None  # the dateline's place
    points: dict[str, tuple[float, float, float]] = field(default_factory=dict)  # place id -> lat, lon (radians), weight
    named_regions: dict[tuple[str, str], set[str]] = field(default_factory=dict)  # region -> ids of places naming it
    total: float = 0.0

    def country_share(self, cc: str | None, own: Counter[str]) -> float:
        """Share of the document's country votes for ``cc``, leaving out the mention's own votes."""
        if not cc:
            return 0.0
        total = self.total - sum(own.values())
        return max(0.0, self.countries[cc] - own[cc]) / total if total > 0 else 0.0

    def region_share(self, key: tuple[str, str] | None, own: Counter[tuple[str, str]]) -> float:
        if key is None:
            return 0.0
        total = self.total - sum(own.values())
        return max(0.0, self.regions[key] - own[key]) / total if total > 0 else 0.0


def _votes(cands: Sequence[Candidate]) -> Votes:
    """How one mention votes: spread over its candidates by prior, one vote in all."""
    countries: Counter[str] = Counter()
    regions: Counter[tuple[str, str]] = Counter()
    top = cands[:10]
    total = sum(c.score for c in top)
    if total <= 0:
        return countries, regions
    for c in top:
        w = c.score / total
        if c.place.country_code:
            countries[c.place.country_code] += w
        key = region_key(c.place)
        if key and c.place.kind != "country":
            regions[key] += w
    return countries, regions


def build_context(text: str, found: Sequence[Found], candidates: Sequence[Sequence[Candidate]]) -> tuple[Context, list[Votes]]:
    """The document's context and each mention's own votes (left out when ranking that mention)."""
    ctx = Context()
    own = []
    for f, cands in zip(found, candidates):
        weight = 0.5 if f.kind == "demonym" else 1.0
        countries, regions = _votes(cands)
        for k in countries:
            countries[k] *= weight
        for k in regions:
            regions[k] *= weight
        ctx.countries.update(countries)
        ctx.regions.update(regions)
        ctx.total += weight if cands else 0.0
        own.append((countries, regions))
        if f.source == "dateline" and cands and ctx.home is None:
            ctx.home = cands[0].place
    for i in range(len(found) - 1):
        a, b = found[i], found[i + 1]
        if candidates[i + 1] and _QUALIFIER_GAP.match(text[a.end:b.start]) and b.kind != "demonym":
            ctx.qualifier_of[i] = i + 1
    return ctx, own

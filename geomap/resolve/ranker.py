"""Choosing among candidates: evidence per candidate, scored by a pluggable ``Ranker``.

The default ranker is a hand-weighted sum (``WeightedSum`` with ``WEIGHTS``);
another is chosen by name with ``GEOMAP_RANKER`` (a built-in or a package's
``geomap.rankers`` entry point), and ``GEOMAP_RANKER_WEIGHTS`` points the
weighted sum at a JSON file of weights (what ``benchmarks/train_ranker.py --out``
writes).

Features (each 0..1 unless noted), all visible in ``Candidate.features`` and
``geomap extract --explain``:

- ``prior``: the gazetteer's prior (kind, population, primary vs alternate name);
- ``qualified``: the name is qualified by the place's country or region ("Paris, Texas");
- ``country``/``region``: share of the document's other mentions that point to the
  candidate's country / first-level region (a mention of the country itself counts half:
  "U.S." says less about a small US town than a US city or state does);
- ``named_region``: the candidate lies in a first-level region the document names
  ("Georgia", "Ga.") — the local-lexicon cue that settles "Gainesville" in a Georgia paper;
- ``home``: the candidate lies in the dateline place's country or region;
- ``near``: closeness to the other places already resolved (spatial minimality);
- ``shadowed``: the name is also the primary name of a country or first-level region, and
  this candidate is a town sharing it (negative weight);
- ``seat``: the candidate is a region whose name means a city first: matched only by another
  name of its seat ("Mecca": the city, not Makkah province), named after a seat that holds at
  least half its people (Saint-Louis, Senegal), or a district dwarfed tenfold by a city of its
  name elsewhere (Saint Louis, Seychelles, beside St. Louis, Missouri); such a region does not
  shadow towns of its name either (negative weight);
- ``qualifies``: the name qualifies the one before it and the candidate contains one of that
  name's places ("Atlanta, Georgia": the US state, which contains an Atlanta);
- ``typed``: the words around the name give its kind ("Washington state", "the province of Ontario");
- ``list``: share of the other names in the same list ("Texas, Ohio and Georgia") whose places
  are of the candidate's kind (and, below country level, in its country);
- ``contained``: the text places the name inside other names ("X is a city in Y County, Z",
  "Bakhmut, a town in the Donetsk region") and the candidate lies in the country, or the
  country and first-level region, of one of their likely places;
- ``partner``: the text places the name near another ("the Dallas-Fort Worth metro area",
  "30 miles north of Santa Barbara"): closeness of the candidate to that name's likely places.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

from ..config import Settings
from ..distance import great_circle_km
from ..errors import ConfigError
from ..models import Candidate, Place
from ..plugins import load_plugin
from .context import Context, level, region_key

__all__ = [
    "WEIGHTS",
    "FEATURES",
    "RANKER_GROUP",
    "DEFAULT_RANKER",
    "Ranker",
    "WeightedSum",
    "load_ranker",
    "rank",
    "contains",
]

# Set by hand. Weights learned by benchmarks/train_ranker.py (conditional logit, trained on one
# gold corpus, measured on the other with `geomap evaluate --gold-spans`) did not beat them on
# the held-out corpus in either direction: README, "How the ranker's weights were chosen".
WEIGHTS = {
    "prior": 3.5,
    "qualified": 3.0,
    "country": 1.6,
    "region": 3.0,
    "named_region": 2.0,
    "home": 0.8,
    "near": 2.4,
    "shadowed": -2.0,
    "seat": -1.5,
    "qualifies": 3.0,
    "typed": 2.0,
    "list": 2.0,
    "contained": 2.5,
    "partner": 2.0,
}
FEATURES: tuple[str, ...] = tuple(WEIGHTS)  # every feature ``rank`` fills in, in a fixed order
NEAR_KM = 300.0
PARTNER_KM = 100.0  # "north of X", "X-Y metro area": the two lie within tens of kilometres
CUE_CANDIDATES = 3  # a container's or partner's likely places: its first candidates by prior
RANKER_GROUP = "geomap.rankers"  # entry-point group of third-party rankers
DEFAULT_RANKER = "weighted"


@runtime_checkable
class Ranker(Protocol):
    """Turns one candidate's evidence (``FEATURES``, each named) into a score; higher is better.

    Scores only order a mention's candidates; ``resolve.confidence`` turns them into a probability.
    """

    def score(self, features: Mapping[str, float]) -> float: ...


class WeightedSum:
    """The default ranker: a weighted sum of the features (``WEIGHTS`` unless given others)."""

    def __init__(self, weights: Mapping[str, float] | None = None) -> None:
        given = dict(weights or WEIGHTS)
        unknown = set(given) - set(FEATURES)
        if unknown:
            raise ConfigError(f"unknown ranking features {sorted(unknown)}; known: {', '.join(FEATURES)}")
        self.weights = {k: float(given.get(k, 0.0)) for k in FEATURES}

    def score(self, features: Mapping[str, float]) -> float:
        return sum(w * features.get(k, 0.0) for k, w in self.weights.items())

    @classmethod
    def from_json(cls, path: Path) -> WeightedSum:
        """Weights from a JSON object ``{"feature": weight}`` (features it leaves out weigh 0)."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigError(f"cannot read ranker weights from {path}: {exc}") from None
        if not isinstance(data, dict) or not all(isinstance(v, int | float) for v in data.values()):
            raise ConfigError(f"{path} must hold a JSON object of feature names to numbers")
        return cls(data)

    def to_json(self, path: Path) -> None:
        path.write_text(json.dumps(self.weights, indent=2) + "\n", encoding="utf-8")

    @classmethod
    def from_settings(cls, settings: Settings) -> WeightedSum:
        """The hand weights, or those in ``settings.ranker_weights``."""
        return cls.from_json(settings.ranker_weights) if settings.ranker_weights else cls()


RankerFactory = Callable[[Settings], Ranker]
_BUILTIN_RANKERS: dict[str, RankerFactory] = {DEFAULT_RANKER: WeightedSum.from_settings}


def load_ranker(settings: Settings) -> Ranker:
    """The ranker ``settings.ranker`` names: built in, or a ``geomap.rankers`` entry point taking the settings."""
    ranker = load_plugin(RANKER_GROUP, settings.ranker, _BUILTIN_RANKERS)(settings)
    if not isinstance(ranker, Ranker):
        raise ConfigError(f"ranker {settings.ranker!r} has no score(features) method")
    return ranker


def contains(area: Place, p: Place) -> bool:
    """True when ``area`` (a country or first-level region) contains ``p``."""
    if area.kind == "country":
        return p.country_code == area.country_code
    if area.kind == "admin1":
        return p.country_code == area.country_code and p.admin1_code == area.admin1_code and p.id != area.id
    return False


def _near(p: Place, points: dict[str, tuple[float, float, float]], mine: tuple[str, float] | None) -> float:
    """Weighted mean closeness (1 at the same point, 0.5 at NEAR_KM) to where the other mentions were put.

    ``mine`` is this mention's own pass-one place and weight, left out.
    """
    num = den = 0.0
    for place_id, (lat2, lon2, w) in points.items():  # degrees
        if mine is not None and place_id == mine[0]:
            w -= mine[1]
        if w <= 1e-9:
            continue
        num += w / (1.0 + great_circle_km(p.lat, p.lon, lat2, lon2) / NEAR_KM)
        den += w
    return num / den if den else 0.0


def _named_region(p: Place, ctx: Context, mine: tuple[str, float] | None) -> float:
    """1 when another mention names the candidate's first-level region."""
    key = region_key(p) if p.kind not in {"country", "admin1"} else None
    if key is None or key not in ctx.named_regions:
        return 0.0
    namers = ctx.named_regions[key]
    return 1.0 if namers - {mine[0] if mine else ""} else 0.0


def _within(area: Place, p: Place) -> bool:
    """``p`` lies in ``area``'s country and, below country level, in its first-level region."""
    if area.id == p.id or not area.country_code or area.country_code != p.country_code:
        return False
    return area.kind in {"country", "continent", "region"} or region_key(area) == region_key(p)


def _contained(p: Place, ctx: Context, containers: Sequence[int]) -> float:
    """1 when a container named by the text likely holds the candidate (by its first candidates)."""
    for j in containers:
        if any(_within(c.place, p) for c in ctx.candidates[j][:CUE_CANDIDATES]):
            return 1.0
    return 0.0


def _partner(p: Place, ctx: Context, partners: Sequence[int]) -> float:
    """Closeness (1 at the same point, 0.5 at PARTNER_KM) to the nearest likely place of a partner name."""
    best = 0.0
    for j in partners:
        for c in ctx.candidates[j][:CUE_CANDIDATES]:
            if c.place.id != p.id:
                d = great_circle_km(p.lat, p.lon, c.place.lat, c.place.lon)
                best = max(best, 1.0 / (1.0 + d / PARTNER_KM))
    return best


def _list_share(p: Place, ctx: Context, siblings: Sequence[int]) -> float:
    """Share of the list's other members whose pass-one place is at the candidate's level."""
    levels = [ctx.levels[j] for j in siblings if j < len(ctx.levels) and ctx.levels[j] is not None]
    return sum(lv == level(p) for lv in levels) / len(levels) if levels else 0.0


_HAND = WeightedSum()


def rank(
    cands: list[Candidate],
    ctx: Context,
    i: int,
    qualifier: Place | None,
    mine: tuple[str, float] | None = None,
    ranker: Ranker | None = None,
) -> list[Candidate]:
    """Score every candidate of mention ``i`` with ``ranker`` (default: the hand-weighted sum), best first.

    Each candidate's ``features`` and ``score`` are filled in.

    ``mine`` is the mention's pass-one place and confidence, so it does not count as its own neighbour.
    """
    ranker = ranker or _HAND
    own_countries, own_regions = ctx.own[i]
    cues = ctx.cues[i]
    for c in cands:
        p = c.place
        f = {
            "prior": c.score if c.features.get("prior") is None else c.features["prior"],
            "qualified": 1.0 if qualifier is not None and contains(qualifier, p) else 0.0,
            "country": ctx.country_share(p.country_code, own_countries),
            "region": ctx.region_share(region_key(p), own_regions) if p.kind != "country" else 0.0,
            "named_region": _named_region(p, ctx, mine),
            "home": 0.0,
            "near": _near(p, ctx.points, mine) if ctx.points else 0.0,
            "shadowed": c.features.get("shadowed", 0.0),
            "seat": c.features.get("seat", 0.0),
            "qualifies": 1.0 if any(contains(p, q) for q in cues.qualifies) else 0.0,
            "typed": 1.0 if cues.typed == p.kind else 0.0,
            "list": _list_share(p, ctx, cues.siblings) if cues.siblings else 0.0,
            "contained": _contained(p, ctx, cues.containers) if cues.containers else 0.0,
            "partner": _partner(p, ctx, cues.partners) if cues.partners else 0.0,
        }
        if ctx.home is not None and ctx.home.id != p.id:
            home = ctx.home
            if home.country_code == p.country_code:
                f["home"] = 0.5 + (0.5 if region_key(home) == region_key(p) and region_key(p) else 0.0)
        c.features = f
        c.score = ranker.score(f)
    cands.sort(key=lambda c: -c.score)
    return cands

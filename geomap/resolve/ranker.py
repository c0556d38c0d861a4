"""Choosing among candidates: a weighted sum of evidence, reported per candidate.

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
- ``seat``: the candidate is a region matched only by another name of its seat city, which is
  also a candidate ("Mecca": the city, not Makkah province; negative weight);
- ``qualifies``: the name qualifies the one before it and the candidate contains one of that
  name's places ("Atlanta, Georgia": the US state, which contains an Atlanta);
- ``typed``: the words around the name give its kind ("Washington state", "the province of Ontario");
- ``list``: share of the other names in the same list ("Texas, Ohio and Georgia") whose places
  are of the candidate's kind (and, below country level, in its country).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from ..distance import EARTH_RADIUS_KM
from ..models import Candidate, Place
from .context import Context, level, region_key

__all__ = ["WEIGHTS", "rank", "confidence", "contains"]

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
}
NEAR_KM = 300.0


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
    lat1, lon1 = math.radians(p.lat), math.radians(p.lon)
    cos1 = math.cos(lat1)
    for place_id, (lat2, lon2, w) in points.items():  # radians
        if mine is not None and place_id == mine[0]:
            w -= mine[1]
        if w <= 1e-9:
            continue
        a = math.sin((lat2 - lat1) / 2) ** 2 + cos1 * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
        d = 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))
        num += w / (1.0 + d / NEAR_KM)
        den += w
    return num / den if den else 0.0


def _named_region(p: Place, ctx: Context, mine: tuple[str, float] | None) -> float:
    """1 when another mention names the candidate's first-level region."""
    key = region_key(p) if p.kind not in {"country", "admin1"} else None
    if key is None or key not in ctx.named_regions:
        return 0.0
    namers = ctx.named_regions[key]
    return 1.0 if namers - {mine[0] if mine else ""} else 0.0


def _list_share(p: Place, ctx: Context, siblings: Sequence[int]) -> float:
    """Share of the list's other members whose pass-one place is at the candidate's level."""
    levels = [ctx.levels[j] for j in siblings if j < len(ctx.levels) and ctx.levels[j] is not None]
    return sum(lv == level(p) for lv in levels) / len(levels) if levels else 0.0


def rank(
    cands: list[Candidate],
    ctx: Context,
    i: int,
    qualifier: Place | None,
    mine: tuple[str, float] | None = None,
) -> list[Candidate]:
    """Score every candidate of mention ``i`` and sort best first (scores and features filled in).

    ``mine`` is the mention's pass-one place and confidence, so it does not count as its own neighbour.
    """
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
        }
        if ctx.home is not None and ctx.home.id != p.id:
            home = ctx.home
            if home.country_code == p.country_code:
                f["home"] = 0.5 + (0.5 if region_key(home) == region_key(p) and region_key(p) else 0.0)
        c.features = f
        c.score = sum(WEIGHTS[k] * v for k, v in f.items())
    cands.sort(key=lambda c: -c.score)
    return cands


def confidence(cands: Sequence[Candidate]) -> float:
    """Softmax probability of the best candidate among the top five."""
    if not cands:
        return 0.0
    top = [c.score for c in cands[:5]]
    m = max(top)
    exps = [math.exp(s - m) for s in top]
    return exps[0] / sum(exps)

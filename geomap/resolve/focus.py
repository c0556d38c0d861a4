"""The document focus: which countries, regions and cities an article is about (CLIFF's term)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence

from ..models import FocusPlace, Mention, Place

__all__ = ["document_focus", "FOCUS_SIZE"]

FOCUS_SIZE = 5
_WEIGHT = {"toponym": 1.0, "demonym": 0.5}


def document_focus(
    mentions: Sequence[Mention],
    country: Callable[[str], Place | None],
    admin1: Callable[[str, str], Place | None],
) -> dict[str, list[FocusPlace]]:
    """Countries, regions and cities ranked by their share of the (weighted) mentions.

    A city counts for its region and country too, so an article about Bakhmut
    and Avdiivka has Donetsk oblast and Ukraine in its focus.
    """
    groups: dict[str, dict[str, list]] = {"countries": {}, "regions": {}, "cities": {}}
    score: dict[str, dict[str, float]] = {k: defaultdict(float) for k in groups}
    total = 0.0
    for m in mentions:
        p = m.place
        if p is None:
            continue
        w = _WEIGHT.get(m.kind, 1.0) * max(m.confidence, 0.1)
        total += w
        if p.kind == "city":
            _add(groups, score, "cities", p, w)
        if p.kind in {"admin1"}:
            _add(groups, score, "regions", p, w)
        elif p.country_code and p.admin1_code and p.kind in {"city", "admin2"}:
            region = admin1(p.country_code, p.admin1_code)
            if region is not None:
                _add(groups, score, "regions", region, w)
        if p.kind == "country":
            _add(groups, score, "countries", p, w)
        elif p.country_code:
            c = country(p.country_code)
            if c is not None:
                _add(groups, score, "countries", c, w)
    out: dict[str, list[FocusPlace]] = {}
    for key, places in groups.items():
        ranked = sorted(places.values(), key=lambda e: -score[key][e[0].id])
        out[key] = [
            FocusPlace(place=p, score=round(score[key][p.id] / total, 4) if total else 0.0, mentions=n)
            for p, n in (e for e in ranked[:FOCUS_SIZE])
        ]
    return out


def _add(groups: dict[str, dict[str, list]], score: dict[str, dict[str, float]], key: str, p: Place, w: float) -> None:
    entry = groups[key].setdefault(p.id, [p, 0])
    entry[1] += 1
    score[key][p.id] += w

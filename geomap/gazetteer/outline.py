"""The middle of a country's outline: where a reader expects its marker.

countryinfo ships each country's outline as GeoJSON. Its area-weighted
centroid decides between two candidate country points (GeoNames' own and
countryinfo's): the one nearer the middle wins, so Canada sits in the middle
of Canada rather than at GeoNames' point in Alberta.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

__all__ = ["outline_centre"]

Ring = Sequence[Sequence[float]]


def _ring(ring: Ring) -> tuple[float, float, float]:
    """Signed area and centroid (lon, lat) of one ring, in a local equal-area projection."""
    lat0 = sum(pt[1] for pt in ring) / len(ring)
    k = math.cos(math.radians(lat0)) or 1e-9
    pts = [(pt[0] * k, pt[1]) for pt in ring]
    area = cx = cy = 0.0
    for (x1, y1), (x2, y2) in zip(pts, pts[1:] + pts[:1]):
        cross = x1 * y2 - x2 * y1
        area += cross
        cx += (x1 + x2) * cross
        cy += (y1 + y2) * cross
    if area == 0:
        return 0.0, 0.0, 0.0
    return abs(area) / 2 * k, cx / (3 * area) / k, cy / (3 * area)


def outline_centre(geojson: Any) -> tuple[float, float] | None:
    """(lat, lon) of the area-weighted centroid of a GeoJSON outline's outer rings; None without one.

    Accepts a FeatureCollection, Feature, Polygon or MultiPolygon. Outlines that
    cross the antimeridian are rare among countries and come out skewed; the
    caller only uses this to choose between two points.
    """
    if not isinstance(geojson, dict):
        return None
    if geojson.get("type") == "FeatureCollection":
        features = geojson.get("features") or []
        return outline_centre(features[0]) if features else None
    if geojson.get("type") == "Feature":
        return outline_centre(geojson.get("geometry"))
    kind, coords = geojson.get("type"), geojson.get("coordinates")
    polygons: list = (coords or []) if kind == "MultiPolygon" else [coords] if kind == "Polygon" else []
    parts = [_ring(p[0]) for p in polygons if p and len(p[0]) >= 3]
    total = sum(a for a, _, _ in parts)
    if total <= 0:
        return None
    return sum(a * lat for a, _, lat in parts) / total, sum(a * lon for a, lon, _ in parts) / total

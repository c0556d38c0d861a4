"""Place records from the store as GeoJSON, and JSON safe inside ``<script>`` (other formats: ``formats.py``)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

__all__ = ["PLACE_FIELDS", "place_feature", "feature_collection", "script_json"]

PLACE_FIELDS = (
    "id",
    "name",
    "native_name",
    "lat",
    "lon",
    "kind",
    "geonameid",
    "country_code",
    "admin1_name",
    "population",
    "mentions",
    "articles",
    "last_published",
)


def _jsonable(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def place_feature(place: dict[str, Any], extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """One GeoJSON point feature; every place field except lat/lon goes into ``properties``."""
    props = {k: _jsonable(v) for k, v in place.items() if k not in {"lat", "lon"}}
    if extra:
        props.update(extra)
    return {
        "type": "Feature",
        "id": place["id"],
        "geometry": {"type": "Point", "coordinates": [round(place["lon"], 5), round(place["lat"], 5)]},
        "properties": props,
    }


def feature_collection(features: Iterable[dict[str, Any]], **members: Any) -> dict[str, Any]:
    """A GeoJSON FeatureCollection with extra foreign members (total, limit...)."""
    return {"type": "FeatureCollection", "features": list(features), **members}


def script_json(value: Any) -> str:
    """JSON that cannot end a ``<script>`` element or open an HTML comment, whatever strings it holds."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_jsonable)
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )

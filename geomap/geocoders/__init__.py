"""Geocoding for callers that think in geopy terms: the offline gazetteer, then an optional online service.

``geocode()`` is what the CLI and the web API call.
"""

from __future__ import annotations

from collections.abc import Iterable

from geopy.location import Location

from ..config import Settings, load_settings
from .offline import Gazetteer, country_filter, place_location
from .online import GeocodeCache, OnlineGeocoder

__all__ = ["Gazetteer", "OnlineGeocoder", "GeocodeCache", "geocode", "place_location"]

_ONLINE: dict[tuple, OnlineGeocoder] = {}


def geocode(
    query: str,
    *,
    settings: Settings | None = None,
    limit: int = 10,
    country_codes: str | Iterable[str] | None = None,
) -> list[Location]:
    """Ranked places for ``query``: gazetteer first; the online service only when it finds nothing.

    Each ``Location.raw`` is a place record; online answers carry ``raw["source"]``
    = the service name. Raises ``InputError`` for bad country codes and
    ``GeocoderError`` when the online service fails.
    """
    settings = settings or load_settings()
    codes = country_filter(country_codes)
    found = Gazetteer(settings=settings).geocode(query, exactly_one=False, limit=limit, country_codes=codes) or []
    if found or not settings.online_geocoder or not isinstance(query, str) or not query.strip():
        return list(found)
    key = (settings.online_geocoder, repr(sorted(settings.online_geocoder_options.items())), settings.data_dir)
    online = _ONLINE.get(key)
    if online is None:
        online = _ONLINE[key] = OnlineGeocoder(settings)
    return online.geocode(query.strip(), limit=limit, country_codes=codes)

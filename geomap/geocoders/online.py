"""Optional online geocoders (Nominatim, Photon, ... through geopy) behind a rate limit and a cache.

Off unless ``Settings.online_geocoder`` names a geopy service. Each distinct query
is sent once: answers (also empty ones) are kept in a SQLite file, so repeated
runs and restarts cost no requests. Every geopy or network failure becomes a
``GeocoderError``.
"""

from __future__ import annotations

import inspect
import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from geopy.exc import GeocoderNotFound, GeopyError
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders import get_geocoder_for_service
from geopy.location import Location
from geopy.point import Point

from ..config import Settings
from ..errors import ConfigError, GeocoderError

__all__ = ["OnlineGeocoder", "GeocodeCache"]


class GeocodeCache:
    """Persistent answers of online geocoders, keyed by service and query."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, check_same_thread=False)
            self._db.execute("CREATE TABLE IF NOT EXISTS answers (key TEXT PRIMARY KEY, value TEXT, saved REAL)")
            self._db.commit()
        except (OSError, sqlite3.Error) as exc:
            raise GeocoderError(f"cannot open the geocoder cache {self.path}: {exc}") from None

    def get(self, key: str) -> list[Location] | None:
        """The cached answer (possibly empty), or None when the query was never asked."""
        with self._lock:
            row = self._db.execute("SELECT value FROM answers WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        return [Location(a, Point(lat, lon), raw) for a, lat, lon, raw in json.loads(row[0])]

    def put(self, key: str, locations: list[Location]) -> None:
        """Remember an answer."""
        value = json.dumps([[loc.address, loc.latitude, loc.longitude, loc.raw] for loc in locations], default=str)
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO answers VALUES (?, ?, ?)", (key, value, time.time()))
            self._db.commit()

    def close(self) -> None:
        """Close the database file."""
        with self._lock:
            self._db.close()


class OnlineGeocoder:
    """One configured geopy service, rate-limited and cached."""

    def __init__(self, settings: Settings) -> None:
        self.service = settings.online_geocoder.strip().lower()
        try:
            cls = get_geocoder_for_service(self.service)
        except GeocoderNotFound:
            raise ConfigError(
                f"online_geocoder={settings.online_geocoder!r} is not a geopy service (try 'nominatim' or 'photon')"
            ) from None
        options = dict(settings.online_geocoder_options)
        options.setdefault("user_agent", "geomap (https://github.com/geomap)")
        try:
            self.geocoder = cls(**options)
        except (TypeError, GeopyError) as exc:
            raise ConfigError(f"online_geocoder_options for {self.service!r} are not valid: {exc}") from None
        self._accepts = set(inspect.signature(self.geocoder.geocode).parameters)
        self._call = RateLimiter(
            self.geocoder.geocode,
            min_delay_seconds=settings.online_geocoder_min_delay,
            max_retries=0,
            swallow_exceptions=False,
        )
        self.cache = GeocodeCache(settings.geocoder_cache_path)

    def geocode(self, query: str, *, limit: int = 10, country_codes: set[str] | None = None) -> list[Location]:
        """Up to ``limit`` answers of the service for ``query`` (from the cache when asked before)."""
        key = json.dumps([self.service, query, limit, sorted(country_codes or ())])
        cached = self.cache.get(key)
        if cached is not None:
            return cached
        kwargs: dict[str, Any] = {"exactly_one": False}
        if "limit" in self._accepts:
            kwargs["limit"] = limit
        if country_codes and "country_codes" in self._accepts:
            kwargs["country_codes"] = sorted(c.lower() for c in country_codes)
        try:
            answer = self._call(query, **kwargs)
        except GeopyError as exc:
            raise GeocoderError(f"online geocoder {self.service!r} failed for {query!r}: {exc}") from None
        except OSError as exc:
            raise GeocoderError(f"online geocoder {self.service!r} is unreachable: {exc}") from None
        locations = [_tag(loc, self.service) for loc in (answer or [])][:limit]
        self.cache.put(key, locations)
        return locations


def _tag(location: Location, service: str) -> Location:
    raw = dict(location.raw) if isinstance(location.raw, dict) else {"raw": location.raw}
    raw.setdefault("source", service)
    return Location(location.address, location.point, raw)

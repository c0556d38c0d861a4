"""geopy's ``Geocoder`` interface over the offline gazetteer.

Code written against geopy (``geocode``/``reverse`` returning ``Location``) can use
geomap's index unchanged; ``Location.raw`` is the full place record.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from geopy.geocoders.base import DEFAULT_SENTINEL, Geocoder
from geopy.location import Location
from geopy.point import Point

from ..config import Settings
from ..errors import InputError
from ..gazetteer import PlaceIndex, get_gazetteer
from ..models import Candidate, Place

__all__ = ["Gazetteer", "place_location", "country_filter"]


def place_location(place: Place, extra: dict[str, Any] | None = None) -> Location:
    """A geopy ``Location`` for a place: address "name, region, country", raw = the full record."""
    parts = [place.name]
    for part in (place.admin1_name, place.country_name):
        if part and part not in parts:
            parts.append(part)
    raw = place.to_dict(alternate_names=True)
    raw.update(extra or {})
    return Location(", ".join(parts), Point(place.lat, place.lon), raw)


def country_filter(country_codes: str | Iterable[str] | None) -> set[str] | None:
    """Upper-case ISO codes from a string ("ua" or "ua,pl") or an iterable; None for no filter."""
    if country_codes is None:
        return None
    items = country_codes.split(",") if isinstance(country_codes, str) else list(country_codes)
    codes = {str(c).strip().upper() for c in items if str(c).strip()}
    bad = sorted(c for c in codes if len(c) != 2 or not c.isalpha())
    if bad:
        raise InputError(f"country codes must be ISO 3166-1 alpha-2 like 'UA': got {', '.join(bad)}")
    return codes or None


class Gazetteer(Geocoder):
    """Offline geocoder: ranked gazetteer candidates as geopy ``Location`` objects."""

    def __init__(self, index: PlaceIndex | None = None, *, settings: Settings | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("user_agent", "geomap")
        kwargs.setdefault("timeout", DEFAULT_SENTINEL)
        super().__init__(**kwargs)
        self._settings = settings
        self._index = index

    @property
    def index(self) -> PlaceIndex:
        """The place index (loaded, or built, on first use)."""
        if self._index is None:
            self._index = get_gazetteer(self._settings)
        return self._index

    def candidates(self, query: str, *, country_codes: str | Iterable[str] | None = None) -> list[Candidate]:
        """Ranked candidates for ``query``, optionally only in the given countries."""
        codes = country_filter(country_codes)
        found = self.index.lookup(query) if isinstance(query, str) else []
        if codes:
            found = [c for c in found if c.place.country_code in codes]
        return found

    def geocode(
        self,
        query: str,
        *,
        exactly_one: bool = True,
        limit: int | None = None,
        country_codes: str | Iterable[str] | None = None,
        timeout: Any = DEFAULT_SENTINEL,
    ) -> Location | list[Location] | None:
        """Best place called ``query`` (or a ranked list); None when nothing matches."""
        found = self.candidates(query, country_codes=country_codes)
        if exactly_one:
            found = found[:1]
        elif limit is not None:
            found = found[: max(int(limit), 0)]
        locations = [place_location(c.place, {"score": round(c.score, 4), "primary": c.primary}) for c in found]
        if exactly_one:
            return locations[0] if locations else None
        return locations or None

    def reverse(
        self, query: Any, *, exactly_one: bool = True, limit: int | None = None, timeout: Any = DEFAULT_SENTINEL
    ) -> Location | list[Location] | None:
        """The place(s) nearest to a point ("lat, lon", a (lat, lon) pair or a geopy ``Point``)."""
        try:
            point = Point(query)
        except (TypeError, ValueError) as exc:
            raise InputError(f"not a point {query!r}: {exc}") from None
        places = self.index.nearest(point.latitude, point.longitude, limit=1 if exactly_one else (limit or 10))
        locations = [place_location(p) for p in places]
        if exactly_one:
            return locations[0] if locations else None
        return locations or None

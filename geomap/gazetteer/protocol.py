"""What the rest of geomap needs from a place index, as a Protocol.

The recogniser, the resolver, the geocoders and the API only ever call these
methods, so any object that has them can stand in for the built-in index
(``CompactPlaceIndex``): a database-backed index, a remote service, or a
twenty-record index built in memory for a unit test
(``CompactPlaceIndex.from_records``). Which one geomap uses is a setting
(``Settings.place_index``, see ``geomap.gazetteer.registry``).
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from ..models import Candidate, Place

__all__ = ["PlaceIndex"]


@runtime_checkable
class PlaceIndex(Protocol):
    """A read-only index of places: by name, by id, by country or region code, by point."""

    def __len__(self) -> int:
        """Number of places."""
        ...

    def __contains__(self, name: object) -> bool:
        """Whether any place is called ``name`` (cheap: used while scanning text)."""
        ...

    def lookup(self, name: str) -> list[Candidate]:
        """Every place called ``name``, best prior first (fresh objects: callers may change them)."""
        ...

    def get(self, place_id: str) -> Place | None:
        """The place with this id ("gn:<geonameid>" or "geomap:<slug>"), or None."""
        ...

    def by_geonameid(self, geonameid: int) -> Place | None:
        """The place with this GeoNames id, whatever its place id, or None (CLIFF's ``geonames?id=``)."""
        ...

    def country(self, cc: str) -> Place | None:
        """The country with ISO 3166-1 alpha-2 code ``cc``, or None."""
        ...

    def admin1(self, cc: str, admin1_code: str) -> Place | None:
        """A first-level region by GeoNames admin1 code or ISO 3166-2 suffix, or None."""
        ...

    def nearest(self, lat: float, lon: float, limit: int = 1) -> list[Place]:
        """The ``limit`` places closest to (lat, lon), nearest first."""
        ...

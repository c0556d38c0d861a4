"""A twenty-record place index held in memory: ranking and recognition unit tests in milliseconds.

The records are real GeoNames places (ids, points, codes and populations as GeoNames
gives them, rounded) chosen for the ambiguities the resolver must settle: Paris in
France and in Texas, two Springfields, Georgia the country and the US state, Donetsk
the city and its region. ``CompactPlaceIndex.from_records`` files them exactly as the
full build files its quarter of a million, so a lookup here ranks as it would there.

Use the ``small_index`` fixture (tests/conftest.py), or in your own code::

    from geomap.gazetteer import CompactPlaceIndex
    index = CompactPlaceIndex.from_records([{"id": "gn:1", "name": "Here", "lat": 0, "lon": 0, "kind": "city"}])
"""

from __future__ import annotations

from typing import Any

from geomap.gazetteer import CompactPlaceIndex

__all__ = ["SMALL_RECORDS", "small_index"]

SMALL_RECORDS: tuple[dict[str, Any], ...] = (
    # countries
    {
        "id": "gn:690791",
        "name": "Ukraine",
        "lat": 49.0,
        "lon": 32.0,
        "kind": "country",
        "country_code": "UA",
        "feature_code": "PCLI",
        "population": 44_622_516,
    },
    {
        "id": "gn:6252001",
        "name": "United States",
        "lat": 39.76,
        "lon": -98.5,
        "kind": "country",
        "country_code": "US",
        "feature_code": "PCLI",
        "population": 327_167_434,
        "names": ["US", "USA", "America"],
    },
    {
        "id": "gn:3017382",
        "name": "France",
        "lat": 46.0,
        "lon": 2.0,
        "kind": "country",
        "country_code": "FR",
        "feature_code": "PCLI",
        "population": 66_987_244,
    },
    {
        "id": "gn:614540",
        "name": "Georgia",
        "lat": 42.0,
        "lon": 43.5,
        "kind": "country",
        "country_code": "GE",
        "feature_code": "PCLI",
        "population": 3_731_000,
    },
    # first-level regions
    {
        "id": "geomap:iso-UA-14",
        "name": "Donetsk Oblast",
        "lat": 48.0,
        "lon": 37.8,
        "kind": "admin1",
        "geonameid": 709716,
        "country_code": "UA",
        "admin1_code": "05",
        "feature_code": "ADM1",
        "alternates": ["Donetsk", "Donetska oblast"],
    },
    {
        "id": "geomap:iso-US-GA",
        "name": "Georgia",
        "lat": 32.75,
        "lon": -83.5,
        "kind": "admin1",
        "geonameid": 4197000,
        "country_code": "US",
        "admin1_code": "GA",
        "feature_code": "ADM1",
    },
    {
        "id": "geomap:iso-US-TX",
        "name": "Texas",
        "lat": 31.25,
        "lon": -99.25,
        "kind": "admin1",
        "geonameid": 4736286,
        "country_code": "US",
        "admin1_code": "TX",
        "feature_code": "ADM1",
    },
    {
        "id": "geomap:iso-US-IL",
        "name": "Illinois",
        "lat": 40.0,
        "lon": -89.25,
        "kind": "admin1",
        "geonameid": 4896861,
        "country_code": "US",
        "admin1_code": "IL",
        "feature_code": "ADM1",
    },
    {
        "id": "geomap:iso-US-MA",
        "name": "Massachusetts",
        "lat": 42.37,
        "lon": -71.86,
        "kind": "admin1",
        "geonameid": 6254926,
        "country_code": "US",
        "admin1_code": "MA",
        "feature_code": "ADM1",
    },
    # second-level area sharing a city's name and (nearly) its point
    {
        "id": "geomap:us-county-IL-sangamon",
        "name": "Sangamon County",
        "lat": 39.76,
        "lon": -89.66,
        "kind": "admin2",
        "geonameid": 4249472,
        "country_code": "US",
        "admin1_code": "IL",
        "feature_code": "ADM2",
    },
    # populated places
    {
        "id": "gn:709717",
        "name": "Donetsk",
        "lat": 48.023,
        "lon": 37.802,
        "kind": "city",
        "country_code": "UA",
        "admin1_code": "05",
        "population": 929_063,
        "feature_code": "PPLA",
    },
    {
        "id": "gn:703448",
        "name": "Kyiv",
        "lat": 50.454,
        "lon": 30.524,
        "kind": "city",
        "country_code": "UA",
        "admin1_code": "12",
        "population": 2_797_553,
        "feature_code": "PPLC",
        "alternates": ["Kiev", "Kyïv"],
    },
    {
        "id": "gn:2988507",
        "name": "Paris",
        "lat": 48.853,
        "lon": 2.349,
        "kind": "city",
        "country_code": "FR",
        "admin1_code": "11",
        "population": 2_138_551,
        "feature_code": "PPLC",
    },
    {
        "id": "gn:4717560",
        "name": "Paris",
        "lat": 33.661,
        "lon": -95.556,
        "kind": "city",
        "country_code": "US",
        "admin1_code": "TX",
        "population": 24_782,
        "feature_code": "PPLA2",
    },
    {
        "id": "gn:4250542",
        "name": "Springfield",
        "lat": 39.802,
        "lon": -89.644,
        "kind": "city",
        "country_code": "US",
        "admin1_code": "IL",
        "population": 116_565,
        "feature_code": "PPLA",
    },
    {
        "id": "gn:4951788",
        "name": "Springfield",
        "lat": 42.101,
        "lon": -72.590,
        "kind": "city",
        "country_code": "US",
        "admin1_code": "MA",
        "population": 153_606,
        "feature_code": "PPLA2",
    },
    {
        "id": "gn:4180439",
        "name": "Atlanta",
        "lat": 33.749,
        "lon": -84.388,
        "kind": "city",
        "country_code": "US",
        "admin1_code": "GA",
        "population": 463_878,
        "feature_code": "PPLA",
    },
    {
        "id": "gn:611717",
        "name": "Tbilisi",
        "lat": 41.694,
        "lon": 44.834,
        "kind": "city",
        "country_code": "GE",
        "admin1_code": "51",
        "population": 1_049_498,
        "feature_code": "PPLC",
        "alternates": ["Tiflis"],
    },
    # water
    {"id": "gn:630673", "name": "Black Sea", "lat": 43.0, "lon": 35.0, "kind": "water", "feature_code": "SEA"},
)


def small_index() -> CompactPlaceIndex:
    """A fresh index of ``SMALL_RECORDS`` (building it takes about a millisecond)."""
    return CompactPlaceIndex.from_records(SMALL_RECORDS)

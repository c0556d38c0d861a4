"""The near-twin rule: a bare name is the populated place, the area only when the text names it as one."""

from __future__ import annotations

import pytest

from geomap.gazetteer import CompactPlaceIndex
from geomap.models import Candidate
from geomap.resolve.twins import TWIN_KM, choose_twin, says_area

# Twins at (nearly) one point, and a namesake county far away.
TWINS = CompactPlaceIndex.from_records(
    [
        {"id": "gn:5036278", "name": "Mahnomen", "lat": 47.315, "lon": -95.969, "kind": "city", "population": 1_200},
        {
            "id": "geomap:us-county-27087",
            "name": "Mahnomen County",
            "lat": 47.33,
            "lon": -95.81,
            "kind": "admin2",
            "alternates": ["Mahnomen"],
            "geonameid": 5036279,
        },
        {
            "id": "gn:283506",
            "name": "Janīn",
            "lat": 32.461,
            "lon": 35.300,
            "kind": "city",
            "population": 39_000,
            "alternates": ["Jenin"],
        },
        {
            "id": "geomap:iso-PS-JEN",
            "name": "Jenin",
            "lat": 32.45,
            "lon": 35.28,
            "kind": "admin1",
            "geonameid": 7828733,
        },
        {"id": "gn:709717", "name": "Donetsk", "lat": 48.023, "lon": 37.802, "kind": "city", "population": 929_063},
        {
            "id": "geomap:iso-UA-14",
            "name": "Donetsk Oblast",
            "lat": 48.0,
            "lon": 37.8,
            "kind": "admin1",
            "alternates": ["Donetsk"],
            "geonameid": 709716,
        },
        {"id": "gn:4000001", "name": "Adams", "lat": 40.0, "lon": -90.0, "kind": "city", "population": 700},
        {
            "id": "geomap:us-county-17001",
            "name": "Adams County",
            "lat": 41.5,
            "lon": -91.0,
            "kind": "admin2",
            "alternates": ["Adams"],
        },
    ]
)


def _resolve(text: str, name: str, kind: str) -> Candidate:
    """``name`` in ``text`` as if ranking had put the candidate of ``kind`` first; the rule decides."""
    start = text.index(name)
    ranked = sorted(TWINS.lookup(name), key=lambda c: c.place.kind != kind)
    return choose_twin(text, start, start + len(name), ranked, ranked[0])


@pytest.mark.parametrize(
    ("text", "name", "ranked_first", "expected"),
    [
        ("Highway 200 east of Mahnomen was closed.", "Mahnomen", "admin2", "gn:5036278"),
        ("Mahnomen County deputies closed it.", "Mahnomen", "city", "geomap:us-county-27087"),
        (
            "Mahnomen County deputies closed it.",
            "Mahnomen County",
            "admin2",
            "geomap:us-county-27087",
        ),
        ("Troops entered the Jenin refugee camp.", "Jenin", "admin1", "gn:283506"),
        ("Clashes across Jenin governorate.", "Jenin", "admin1", "geomap:iso-PS-JEN"),
        ("Shelling hit Donetsk overnight.", "Donetsk", "admin1", "gn:709717"),
        ("Shelling hit the Donetsk region overnight.", "Donetsk region", "admin1", "geomap:iso-UA-14"),
        ("Shelling hit the Donetsk region overnight.", "Donetsk", "city", "geomap:iso-UA-14"),
        # no twin within TWIN_KM: the ranking's choice stands
        ("Farmers in Adams met.", "Adams", "admin2", "geomap:us-county-17001"),
    ],
)
def test_the_rule_picks_the_record_the_text_means(text: str, name: str, ranked_first: str, expected: str) -> None:
    assert _resolve(text, name, ranked_first).place.id == expected


def test_area_words_count_inside_the_name_or_right_after_it() -> None:
    assert says_area("the Donetsk region", 4, 18)
    assert says_area("Mahnomen County deputies", 0, 8)
    assert not says_area("Tipperary District Court", 0, 9)  # a court, not the district
    assert says_area("Tipperary District Court", 0, 18)  # the span itself says District
    assert not says_area("Mahnomen, County Road 3", 0, 8)
    assert TWIN_KM >= 20  # a county's point (the mean of its towns) lies tens of km from its seat

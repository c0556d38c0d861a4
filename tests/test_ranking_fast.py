"""Ranking, context cues and candidate finding on a small in-memory index: no spaCy, milliseconds each.

The records below are real places (GeoNames points, rounded) chosen so that each cue has to
overturn the gazetteer's prior: Santa Maria in Brazil is bigger than Santa Maria, California.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from geomap.config import load_settings
from geomap.errors import ConfigError
from geomap.gazetteer import CompactPlaceIndex
from geomap.models import Place
from geomap.recognise.spans import Found
from geomap.resolve import Resolver
from geomap.resolve.candidates import candidates_for
from geomap.resolve.context import build_context
from geomap.resolve.ranker import FEATURES, WEIGHTS, Ranker, WeightedSum, load_ranker

RECORDS: tuple[dict[str, Any], ...] = (
    {"id": "gn:3469034", "name": "Brazil", "lat": -10.0, "lon": -55.0, "kind": "country", "country_code": "BR"},
    {"id": "gn:6252001", "name": "United States", "lat": 39.76, "lon": -98.5, "kind": "country", "country_code": "US"},
    {"id": "gn:1694008", "name": "Philippines", "lat": 13.0, "lon": 122.0, "kind": "country", "country_code": "PH"},
    {
        "id": "gn:5332921",
        "name": "California",
        "lat": 37.25,
        "lon": -119.75,
        "kind": "admin1",
        "country_code": "US",
        "admin1_code": "CA",
    },
    {
        "id": "gn:3451133",
        "name": "Rio Grande do Sul",
        "lat": -30.0,
        "lon": -53.5,
        "kind": "admin1",
        "country_code": "BR",
        "admin1_code": "23",
    },
    {
        "id": "gn:5392329",
        "name": "Santa Barbara County",
        "lat": 34.67,
        "lon": -120.02,
        "kind": "admin2",
        "country_code": "US",
        "admin1_code": "CA",
    },
    {
        "id": "gn:3450083",
        "name": "Santa Maria",
        "lat": -29.68,
        "lon": -53.81,
        "kind": "city",
        "country_code": "BR",
        "admin1_code": "23",
        "population": 249_219,
    },
    {
        "id": "gn:5393180",
        "name": "Santa Maria",
        "lat": 34.95,
        "lon": -120.44,
        "kind": "city",
        "country_code": "US",
        "admin1_code": "CA",
        "population": 106_290,
    },
    {
        "id": "gn:5392952",
        "name": "Santa Barbara",
        "lat": 34.42,
        "lon": -119.70,
        "kind": "city",
        "country_code": "US",
        "admin1_code": "CA",
        "population": 88_410,
    },
    {
        "id": "gn:3450144",
        "name": "Santa Barbara",
        "lat": -21.0,
        "lon": -48.4,
        "kind": "city",
        "country_code": "BR",
        "admin1_code": "27",
        "population": 190_000,
    },
)


@pytest.fixture(scope="module")
def index() -> CompactPlaceIndex:
    return CompactPlaceIndex.from_records(RECORDS)


def _found(text: str, *names: str) -> list[Found]:
    """The given names as found spans, each at its first occurrence after the previous one."""
    out, pos = [], 0
    for name in names:
        start = text.index(name, pos)
        out.append(Found(start, start + len(name), name, "gold"))
        pos = start + len(name)
    return out


def _resolve(index: CompactPlaceIndex, text: str, *names: str, ranker: Ranker | None = None) -> dict[str, Place]:
    mentions, _ = Resolver(index, index.lookup, ranker=ranker).resolve(text, _found(text, *names))
    return {m.text: m.place for m in mentions if m.place is not None}


def test_without_cues_the_prior_picks_the_bigger_namesake(index: CompactPlaceIndex) -> None:
    assert _resolve(index, "Santa Maria won again.", "Santa Maria")["Santa Maria"].country_code == "BR"


def test_a_city_in_a_county_is_placed_in_that_county(index: CompactPlaceIndex) -> None:
    text = "Santa Maria is a city in Santa Barbara County, California."
    mentions, _ = Resolver(index, index.lookup).resolve(text, _found(text, "Santa Maria", "Santa Barbara County"))
    santa_maria = mentions[0]
    assert (santa_maria.place.country_code, santa_maria.place.admin1_code) == ("US", "CA")
    assert santa_maria.alternatives[0].features["contained"] == 1.0


def test_the_container_cue_holds_further_along_the_sentence(index: CompactPlaceIndex) -> None:
    text = "Santa Maria, which grew up around the railway, is a small town in the state of California."
    mentions, _ = Resolver(index, index.lookup).resolve(text, _found(text, "Santa Maria", "California"))
    assert mentions[0].place.country_code == "US"
    assert mentions[0].alternatives[0].features["contained"] == 1.0


def test_a_municipality_in_the_province_of(index: CompactPlaceIndex) -> None:
    ctx_text = "Santa Maria is a municipality in the province of Rio Grande do Sul, Brazil."
    found = _found(ctx_text, "Santa Maria", "Rio Grande do Sul", "Brazil")
    ctx = build_context(ctx_text, found, [candidates_for(f, index.lookup) for f in found])
    assert ctx.cues[0].containers == (1, 2)


def test_a_postal_abbreviation_qualifies_the_name_before_it(index: CompactPlaceIndex) -> None:
    text = "Santa Maria, CA has a new library."
    found = _found(text, "Santa Maria", "CA")
    found[1].source, found[1].lookup, found[1].country = "abbreviation", "California", "US"  # as recognition gives it
    mentions, _ = Resolver(index, index.lookup).resolve(text, found)
    assert mentions[0].place is not None and mentions[0].place.country_code == "US"
    assert mentions[0].alternatives[0].features["qualified"] == 1.0


def test_north_of_a_place_puts_the_name_near_it(index: CompactPlaceIndex) -> None:
    text = "The fire reached Santa Maria, about 60 miles north of Santa Barbara, by nightfall."
    found = _found(text, "Santa Maria")  # only Santa Maria is asked; Santa Barbara is evidence
    evidence = _found(text, "Santa Barbara")
    mentions, _ = Resolver(index, index.lookup).resolve(text, found, evidence=evidence)
    assert [m.text for m in mentions] == ["Santa Maria"]  # evidence is not returned
    assert mentions[0].place.country_code == "US"
    assert mentions[0].alternatives[0].features["partner"] > 0.5


def test_a_hyphenated_metro_area_pairs_the_two_names(index: CompactPlaceIndex) -> None:
    text = "Home prices rose in the Santa Maria-Santa Barbara metro area."
    places = _resolve(index, text, "Santa Maria", "Santa Barbara")
    assert {p.country_code for p in places.values()} == {"US"}


def test_a_hyphen_without_an_area_word_pairs_nothing(index: CompactPlaceIndex) -> None:
    text = "The Santa Maria-Santa Barbara match ended level."
    found = _found(text, "Santa Maria", "Santa Barbara")
    ctx = build_context(text, found, [candidates_for(f, index.lookup) for f in found])
    assert ctx.cues[0].partners == () and ctx.cues[1].partners == ()


@pytest.mark.parametrize(
    ("text", "typed"),
    [
        ("Santa Maria's mayor closed the schools.", "city"),
        ("The mayor of Santa Maria closed the schools.", "city"),
        ("California's governor signed the bill.", "admin1"),
        ("Santa Maria won again.", None),
    ],
)
def test_offices_say_what_kind_of_place_a_name_is(index: CompactPlaceIndex, text: str, typed: str | None) -> None:
    name = "California" if "California" in text else "Santa Maria"
    found = _found(text, name)
    ctx = build_context(text, found, [candidates_for(f, index.lookup) for f in found])
    assert ctx.cues[0].typed == typed


def test_evidence_from_outside_the_given_spans_moves_the_answer(index: CompactPlaceIndex) -> None:
    text = "Santa Maria is a city in Santa Barbara County."
    alone, _ = Resolver(index, index.lookup).resolve(text, _found(text, "Santa Maria"))
    helped, _ = Resolver(index, index.lookup).resolve(
        text, _found(text, "Santa Maria"), evidence=_found(text, "Santa Barbara County")
    )
    assert alone[0].place is not None and alone[0].place.country_code == "BR"
    assert helped[0].place is not None and helped[0].place.country_code == "US"


# --- the ranker protocol -------------------------------------------------------------------------


class _SmallestFirst:
    """A ranker of its own: prefers the least populous place (what no sane ranker does)."""

    def __init__(self, index: CompactPlaceIndex) -> None:
        self.index = index

    def score(self, features: Mapping[str, float]) -> float:
        return -features["prior"]


def test_a_ranker_of_ones_own_drops_in(index: CompactPlaceIndex) -> None:
    ranker = _SmallestFirst(index)
    assert isinstance(ranker, Ranker)
    places = _resolve(index, "Santa Maria won again.", "Santa Maria", ranker=ranker)
    assert places["Santa Maria"].country_code == "US"


def test_the_default_ranker_is_the_hand_weighted_sum() -> None:
    ranker = load_ranker(load_settings())
    assert isinstance(ranker, WeightedSum) and ranker.weights == WEIGHTS
    features = dict.fromkeys(FEATURES, 1.0)
    assert ranker.score(features) == pytest.approx(sum(WEIGHTS.values()))


def test_weights_from_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "weights.json"
    WeightedSum({"prior": 1.0, "near": 5.0}).to_json(path)
    monkeypatch.setenv("GEOMAP_RANKER_WEIGHTS", str(path))
    ranker = load_ranker(load_settings())
    assert isinstance(ranker, WeightedSum)
    assert ranker.weights["near"] == 5.0 and ranker.weights["region"] == 0.0


@pytest.mark.parametrize(
    "content", ["not json", json.dumps([1, 2]), json.dumps({"prior": "high"}), json.dumps({"nonsense": 1})]
)
def test_bad_weights_files_say_what_is_wrong(tmp_path: Path, content: str) -> None:
    path = tmp_path / "weights.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError):
        load_ranker(load_settings(ranker_weights=path))


def test_an_unknown_ranker_name_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError, match="weighted"):
        load_ranker(load_settings(ranker="no-such-ranker"))


def _every_name(found: Found) -> bool:
    """Every given name is a place on the caller's word."""
    return True


def test_a_given_name_the_gazetteer_lacks_is_put_beside_its_nearest_local_place(index: CompactPlaceIndex) -> None:
    """A creek no gazetteer has is placed at the nearest city named around it, and says it is approximate."""
    text = "Brazil sent aid. Floods cut off Quimbleford Creek, upstream of Santa Maria, California, on Monday."
    found = _found(text, "Brazil", "Quimbleford Creek", "Santa Maria", "California")
    mentions, _ = Resolver(index, index.lookup).resolve(text, found, place_unknown=_every_name)
    creek = next(m for m in mentions if m.text == "Quimbleford Creek")
    santa_maria = next(m for m in mentions if m.text == "Santa Maria")
    assert creek.approximate and not santa_maria.approximate
    assert creek.place == santa_maria.place and creek.place is not None and creek.place.country_code == "US"
    assert creek.to_dict()["approximate"] is True and creek.alternatives == []
    assert 0.0 < creek.confidence < santa_maria.confidence
    assert [m.start for m in mentions] == sorted(m.start for m in mentions)


def test_without_a_local_place_an_unknown_name_goes_to_the_focus_and_without_any_it_is_dropped(
    index: CompactPlaceIndex,
) -> None:
    text = "Quimbleford is a village in Brazil."
    found = _found(text, "Quimbleford", "Brazil")
    mentions, _ = Resolver(index, index.lookup).resolve(text, found, place_unknown=_every_name)
    assert [(m.text, m.place.name if m.place else None) for m in mentions] == [
        ("Quimbleford", "Brazil"),
        ("Brazil", "Brazil"),
    ]
    alone = "Quimbleford held its fair."
    resolver = Resolver(index, index.lookup)
    assert resolver.resolve(alone, _found(alone, "Quimbleford"), place_unknown=_every_name)[0] == []


def test_unknown_names_are_dropped_unless_the_caller_says_they_are_places(index: CompactPlaceIndex) -> None:
    text = "Floods cut off Quimbleford Creek, upstream of Santa Maria, California."
    mentions, _ = Resolver(index, index.lookup).resolve(text, _found(text, "Quimbleford Creek", "Santa Maria"))
    assert [m.text for m in mentions] == ["Santa Maria"]

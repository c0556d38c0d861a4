"""The PlaceIndex protocol, the in-memory index and choosing an index by name (no full index, no spaCy)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from geomap.config import load_settings
from geomap.errors import ConfigError
from geomap.gazetteer import CompactPlaceIndex, PlaceIndex, clear_cache, get_gazetteer, place_index_factory
from geomap.gazetteer.registry import open_compact_index


def test_the_in_memory_index_is_a_place_index(small_index: CompactPlaceIndex) -> None:
    assert isinstance(small_index, PlaceIndex)
    assert len(small_index) == 19
    assert "Springfield" in small_index and "springfield" in small_index
    assert "Atlantis" not in small_index


def test_namesakes_come_ranked_by_prior(small_index: CompactPlaceIndex) -> None:
    paris = small_index.lookup("Paris")
    assert [c.place.country_code for c in paris] == ["FR", "US"]
    assert paris[0].score > paris[1].score
    georgia = small_index.lookup("Georgia")
    assert [c.place.kind for c in georgia] == ["country", "admin1"]


def test_region_words_and_alternate_names(small_index: CompactPlaceIndex) -> None:
    assert small_index.lookup("the Donetsk region")[0].place.geonameid == 709716
    donetsk = small_index.lookup("Donetsk")
    assert donetsk[0].place.id == "gn:709717" and donetsk[0].primary
    kiev = small_index.lookup("Kiev")
    assert kiev[0].place.name == "Kyiv" and not kiev[0].primary


def test_codes_ids_points_and_filled_names(small_index: CompactPlaceIndex) -> None:
    assert small_index.country("ua").name == "Ukraine"
    assert small_index.admin1("US", "GA").name == "Georgia"
    assert small_index.admin1("UA", "UA-14").name == "Donetsk Oblast"
    springfield = small_index.get("gn:4250542")
    assert springfield is not None
    assert (springfield.admin1_name, springfield.country_name) == ("Illinois", "United States")
    assert springfield.geonameid == 4250542 and springfield.source == "in memory"
    assert [p.name for p in small_index.nearest(48.0, 37.8, limit=2)] == ["Donetsk Oblast", "Donetsk"]
    assert small_index.info()["path"] is None


def test_each_lookup_gives_fresh_candidates(small_index: CompactPlaceIndex) -> None:
    first = small_index.lookup("Paris")
    first[0].score = -1.0
    assert small_index.lookup("Paris")[0].score > 0


def test_the_default_index_is_known_by_name() -> None:
    assert place_index_factory("compact") is open_compact_index
    assert load_settings().place_index == "compact"


def test_an_unknown_index_name_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match=r"unknown place index 'nope'; installed: .*compact"):
        place_index_factory("nope")
    monkeypatch.setenv("GEOMAP_PLACE_INDEX", "nope")
    with pytest.raises(ConfigError, match="nope"):
        get_gazetteer(load_settings())


def test_an_installed_entry_point_is_chosen_by_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A package that declares a ``geomap.place_indexes`` entry point is used when settings name it."""
    (tmp_path / "tiny_index.py").write_text(
        textwrap.dedent(
            """
            from geomap.gazetteer import CompactPlaceIndex

            TINYTOWN = {"id": "x:1", "name": "Tinytown", "lat": 1, "lon": 2, "kind": "city"}

            def open_index(settings):
                return CompactPlaceIndex.from_records([TINYTOWN])
            """
        )
    )
    dist = tmp_path / "tiny_index-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: tiny-index\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[geomap.place_indexes]\ntiny = tiny_index:open_index\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("GEOMAP_PLACE_INDEX", "tiny")
    clear_cache()
    try:
        index = get_gazetteer(load_settings())
        assert index.lookup("Tinytown")[0].place.id == "x:1"
        assert get_gazetteer(load_settings()) is index  # opened once
    finally:
        clear_cache()

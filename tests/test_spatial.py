"""bbox and near on PostgreSQL+PostGIS and on SQLite: the same places, in the same order, as a direct computation."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from geomap.config import load_settings
from geomap.distance import great_circle_km
from geomap.errors import InputError
from geomap.models import Article, Mention, ParsedDocument, Place
from geomap.store import Filters, open_store, queries

_PLACES = 300
_PER_ARTICLE = 50


def _places() -> list[Place]:
    """Places all over the globe, thicker near the antimeridian and the poles where geometry is hardest."""
    rng = random.Random(14)
    out = []
    for i in range(_PLACES):
        if i % 5 == 0:
            lat, lon = rng.uniform(-60, 60), rng.choice((-1, 1)) * rng.uniform(170, 180)
        elif i % 7 == 0:
            lat, lon = rng.choice((-1, 1)) * rng.uniform(80, 90), rng.uniform(-180, 180)
        else:
            lat, lon = rng.uniform(-90, 90), rng.uniform(-180, 180)
        out.append(Place(f"test:{i}", f"P{i:03d}", round(lat, 5), round(lon, 5), "city", country_code="XX"))
    return out


PLACES = _places()


@pytest.fixture()
def store(database_url):
    s = open_store(load_settings(database_url=database_url))
    for n in range(0, _PLACES, _PER_ARTICLE):
        chunk = PLACES[n : n + _PER_ARTICLE]
        body = " ".join(p.name for p in chunk)
        mentions = [Mention(i * 5, i * 5 + 4, p.name, body, p, 0.9) for i, p in enumerate(chunk)]
        published = datetime(2024, 1, 1 + n // _PER_ARTICLE, tzinfo=UTC)
        s.add(Article(body, f"A{n}", None, "wire", published), ParsedDocument(text=body, mentions=mentions, focus={}))
    yield s
    s.close()


def _in_box(p: Place, west: float, south: float, east: float, north: float) -> bool:
    inside_lon = west <= p.lon <= east if west <= east else (p.lon >= west or p.lon <= east)
    return south <= p.lat <= north and inside_lon


def _near(lat: float, lon: float, km: float) -> list[tuple[str, float]]:
    found = [(great_circle_km(lat, lon, p.lat, p.lon), p.name) for p in PLACES]
    return [(name, round(d, 3)) for d, name in sorted(found) if d <= km]


BOXES = [(-10.0, 30.0, 40.0, 60.0), (170.0, -50.0, -170.0, 50.0), (-180.0, 80.0, 180.0, 90.0), (0.0, 0.0, 0.0, 0.0)]
POINTS = [(50.45, 30.52, 2000.0), (0.0, 179.5, 1500.0), (89.0, 0.0, 800.0), (-20.0, -60.0, 5000.0), (10.0, 10.0, 1.0)]


@pytest.mark.parametrize("box", BOXES)
def test_bbox_equals_a_direct_computation(store, box):
    expected = sorted(p.name for p in PLACES if _in_box(p, *box))
    for filters in (Filters(bbox=box), Filters(bbox=box, source="wire")):  # ranked and aggregated paths
        page = store.places(filters, limit=_PLACES)
        assert sorted(p["name"] for p in page.items) == expected
        assert page.total == len(expected)


@pytest.mark.parametrize("point", POINTS)
def test_near_lists_places_within_km_nearest_first(store, point):
    expected = _near(*point)
    for filters in (Filters(near=point), Filters(near=point, since=datetime(2024, 1, 2, tzinfo=UTC))):
        page = store.places(filters, limit=_PLACES)
        got = [(p["name"], p["distance_km"]) for p in page.items]
        wanted = expected if filters.since is None else [e for e in expected if int(e[0][1:]) >= _PER_ARTICLE]
        assert [n for n, _ in got] == [n for n, _ in wanted]
        assert [d for _, d in got] == pytest.approx([d for _, d in wanted], abs=0.002)
        assert page.total == len(wanted)


def test_near_pages_and_combines_with_bbox(store):
    point = (-20.0, -60.0, 5000.0)
    everything = [p["name"] for p in store.places(Filters(near=point), limit=_PLACES).items]
    pages = [store.places(Filters(near=point), limit=7, offset=o).items for o in range(0, len(everything), 7)]
    assert [p["name"] for page in pages for p in page] == everything
    box = (-80.0, -40.0, -50.0, 0.0)
    both = [p["name"] for p in store.places(Filters(near=point, bbox=box), limit=_PLACES).items]
    assert both == [n for n in everything if _in_box(next(p for p in PLACES if p.name == n), *box)]


def test_postgis_indexes_serve_bbox_and_near(database_url):
    if not database_url:
        pytest.skip("PostGIS is PostgreSQL's")
    s = open_store(load_settings(database_url=database_url))
    cases = ((Filters(bbox=BOXES[1]), "ix_places_geog_box"), (Filters(near=POINTS[0]), "ix_places_geog"))
    try:
        with s.engine.connect() as conn:
            conn.execute(text("SET enable_seqscan = off"))  # an empty table: show the index can serve the filter
            for filters, index in cases:
                compiled = queries._ranked_places(filters)[0].compile(conn)
                plan = "\n".join(r[0] for r in conn.exec_driver_sql("EXPLAIN " + str(compiled), compiled.params))
                assert index in plan, plan
    finally:
        s.close()


@pytest.mark.parametrize("raw", ["50,30", "a,b,c", "91,0,10", "0,181,10", "0,0,0", "0,0,-5", "0,0,30000", "1,2,3,4"])
def test_bad_near_is_a_clear_input_error(raw):
    with pytest.raises(InputError, match="near must be lat,lon,km"):
        Filters.from_args({"near": raw})


def test_near_is_read_from_text_parameters():
    assert Filters.from_args({"near": "50.45, 30.52, 100"}).near == (50.45, 30.52, 100.0)

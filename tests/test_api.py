"""The read API over a real SQLite store holding hand-built parsed articles.

The articles are stored through the real ``Store``; only the geoparse is
written by hand (so these tests need neither spaCy nor the gazetteer). The
geoparsing endpoints are in ``test_api_write.py``.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from geomap.config import load_settings
from geomap.models import Article, Mention, ParsedDocument, Place
from geomap.store import open_store
from geomap.web import create_app

KYIV = Place(
    "gn:703448",
    "Kyiv",
    50.45466,
    30.5238,
    "city",
    geonameid=703448,
    country_code="UA",
    admin1_name="Kyiv City",
    population=2797553,
)
KHARKIV = Place(
    "gn:706483", "Kharkiv", 49.98081, 36.25272, "city", geonameid=706483, country_code="UA", population=1430885
)
BLACK_SEA = Place("geomap:black-sea", "Black Sea", 43.0, 34.0, "water")
RUSSIA = Place("gn:2017370", "Russia", 60.0, 100.0, "country", geonameid=2017370, country_code="RU")

ARTICLES = [
    (
        Article(
            text="Drones struck Kyiv overnight. Kharkiv was also hit, officials in Kyiv said.",
            title="Drones strike Kyiv",
            url="https://example.org/a1",
            source="Reuters",
            published=datetime(2024, 3, 1, 8, 0),
        ),
        [("Kyiv", KYIV), ("Kharkiv", KHARKIV)],
    ),
    (
        Article(
            text="Ships in the Black Sea were stopped as Russian forces advanced.",
            title="Black Sea shipping",
            url="https://example.org/a2",
            source="AP",
            published=datetime(2024, 5, 10, 12, 0),
        ),
        [("Black Sea", BLACK_SEA), ("Russian", RUSSIA)],
    ),
    (
        Article(
            text="Peace talks about Kyiv resumed in Geneva's shadow.",
            title="Talks",
            url="javascript:alert(1)",
            source="BBC",
            published=datetime(2024, 6, 1, 9, 30),
        ),
        [("Kyiv", KYIV)],
    ),
]


def parsed_for(article: Article, names: list[tuple[str, Place]]) -> ParsedDocument:
    """Mentions at every occurrence of each name; "Russian" is a demonym."""
    mentions = []
    for name, place in names:
        start = article.text.find(name)
        while start >= 0:
            kind = "demonym" if name == "Russian" else "toponym"
            mentions.append(Mention(start, start + len(name), name, article.text, place, 0.9, kind))
            start = article.text.find(name, start + 1)
    return ParsedDocument(text=article.text, mentions=mentions, focus={}, title=article.title)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    settings = load_settings(data_dir=tmp_path_factory.mktemp("api"), seed_on_first_run=False)
    store = open_store(settings)
    for article, names in ARTICLES:
        store.add(article, parsed_for(article, names))
    return create_app(settings)


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def test_places_most_mentioned_first_without_demonyms(client: FlaskClient) -> None:
    body = client.get("/api/places").get_json()
    assert body["ok"] is True
    names = [p["name"] for p in body["items"]]
    assert names[0] == "Kyiv" and body["items"][0]["mentions"] == 3
    assert "Russia" not in names and body["total"] == 3
    assert set(body) >= {"items", "total", "limit", "offset"}


def test_places_demonyms_on_request(client: FlaskClient) -> None:
    names = [p["name"] for p in client.get("/api/places?demonyms=true").get_json()["items"]]
    assert "Russia" in names


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=khar", {"Kharkiv"}),
        ("country=ua", {"Kyiv", "Kharkiv"}),
        ("kind=water", {"Black Sea"}),
        ("bbox=29,49,32,51", {"Kyiv"}),
        ("source=AP", {"Black Sea"}),
        ("since=2024-05-01", {"Black Sea", "Kyiv"}),
        ("until=2024-03-01", {"Kyiv", "Kharkiv"}),
        ("since=2024-05-01&until=2024-05-31", {"Black Sea"}),
    ],
)
def test_places_filters(client: FlaskClient, query: str, expected: set[str]) -> None:
    resp = client.get(f"/api/places?{query}")
    assert resp.status_code == 200, resp.get_json()
    assert {p["name"] for p in resp.get_json()["items"]} == expected


def test_places_paging(client: FlaskClient) -> None:
    first = client.get("/api/places?limit=1").get_json()
    second = client.get("/api/places?limit=1&offset=1").get_json()
    assert len(first["items"]) == len(second["items"]) == 1
    assert first["items"][0]["id"] != second["items"][0]["id"]
    assert first["total"] == 3 and second["offset"] == 1


def test_places_geojson(client: FlaskClient) -> None:
    resp = client.get("/api/places?format=geojson&country=UA")
    assert resp.mimetype == "application/geo+json"
    body = resp.get_json()
    assert body["type"] == "FeatureCollection"
    kyiv = next(f for f in body["features"] if f["properties"]["name"] == "Kyiv")
    assert kyiv["geometry"] == {"type": "Point", "coordinates": [30.5238, 50.45466]}


def test_places_csv(client: FlaskClient) -> None:
    resp = client.get("/api/places?format=CSV")
    assert resp.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))
    assert rows[0]["name"] == "Kyiv" and rows[0]["mentions"] == "3" and len(rows) == 3


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ("bbox=1,2,3", "bbox must be west,south,east,north"),
        ("bbox=a,b,c,d", "bbox must be"),
        ("bbox=0,60,10,50", "south must not exceed north"),
        ("bbox=0,0,200,10", "-180..180"),
        ("limit=-1", "limit must be between 1 and 1000"),
        ("limit=1000000000", "limit must be between 1 and 1000"),
        ("limit=ten", "limit must be a whole number"),
        ("offset=-5", "offset must be between"),
        ("format=xml", "format must be one of json, geojson, csv"),
        ("country=Ukraine", "two-letter ISO code"),
        ("kind=planet", "kind must be one of"),
        ("since=yesterday", "since must be a date"),
        ("since=2024-06-01&until=2024-01-01", "since must not be later than until"),
        ("demonyms=maybe", "demonyms must be true or false"),
        ("min_confidence=1.5", "min_confidence must be between 0 and 1"),
        ("min_confidence=high", "min_confidence must be a number"),
        ("min_confidence=nan", "min_confidence must be between 0 and 1"),
    ],
)
def test_places_bad_parameters(client: FlaskClient, query: str, fragment: str) -> None:
    resp = client.get(f"/api/places?{query}")
    assert resp.status_code == 400
    body = resp.get_json()
    assert body["ok"] is False and body["status"] == 400 and fragment in body["error"]


def test_place_detail_newest_first(client: FlaskClient) -> None:
    body = client.get("/api/places/gn:703448").get_json()
    assert body["place"]["name"] == "Kyiv"
    items = body["mentions"]["items"]
    assert [m["article"]["title"] for m in items] == ["Talks", "Drones strike Kyiv", "Drones strike Kyiv"]
    assert items[0]["snippet"] and items[0]["text"] == "Kyiv"
    assert client.get("/api/places/gn:703448?limit=1&offset=1").get_json()["mentions"]["total"] == 3


def test_place_unknown_is_404_json(client: FlaskClient) -> None:
    resp = client.get("/api/places/gn:1")
    assert resp.status_code == 404 and "no stored place" in resp.get_json()["error"]


def test_articles(client: FlaskClient) -> None:
    body = client.get("/api/articles?limit=2").get_json()
    assert [a["title"] for a in body["items"]] == ["Talks", "Black Sea shipping"] and body["total"] == 3
    one = client.get(f"/api/articles/{body['items'][1]['id']}").get_json()["article"]
    assert one["text"].startswith("Ships in the Black Sea") and one["mentions"]
    assert client.get("/api/articles/99999").status_code == 404
    assert client.get("/api/articles/abc").status_code == 404


def test_map_data_is_lean_geojson(client: FlaskClient) -> None:
    body = client.get("/api/map?country=UA").get_json()
    assert body["total"] == 2 and body["truncated"] is False
    props = body["features"][0]["properties"]
    assert set(props) == {"id", "name", "native_name", "kind", "country_code", "admin1_name", "mentions", "articles"}
    assert client.get("/api/map?limit=1").get_json()["truncated"] is True


def test_health(client: FlaskClient) -> None:
    body = client.get("/api/health").get_json()
    assert body["ok"] is True and body["store"]["articles"] == 3


def test_cache_sees_new_writes(app: Flask, client: FlaskClient, tmp_path: Path) -> None:
    """A cached answer is dropped as soon as another connection commits."""
    before = client.get("/api/places?q=Odesa").get_json()["total"]
    settings = app.extensions["geomap"].settings
    odesa = Place("gn:698740", "Odesa", 46.47747, 30.73262, "city", geonameid=698740, country_code="UA")
    article = Article(text="The port of Odesa reopened.", title="Odesa", published=datetime(2024, 7, 1))
    open_store(settings).add(article, parsed_for(article, [("Odesa", odesa)]))
    after = client.get("/api/places?q=Odesa").get_json()["total"]
    assert (before, after) == (0, 1)

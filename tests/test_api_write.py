"""Endpoints that geoparse, with the real spaCy model and gazetteer: store, extract, geocode (CLIFF: test_cliff*.py)."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from geomap.config import load_settings
from geomap.web import create_app

TEXT = "Russian forces shelled Kharkiv overnight, officials in Kyiv said on Tuesday."
AUTH = {"Authorization": "Bearer k3y"}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    settings = load_settings(data_dir=tmp_path_factory.mktemp("write"), seed_on_first_run=False, api_key="k3y")
    return create_app(settings)


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def test_post_article_stores_and_geoparses(client: FlaskClient) -> None:
    body = {
        "title": "Shelling",
        "text": TEXT,
        "url": "https://example.org/s",
        "source": "Wire",
        "published": "2024-04-02T10:00:00Z",
    }
    resp = client.post("/api/articles", json=body, headers=AUTH)
    assert resp.status_code == 201, resp.get_json()
    stored = resp.get_json()
    assert stored["created"] is True and resp.headers["Location"] == f"/api/articles/{stored['id']}"
    names = {m["place"]["name"] for m in stored["article"]["mentions"] if m["place"]}
    assert {"Kharkiv", "Kyiv"} <= names
    assert stored["article"]["published"].startswith("2024-04-02T10:00")
    places = client.get("/api/places?q=Kharkiv").get_json()["items"]
    assert places and places[0]["geonameid"] == 706483
    again = client.post("/api/articles", json=body, headers=AUTH)
    assert again.status_code == 200 and again.get_json() | {"created": True} == stored | {"created": True}
    assert again.get_json()["created"] is False


def test_extract_does_not_store(client: FlaskClient) -> None:
    before = client.get("/api/health").get_json()["store"]["articles"]
    resp = client.post("/api/extract", json={"text": "Talks were held in Geneva and Istanbul."}, headers=AUTH)
    assert resp.status_code == 200
    body = resp.get_json()
    found = {m["text"]: m for m in body["mentions"]}
    assert {"Geneva", "Istanbul"} <= set(found)
    assert found["Geneva"]["place"]["country_code"] == "CH" and "alternatives" not in found["Geneva"]
    assert set(body["focus"]) == {"countries", "regions", "cities"}
    assert client.get("/api/health").get_json()["store"]["articles"] == before
    with_alts = client.post(
        "/api/extract?alternatives=true", json={"text": "Talks in Geneva."}, headers=AUTH
    ).get_json()
    assert "alternatives" in with_alts["mentions"][0]


def test_geocode(client: FlaskClient) -> None:
    body = client.get("/api/geocode?q=Kharkiv&limit=3").get_json()
    assert body["ok"] is True and 1 <= len(body["results"]) <= 3
    first = body["results"][0]
    assert first["geonameid"] == 706483 and abs(first["lat"] - 49.98) < 0.1 and "alternate_names" not in first
    assert client.get("/api/geocode?q=Kharkiv&limit=0").status_code == 400
    assert client.get("/api/geocode?q=Paris&country=FR").get_json()["results"][0]["country_code"] == "FR"

"""Every hostile input the security review found gets a 4xx JSON answer, on SQLite and PostgreSQL.

Nothing here may answer 5xx, and no answer may show an internal detail such
as the database URL. Articles with unusable fields are refused with 422
naming the field; valid Unicode is stored as given.
"""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from geomap.config import load_settings
from geomap.web import create_app

KEY = {"Authorization": "Bearer k"}


@pytest.fixture()
def client(database_url: str, tmp_path) -> FlaskClient:  # type: ignore[no-untyped-def]
    settings = load_settings(data_dir=tmp_path, database_url=database_url, seed_on_first_run=False, api_key="k")
    return create_app(settings).test_client()


# (path, status): one app per backend answers them all (a new PostgreSQL database per case would be slow).
HOSTILE_URLS = [
    ("/api/articles/99999999999999999999", 404),
    ("/api/articles/2147483648", 404),
    ("/api/places?since=0001-01-01T00:00:00%2B01:00", 400),
    ("/api/places?until=9999-12-31T23:30:00-01:00", 400),
    ("/api/articles?since=0001-01-01T00:00:00%2B01:00", 400),
    ("/api/places?since=9999-12-31", 200),
    ("/api/map?since=9999-12-31", 200),
    ("/api/places?until=9999-12-31&since=9999-12-30", 200),
    ("/api/places?since=0001-01-01", 200),
    ("/assets/geomap/a%00b", 400),
    ("/api/places?q=%00zzzzzz", 400),
    ("/api/places?until=", 400),
    ("/api/places?since=%20", 400),
    ("/api/places/gn%3A1%00", 400),
    ("/api/no-such-endpoint", 404),
    ("/parse/nothing", 404),
]


def test_hostile_urls_get_json_4xx_or_an_answer(client: FlaskClient) -> None:
    for path, status in HOSTILE_URLS:
        resp = client.get(path)
        assert resp.status_code == status, (path, resp.get_data(as_text=True))
        body = resp.get_json()
        assert body is not None and (status == 200 or body == {"ok": False, "error": body["error"], "status": status})


def test_html_pages_answer_bad_filters_with_an_html_page(client: FlaskClient) -> None:
    resp = client.get("/?since={%")
    assert resp.status_code == 400 and resp.mimetype == "text/html"


# (body, a phrase of the answer's error)
UNSTORABLE = [
    ('{"text": "Kyiv \\ud800 shelled"}', "lone surrogate"),
    ('{"text": "Kyiv shelled", "title": "\\udfff"}', "lone surrogate"),
    ('{"text": "Kyiv shelled", "source": "wire\\ud800"}', "lone surrogate"),
    ('{"text": "Kyiv\\u0000 shelled"}', "NUL"),
    ('{"text": "Kyiv shelled", "source": "' + "s" * 300 + '"}', "at most 200"),
    ('{"text": "Kyiv shelled", "published": "0001-01-01T00:00:00+01:00"}', "years 1..9999"),
    ('{"text": "Kyiv shelled", "published": ""}', "'published' is empty"),
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
]


def test_unstorable_articles_are_refused_with_the_reason(client: FlaskClient) -> None:
    for body, fragment in UNSTORABLE:
        resp = client.post("/api/articles", data=body, content_type="application/json", headers=KEY)
        assert 400 <= resp.status_code < 500 and fragment in resp.get_json()["error"], (body[:80], resp.get_json())
    assert client.get("/api/health").get_json()["store"]["articles"] == 0


@pytest.mark.parametrize("path", ["/api/extract", "/api/articles"])
def test_deep_json_and_surrogates_on_every_json_endpoint(client: FlaskClient, path: str) -> None:
    deep = client.post(path, data="{" + '"a":{' * 50_000 + "}" * 50_001, content_type="application/json", headers=KEY)
    assert deep.status_code == 400
    lone = client.post(path, data='{"text": "\\ud800"}', content_type="application/json", headers=KEY)
    assert lone.status_code == 422 and "lone surrogate" in lone.get_json()["error"]


def test_a_broken_store_answers_503_without_its_url(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"postgresql+psycopg://geomap:hunter2@127.0.0.1:9/secretdb?host={tmp_path}"
    client = create_app(load_settings(data_dir=tmp_path, database_url=url, seed_on_first_run=False)).test_client()
    for resp in (client.get("/api/health"), client.get("/api/places"), client.get("/api/articles/1")):
        assert resp.status_code == 503 and resp.get_json()["status"] == 503
        text = resp.get_data(as_text=True)
        assert "secretdb" not in text and "hunter2" not in text and str(tmp_path) not in text

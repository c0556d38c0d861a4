"""Every list endpoint in every format, streamed downloads without a cap, valid and escaped KML, and the
export's newest articles per place."""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta

import pytest
from flask.testing import FlaskClient
from test_store import BLACK_SEA, KYIV, MOSCOW, doc

from geomap.config import load_settings
from geomap.map.build import OPTIONS_ID
from geomap.models import Article, Mention, ParsedDocument
from geomap.store import open_store
from geomap.web import create_app

KML = "{http://www.opengis.net/kml/2.2}"
NASTY = '<script>alert("x")</script> & =SUM(A1)'


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> FlaskClient:
    settings = load_settings(data_dir=tmp_path_factory.mktemp("downloads"), seed_on_first_run=False)
    store = open_store(settings)
    start = datetime(2024, 1, 1)
    items = []
    for i in range(600):  # 1,200 mentions: more than one JSON page can hold
        text = f"Story {i}: Moscow and Kyiv."
        items.append(
            (
                Article(text, f"Story {i}", f"https://n.example/{i}", "wire", start + timedelta(hours=i)),
                doc(text, MOSCOW, KYIV),
            )
        )
    text = f"{NASTY} near the Black Sea."
    items.append((Article(text, NASTY, "javascript:alert(1)", NASTY, start), doc(text, BLACK_SEA)))
    store.add_many(items)
    store.close()
    return create_app(settings).test_client()


def test_mentions_endpoint_pages_with_place_and_article(client: FlaskClient) -> None:
    body = client.get("/api/mentions?limit=3").get_json()
    assert body["total"] == 1201 and len(body["items"]) == 3
    first = body["items"][0]
    assert first["article"]["title"] == "Story 599" and first["place"]["name"] == "Moscow"
    assert {"id", "article_id", "start", "end", "snippet", "text"} <= set(first)


@pytest.mark.parametrize("kind", ["places", "mentions", "articles"])
def test_every_list_in_every_format(client: FlaskClient, kind: str) -> None:
    n = 3 if kind == "places" else 5  # three places are stored
    geo = client.get(f"/api/{kind}?format=geojson&limit=5")
    assert geo.mimetype == "application/geo+json"
    collection = json.loads(geo.data)
    assert collection["type"] == "FeatureCollection" and len(collection["features"]) == n
    assert all(f["geometry"]["type"] in {"Point", "MultiPoint"} for f in collection["features"])
    rows = list(csv.reader(io.StringIO(client.get(f"/api/{kind}?format=csv&limit=5").get_data(as_text=True))))
    assert len(rows) == n + 1
    kml = client.get(f"/api/{kind}?format=kml&limit=5")
    assert kml.mimetype == "application/vnd.google-earth.kml+xml"
    assert len(ET.fromstring(kml.data).findall(f"{KML}Document/{KML}Placemark")) == n


def test_limit_all_streams_every_row(client: FlaskClient) -> None:
    resp = client.get("/api/mentions?format=csv&limit=all")
    assert resp.is_streamed and "attachment" in resp.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))
    assert len(rows) == 1201
    nasty = next(r for r in rows if r["place_name"] == "Black Sea")
    assert nasty["article_title"].startswith("'=") is False and nasty["article_source"] == NASTY
    exported = client.get("/export/mentions.geojson")
    assert exported.is_streamed and len(json.loads(exported.data)["features"]) == 1201
    refused = client.get("/api/mentions?limit=all")
    assert refused.status_code == 400 and "format=csv" in refused.get_json()["error"]


def test_csv_formulas_are_inert(client: FlaskClient) -> None:
    rows = list(csv.DictReader(io.StringIO(client.get("/api/articles?format=csv&limit=all").get_data(as_text=True))))
    assert len(rows) == 601
    row = next(r for r in rows if "Black Sea" in r["place_names"])
    assert row["title"] == NASTY  # starts with "<": no formula
    formula = list(csv.reader(io.StringIO(client.get("/api/places?format=csv&q=Black").get_data(as_text=True))))
    assert formula[1][1] == "Black Sea"


def test_kml_is_valid_escaped_and_round_trips(client: FlaskClient) -> None:
    resp = client.get("/export/places.kml")
    root = ET.fromstring(resp.data)
    assert root.tag == f"{KML}kml"
    marks = root.findall(f"{KML}Document/{KML}Placemark")
    got = {m.findtext(f"{KML}name"): m.findtext(f"{KML}Point/{KML}coordinates") for m in marks}
    assert got == {"Moscow": "37.62000,55.75000", "Kyiv": "30.52000,50.45000", "Black Sea": "35.00000,43.00000"}
    sea = next(m for m in marks if m.findtext(f"{KML}name") == "Black Sea")
    description = sea.findtext(f"{KML}description")
    assert "<script>" not in description and "&lt;script&gt;" in description  # shown as text, never run
    assert "javascript:" not in description  # only http(s) links
    moscow = next(m for m in marks if m.findtext(f"{KML}name") == "Moscow").findtext(f"{KML}description")
    assert moscow.count("<li>") == 10 and 'href="https://n.example/599"' in moscow


def test_export_keeps_the_newest_articles_not_mentions(tmp_path) -> None:
    settings = load_settings(data_dir=tmp_path, seed_on_first_run=False)
    store = open_store(settings)
    base = datetime(2024, 5, 1)
    for i in range(9):
        text = f"Older story {i} from Moscow."
        store.add(Article(text, f"Older {i}", None, "wire", base + timedelta(days=i)), doc(text, MOSCOW))
    text = "Moscow, Moscow, Moscow, Moscow and Moscow again."
    parse = ParsedDocument(
        text=text,
        mentions=[Mention(m.start(), m.end(), "Moscow", text, MOSCOW, 0.9) for m in re.finditer("Moscow", text)],
        focus={},
    )
    store.add(Article(text, "Newest", None, "wire", base + timedelta(days=30)), parse)
    store.close()
    html = create_app(settings).test_client().get("/export/map.html").get_data(as_text=True)
    options = json.loads(re.search(rf'id="{OPTIONS_ID}">(.*?)</script>', html, re.S).group(1))
    (moscow,) = options["data"]["features"]
    preview = moscow["properties"]["preview"]
    titles = list(dict.fromkeys(m["article"]["title"] for m in preview["items"]))
    assert titles == ["Newest", "Older 8", "Older 7", "Older 6", "Older 5"] and preview["articles"] == 10
    assert sum(m["article"]["title"] == "Newest" for m in preview["items"]) == 3  # three sentences at most

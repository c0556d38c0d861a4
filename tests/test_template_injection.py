"""No outside text is ever evaluated as a template: filters, article fields and place names stay literal.

branca renders a Folium element's macro output as a new Jinja template, so any
text that reached a macro would run (``{{7*7}}`` became 49, ``{{ lipsum...
}}`` ran Python). These tests put Jinja syntax into every free-text filter of
the map page and into every stored field, and check that the page, the HTTP
export and ``geomap map`` carry it back verbatim in their JSON data block.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from geomap.cli import cli
from geomap.config import load_settings
from geomap.map.build import OPTIONS_ID
from geomap.models import Article, Mention, ParsedDocument, Place
from geomap.store import open_store
from geomap.web import create_app

PAYLOADS = (
    "{{7*7}}",
    "{% if x %}",
    "{# open comment",
    "{{ lipsum.__globals__['os'].getpid() }}",
    "{{ user.name and {% if x %}",
    "{%- endraw %}{{ config }}",
)
JOINED = " ".join(PAYLOADS)
_DATA_BLOCK = re.compile(rf'<script[^>]* id="{OPTIONS_ID}"[^>]*>(.*?)</script>', re.S)


def _options(html: str) -> dict:
    """The page's options, read back from its one JSON data block."""
    blocks = _DATA_BLOCK.findall(html)
    assert len(blocks) == 1
    return json.loads(blocks[0])


def _strings(value: object) -> list[str]:
    """Every string anywhere inside a JSON value."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """A store holding one article whose every free-text field, and its place's name, carry the payloads."""
    settings = load_settings(data_dir=tmp_path_factory.mktemp("templates"), seed_on_first_run=False)
    text = f"Shelling hit Kharkiv again. {JOINED} Officials in Kharkiv said so."
    article = Article(
        text=text,
        title=f"Title {JOINED}",
        url=f"https://example.org/{JOINED}",
        source=f"Source {JOINED}",
        published=datetime(2024, 2, 3),
    )
    place = Place(
        "gn:706483",
        f"Kharkiv {PAYLOADS[0]}",
        49.98,
        36.25,
        "city",
        geonameid=706483,
        country_code="UA",
        admin1_name=f"Oblast {PAYLOADS[1]}",
    )
    mentions = [Mention(m.start(), m.end(), "Kharkiv", text, place, 0.9) for m in re.finditer("Kharkiv", text)]
    store = open_store(settings)
    store.add(article, ParsedDocument(text=text, mentions=mentions, focus={}, title=article.title))
    store.close()
    return settings


@pytest.fixture()
def client(settings) -> FlaskClient:  # type: ignore[no-untyped-def]
    app: Flask = create_app(settings)
    return app.test_client()


def _assert_payloads_literal(options: dict) -> None:
    strings = "\n".join(_strings(options))
    for payload in PAYLOADS:
        assert payload in strings
    assert "49" not in strings


@pytest.mark.parametrize("name", ["q", "source"])
@pytest.mark.parametrize("payload", PAYLOADS)
def test_map_page_filters_stay_literal(client: FlaskClient, name: str, payload: str) -> None:
    resp = client.get("/", query_string={name: payload})
    assert resp.status_code == 200
    assert _options(resp.get_data(as_text=True))["filters"][name] == payload


def test_map_page_all_filters_at_once(client: FlaskClient) -> None:
    resp = client.get("/", query_string={"q": JOINED, "source": JOINED, "since": "2024-01-01", "demonyms": "true"})
    assert resp.status_code == 200
    assert _options(resp.get_data(as_text=True))["filters"]["source"] == JOINED


def test_http_export_shows_stored_fields_literally(client: FlaskClient) -> None:
    resp = client.get("/export/map.html")
    assert resp.status_code == 200
    options = _options(resp.get_data(as_text=True))
    _assert_payloads_literal(options)
    (feature,) = options["data"]["features"]
    assert feature["properties"]["name"] == f"Kharkiv {PAYLOADS[0]}"
    article = feature["properties"]["preview"]["items"][0]["article"]
    assert article["title"] == f"Title {JOINED}" and article["source"] == f"Source {JOINED}"


def test_http_export_with_payload_filters(client: FlaskClient) -> None:
    resp = client.get("/export/map.html", query_string={"source": f"Source {JOINED}"})
    assert resp.status_code == 200
    options = _options(resp.get_data(as_text=True))
    assert options["filters"]["source"] == f"Source {JOINED}"
    assert len(options["data"]["features"]) == 1  # the filter matched the stored source, verbatim


def test_cli_map_export_shows_stored_fields_literally(
    settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("GEOMAP_DATA_DIR", str(settings.data_dir))
    out = tmp_path / "map.html"
    result = CliRunner().invoke(cli, ["map", "-o", str(out), "--source", f"Source {JOINED}"])
    assert result.exit_code == 0, result.output
    options = _options(out.read_text(encoding="utf-8"))
    _assert_payloads_literal(options)
    assert options["filters"]["source"] == f"Source {JOINED}"

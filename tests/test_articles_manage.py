"""Article management: ``DELETE /api/articles/<id>``, ``geomap articles list|delete``, the sample's retirement."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner

from geomap.cli import cli
from geomap.config import load_settings
from geomap.ingest import read_path, retire_sample
from geomap.ingest.runner import SEEDS_DIR
from geomap.models import Article, Mention, ParsedDocument, Place
from geomap.store import Store, open_store
from geomap.web import create_app

KYIV = Place("gn:703448", "Kyiv", 50.45, 30.52, "city", geonameid=703448, country_code="UA")
AUTH = {"Authorization": "Bearer k3y"}


def add(store: Store, text: str, source: str | None = "wire") -> int:
    at = text.index("Kyiv")
    parsed = ParsedDocument(text=text, mentions=[Mention(at, at + 4, "Kyiv", text, KYIV, 0.9)], focus={})
    return store.add(Article(text, source=source, published=datetime(2024, 5, 1, tzinfo=UTC)), parsed)[0]


@pytest.fixture()
def store(database_url):
    s = open_store(load_settings(database_url=database_url))
    yield s
    s.close()


def test_delete_endpoint_needs_the_key_and_updates_counts(store, database_url):
    first, second = add(store, "Sirens in Kyiv."), add(store, "Kyiv again.")
    app = create_app(load_settings(database_url=database_url, api_key="k3y", seed_on_first_run=False))
    client = app.test_client()
    assert client.get("/api/places/gn:703448").get_json()["place"]["articles"] == 2
    refused = client.delete(f"/api/articles/{first}")
    assert refused.status_code == 401 and refused.get_json()["status"] == 401
    assert client.get(f"/api/articles/{first}").status_code == 200
    resp = client.delete(f"/api/articles/{first}", headers=AUTH)
    assert resp.status_code == 200 and resp.get_json() == {"ok": True, "deleted": first}
    assert client.get(f"/api/articles/{first}").status_code == 404
    assert client.get("/api/places/gn:703448").get_json()["place"]["articles"] == 1
    assert client.delete(f"/api/articles/{first}", headers=AUTH).status_code == 404
    assert client.delete("/api/articles/99999999999999999999", headers=AUTH).status_code == 404
    assert client.delete(f"/api/articles/{second}", headers=AUTH).status_code == 200
    assert client.get("/api/places/gn:703448").status_code == 404  # no mention names it any more
    assert client.get("/api/places").get_json()["total"] == 0


def test_delete_endpoint_is_open_without_a_key(tmp_path):
    settings = load_settings(data_dir=tmp_path, seed_on_first_run=False)
    store = open_store(settings)
    article_id = add(store, "Kyiv at dawn.")
    store.close()
    assert create_app(settings).test_client().delete(f"/api/articles/{article_id}").status_code == 200


def test_cli_lists_and_deletes_by_id_source_and_all(store, database_url):
    ids = [add(store, f"Kyiv report {i}.", source="wire" if i < 3 else "paper") for i in range(5)]
    run = CliRunner().invoke
    db = ["--database", database_url] if database_url else []
    listed = run(cli, ["articles", "list", "--json", *db])
    assert listed.exit_code == 0, listed.output
    assert sorted(json.loads(line)["id"] for line in listed.stdout.splitlines()) == ids
    table = run(cli, ["articles", "list", "--source", "paper", *db])
    assert table.exit_code == 0 and "2 of 2 article(s) shown" in table.output
    assert run(cli, ["articles", "delete", str(ids[0]), "424242", *db]).exit_code == 0
    assert store.article_ids() == ids[1:]
    assert run(cli, ["articles", "delete", "--source", "wire", "--yes", *db]).exit_code == 0
    assert store.article_ids() == ids[3:]
    refused = run(cli, ["articles", "delete", "--all", *db], input="n\n")
    assert refused.exit_code != 0 and store.article_ids() == ids[3:]
    assert run(cli, ["articles", "delete", "--all", "--yes", *db]).exit_code == 0
    assert store.article_ids() == [] and store.stats()["mentions"] == 0
    assert run(cli, ["articles", "delete", *db]).exit_code != 0  # nothing chosen: a usage error


def test_the_sample_leaves_when_a_real_article_arrives(store):
    sample = next(e.article for e in read_path(SEEDS_DIR) if e.article is not None)
    sample_id = add(store, sample.text)  # as seed_if_empty stores it: the same text, so the same content hash
    assert retire_sample(store) == 0  # alone, the sample stays: it is what the first map shows
    own = add(store, "My own report from Kyiv.")
    assert retire_sample(store) == 1
    assert store.article_ids() == [own] and sample_id != own
    assert store.place(KYIV.id)["articles"] == 1
    assert retire_sample(store) == 0

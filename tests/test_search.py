"""Full-text search (``text=``): FTS5 on SQLite, tsvector + GIN on PostgreSQL, never LIKE.

Stemmed matching, relevance order, highlighted words as plain parts, inert
query syntax, places and timelines narrowed by it, article deletion, and the
3 -> 4 upgrade that indexes the stored articles.
"""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import delete
from test_store import BLACK_SEA, FIJI, KYIV, MOSCOW, doc, when

from geomap.config import load_settings
from geomap.models import Article
from geomap.store import SCHEMA_VERSION, Filters, open_store
from geomap.store.schema import articles
from geomap.store.search import highlight
from geomap.web import create_app

TEXTS = [
    ("Shelling near Kyiv", "Artillery shelled Kyiv overnight; the shelling went on.", (KYIV,), 1),
    ("Grain ships", "Ships left the Black Sea ports although Kyiv reported shelling nearby.", (BLACK_SEA, KYIV), 3),
    ("Cyclone", "A cyclone reached Fiji.", (FIJI,), 5),
    ("Talks", "Diplomats met in Moscow; no shells fell.", (MOSCOW,), None),
]


def _fill(store) -> dict[str, int]:
    ids = {}
    for title, text, places, day in TEXTS:
        article = Article(text, title, None, "wire", when(day) if day else None)
        ids[title] = store.add(article, doc(text, *places))[0]
    return ids


@pytest.fixture()
def searched(database_url):
    store = open_store(load_settings(database_url=database_url))
    ids = _fill(store)
    yield store, ids
    store.close()


def titles(page) -> list[str]:
    return [a["title"] for a in page.items]


def test_stemmed_ranked_and_highlighted(searched) -> None:
    store, _ = searched
    page = store.articles(Filters(text="shelling"))
    # "shelled"/"shelling" stem alike; the title match and two hits rank first; "shells" stems to "shell" too
    assert titles(page)[0] == "Shelling near Kyiv" and set(titles(page)) == {
        "Shelling near Kyiv",
        "Grain ships",
        "Talks",
    }
    assert page.total == 3
    match = page.items[0]["match"]
    assert match["parts"][1] == "Shelling" and "shelled" in match["parts"]
    assert "".join(match["parts"]) == match["snippet"]
    assert titles(store.articles(Filters(text="cyclone Fiji"))) == ["Cyclone"]  # every word required
    assert store.articles(Filters(text="cyclone Moscow")).total == 0


@pytest.mark.parametrize("query", ['"', "Kyiv OR", 'NEAR(a b) "x', "*", "title:Kyiv", "-Kyiv", "Kyiv' --"])
def test_query_syntax_is_inert(searched, query: str) -> None:
    store, _ = searched
    store.articles(Filters(text=query))  # no error, whatever the characters


def test_places_and_timeline_follow_the_text(searched) -> None:
    store, _ = searched
    names = {p["name"]: p["mentions"] for p in store.places(Filters(text="ports")).items}
    assert names == {"Black Sea": 1, "Kyiv": 1}
    line = store.timeline(Filters(text="shelling"), "day")
    assert [(b["start"], b["articles"], b["mentions"]) for b in line["buckets"]] == [
        ("2023-03-01", 1, 1),
        ("2023-03-03", 1, 2),
    ]
    assert line["undated"] == 1  # "Talks" ("shells") has no date
    kyiv_mentions = store.place_mentions(KYIV.id, Filters(text="artillery"))
    assert kyiv_mentions.total == 1


def test_deleted_articles_leave_the_index(searched) -> None:
    store, ids = searched
    with store.engine.begin() as conn:
        conn.execute(delete(articles).where(articles.c.id == ids["Cyclone"]))
    assert store.articles(Filters(text="cyclone")).total == 0


def test_upgrade_from_version_3_indexes_stored_articles(database_url, tmp_path) -> None:
    url = database_url or f"sqlite:///{tmp_path / 'v3.sqlite'}"
    store = open_store(load_settings(database_url=url))
    _fill(store)
    with store.engine.begin() as conn:  # back to version 3: no full-text index
        if conn.dialect.name == "sqlite":
            for trigger in ("insert", "delete", "update"):
                conn.exec_driver_sql(f"DROP TRIGGER articles_fts_{trigger}")
            conn.exec_driver_sql("DROP TABLE articles_fts")
        else:
            conn.exec_driver_sql("ALTER TABLE articles DROP COLUMN search")
        conn.exec_driver_sql("UPDATE schema_version SET version = 3")
    store.close()
    store = open_store(load_settings(database_url=url))
    assert store.stats()["schema_version"] == SCHEMA_VERSION == 5
    assert titles(store.articles(Filters(text="cyclone"))) == ["Cyclone"]
    store.close()


def test_highlight_marks_words_not_markup() -> None:
    out = highlight("<b>Kyiv</b> & shelling of <i>Kyiv</i>", "kyiv")
    assert out["parts"] == ["<b>", "Kyiv", "</b> & shelling of <i>", "Kyiv", "</i>"]
    long = "word " * 200 + "target here"
    cut = highlight(long, "target")
    assert cut["snippet"].startswith("…") and "target" in cut["parts"]


def test_text_parameter_through_the_api(tmp_path) -> None:
    settings = load_settings(data_dir=tmp_path, seed_on_first_run=False)
    store = open_store(settings)
    _fill(store)
    store.close()
    client: FlaskClient = create_app(settings).test_client()
    body = client.get("/api/articles?text=cyclone").get_json()
    assert [a["title"] for a in body["items"]] == ["Cyclone"] and body["items"][0]["match"]["parts"][1] == "Cyclone"
    places = client.get("/api/places?text=cyclone").get_json()
    assert [p["name"] for p in places["items"]] == ["Fiji"]
    for bad in ("?text=%21%21", "?text=" + "+".join(f"w{i}" for i in range(40))):
        resp = client.get("/api/articles" + bad)
        assert resp.status_code == 400 and "text" in resp.get_json()["error"]

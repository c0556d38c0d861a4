"""Deleting articles keeps every maintained count equal to a recount, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from geomap.config import load_settings
from geomap.models import Article, Mention, ParsedDocument, Place
from geomap.store import Filters, Store, open_store
from geomap.store.schema import place_periods, place_stats, places

MOSCOW = Place("gn:524901", "Moscow", 55.75, 37.62, "city", geonameid=524901, country_code="RU")
RUSSIA = Place("gn:2017370", "Russia", 60.0, 100.0, "country", geonameid=2017370, country_code="RU")
KYIV = Place("gn:703448", "Kyiv", 50.45, 30.52, "city", geonameid=703448, country_code="UA")
FIJI = Place("gn:2205218", "Fiji", -18.0, 178.0, "country", geonameid=2205218, country_code="FJ")

# (text, source, published, places named); the first word of a "Russian ..." text is a demonym of Russia.
ARTICLES = [
    ("Russian talks in Moscow and Kyiv.", "wire", datetime(2023, 3, 1, 9, tzinfo=UTC), (MOSCOW, KYIV)),
    ("Moscow and Kyiv traded blame.", "wire", datetime(2023, 3, 1, 18, tzinfo=UTC), (MOSCOW, KYIV)),
    ("A cyclone reached Fiji.", "paper", datetime(2023, 4, 2, tzinfo=UTC), (FIJI,)),
    ("Kyiv at night.", "paper", datetime(2023, 3, 1, 12, tzinfo=UTC), (KYIV,)),
    ("Undated note from Moscow.", None, None, (MOSCOW,)),
]


def parse(text: str, named: tuple[Place, ...]) -> ParsedDocument:
    mentions = [Mention(text.index(p.name), text.index(p.name) + len(p.name), p.name, text, p, 0.9) for p in named]
    if text.startswith("Russian"):
        mentions.append(Mention(0, 7, "Russian", text, RUSSIA, 0.5, kind="demonym"))
    return ParsedDocument(text=text, mentions=mentions, focus={})


def fill(store: Store, keep: list[int]) -> list[int]:
    """Store the ARTICLES at positions ``keep``; their ids in that order."""
    items = [(Article(t, "", None, src, pub), parse(t, named)) for t, src, pub, named in (ARTICLES[i] for i in keep)]
    return [article_id for article_id, _ in store.add_many(items)]


def counts(store: Store) -> tuple[list, list, list]:
    """Every maintained count (without row ids) and the stored places."""
    c = place_periods.c
    with store.engine.connect() as conn:
        stats = conn.execute(select(place_stats).order_by(place_stats.c.place_id, place_stats.c.all_kinds)).all()
        cells = conn.execute(
            select(c.place_id, c.all_kinds, c.grain, c.period, c.source, c.mentions, c.articles, c.last_published)
        ).all()
        stored = conn.execute(select(places.c.id).order_by(places.c.id)).all()
    return [tuple(r) for r in stats], sorted((tuple(r) for r in cells), key=repr), [r[0] for r in stored]


@pytest.fixture()
def two_stores(database_url, tmp_path):
    """The store under test, and a second SQLite store to recount into."""
    first = open_store(load_settings(database_url=database_url))
    second = open_store(load_settings(database_url=f"sqlite:///{tmp_path / 'recount.sqlite'}"))
    yield first, second
    first.close()
    second.close()


@pytest.mark.parametrize("gone", [[0], [1, 3], [2], [4], [0, 1, 2, 3, 4]])
def test_counts_after_deleting_equal_a_store_that_never_had_them(two_stores, gone):
    store, recount = two_stores
    ids = fill(store, list(range(len(ARTICLES))))
    assert store.delete_articles([ids[i] for i in gone]) == len(gone)
    kept = [i for i in range(len(ARTICLES)) if i not in gone]
    fill(recount, kept)
    assert counts(store) == counts(recount)
    assert store.stats()["articles"] == len(kept) and store.stats()["mentions"] == recount.stats()["mentions"]
    for filters in (
        Filters(),
        Filters(since=datetime(2023, 3, 1), until=datetime(2023, 3, 1, 23)),
        Filters(source="wire"),
    ):
        assert store.places(filters).to_dict()["items"] == recount.places(filters).to_dict()["items"]


def test_unknown_and_out_of_range_ids_delete_nothing(two_stores):
    store, _ = two_stores
    fill(store, [0, 2])
    before = counts(store)
    assert store.delete_articles([0, -5, 999, 2**31, 10**20]) == 0
    assert counts(store) == before


def test_article_ids_by_source(two_stores):
    store, _ = two_stores
    ids = fill(store, [0, 2, 3, 4])
    assert store.article_ids() == ids
    assert store.article_ids(source="paper") == [ids[1], ids[2]]
    assert store.article_ids(source="nobody") == []

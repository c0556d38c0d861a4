"""Date and source filters read maintained per-period cells: they must equal a plain recount.

A seeded random store (articles spread over months, some undated or without a
source, demonyms among the toponyms) is counted again here in Python, from the
very parses that were stored, for many filter combinations: whole months,
partial days, single days, open ranges, with sources and place filters; then
again after ``--reprocess``-style replacement, and after a v2 → v3 upgrade.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from test_store import BLACK_SEA, FIJI, KYIV, MOSCOW, RUSSIA

from geomap.config import load_settings
from geomap.models import Article, Mention, ParsedDocument
from geomap.store import SCHEMA_VERSION, Filters, open_store
from geomap.store.engine import make_engine
from geomap.store.migrate import create_schema
from geomap.store.periods import plan
from geomap.store.rollup import fill
from geomap.store.schema import place_periods

PLACES = [MOSCOW, KYIV, FIJI, BLACK_SEA, RUSSIA]
SOURCES = ["wire", "paper", None]
START = datetime(2023, 1, 1)


def random_corpus(seed: int, n: int = 90) -> list[tuple[Article, ParsedDocument]]:
    """``n`` articles over ~5 months at any minute, 1–6 mentions each, a few undated."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        text = f"Report {seed}-{i}: " + " ".join(p.name for p in PLACES)
        published = None if i % 17 == 0 else START + timedelta(minutes=rng.randrange(150 * 24 * 60))
        out.append((Article(text, f"T{i}", None, rng.choice(SOURCES), published), random_parse(rng, text)))
    return out


def random_parse(rng: random.Random, text: str) -> ParsedDocument:
    ms = []
    for place in rng.choices(PLACES, k=rng.randint(1, 6)):
        start = text.index(place.name)
        kind = "demonym" if rng.random() < 0.25 else "toponym"
        ms.append(Mention(start, start + len(place.name), place.name, text, place, 0.9, kind=kind))
    return ParsedDocument(text=text, mentions=ms, focus={})


def recount(stored: dict[int, tuple[Article, ParsedDocument]], f: Filters) -> list[tuple]:
    """What ``places(f)`` must answer, counted from the parses: (id, mentions, articles, newest)."""
    counts: dict[str, list] = {}
    for article_id, (article, parsed) in stored.items():
        p = article.published
        if f.since is not None and (p is None or p < f.since):
            continue
        if f.until is not None and (p is None or p > f.until):
            continue
        if f.source is not None and article.source != f.source:
            continue
        for m in parsed.mentions:
            if m.place is None or (m.kind != "toponym" and not f.demonyms):
                continue
            if f.country and m.place.country_code != f.country:
                continue
            c = counts.setdefault(m.place.id, [0, set(), None])
            c[0] += 1
            c[1].add(article_id)
            if p is not None and (c[2] is None or p > c[2]):
                c[2] = p
    rows = [
        (pid, n, len(arts), None if last is None else last.isoformat() + "+00:00")
        for pid, (n, arts, last) in counts.items()
    ]
    return sorted(rows, key=lambda r: (-r[1], r[0]))


def answered(store, f: Filters) -> list[tuple]:
    page = store.places(f, limit=100)
    assert page.total == len(page.items)
    return [(p["id"], p["mentions"], p["articles"], p["last_published"]) for p in page.items]


FILTERS = [
    Filters(source="wire"),
    Filters(source="paper", demonyms=True),
    Filters(since=datetime(2023, 2, 1)),  # whole months, open end: all-time totals minus January and the undated
    Filters(since=datetime(2023, 1, 20, 15, 45), demonyms=True),  # the same, minus a partial day too
    Filters(since=datetime(2023, 5, 10)),  # late: the cells after it
    Filters(until=datetime(2023, 3, 31, 23, 59, 59, 999999)),  # a bare date's end of day
    Filters(since=datetime(2023, 1, 10, 7, 30), until=datetime(2023, 4, 20, 13, 5)),  # partial days, days, months
    Filters(since=datetime(2023, 2, 3), until=datetime(2023, 2, 25, 23, 59, 59, 999999)),  # whole days in one month
    Filters(since=datetime(2023, 3, 5, 6), until=datetime(2023, 3, 5, 18)),  # inside one day
    Filters(since=datetime(2023, 3, 5, 6), until=datetime(2023, 3, 6, 2)),  # two partial days
    Filters(since=datetime(2023, 1, 31, 23, 59), until=datetime(2023, 5, 1)),  # a minute, months, an instant
    Filters(since=datetime(2023, 2, 14), source="wire", country="RU", demonyms=True),  # a source's all-time cells minus
    Filters(since=datetime(1, 1, 1), until=datetime(9999, 12, 31, 23, 59, 59, 999999)),  # calendar ends
]


@pytest.fixture()
def corpus_store(database_url):
    store = open_store(load_settings(database_url=database_url))
    corpus = random_corpus(1)
    stored = {}
    for i in range(0, len(corpus), 25):
        for (article_id, _new), item in zip(store.add_many(corpus[i : i + 25]), corpus[i : i + 25], strict=True):
            stored[article_id] = item
    yield store, stored
    store.close()


def cells(store) -> list[tuple]:
    c = place_periods.c
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(c.place_id, c.all_kinds, c.grain, c.period, c.source, c.mentions, c.articles, c.last_published)
        )
        return sorted((tuple(r) for r in rows), key=repr)


def assert_cells_equal_a_rebuild(store) -> None:
    """The maintained cells equal the cells counted from scratch (the upgrade's fill)."""
    before = cells(store)
    with store.engine.begin() as conn:
        conn.execute(place_periods.delete())
        fill(conn, batch=7)
    assert before and cells(store) == before


@pytest.mark.parametrize("f", FILTERS, ids=range(len(FILTERS)))
def test_filtered_places_equal_a_recount(corpus_store, f):
    store, stored = corpus_store
    expected = recount(stored, f)
    assert expected, "a filter that matches nothing proves nothing"
    assert answered(store, f) == expected


def test_reprocess_keeps_cells_exact(corpus_store):
    store, stored = corpus_store
    rng = random.Random(5)
    ids = sorted(stored)
    for chunk in (ids[:40], ids[40:41], ids[60:]):  # a batch, one article, the rest
        replaced = [(a, random_parse(rng, stored[a][1].text)) for a in chunk]
        if chunk == ids[40:41]:
            replaced = [(chunk[0], ParsedDocument(stored[chunk[0]][1].text, [], {}))]  # every place leaves it
        store.replace_mentions_many(replaced)
        for a, parsed in replaced:
            stored[a] = (stored[a][0], parsed)
    assert_cells_equal_a_rebuild(store)
    for f in FILTERS:
        assert answered(store, f) == recount(stored, f), f


def test_duplicate_cells_are_folded_when_touched(corpus_store):
    """Concurrent writers on PostgreSQL can insert one cell twice; sums stay right and a change folds them."""
    store, stored = corpus_store
    c = place_periods.c
    article_id = next(a for a, (art, parsed) in stored.items() if art.published is not None and parsed.mentions)
    place_id = next(m.place.id for m in stored[article_id][1].mentions if m.kind == "toponym")
    with store.engine.begin() as conn:  # split every cell of that place into two rows
        rows = conn.execute(select(place_periods).where(c.place_id == place_id)).all()
        for r in rows:
            if r.mentions > 1:
                conn.execute(place_periods.update().where(c.id == r.id).values(mentions=r.mentions - 1))
                copy = {k: v for k, v in r._mapping.items() if k != "id"}
                conn.execute(place_periods.insert().values({**copy, "mentions": 1, "articles": 0}))
    for f in FILTERS:
        assert answered(store, f) == recount(stored, f), f
    store.replace_mentions(article_id, ParsedDocument(stored[article_id][1].text, [], {}))
    stored[article_id] = (stored[article_id][0], ParsedDocument("", [], {}))
    for f in FILTERS:
        assert answered(store, f) == recount(stored, f), f


def test_adding_keeps_cells_exact(corpus_store):
    store, stored = corpus_store
    for (article_id, new), item in zip(store.add_many(random_corpus(2, 30)), random_corpus(2, 30), strict=True):
        assert new
        stored[article_id] = item
    assert_cells_equal_a_rebuild(store)
    assert answered(store, FILTERS[4]) == recount(stored, FILTERS[4])


def test_upgrade_from_version_2_fills_the_cells(database_url, tmp_path):
    """A version 2 database (written by the version 2 code path: no cells) answers filters after the upgrade."""
    url = database_url or f"sqlite:///{tmp_path / 'v2.sqlite'}"
    engine = make_engine(url)
    with engine.begin() as conn:
        create_schema(conn, version=2)
    engine.dispose()
    store = open_store(load_settings(database_url=url))  # upgrades the empty v2 database to v3
    corpus = random_corpus(3, 40)
    stored = {a: item for (a, _), item in zip(store.add_many(corpus), corpus, strict=True)}
    with store.engine.begin() as conn:  # back to version 2: no cells, old version number
        place_periods.drop(conn)
        conn.exec_driver_sql("UPDATE schema_version SET version = 2")
    store.close()

    store = open_store(load_settings(database_url=url))
    assert store.stats()["schema_version"] == SCHEMA_VERSION == 5
    for f in FILTERS:
        assert answered(store, f) == recount(stored, f), f
    store.close()


def test_mentions_for_places_equals_one_query_per_place(corpus_store):
    store, _ = corpus_store
    for f in (Filters(), Filters(since=datetime(2023, 2, 1), source="wire", demonyms=True)):
        ids = [p.id for p in PLACES] + ["gn:0"]
        batched = store.mentions_for_places(ids, f, per_place=3)
        assert set(batched) == set(ids)
        for pid in ids:
            one = store.place_mentions(pid, f, limit=3)
            assert (batched[pid].items, batched[pid].total) == (one.items, one.total)
        assert batched[MOSCOW.id].total > 3 and len(batched[MOSCOW.id].items) == 3


def test_plan_splits_a_range_into_disjoint_pieces():
    cells, raw = plan(datetime(2023, 1, 10, 7, 30), datetime(2023, 4, 20, 13, 5))
    assert cells == [
        ("M", datetime(2023, 2, 1), datetime(2023, 4, 1)),
        ("D", datetime(2023, 1, 11), datetime(2023, 2, 1)),
        ("D", datetime(2023, 4, 1), datetime(2023, 4, 20)),
    ]
    assert raw == [
        (datetime(2023, 1, 10, 7, 30), datetime(2023, 1, 11), False),
        (datetime(2023, 4, 20), datetime(2023, 4, 20, 13, 5), True),
    ]
    assert plan(None, None) == ([("A", None, None)], [])
    assert plan(datetime(2023, 3, 1), datetime(2023, 3, 31, 23, 59, 59, 999999)) == (
        [("M", datetime(2023, 3, 1), datetime(2023, 4, 1))],
        [],
    )

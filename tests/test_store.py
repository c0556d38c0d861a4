"""The article store over real databases: writes, filters, pagination, upgrades.

Every store test runs on a SQLite file and, where the PostgreSQL server
binaries and psycopg are installed, on a throw-away PostgreSQL server started
for the session. The store's input is a ``ParsedDocument``; these tests build
them by hand so every count they assert is known exactly.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import insert, inspect, select

from geomap.config import load_settings
from geomap.errors import StoreError
from geomap.models import Article, Mention, ParsedDocument, Place
from geomap.store import SCHEMA_VERSION, Filters, open_store
from geomap.store.engine import make_engine
from geomap.store.migrate import create_schema
from geomap.store.schema import articles, mentions, places, schema_version

MOSCOW = Place("gn:524901", "Moscow", 55.75, 37.62, "city", geonameid=524901, country_code="RU", population=10_381_222)
RUSSIA = Place("gn:2017370", "Russia", 60.0, 100.0, "country", geonameid=2017370, country_code="RU")
KYIV = Place("gn:703448", "Kyiv", 50.45, 30.52, "city", geonameid=703448, country_code="UA", admin1_name="Kyiv City")
FIJI = Place("gn:2205218", "Fiji", -18.0, 178.0, "country", geonameid=2205218, country_code="FJ")
BLACK_SEA = Place("geomap:black-sea", "Black Sea", 43.0, 35.0, "water")


def doc(text: str, *places_: Place, demonym: Place | None = None, unresolved: str | None = None) -> ParsedDocument:
    """A parse of ``text`` mentioning each place at its (first) occurrence."""
    ms = []
    for p in places_:
        start = text.index(p.name)
        ms.append(Mention(start, start + len(p.name), p.name, text, p, 0.9))
    if demonym is not None:
        ms.append(Mention(0, 7, text[:7], text, demonym, 0.5, kind="demonym"))
    if unresolved is not None:
        start = text.index(unresolved)
        ms.append(Mention(start, start + len(unresolved), unresolved, text, None, 0.0))
    return ParsedDocument(text=text, mentions=ms, focus={})


def when(day: int) -> datetime:
    return datetime(2023, 3, day, 12, tzinfo=UTC)


@pytest.fixture()
def store(database_url):
    s = open_store(load_settings(database_url=database_url))
    yield s
    s.close()


@pytest.fixture()
def filled(store):
    """Four articles over two sources and a week of dates."""
    t1 = "Russian talks in Moscow and Kyiv; Moscow again."
    d1 = doc(t1, MOSCOW, KYIV, demonym=RUSSIA)
    d1.mentions.append(Mention(t1.rindex("Moscow"), t1.rindex("Moscow") + 6, "Moscow", t1, MOSCOW, 0.8))
    store.add(Article(t1, "One", "https://a.example/1", "wire", when(1)), d1)
    t2 = "Ships on the Black Sea near Kyiv's ports."
    store.add(Article(t2, "Two", None, "paper", when(5)), doc(t2, BLACK_SEA, KYIV))
    t3 = "A cyclone reached Fiji and Atlantis."
    store.add(Article(t3, "Three", None, "wire", when(7)), doc(t3, FIJI, unresolved="Atlantis"))
    t4 = "Undated note from Moscow."
    store.add(Article(t4, "Four", None, None, None), doc(t4, MOSCOW))
    return store


def names(page) -> list[str]:
    return [p["name"] for p in page.items]


def test_add_is_idempotent_by_content(store):
    text = "Talks in Moscow."
    first = store.add(Article(text, "A"), doc(text, MOSCOW))
    again = store.add(Article("  Talks   in\nMoscow. ", "A copy"), doc(text, MOSCOW))
    assert first[1] is True and again == (first[0], False)
    backend = store.engine.dialect.name
    assert store.stats() == {
        "articles": 1,
        "places": 1,
        "mentions": 1,
        "schema_version": SCHEMA_VERSION,
        "backend": backend,
    }


def test_populations_beyond_32_bits(store):
    asia = Place("gn:6255147", "Asia", 29.8, 89.3, "continent", geonameid=6255147, population=4_700_000_000)
    text = "Trade across Asia."
    store.add(Article(text), doc(text, asia))
    assert store.place(asia.id)["population"] == 4_700_000_000


def test_add_many_reports_each_item_and_duplicates_within_a_batch(store):
    a, b = "Kyiv at night.", "Moscow at noon."
    result = store.add_many([(Article(a), doc(a, KYIV)), (Article(b), doc(b, MOSCOW)), (Article(a), doc(a, KYIV))])
    assert [new for _, new in result] == [True, True, False]
    assert result[2][0] == result[0][0]
    assert store.places().total == 2


def test_places_counts_and_order(filled):
    page = filled.places()
    assert names(page) == ["Moscow", "Kyiv", "Black Sea", "Fiji"]  # most mentions first, ties by place id
    moscow = page.items[0]
    assert moscow == {
        "id": "gn:524901",
        "name": "Moscow",
        "native_name": "",
        "lat": 55.75,
        "lon": 37.62,
        "kind": "city",
        "geonameid": 524901,
        "country_code": "RU",
        "admin1_name": None,
        "population": 10_381_222,
        "mentions": 3,
        "articles": 2,
        "last_published": "2023-03-01T12:00:00+00:00",
    }
    assert page.total == 4


def test_demonyms_are_counted_only_on_request(filled):
    assert "Russia" not in names(filled.places())
    with_demonyms = filled.places(Filters(demonyms=True))
    assert "Russia" in names(with_demonyms)
    assert with_demonyms.total == 5
    assert [p["mentions"] for p in with_demonyms.items if p["name"] == "Russia"] == [1]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (Filters(q="mosc"), ["Moscow"]),
        (Filters(q="SEA"), ["Black Sea"]),
        (Filters(q="100%"), []),
        (Filters(country="ua"), ["Kyiv"]),
        (Filters(kind="water"), ["Black Sea"]),
        (Filters(bbox=(20.0, 40.0, 40.0, 60.0)), ["Moscow", "Kyiv", "Black Sea"]),
        (Filters(bbox=(170.0, -30.0, -170.0, 0.0)), ["Fiji"]),  # across the antimeridian
        (Filters(source="wire"), ["Moscow", "Fiji", "Kyiv"]),
        (Filters(since=when(2)), ["Black Sea", "Fiji", "Kyiv"]),
        (Filters(until=when(5)), ["Moscow", "Kyiv", "Black Sea"]),
        (Filters(since=when(2), until=when(6)), ["Black Sea", "Kyiv"]),
        (Filters(since=datetime(2023, 3, 5, 14, tzinfo=timezone(timedelta(hours=2)))), ["Black Sea", "Fiji", "Kyiv"]),
        (Filters(source="wire", country="RU"), ["Moscow"]),
    ],
)
def test_place_filters(filled, filters, expected):
    page = filled.places(filters)
    assert names(page) == expected
    assert page.total == len(expected)


def test_article_filter_counts_only_that_article(filled):
    first = filled.articles(Filters(source="wire", country="RU")).items[0]
    page = filled.places(Filters(article_id=first["id"]))
    assert {p["name"]: p["mentions"] for p in page.items} == {"Moscow": 2, "Kyiv": 1}


def test_pagination_and_past_the_end(filled):
    first, second = filled.places(limit=3), filled.places(limit=3, offset=3)
    assert names(first) + names(second) == names(filled.places())
    assert first.total == second.total == 4
    past = filled.places(limit=3, offset=10)
    assert past.items == [] and past.total == 4
    filtered_past = filled.places(Filters(source="wire"), limit=2, offset=50)
    assert filtered_past.items == [] and filtered_past.total == 3


def test_place_and_its_mentions_newest_first(filled):
    assert filled.place("gn:000") is None
    kyiv = filled.place("gn:703448")
    assert (kyiv["mentions"], kyiv["articles"], kyiv["admin1_name"]) == (2, 2, "Kyiv City")
    page = filled.place_mentions("gn:524901")
    assert page.total == 3
    titles = [m["article"]["title"] for m in page.items]
    assert titles == ["One", "One", "Four"]  # dated first, newest first; undated last
    m = page.items[0]
    assert set(m) == {"id", "start", "end", "text", "snippet", "confidence", "kind", "article"}
    assert m["text"] == "Moscow" and m["start"] < page.items[1]["start"]
    assert m["article"] == {
        "id": m["article"]["id"],
        "title": "One",
        "url": "https://a.example/1",
        "source": "wire",
        "published": "2023-03-01T12:00:00+00:00",
    }
    assert filled.place_mentions("gn:2017370").total == 0
    assert filled.place_mentions("gn:2017370", Filters(demonyms=True)).items[0]["kind"] == "demonym"
    assert filled.place_mentions("gn:524901", Filters(source="wire"), limit=1, offset=1).total == 2


def test_articles_list_and_detail(filled):
    page = filled.articles()
    assert [a["title"] for a in page.items] == ["Three", "Two", "One", "Four"]
    assert {a["title"]: a["places"] for a in page.items} == {"Three": 1, "Two": 2, "One": 2, "Four": 1}
    assert set(page.items[0]) == {"id", "title", "url", "source", "published", "ingested", "places", "named", "lead"}
    assert len(page.items[0]["named"]) == page.items[0]["places"] == 1  # the places it names, for the story feed
    assert [a["title"] for a in filled.articles(Filters(q="kyiv")).items] == ["Two", "One"]
    assert [a["title"] for a in filled.articles(Filters(kind="water")).items] == ["Two"]
    assert filled.articles(Filters(q="russia")).total == 0
    assert filled.articles(Filters(q="russia", demonyms=True)).total == 1
    assert filled.articles(limit=1, offset=3).items[0]["title"] == "Four"

    three = filled.article(page.items[0]["id"])
    assert three["text"] == "A cyclone reached Fiji and Atlantis."
    assert [(m["text"], m["place"]["name"] if m["place"] else None) for m in three["mentions"]] == [
        ("Fiji", "Fiji"),
        ("Atlantis", None),
    ]
    assert three["mentions"][0]["place"]["mentions"] == 1
    assert filled.article(10_000) is None


def test_replace_mentions_recounts_places(filled):
    one = next(a for a in filled.articles().items if a["title"] == "One")
    text = filled.article(one["id"])["text"]
    filled.replace_mentions(one["id"], doc(text, KYIV))
    assert filled.place("gn:524901")["mentions"] == 1  # only "Four" is left
    assert filled.place("gn:703448")["mentions"] == 2
    assert "Russia" not in names(filled.places(Filters(demonyms=True)))
    assert filled.stats()["articles"] == 4


def test_times_are_stored_as_utc(store):
    text = "Dawn in Kyiv."
    kyiv_time = datetime(2023, 3, 1, 2, 0, tzinfo=timezone(timedelta(hours=2)))
    store.add(Article(text, published=kyiv_time), doc(text, KYIV))
    assert store.articles().items[0]["published"] == "2023-03-01T00:00:00+00:00"


def test_sqlite_file_is_wal_with_foreign_keys():
    store = open_store()
    settings = load_settings()
    assert settings.database.endswith("geomap.sqlite")
    path = settings.data_dir / "geomap.sqlite"
    assert path.is_file()
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    assert store.integrity_check() == "ok"
    store.close()


def test_upgrade_from_version_1(database_url, tmp_path):
    url = database_url or f"sqlite:///{tmp_path / 'old.sqlite'}"
    engine = make_engine(url)
    with engine.begin() as conn:
        create_schema(conn, version=1)
        conn.execute(
            insert(places), [{"id": "gn:524901", "name": "Moscow", "lat": 55.75, "lon": 37.62, "kind": "city"}]
        )
        conn.execute(
            insert(articles),
            [
                {
                    "id": 1,
                    "title": "t",
                    "text": "Moscow, Moscow",
                    "content_hash": "h",
                    "ingested": datetime(2023, 1, 1),
                    "published": datetime(2023, 1, 2),
                }
            ],
        )
        conn.execute(
            insert(mentions),
            [
                {"article_id": 1, "place_id": "gn:524901", "start_char": s, "end_char": s + 6, "surface": "Moscow"}
                for s in (0, 8)
            ],
        )
    with engine.connect() as conn:
        assert conn.execute(select(schema_version.c.version)).scalar() == 1
        assert "place_stats" not in inspect(conn).get_table_names()
    engine.dispose()

    store = open_store(load_settings(database_url=url))
    assert store.stats()["schema_version"] == SCHEMA_VERSION == 5
    assert store.places().items[0]["mentions"] == 2
    assert store.places().items[0]["last_published"] == "2023-01-02T00:00:00+00:00"
    store.close()


def test_upgrade_to_version_5_adds_native_names_which_a_reparse_fills(database_url, tmp_path):
    url = database_url or f"sqlite:///{tmp_path / 'v4.sqlite'}"
    engine = make_engine(url)
    with engine.begin() as conn:
        create_schema(conn, version=4)
        conn.exec_driver_sql("ALTER TABLE places DROP COLUMN native_name")  # as version 4 made it
        conn.exec_driver_sql("UPDATE schema_version SET version = 4")
    engine.dispose()
    store = open_store(load_settings(database_url=url))
    assert store.stats()["schema_version"] == SCHEMA_VERSION == 5
    crimea = Place("gn:703883", "Crimea", 45.0, 34.0, "admin1", geonameid=703883, country_code="UA")
    text = "Crimea was quiet."
    article_id, _ = store.add(Article(text, "Old"), doc(text, crimea))
    assert store.places().items[0]["native_name"] == ""  # stored before native names were kept
    renamed = Place(
        "gn:703883",
        "Crimea",
        45.0,
        34.0,
        "admin1",
        geonameid=703883,
        country_code="UA",
        native_name="Avtonomna Respublika Krym",
    )
    store.replace_mentions(article_id, doc(text, renamed))  # what --reprocess does
    assert store.places().items[0]["native_name"] == "Avtonomna Respublika Krym"
    store.close()


def test_newer_or_foreign_database_is_refused(tmp_path):
    newer = tmp_path / "newer.sqlite"
    con = sqlite3.connect(newer)
    con.executescript(
        "CREATE TABLE schema_version (id INTEGER PRIMARY KEY, version INTEGER); "
        "INSERT INTO schema_version VALUES (1, 99);"
    )
    con.close()
    with pytest.raises(StoreError, match="newer than this geomap"):
        open_store(load_settings(database_url=f"sqlite:///{newer}"))
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match=r"junk\.sqlite"):
        open_store(load_settings(database_url=f"sqlite:///{junk}"))
    with pytest.raises(StoreError, match="cannot create the database folder"):
        open_store(load_settings(database_url=f"sqlite:///{junk}/inside/geomap.sqlite"))
    with pytest.raises(StoreError, match="not a valid SQLAlchemy URL"):
        open_store(load_settings(database_url="no url at all"))


def test_maintained_counts_equal_a_full_recount(store):
    """Counts added batch by batch agree with counting every mention again."""
    from sqlalchemy import select

    from geomap.store.schema import place_stats
    from geomap.store.stats import refresh_place_stats

    texts = [f"Day {i}: Moscow, Kyiv and the Black Sea." for i in range(30)]
    for chunk in range(0, 30, 7):
        store.add_many(
            [
                (Article(t, published=when(1 + i % 20)), doc(t, MOSCOW, KYIV, BLACK_SEA, demonym=RUSSIA))
                for i, t in enumerate(texts[chunk : chunk + 7], start=chunk)
            ]
        )
    snapshot = select(place_stats).order_by(place_stats.c.place_id, place_stats.c.all_kinds)
    with store.engine.connect() as conn:
        incremental = conn.execute(snapshot).all()
    with store.engine.begin() as conn:
        refresh_place_stats(conn, [MOSCOW.id, KYIV.id, BLACK_SEA.id, RUSSIA.id])
        recounted = conn.execute(snapshot).all()
    assert incremental == recounted
    assert len(incremental) == 7  # Russia only as a demonym: no toponym row
    assert store.place(MOSCOW.id)["mentions"] == 30
    assert store.place(MOSCOW.id)["last_published"] == "2023-03-20T12:00:00+00:00"


@pytest.mark.parametrize(
    "filters",
    [
        Filters(),
        Filters(q="ky", bbox=(170.0, -30.0, -170.0, 0.0), country="ua", kind="city"),
        Filters(since=when(1), until=when(9), source="wire", article_id=3, demonyms=True),
    ],
)
def test_schema_and_queries_compile_for_postgresql(filters):
    """No SQLite-only SQL outside engine.py: every table and query compiles for PostgreSQL."""
    from sqlalchemy.dialects import postgresql
    from sqlalchemy.schema import CreateIndex, CreateTable

    from geomap.store import queries
    from geomap.store.schema import metadata

    dialect = postgresql.dialect()
    for table in metadata.sorted_tables:
        assert "CREATE TABLE" in str(CreateTable(table).compile(dialect=dialect))
        for index in table.indexes:
            str(CreateIndex(index).compile(dialect=dialect))
    wide = Filters(since=when(1), q=filters.q, source=filters.source)  # all-time totals minus the cells before
    aggregated = (
        *queries._aggregated_places(filters, 100, 0),
        *queries._aggregated_places(wide, 100, 0, complement=True),
    )
    for stmt in (*queries._ranked_places(filters), *aggregated):
        sql = str(stmt.compile(dialect=dialect))
        assert ("ILIKE" in sql) == bool(filters.q)
    assert "LEFT OUTER JOIN" in sql  # the complement: totals joined with what lies before since
    newest = queries.select(queries.articles.c.id).order_by(*queries._newest_first())
    assert "DESC NULLS LAST" in str(newest.compile(dialect=dialect))
    assert "count(DISTINCT" in str(queries.select(queries._article_places_count(filters)).compile(dialect=dialect))


def test_min_confidence_counts_only_mentions_at_or_above_it(filled):
    """The map's confidence filter: counts, mention lists and the timeline agree with a recount."""
    sure = Filters(min_confidence=0.85)  # Moscow's second mention in "One" has 0.8, every other place 0.9
    counts = {p["id"]: (p["mentions"], p["articles"]) for p in filled.places(sure).items}
    assert counts[MOSCOW.id] == (2, 2) and counts[KYIV.id] == (2, 2)
    assert filled.places(Filters()).items[0]["mentions"] == 3  # unfiltered: Moscow's three mentions
    assert filled.place_mentions(MOSCOW.id, sure).total == 2
    assert filled.places(Filters(min_confidence=0.95)).total == 0
    assert RUSSIA.id not in {p["id"] for p in filled.places(Filters(demonyms=True, min_confidence=0.6)).items}
    assert RUSSIA.id in {p["id"] for p in filled.places(Filters(demonyms=True, min_confidence=0.5)).items}
    buckets = filled.timeline(sure, interval="month")["buckets"]
    assert sum(b["mentions"] for b in buckets) == 5  # One 2 (its 0.8 Moscow out), Two 2, Three 1; "Four" undated

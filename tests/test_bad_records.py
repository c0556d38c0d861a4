"""One bad record is reported and skipped, the same on SQLite and PostgreSQL; first runs race safely."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest

from geomap.config import load_settings
from geomap.errors import InputError
from geomap.ingest import ingest_paths
from geomap.models import Article, ParsedDocument
from geomap.store import check_article, open_store

# A field value that cannot be stored, and a phrase of the message that says so.
BAD = [
    ({"source": "s" * 300}, "at most 200"),
    ({"text": "Kyiv\x00 shelled."}, "NUL"),
    ({"title": "Kyiv\ud800"}, "lone surrogate"),
    ({"source": "wire\x00"}, "NUL"),
    ({"published": datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1)))}, "years 1..9999"),
    ({"text": "   "}, "no text"),
]


@pytest.mark.parametrize(("fields", "says"), BAD)
def test_check_article_names_what_is_wrong(fields, says):
    article = Article(**{"text": "Shelling in Kyiv.", **fields})
    with pytest.raises(InputError, match=says) as caught:
        check_article(article)
    assert caught.value.status == 422


def test_add_many_refuses_a_bad_record_before_writing(database_url):
    store = open_store(load_settings(database_url=database_url))
    try:
        good = Article("Shelling in Kyiv.", source="wire", published=datetime(2024, 1, 1, tzinfo=UTC))
        bad = Article("Shelling in Lviv.", source="s" * 300)
        empty = ParsedDocument(text="", mentions=[], focus={})
        with pytest.raises(InputError, match="at most 200"):
            store.add_many([(good, empty), (bad, empty)])
        assert store.stats()["articles"] == 0
        assert store.add_many([(good, empty)]) == [(1, True)]
    finally:
        store.close()


def test_first_runs_at_once_create_the_schema_once(database_url):
    settings = load_settings(database_url=database_url)
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def first_run() -> None:
        start.wait()
        try:
            open_store(settings).close()
        except BaseException as exc:  # collected: the test reports every failure
            errors.append(exc)

    threads = [threading.Thread(target=first_run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    store = open_store(settings)
    assert store.stats()["schema_version"] is not None
    store.close()


@pytest.mark.slow
def test_ingest_skips_bad_records_and_stores_the_rest(database_url, tmp_path):
    """20 records, 5 of them unstorable: 15 stored and 5 reported, on either backend; a rerun adds nothing."""
    records = [{"text": f"Report {i}: drones were shot down over Kyiv and Odesa.", "source": "wire"} for i in range(15)]
    records += [
        {"text": "A 300-character source on Lviv.", "source": "s" * 300},
        {"text": "A NUL \u0000 in Kharkiv."},
        {"text": "A lone surrogate in Dnipro \ud800."},
        {"text": "A date before the calendar in Sumy.", "published": "0001-01-01T00:00:00+01:00"},
        {"text": "A title with a NUL, in Poltava.", "title": "x\u0000y"},
    ]
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records), encoding="utf-8")
    settings = load_settings(database_url=database_url, seed_on_first_run=False)
    store = open_store(settings)
    try:
        report = ingest_paths([path], store, settings=settings, progress=False)
        assert report.ingested == 15, report.summary()
        assert len(report.failed) == 5, report.summary()
        assert store.stats()["articles"] == 15
        again = ingest_paths([path], store, settings=settings, progress=False)
        assert again.ingested == 0 and again.duplicates == 15 and len(again.failed) == 5
    finally:
        store.close()

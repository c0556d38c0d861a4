"""``/api/timeline`` adds up the day cells; its buckets must equal a recount of the stored parses.

The random corpus of ``test_store_periods`` (articles at any minute over five
months, some undated, three sources, demonyms among the toponyms) is counted
again here in Python for every interval and many filters, on SQLite and
PostgreSQL, and read once through the HTTP API.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

import pytest
from flask.testing import FlaskClient
from test_store_periods import random_corpus

from geomap.config import load_settings
from geomap.store import Filters, open_store
from geomap.store.timeline import INTERVALS, bucket_start
from geomap.web import create_app

FILTERS = [
    Filters(),
    Filters(demonyms=True),
    Filters(source="wire"),
    Filters(country="RU"),
    Filters(q="Kyiv", source="paper", demonyms=True),
    Filters(since=datetime(2023, 2, 1)),
    Filters(since=datetime(2023, 1, 10, 7, 30), until=datetime(2023, 4, 20, 13, 5)),  # partial days at both ends
    Filters(since=datetime(2023, 3, 5, 6), until=datetime(2023, 3, 12, 18)),  # a week, partial days
    Filters(until=datetime(2023, 3, 31, 23, 59, 59, 999999), country="FJ"),
]


def recount(stored: dict, f: Filters, interval: str) -> dict:
    """What ``timeline(f, interval)`` must answer, counted from the parses."""
    per_article: Counter[date] = Counter()
    per_mention: Counter[date] = Counter()
    undated = 0
    for article, parsed in stored.values():
        p = article.published
        if f.source is not None and article.source != f.source:
            continue
        counted = [
            m
            for m in parsed.mentions
            if m.place is not None
            and (m.kind == "toponym" or f.demonyms)
            and (f.country is None or m.place.country_code == f.country)
            and (f.q is None or f.q.lower() in m.place.name.lower())
        ]
        if (f.country or f.q) and not counted:
            continue
        if p is None:
            undated += 1
            continue
        if (f.since is not None and p < f.since) or (f.until is not None and p > f.until):
            continue
        start = bucket_start(p.date(), interval)
        per_article[start] += 1
        per_mention[start] += len(counted)
    starts = sorted(set(per_article) | set(per_mention))
    buckets = [{"start": s.isoformat(), "articles": per_article[s], "mentions": per_mention[s]} for s in starts]
    return {"interval": interval, "buckets": buckets, "undated": undated}


@pytest.fixture()
def corpus_store(database_url):
    store = open_store(load_settings(database_url=database_url))
    corpus = random_corpus(3)
    stored = {}
    for i in range(0, len(corpus), 30):
        for (article_id, _new), item in zip(store.add_many(corpus[i : i + 30]), corpus[i : i + 30], strict=True):
            stored[article_id] = item
    yield store, stored
    store.close()


def test_timeline_equals_a_recount(corpus_store) -> None:
    store, stored = corpus_store
    mid_day = next(a.published for a, _ in stored.values() if a.published and 1 <= a.published.hour <= 22)
    inside_one_day = Filters(since=mid_day.replace(hour=0, minute=30), until=mid_day.replace(hour=23, minute=0))
    for f in [*FILTERS, inside_one_day]:
        for interval in INTERVALS:
            expected = recount(stored, f, interval)
            assert expected["buckets"], (f, "a filter that matches nothing proves nothing")
            assert store.timeline(f, interval) == expected, (f, interval)
    whole = store.timeline(Filters(), "month")
    assert sum(b["articles"] for b in whole["buckets"]) + whole["undated"] == len(stored)


def test_bucket_starts() -> None:
    assert bucket_start(date(2024, 3, 14), "week") == date(2024, 3, 11)  # a Thursday -> its Monday
    assert bucket_start(date(2024, 3, 14), "month") == date(2024, 3, 1)
    assert bucket_start(date(2024, 3, 14), "day") == date(2024, 3, 14)


def test_timeline_endpoint(tmp_path) -> None:
    settings = load_settings(data_dir=tmp_path, seed_on_first_run=False)
    store = open_store(settings)
    stored = dict(zip((i for i, _ in store.add_many(random_corpus(5, n=40))), random_corpus(5, n=40), strict=True))
    store.close()
    client: FlaskClient = create_app(settings).test_client()
    body = client.get("/api/timeline?interval=week&source=wire").get_json()
    assert body.pop("ok") is True
    assert body == recount(stored, Filters(source="wire"), "week")
    bad = client.get("/api/timeline?interval=year")
    assert bad.status_code == 400 and "interval must be one of day, week, month" in bad.get_json()["error"]

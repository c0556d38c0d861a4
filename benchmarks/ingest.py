"""Ingestion and store benchmarks: prints the figures quoted in the README's store section.

python benchmarks/ingest.py ingest [--limit N] [--workers 1 2]
    articles/s geoparsing and storing LGL's texts (../shared/eval/LGL.jsonl,
    read in place), per worker count, into a fresh SQLite file each; and the
    database size per 1,000 articles.
python benchmarks/ingest.py queries [--mentions 100000]
    latency of the store's list queries over a synthetic store with that
    many mentions (hand-built parses: this measures SQL, not the parser).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from geomap.config import load_settings
from geomap.ingest import ingest_paths
from geomap.models import Article, Mention, ParsedDocument, Place
from geomap.pipeline import Geoparser
from geomap.store import Filters, open_store

LGL = Path(__file__).resolve().parent.parent.parent / "shared" / "eval" / "LGL.jsonl"


def _sqlite_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.glob("geomap.sqlite*"))


def _fresh_parser() -> Geoparser:
    """A loaded geoparser (the gazetteer loads on its first lookup, so one short parse)."""
    parser = Geoparser(load_settings()).load()
    parser.parse("A warm-up note from Kyiv.")
    return parser


def bench_ingest(limit: int, workers: list[int]) -> None:
    if not LGL.is_file():
        raise SystemExit(f"{LGL} is missing (it ships only with the developers' checkout)")
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "lgl.jsonl"  # the first ``limit`` texts as ingest records (a temporary file)
        with LGL.open(encoding="utf-8") as src, corpus.open("w", encoding="utf-8") as out:
            for i, line in enumerate(src):
                if i >= limit:
                    break
                out.write(json.dumps({"text": json.loads(line)["text"]}) + "\n")
        chars = sum(len(json.loads(line)["text"]) for line in corpus.open(encoding="utf-8"))
        print(f"LGL: {limit} articles, {chars / limit:.0f} characters each on average")
        started = time.perf_counter()
        _fresh_parser()
        print(f"geoparser load (model + gazetteer, not counted below): {time.perf_counter() - started:.1f} s")
        for n in workers:
            parser = _fresh_parser()  # its name-lookup memo starts empty for every run
            data = Path(tmp) / f"data-{n}"
            settings = load_settings(data_dir=data, database_url="")
            store = open_store(settings)
            started = time.perf_counter()
            report = ingest_paths([corpus], store, workers=n, progress=False, settings=settings, parser=parser)
            seconds = time.perf_counter() - started
            if not report.ingested:
                raise SystemExit(f"nothing was ingested: {report.summary()}")
            stats = store.stats()
            store.close()
            size = _sqlite_bytes(data)
            print(
                f"workers={n}: {report.ingested} ingested in {seconds:.1f} s = "
                f"{report.ingested / seconds:.1f} articles/s; "
                f"{stats['mentions']} mentions, {stats['places']} places; "
                f"database {size / 2**20:.2f} MiB = {size / 2**20 / report.ingested * 1000:.2f} MiB per 1,000 articles"
            )
        bench_store_only(_fresh_parser(), corpus, Path(tmp) / "data-store")


def bench_store_only(parser, corpus: Path, data: Path) -> None:  # type: ignore[no-untyped-def]
    """Writing alone: the same texts parsed first, then stored in batches of 64."""
    texts = [json.loads(line)["text"] for line in corpus.open(encoding="utf-8")]
    started = time.perf_counter()
    parses = list(parser.parse_many(texts, batch_size=64))
    parse_seconds = time.perf_counter() - started
    store = open_store(load_settings(data_dir=data, database_url=""))
    started = time.perf_counter()
    for i in range(0, len(texts), 64):
        store.add_many([(Article(t), p) for t, p in zip(texts[i : i + 64], parses[i : i + 64], strict=True)])
    seconds = time.perf_counter() - started
    store.close()
    print(
        f"parsing alone: {len(texts) / parse_seconds:.1f} articles/s; "
        f"storing alone: {len(texts) / seconds:.0f} articles/s (batches of 64)"
    )


def _synthetic_store(n_mentions: int, per_article: int = 10):  # type: ignore[no-untyped-def]
    """A store with ``n_mentions`` mentions over Zipf-distributed places (hand-built parses)."""
    rng = random.Random(7)
    n_places = max(50, n_mentions // 20)
    place_list = [
        Place(
            f"gn:{i}",
            f"Place {i}",
            rng.uniform(-60, 70),
            rng.uniform(-180, 180),
            rng.choice(["city", "admin1", "country"]),
            geonameid=i,
            country_code=rng.choice(["UA", "RU", "US", "FR", "CN"]),
            population=rng.randint(0, 10**6),
        )
        for i in range(n_places)
    ]
    weights = [1 / (i + 1) for i in range(n_places)]
    tmp = tempfile.TemporaryDirectory()
    settings = load_settings(data_dir=Path(tmp.name), database_url="")
    store = open_store(settings)
    start = datetime(2023, 1, 1, tzinfo=UTC)
    batch = []
    started = time.perf_counter()
    for a in range(n_mentions // per_article):
        text = f"Article {a} " + "word " * 200
        ms = [
            Mention(i, i + 4, "word", "snippet", p, 0.9, kind="demonym" if i % 7 == 0 else "toponym")
            for i, p in enumerate(rng.choices(place_list, weights, k=per_article))
        ]
        art = Article(text, f"Title {a}", None, rng.choice(["wire", "paper", "blog"]), start + timedelta(hours=a))
        batch.append((art, ParsedDocument(text, ms, {})))
        if len(batch) == 200:
            store.add_many(batch)
            batch = []
    if batch:
        store.add_many(batch)
    seconds = time.perf_counter() - started
    return tmp, store, seconds


def _latency(fn, runs: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))]


def bench_queries(n_mentions: int, runs: int) -> None:
    tmp, store, seconds = _synthetic_store(n_mentions)
    stats = store.stats()
    print(
        f"synthetic store: {stats['articles']} articles, {stats['mentions']} mentions, {stats['places']} places "
        f"(written in {seconds:.1f} s, batches of 200)"
    )
    since = datetime(2023, 3, 1, tzinfo=UTC)
    last_week = datetime(2023, 1, 1, tzinfo=UTC) + timedelta(hours=stats["articles"]) - timedelta(days=7)
    top = [p["id"] for p in store.places(limit=2000).items]
    mid = datetime(2023, 5, 17, 9, 30, tzinfo=UTC)  # partial days at both ends, whole days and months between
    cases = {
        "places(limit=100)": lambda: store.places(limit=100),
        "places(demonyms=True, limit=100)": lambda: store.places(Filters(demonyms=True), limit=100),
        "places(bbox, limit=100)": lambda: store.places(Filters(bbox=(20, 40, 45, 60)), limit=100),
        "places(q='Place 1', limit=100)": lambda: store.places(Filters(q="Place 1"), limit=100),
        "places(country=UA, kind=city, limit=100)": lambda: store.places(Filters(country="UA", kind="city"), limit=100),
        "places(source, limit=100)": lambda: store.places(Filters(source="wire"), limit=100),
        "places(source, demonyms, limit=100)": lambda: store.places(Filters(source="wire", demonyms=True), limit=100),
        "places(since: 86% of articles, limit=100)": lambda: store.places(Filters(since=since), limit=100),
        "places(since: last week, limit=100)": lambda: store.places(Filters(since=last_week), limit=100),
        "places(until: 14% of articles, limit=100)": lambda: store.places(Filters(until=since), limit=100),
        "places(since..until, partial days, limit=100)": lambda: store.places(
            Filters(since=since - timedelta(days=20, hours=5), until=mid), limit=100
        ),
        "places(country=UA, since, limit=100)": lambda: store.places(Filters(country="UA", since=since), limit=100),
        "places(bbox, since..until, limit=100)": lambda: store.places(
            Filters(bbox=(20, 40, 45, 60), since=since, until=mid), limit=100
        ),
        "places(q, source, since, demonyms, limit=100)": lambda: store.places(
            Filters(q="Place 1", source="blog", since=since, demonyms=True), limit=100
        ),
        "places(every filter, limit=100)": lambda: store.places(
            Filters(
                q="Place",
                bbox=(-100, -50, 100, 60),
                country="US",
                kind="city",
                since=since,
                until=mid,
                source="paper",
                demonyms=True,
            ),
            limit=100,
        ),
        "place_mentions(top place, limit=20)": lambda: store.place_mentions("gn:0", limit=20),
        "articles(limit=50)": lambda: store.articles(limit=50),
        "articles(country=UA, limit=50)": lambda: store.articles(Filters(country="UA"), limit=50),
        "article(one)": lambda: store.article(1),
    }
    for name, fn in cases.items():
        fn()  # warm the page cache
        p50, p95 = _latency(fn, runs)
        print(f"{name:48s} p50 {p50:7.2f} ms  p95 {p95:7.2f} ms")
    p50, p95 = _latency(lambda: store.mentions_for_places(top, per_place=5), max(3, runs // 20))
    print(
        f"{'mentions_for_places(top 2,000, 5 each)':48s} p50 {p50:7.2f} ms  p95 {p95:7.2f} ms  (the export's previews)"
    )
    p50, p95 = _latency(lambda: [store.place_mentions(pid, limit=5) for pid in top], 3)
    print(
        f"{'the same as 2,000 place_mentions(limit=5)':48s} p50 {p50:7.2f} ms  p95 {p95:7.2f} ms  (the export before)"
    )
    store.close()
    tmp.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="what", required=True)
    ing = sub.add_parser("ingest")
    ing.add_argument("--limit", type=int, default=200, help="LGL articles to ingest (588 in all)")
    ing.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    q = sub.add_parser("queries")
    q.add_argument("--mentions", type=int, default=100_000)
    q.add_argument("--runs", type=int, default=100)
    args = parser.parse_args()
    if args.what == "ingest":
        bench_ingest(args.limit, args.workers)
    else:
        bench_queries(args.mentions, args.runs)


if __name__ == "__main__":
    main()

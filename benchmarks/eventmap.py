"""Event map benchmarks: streamed downloads with flat memory, and /api/timeline speed.

python benchmarks/eventmap.py [--mentions 100000] [--runs 30]

Builds the synthetic store of ``benchmarks/ingest.py`` (hand-built parses,
Zipf-distributed places, one article an hour), then through the real Flask
app (its test client, unbuffered, so the body is read as the server writes it):

- streams every mention (``demonyms=true``) as CSV, GeoJSON and KML (``/export/mentions.<fmt>``),
  and a tenth of them (a date range), sampling the process's resident memory
  every 500 chunks: the peak growth over the RSS before the download should
  not grow with the number of rows;
- times ``GET /api/timeline`` (no filters, a source, a country, a text search)
  per interval: median and 95th percentile over ``--runs`` requests (each
  URL differs by an ignored ``run`` parameter, so the response cache never
  answers and every request is computed).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from datetime import datetime, timedelta
from pathlib import Path

from ingest import _synthetic_store  # benchmarks/ingest.py, beside this script

from geomap.config import load_settings
from geomap.web import create_app

_PAGE = os.sysconf("SC_PAGE_SIZE")
SAMPLE_EVERY = 500  # chunks between two memory samples


def rss_mib() -> float:
    """This process's resident memory now, in MiB."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * _PAGE / 2**20


def stream(client, url: str) -> tuple[int, float, float, float]:  # type: ignore[no-untyped-def]
    """(bytes, seconds, RSS before in MiB, peak growth in MiB) for one unbuffered download."""
    before = rss_mib()
    peak = before
    started = time.perf_counter()
    resp = client.get(url, buffered=False)
    size = 0
    for i, chunk in enumerate(resp.iter_encoded()):
        size += len(chunk)
        if i % SAMPLE_EVERY == 0:
            peak = max(peak, rss_mib())
    resp.close()
    peak = max(peak, rss_mib())
    return size, time.perf_counter() - started, before, peak - before


def latency(client, url: str, runs: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    times = []
    for run in range(runs):
        t = time.perf_counter()
        resp = client.get(f"{url}&run={run}")  # a new URL each time: never a cached answer
        assert resp.status_code == 200, resp.get_data(as_text=True)[:200]
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mentions", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    tmp, store, seconds = _synthetic_store(args.mentions)
    stats = store.stats()
    store.close()
    print(
        f"synthetic store: {stats['articles']} articles, {stats['mentions']} mentions, {stats['places']} places "
        f"(built in {seconds:.1f} s); load average {os.getloadavg()[0]:.1f}"
    )
    app = create_app(load_settings(data_dir=Path(tmp.name), seed_on_first_run=False))
    client = app.test_client()
    # A tenth of the articles: they come one an hour from 2023-01-01 00:00 UTC.
    until = (datetime(2023, 1, 1) + timedelta(hours=stats["articles"] // 10 - 1)).isoformat()
    print("\nstreamed downloads (every row; RSS growth over the RSS before the download)")
    print("| download | rows | MB | s | rows/s | RSS before MiB | peak growth MiB |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for fmt in ("csv", "geojson", "kml"):
        # demonyms=true: every stored mention (the synthetic store makes one in seven a demonym)
        for label, query in (("all", "?demonyms=true"), ("a tenth", f"?demonyms=true&until={until}")):
            size, secs, before, growth = stream(client, f"/export/mentions.{fmt}{query}")
            counted = client.get(f"/api/mentions?limit=1&{query[1:]}").get_json()["total"]
            print(
                f"| mentions.{fmt} ({label}) | {counted:,} | {size / 1e6:.1f} | {secs:.1f} | {counted / secs:,.0f} "
                f"| {before:.0f} | {growth:.1f} |"
            )
    print("\nGET /api/timeline (median / p95 ms, every request computed)")
    print("| filters | day | week | month |")
    print("|---|---:|---:|---:|")
    for label, query in (
        ("none", ""),
        ("source=wire", "&source=wire"),
        ("country=UA", "&country=UA"),
        ("text=article", "&text=article"),
    ):
        cells = []
        for interval in ("day", "week", "month"):
            p50, p95 = latency(client, f"/api/timeline?interval={interval}{query}", args.runs)
            cells.append(f"{p50:.1f} / {p95:.1f}")
        print(f"| {label} | " + " | ".join(cells) + " |")
    tmp.cleanup()


if __name__ == "__main__":
    main()

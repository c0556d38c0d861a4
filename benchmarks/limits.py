"""What the service limits cost and what they protect: prints the figures for docs/benchmarks.md.

    python benchmarks/limits.py [--half-open 250] [--parse-chars 100000]

1. The rate limiter's cost per counted request (its SQLite counter).
2. ``geomap serve --workers 2`` on 127.0.0.1: the time to a 413 for a request
   announcing a 300 MB body (none of it sent), and /api/health's latency while
   ``--half-open`` connections sit half-open.
3. How long one geoparse of ``--parse-chars`` characters takes (the default
   ``GEOMAP_MAX_PARSE_CHARS``), the longest a request can hold a worker's geoparser.
"""

from __future__ import annotations

import argparse
import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from geomap.api.ratelimit import RateLimiter
from geomap.config import load_settings
from geomap.pipeline import Geoparser

SENTENCE = "Russian forces shelled Kharkiv overnight, officials in Kyiv said on Tuesday. "


def rate_limiter_cost(folder: Path, hits: int = 20_000) -> float:
    limiter = RateLimiter(folder / "rl.sqlite", 10**9)
    started = time.perf_counter()
    for i in range(hits):
        limiter.hit(f"client-{i % 50}")
    return (time.perf_counter() - started) / hits * 1e6


def _health_ms(port: int) -> float:
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/api/health")
    assert conn.getresponse().status == 200
    conn.close()
    return (time.perf_counter() - started) * 1000


def served_figures(folder: Path, half_open: int) -> tuple[float, float, float]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "GEOMAP_DATA_DIR": str(folder), "GEOMAP_SEED_ON_FIRST_RUN": "0"}
    command = [sys.executable, "-c", "from geomap.cli import main; main()", "serve", "--port", str(port)]
    server = subprocess.Popen([*command, "--workers", "2"], env=env, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                _health_ms(port)
                break
            except OSError:
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
        with socket.create_connection(("127.0.0.1", port)) as sock:
            started = time.perf_counter()
            sock.sendall(b"POST /api/extract HTTP/1.1\r\nHost: x\r\nContent-Length: 300000000\r\n\r\n")
            assert sock.recv(64).startswith(b"HTTP/1.1 413")
            refused_ms = (time.perf_counter() - started) * 1000
        before = statistics.median(_health_ms(port) for _ in range(20))
        idle = []
        for _ in range(half_open):
            sock = socket.create_connection(("127.0.0.1", port))
            sock.sendall(b"GET /api/health HTTP/1.1\r\nHost: x\r\n")
            idle.append(sock)
        during = statistics.median(_health_ms(port) for _ in range(20))
        for sock in idle:
            sock.close()
        return refused_ms, before, during
    finally:
        server.terminate()
        server.wait(timeout=30)


def parse_seconds(chars: int) -> float:
    parser = Geoparser(load_settings()).load()
    parser.parse(SENTENCE)
    text = (SENTENCE * (chars // len(SENTENCE) + 1))[:chars]
    started = time.perf_counter()
    parser.parse(text)
    return time.perf_counter() - started


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--half-open", type=int, default=250)
    ap.add_argument("--parse-chars", type=int, default=100_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        print(f"rate limiter: {rate_limiter_cost(folder):.1f} µs per counted request")
        refused, before, during = served_figures(folder, args.half_open)
        print(f"413 for a 300 MB body, headers only sent: {refused:.1f} ms")
        print(f"/api/health median: {before:.1f} ms idle, {during:.1f} ms with {args.half_open} half-open connections")
    print(f"one geoparse of {args.parse_chars:,} characters: {parse_seconds(args.parse_chars):.1f} s")


if __name__ == "__main__":
    main()

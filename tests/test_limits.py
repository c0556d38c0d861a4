"""Service limits: the key on geoparsing, the rate limit, the size and queue limits, waitress's own limits."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from geomap.api.cliff import is_cliff_path
from geomap.api.ratelimit import RateLimiter
from geomap.api.services import EXTENSION
from geomap.config import load_settings
from geomap.web import create_app

KEY = {"Authorization": "Bearer s3cret"}
NOT_JSON = {"data": "text=Kyiv", "content_type": "text/plain"}  # refused (415) after the guard, before any parse


def client_for(tmp_path: Path, **settings: object) -> FlaskClient:
    base: dict[str, object] = {"data_dir": tmp_path, "seed_on_first_run": False, "api_key": "s3cret"}
    return create_app(load_settings(**{**base, **settings})).test_client()


GEOPARSING = [
    ("POST", "/api/extract"),
    ("POST", "/parse/text"),
    ("GET", "/parse/text"),
    ("POST", "/cliff-2.6.1/parse/sentences"),
    ("GET", "/parse/json"),
]


@pytest.mark.parametrize(("method", "path"), GEOPARSING)
def test_geoparsing_needs_the_key_unless_opened(tmp_path: Path, method: str, path: str) -> None:
    closed = client_for(tmp_path)
    refused = closed.open(path, method=method)
    assert refused.status_code == 401 and refused.headers["WWW-Authenticate"] == "Bearer"
    assert closed.open(path, method=method, headers=KEY).status_code in (400, 415)  # past the key: the input is wrong
    opened = client_for(tmp_path / "open", open_geoparsing=True)
    assert opened.open(path, method=method).status_code in (400, 415)
    assert client_for(tmp_path / "nokey", api_key="").open(path, method=method).status_code in (400, 415)


def test_the_spec_asks_for_the_key_only_where_it_is_needed(tmp_path: Path) -> None:
    def secured(client: FlaskClient) -> set[tuple[str, str]]:
        paths = client.get("/openapi.json").get_json()["paths"]
        return {(p, m) for p, ops in paths.items() for m, op in ops.items() if op.get("security")}

    assert secured(client_for(tmp_path / "a", api_key="")) == set()
    writes = {("/api/articles", "post"), ("/api/articles/{article_id}", "delete")}
    all_paths = client_for(tmp_path / "a").get("/openapi.json").get_json()["paths"]
    # every CLIFF endpoint but /geonames (a lookup, open like /api/geocode) geoparses or fetches
    cliff = {(p, m) for p, ops in all_paths.items() if is_cliff_path(p) and not p.endswith("/geonames") for m in ops}
    extract = {(p, m) for p, m in cliff if p.endswith("/extract")}  # fetches for clients: keyed even when opened
    assert ("/parse/text", "post") in cliff and ("/cliff-2.6.1/parse/text", "post") in cliff
    assert secured(client_for(tmp_path / "b")) == writes | {("/api/extract", "post")} | cliff
    assert secured(client_for(tmp_path / "c", open_geoparsing=True)) == writes | extract


def test_rate_limit_is_shared_by_every_app_on_the_data_dir(tmp_path: Path) -> None:
    """Two apps (as two worker processes would) count into one budget; 429 says when to retry."""
    first, second = (client_for(tmp_path, parse_rate_limit=3) for _ in range(2))
    answers = [(first if i % 2 else second).post("/api/extract", headers=KEY, **NOT_JSON) for i in range(5)]
    assert [a.status_code for a in answers] == [415, 415, 415, 429, 429]
    late = answers[-1]
    assert 1 <= int(late.headers["Retry-After"]) <= 60 and "GEOMAP_PARSE_RATE_LIMIT" in late.get_json()["error"]
    assert first.get("/api/places").status_code == 200  # reads are not counted


def test_rate_limiter_windows_and_clients(tmp_path: Path) -> None:
    limiter = RateLimiter(tmp_path / "rl.sqlite", 2)
    assert [limiter.hit("a", now=120.0) for _ in range(3)] == [None, None, 60]
    assert limiter.hit("b", now=150.5) is None  # another client has its own budget
    assert limiter.hit("a", now=170.2) == 10  # ten seconds before the next minute
    assert limiter.hit("a", now=180.0) is None  # a new minute
    assert RateLimiter(tmp_path / "off.sqlite", 0).hit("a") is None
    assert not (tmp_path / "off.sqlite").exists()


def test_text_above_the_character_limit_is_413_before_any_work(tmp_path: Path) -> None:
    client = client_for(tmp_path, max_parse_chars=50)
    resp = client.post("/api/extract", json={"text": "Kyiv " * 20}, headers=KEY)
    assert resp.status_code == 413 and "GEOMAP_MAX_PARSE_CHARS" in resp.get_json()["error"]
    assert client.post("/parse/text", data={"q": "Kyiv " * 20}, headers=KEY).status_code == 413
    assert client.application.extensions[EXTENSION].status()["parser_loaded"] is True  # constructed, never run


def test_a_busy_geoparser_answers_503_with_retry_after(tmp_path: Path) -> None:
    """While a long parse holds the geoparser, others wait at most parse_wait_seconds; beyond the queue, none wait."""
    client = client_for(tmp_path, parse_wait_seconds=0.3, parse_queue=1)
    parser = client.application.extensions[EXTENSION].parser
    held = threading.Event()
    release = threading.Event()

    def long_parse() -> None:  # holds the parser as a long geoparse would
        with parser._turn(["a long text"]):
            held.set()
            release.wait(10)

    holder = threading.Thread(target=long_parse)
    holder.start()
    try:
        assert held.wait(5)
        started = time.monotonic()
        resp = client.post("/api/extract", json={"text": "Kyiv"}, headers=KEY)
        assert resp.status_code == 503 and resp.headers["Retry-After"] == "1"
        assert "busy" in resp.get_json()["error"] and 0.25 < time.monotonic() - started < 3
        waiting = threading.Thread(target=lambda: client.post("/api/extract", json={"text": "Kyiv"}, headers=KEY))
        waiting.start()
        time.sleep(0.05)
        started = time.monotonic()
        assert client.post("/api/extract", json={"text": "Kyiv"}, headers=KEY).status_code == 503
        assert time.monotonic() - started < 0.25  # the queue was full: refused at once
        waiting.join()
    finally:
        release.set()
        holder.join()


# --- the served app: waitress's limits ----------------------------------------------------------


class Served:
    """``geomap serve`` in a subprocess with small limits."""

    def __init__(self, data_dir: Path, **env: str) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        environ = {**os.environ, "GEOMAP_DATA_DIR": str(data_dir), "GEOMAP_SEED_ON_FIRST_RUN": "0", **env}
        command = [sys.executable, "-c", "from geomap.cli import main; main()", "serve", "--port", str(self.port)]
        self.log = data_dir / "serve.log"
        with self.log.open("w") as log:
            self.proc = subprocess.Popen([*command, "--workers", "2"], env=environ, stderr=log)
        deadline = time.monotonic() + 30
        while not self.answers(timeout=1):
            assert self.proc.poll() is None and time.monotonic() < deadline, self.log.read_text()
            time.sleep(0.1)

    def answers(self, timeout: float) -> bool:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
            conn.request("GET", "/api/health")
            return conn.getresponse().status == 200
        except OSError:
            return False

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=20)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    srv = Served(
        tmp_path_factory.mktemp("served"),
        GEOMAP_MAX_REQUEST_BYTES="4096",
        GEOMAP_CHANNEL_TIMEOUT="2",
        GEOMAP_PARSE_RATE_LIMIT="2",
    )
    yield srv
    srv.stop()


@pytest.mark.slow
def test_oversized_body_is_refused_before_it_is_sent(served: Served) -> None:
    with socket.create_connection(("127.0.0.1", served.port), timeout=10) as sock:
        sock.sendall(
            b"POST /api/extract HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 300000000\r\n\r\n"
        )
        answer = b""
        while chunk := sock.recv(4096):  # no byte of the 300 MB body was sent; waitress closes after answering
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413") and b"Content-Type: application/json" in head
    assert json.loads(body) == {
        "ok": False,
        "error": "The request body is larger than the limit of 4096 bytes (GEOMAP_MAX_REQUEST_BYTES).",
        "status": 413,
    }


@pytest.mark.slow
def test_malformed_headers_are_refused_in_json_too(served: Served) -> None:
    with socket.create_connection(("127.0.0.1", served.port), timeout=10) as sock:
        sock.sendall(b"GET /api/health HTTP/1.1\r\nHost: x\r\nContent-Length: lots\r\n\r\n")
        answer = b""
        while chunk := sock.recv(4096):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400")
    refusal = json.loads(body)
    assert (refusal["ok"], refusal["status"]) == (False, 400) and "Content-Length" in refusal["error"]


@pytest.mark.slow
def test_half_open_connections_do_not_starve_the_server(served: Served) -> None:
    idle = []
    try:
        for _ in range(250):
            sock = socket.create_connection(("127.0.0.1", served.port), timeout=10)
            sock.sendall(b"GET /api/health HTTP/1.1\r\nHost: x\r\n")  # never finished
            idle.append(sock)
        started = time.monotonic()
        assert served.answers(timeout=5)
        assert time.monotonic() - started < 5
        time.sleep(4)  # past the idle timeout (2 s) and a cleanup pass: the server has closed them
        for sock in idle:
            sock.settimeout(5)
            assert sock.recv(1024) == b""
    finally:
        for sock in idle:
            sock.close()


@pytest.mark.slow
def test_rate_limit_holds_across_worker_processes(served: Served) -> None:
    statuses, retry = [], None
    for _ in range(6):  # a new connection each time: the kernel spreads them over both workers
        conn = http.client.HTTPConnection("127.0.0.1", served.port, timeout=10)
        conn.request("POST", "/api/extract", body="text=Kyiv", headers={"Content-Type": "text/plain"})
        resp = conn.getresponse()
        statuses.append(resp.status)
        retry = resp.getheader("Retry-After") or retry
        conn.close()
    assert statuses == [415, 415, 429, 429, 429, 429] and retry is not None

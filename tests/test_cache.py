"""The response cache in front of Flask: hits skip Flask, answers match uncached ones, writes drop them."""

from __future__ import annotations

import gzip
import json
import threading
import time
from datetime import datetime
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from geomap.config import load_settings
from geomap.models import Article, Mention, ParsedDocument, Place
from geomap.store import open_store
from geomap.store.version import DataVersion
from geomap.web import RESPONSE_CACHE, create_app

LVIV = Place("gn:702550", "Lviv", 49.83826, 24.02324, "city", geonameid=702550, country_code="UA", population=717803)


def _store(data_dir: Path, n: int, first: int = 0) -> None:
    """``n`` articles mentioning Lviv, with long titles so the answers pass the gzip threshold."""
    store = open_store(load_settings(data_dir=data_dir))
    for i in range(first, first + n):
        text = f"Air defence worked over Lviv on night {i}."
        at = text.index("Lviv")
        store.add(
            Article(text=text, title=f"Lviv night {i} " + "x" * 200, published=datetime(2024, 1, 1 + i % 28)),
            ParsedDocument(text=text, mentions=[Mention(at, at + 4, "Lviv", text, LVIV, 0.9)], focus={}),
        )
    store.close()


@pytest.fixture()
def app(tmp_path: Path) -> Flask:
    _store(tmp_path, 12)
    app = create_app(load_settings(data_dir=tmp_path, seed_on_first_run=False))
    app.config["flask_calls"] = 0

    @app.before_request
    def _count() -> None:
        app.config["flask_calls"] += 1

    return app


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    return app.test_client()


GZ = {"Accept-Encoding": "gzip"}


def test_hit_skips_flask_and_matches_the_first_answer(app: Flask, client: FlaskClient) -> None:
    first = client.get("/api/articles?limit=50", headers=GZ)
    assert app.config["flask_calls"] == 1 and first.headers["Content-Encoding"] == "gzip"
    second = client.get("/api/articles?limit=50", headers=GZ)
    assert app.config["flask_calls"] == 1, "a fresh entry is answered without entering Flask"
    assert second.data == first.data and second.status_code == 200
    for name in ("Content-Security-Policy", "X-Content-Type-Options", "Vary", "Content-Type", "Content-Length"):
        assert second.headers[name] == first.headers[name]


def test_identity_and_gzip_are_separate_entries(app: Flask, client: FlaskClient) -> None:
    packed = client.get("/api/articles?limit=50", headers=GZ)
    plain = client.get("/api/articles?limit=50")
    assert app.config["flask_calls"] == 2 and "Content-Encoding" not in plain.headers
    assert json.loads(gzip.decompress(packed.data)) == plain.get_json()
    assert client.get("/api/articles?limit=50").data == plain.data and app.config["flask_calls"] == 2


def test_external_write_drops_entries(app: Flask, client: FlaskClient, tmp_path: Path) -> None:
    assert client.get("/api/places?q=Lviv").get_json()["items"][0]["mentions"] == 12
    _store(tmp_path, 1, first=12)
    assert client.get("/api/places?q=Lviv").get_json()["items"][0]["mentions"] == 13
    assert app.config["flask_calls"] == 2


def test_errors_other_methods_and_uncached_views_always_reach_flask(app: Flask, client: FlaskClient) -> None:
    for _ in range(2):
        assert client.get("/api/places?limit=-1").status_code == 400
        assert client.get("/api/health").status_code == 200
        assert client.head("/api/places").status_code == 200
    assert app.config["flask_calls"] == 6


def test_every_thread_sees_a_commit(tmp_path: Path) -> None:
    """Each thread reads its own connection's counter; one commit moves the version every thread reports."""
    _store(tmp_path, 1)
    version = DataVersion(str(tmp_path / "geomap.sqlite"))
    seen: dict[str, list[int | None]] = {"a": [], "b": []}
    first, committed = threading.Barrier(3, timeout=10), threading.Barrier(3, timeout=10)

    def reader(name: str) -> None:
        seen[name].append(version.current())
        first.wait()
        committed.wait()
        seen[name].append(version.current())

    threads = [threading.Thread(target=reader, args=(n,)) for n in seen]
    for t in threads:
        t.start()
    first.wait()
    _store(tmp_path, 1, first=1)
    committed.wait()
    for t in threads:
        t.join(timeout=10)
    version.close()
    assert all(None not in v and len(v) == 2 for v in seen.values())
    assert min(v[1] for v in seen.values()) > max(v[0] for v in seen.values())  # type: ignore[type-var]


def test_byte_budget_evicts_least_recently_used(app: Flask, client: FlaskClient) -> None:
    cache = app.extensions[RESPONSE_CACHE]
    client.get("/api/articles?limit=50")
    size = cache._bytes
    assert size > 1000
    cache._max_bytes = 2 * size + 10
    client.get("/api/articles?limit=50&offset=0")
    client.get("/api/articles?limit=50")  # a hit: now the most recently used
    client.get("/api/articles?limit=50&offset=00")
    assert list(cache._entries) == [
        ("", "/api/articles", "limit=50", False),
        ("", "/api/articles", "limit=50&offset=00", False),
    ]
    assert cache._bytes <= cache._max_bytes


def test_concurrent_misses_compute_once(app: Flask) -> None:
    """Eight clients asking for the same new URL at once: one computes it, the others wait and get its answer."""

    @app.before_request
    def _slow() -> None:
        time.sleep(0.2)  # keep the first request busy while the others arrive

    start = threading.Barrier(8, timeout=10)
    bodies: list[bytes] = []

    def fetch() -> None:
        client = app.test_client()
        start.wait()
        bodies.append(client.get("/api/articles?limit=7", headers=GZ).data)

    threads = [threading.Thread(target=fetch) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=20)
    assert len(bodies) == 8 and len(set(bodies)) == 1
    assert app.config["flask_calls"] == 1


def test_pool_connections_share_one_baseline(tmp_path: Path) -> None:
    """The pool's connections start together (no bump on first use); a connection opened later bumps once."""
    _store(tmp_path, 1)
    path = str(tmp_path / "geomap.sqlite")
    pooled = DataVersion(path, watchers=4)
    seen: list[int | None] = []
    threads = [threading.Thread(target=lambda: seen.append(pooled.current())) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    late = DataVersion(path, watchers=0)
    assert seen == [0, 0, 0, 0] and [late.current(), late.current()] == [1, 1]
    pooled.close()
    late.close()

"""Several servers, one PostgreSQL: the response cache stays fresh because every write transaction raises the version.

The database is a throw-away PostgreSQL server (conftest); each test gets a
new database on it. Writes come through another store (as ``geomap ingest``
or another server would write) and through a second ``geomap serve`` process.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from flask import Flask

from geomap.config import load_settings
from geomap.models import Article, Mention, ParsedDocument, Place
from geomap.store import open_store
from geomap.web import create_app

KYIV = Place("gn:703448", "Kyiv", 50.45466, 30.5238, "city", geonameid=703448, country_code="UA")
ON_POSTGRESQL = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


def _add_kyiv(url: str, night: int) -> None:
    text = f"Air raid alerts sounded in Kyiv on night {night}."
    store = open_store(load_settings(database_url=url))
    try:
        store.add(
            Article(text=text, title=f"Alerts {night}", published=datetime(2024, 2, 1 + night)),
            ParsedDocument(text=text, mentions=[Mention(27, 31, "Kyiv", text, KYIV, 0.9)], focus={}),
        )
    finally:
        store.close()


@ON_POSTGRESQL
def test_the_version_moves_with_every_write_transaction_and_only_then(database_url: str) -> None:
    _add_kyiv(database_url, 1)
    store = open_store(load_settings(database_url=database_url))
    try:
        first = store.data_version()
        assert first is not None and store.data_version() == first  # reads do not move it
        _add_kyiv(database_url, 2)  # another process's commit
        second = store.data_version()
        assert second is not None and second > first
        store.add(Article(text="Nothing here.", title="x"), ParsedDocument(text="Nothing here.", mentions=[], focus={}))
        assert (store.data_version() or 0) > second
    finally:
        store.close()


@ON_POSTGRESQL
def test_cached_answers_are_dropped_when_another_process_writes(database_url: str) -> None:
    _add_kyiv(database_url, 1)
    app: Flask = create_app(load_settings(database_url=database_url, seed_on_first_run=False))
    calls = {"n": 0}

    @app.before_request
    def _count() -> None:
        calls["n"] += 1

    client = app.test_client()
    first = client.get("/api/places?q=Kyiv").get_json()
    assert first["items"][0]["mentions"] == 1 and calls["n"] == 1
    assert client.get("/api/places?q=Kyiv").get_json() == first and calls["n"] == 1  # a hit: Flask not entered
    _add_kyiv(database_url, 2)
    assert client.get("/api/places?q=Kyiv").get_json()["items"][0]["mentions"] == 2 and calls["n"] == 2


class _Server:
    """A ``geomap serve`` process on its own port, on the shared database."""

    def __init__(self, url: str, log: Path) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        env = {**os.environ, "GEOMAP_DATABASE_URL": url, "GEOMAP_SEED_ON_FIRST_RUN": "0", "GEOMAP_API_KEY": "k"}
        command = [sys.executable, "-c", "from geomap.cli import main; main()", "serve", "--port", str(self.port)]
        self.log = log
        with log.open("w") as out:
            self.proc = subprocess.Popen([*command, "--workers", "1", "--threads", "2"], env=env, stderr=out)
        deadline = time.monotonic() + 60
        while not self._answers():
            assert self.proc.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)

    def _answers(self) -> bool:
        try:
            return self.request("GET", "/api/health")[0] == 200
        except OSError:
            return False

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            headers = {"Content-Type": "application/json", "Authorization": "Bearer k"} if body else {}
            conn.request(method, path, body=json.dumps(body) if body else None, headers=headers)
            resp = conn.getresponse()
            return resp.status, json.loads(resp.read())
        finally:
            conn.close()

    def kyiv_mentions(self) -> int:
        status, body = self.request("GET", "/api/places?q=Kyiv")
        assert status == 200, body
        return body["items"][0]["mentions"]

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=20)


@pytest.fixture()
def two_servers(database_url: str, tmp_path: Path) -> Iterator[tuple[_Server, _Server]]:
    _add_kyiv(database_url, 1)
    a = _Server(database_url, tmp_path / "a.log")
    try:
        b = _Server(database_url, tmp_path / "b.log")
    except BaseException:
        a.stop()
        raise
    yield a, b
    a.stop()
    b.stop()


@pytest.mark.slow
@ON_POSTGRESQL
def test_a_write_through_one_server_is_read_at_once_through_the_other(two_servers: tuple[_Server, _Server]) -> None:
    a, b = two_servers
    for server in (a, b, a, b):  # each answers, then holds the answer in its cache
        assert server.kyiv_mentions() == 1
    article = {"title": "Kyiv", "text": "Officials in Kyiv said power was back."}
    status, stored = a.request("POST", "/api/articles", article)
    assert status == 201, stored
    assert b.kyiv_mentions() == 2 and a.kyiv_mentions() == 2
    status, places = b.request("GET", "/api/places?near=50.45,30.52,10")
    assert status == 200 and [p["name"] for p in places["items"]] == ["Kyiv"]
    assert places["items"][0]["distance_km"] < 1

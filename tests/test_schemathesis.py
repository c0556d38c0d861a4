"""Schemathesis against the served ``/openapi.json``: no server errors, answers as the document says.

``geomap serve --workers 2`` runs in a subprocess over a store holding a few
articles (on SQLite and on PostgreSQL), with an API key set, and Schemathesis
runs every check but one on every operation: its examples, the coverage
phase (boundary and invalid values of each parameter), fuzzing and stateful
sequences. Left out: ``positive_data_acceptance``, which expects every
request the document allows to succeed; some rules cannot be written in
OpenAPI 3.0 (south must not exceed north, a time must stay in years 1..9999
once converted to UTC), and those requests rightly get 400. Also left out:
CLIFF's URL fetcher (``/extract``), which is off unless the operator enables
it and answers 403 to every client then, with or without the key (its own
tests cover it).
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from geomap.config import load_settings
from geomap.models import Article, Mention, ParsedDocument, Place
from geomap.store import open_store

pytestmark = pytest.mark.slow

KEY = "fuzz-key"
EXCLUDED = "positive_data_acceptance"
NOT_FUZZED = r"^(/cliff-[0-9.]+)?/extract$"
KYIV = Place("gn:703448", "Kyiv", 50.45, 30.52, "city", geonameid=703448, country_code="UA")


def _schemathesis() -> str:
    found = shutil.which("schemathesis", path=str(Path(sys.executable).parent)) or shutil.which("schemathesis")
    if found is None:
        pytest.skip("schemathesis is not installed (pip install -e '.[test]')")
    return found


def _store_articles(settings_url: str, data_dir: Path) -> None:
    store = open_store(load_settings(data_dir=data_dir, database_url=settings_url))
    try:
        for day in range(1, 4):
            text = f"Day {day}: air raid alerts sounded in Kyiv."
            at = text.index("Kyiv")
            parsed = ParsedDocument(text=text, mentions=[Mention(at, at + 4, "Kyiv", text, KYIV, 0.9)], focus={})
            store.add(Article(text, "Alerts", None, "wire", datetime(2024, 3, day, tzinfo=UTC)), parsed)
    finally:
        store.close()


def _request(port: int, method: str, path: str, body: str | None = None, headers: dict | None = None) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        return conn.getresponse().status
    finally:
        conn.close()


def test_served_api_conforms_to_its_document(database_url: str, tmp_path: Path) -> None:
    schemathesis = _schemathesis()
    _store_articles(database_url, tmp_path)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "GEOMAP_DATA_DIR": str(tmp_path),
        "GEOMAP_DATABASE_URL": database_url,
        "GEOMAP_SEED_ON_FIRST_RUN": "0",
        "GEOMAP_API_KEY": KEY,
        "GEOMAP_PARSE_RATE_LIMIT": "0",  # the fuzzer sends hundreds of geoparse requests a minute
    }
    serve = [sys.executable, "-c", "from geomap.cli import main; main()", "serve", "--port", str(port)]
    log = tmp_path / "serve.log"
    with log.open("w") as err:
        server = subprocess.Popen([*serve, "--workers", "2", "--threads", "4"], env=env, stderr=err)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if _request(port, "GET", "/api/health") == 200:
                    break
            except OSError:
                pass
            assert server.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        for _ in range(2):  # load the geoparser in both workers before the fuzzer's timeouts start
            form = {"Content-Type": "application/x-www-form-urlencoded", "Authorization": f"Bearer {KEY}"}
            assert _request(port, "POST", "/parse/text", "q=Kyiv", form) == 200
        run = subprocess.run(
            [
                schemathesis,
                "run",
                f"http://127.0.0.1:{port}/openapi.json",
                "--checks",
                "all",
                "--exclude-checks",
                EXCLUDED,
                "--exclude-path-regex",
                NOT_FUZZED,
                "--header",
                f"Authorization: Bearer {KEY}",
                "--max-examples",
                "8",
                "--seed",
                "20261202",
                "--workers",
                "1",
                "--request-timeout",
                "60",
                "--no-shrink",
            ],
            capture_output=True,
            text=True,
            timeout=1200,
            env={**os.environ, "NO_COLOR": "1"},
            cwd=tmp_path,  # its cache (.schemathesis/) stays out of the repository
        )
        assert run.returncode == 0, run.stdout[-8000:] + run.stderr[-2000:]
        selected = re.search(r"Selected: (\d+)/(\d+)", run.stdout)
        tested = re.search(r"Tested: (\d+)", run.stdout)
        assert selected and tested and int(tested.group(1)) == int(selected.group(1)) > 0, run.stdout[-3000:]
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert "Traceback" not in log.read_text()

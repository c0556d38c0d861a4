"""Media Cloud's own CLIFF client (``mediacloud-cliff`` 2.6.2), unchanged, against geomap served on 127.0.0.1.

The app runs under waitress in a thread on a free port, as ``geomap serve``
runs it; the client talks HTTP to it call by call, as a CLIFF user's code would.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from localhttp import QuietHandler, local_server
from waitress.server import create_server

from geomap.api.cliff.fetch import is_public_address, page_text
from geomap.api.services import EXTENSION
from geomap.config import load_settings
from geomap.web import create_app

cliff_api = pytest.importorskip("cliff.api", reason="mediacloud-cliff (the test extra) is not installed")

SEED = Path(__file__).resolve().parent.parent / "geomap" / "seeds" / "cyprus-mail-xi-moscow.txt"
MOSCOW = 524901
RUSSIA = 2017370  # GeoNames id of the Russian Federation


class ServedApp:
    """The geomap app under waitress on 127.0.0.1 in a background thread."""

    def __init__(self, data_dir: Path, *, warm: bool = True, **settings: Any) -> None:
        app = create_app(load_settings(data_dir=data_dir, seed_on_first_run=False, **settings))
        if warm:  # load the model and the place index first (a stale index is rebuilt, minutes): the client waits 30 s
            app.extensions[EXTENSION].parser.parse("Kyiv")
        self.server = create_server(app, host="127.0.0.1", port=0, threads=2)
        self.base = f"http://127.0.0.1:{self.server.effective_port}"  # type: ignore[union-attr]
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.close()
        self.thread.join(timeout=10)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedApp]:
    server = ServedApp(tmp_path_factory.mktemp("cliff"))
    yield server
    server.close()


@pytest.fixture(scope="module")
def client(served: ServedApp) -> Any:
    return cliff_api.Cliff(served.base)


@pytest.fixture(scope="module")
def seed_answer(client: Any) -> dict[str, Any]:
    return client.parse_text(SEED.read_text(encoding="utf-8"))


def test_parse_text_of_the_seed_article(seed_answer: dict[str, Any]) -> None:
    assert seed_answer["status"] == cliff_api.Cliff.STATUS_OK and seed_answer["version"] == "2.6.1"
    assert isinstance(seed_answer["milliseconds"], int)
    text = SEED.read_text(encoding="utf-8")
    mentions = seed_answer["results"]["places"]["mentions"]
    assert len(mentions) >= 20
    for m in mentions:
        assert text[m["source"]["charIndex"] :].startswith(m["source"]["string"])
    by_name = {m["name"]: m for m in mentions}
    assert by_name["Moscow"]["id"] == MOSCOW and by_name["Moscow"]["featureCode"] == "PPLC"
    assert by_name["Moscow"]["countryGeoNameId"] == str(RUSSIA) and by_name["Moscow"]["stateGeoNameId"] == "524894"
    countries = {c["countryCode"] for c in seed_answer["results"]["places"]["focus"]["countries"]}
    assert {"RU", "UA", "CN"} <= countries


def test_parse_text_lists_people_and_organizations_with_counts(seed_answer: dict[str, Any]) -> None:
    people = {p["name"]: p["count"] for p in seed_answer["results"]["people"]}
    assert people.get("Vladimir Putin", 0) >= 1 and people.get("Wang Wenbin") == 1
    assert not {"Moscow", "Ukraine", "Russia"} & set(people)  # places are not people
    assert all(isinstance(o["count"], int) and o["count"] >= 1 for o in seed_answer["results"]["organizations"])
    counts = [p["count"] for p in seed_answer["results"]["people"]]
    assert counts == sorted(counts, reverse=True)


def test_demonyms_only_on_request(client: Any) -> None:
    text = "Russian forces shelled Kharkiv overnight."
    plain = {m["name"] for m in client.parse_text(text)["results"]["places"]["mentions"]}
    with_demonyms = {m["name"] for m in client.parse_text(text, demonyms=True)["results"]["places"]["mentions"]}
    assert "Kharkiv" in plain and "Russia" not in plain and "Russia" in with_demonyms


def test_parse_sentences(client: Any) -> None:
    sentences = ["Talks were held in Geneva on Monday.", "Delegates then flew to Istanbul."]
    answer = client.parse_sentences(sentences)
    assert answer["status"] == "ok"
    found = {m["name"]: m["source"] for m in answer["results"]["places"]["mentions"]}
    assert found["Geneva"]["charIndex"] == sentences[0].index("Geneva")
    assert found["Istanbul"]["charIndex"] == sentences[1].index("Istanbul")  # counted from its own sentence


def test_parse_sentences_with_media_cloud_ids(client: Any) -> None:
    sentences = [{"sentence": "Rain fell on Kyiv.", "story_sentences_id": 41}, {"sentence": "Nothing here."}]
    answer = client.parse_sentences(sentences)
    (kyiv,) = answer["results"]["places"]["mentions"]
    assert kyiv["source"] == {"string": "Kyiv", "charIndex": 13, "storySentencesId": 41}


def test_geonames_lookup_of_moscow(client: Any) -> None:
    moscow = client.geonames_lookup(MOSCOW)
    assert moscow["id"] == MOSCOW and moscow["name"] == "Moscow" and moscow["countryCode"] == "RU"
    assert moscow["featureClass"] == "P" and moscow["featureCode"] == "PPLC"
    chain = []
    node = moscow.get("parent")
    while node is not None:
        chain.append(node)
        node = node.get("parent")
    assert chain and chain[-1]["id"] == RUSSIA and chain[-1]["featureCode"].startswith("PCL")
    assert "parent" not in chain[-1]


def test_errors_in_cliffs_shape(served: ServedApp, client: Any) -> None:
    empty = client.parse_text("   ")
    assert empty["status"] == "error" and "'q'" in empty["details"] and empty["version"] == "2.6.1"
    german = client.parse_text("Berlin ist die Hauptstadt.", language=cliff_api.Cliff.GERMAN)
    assert german["status"] == "error" and "English" in german["details"]
    with pytest.raises(KeyError):  # the client indexes ['results'], which an error answer has not
        client.geonames_lookup(999_999_999)
    raw = requests.post(f"{served.base}/cliff-2.6.1/geonames", data={"id": 999_999_999}, timeout=30)
    assert raw.status_code == 404 and raw.json()["status"] == "error" and "999999999" in raw.json()["details"]
    bad_id = requests.post(f"{served.base}/cliff-2.6.1/geonames", data={"id": "Moscow"}, timeout=30)
    assert bad_id.status_code == 400 and "whole number" in bad_id.json()["details"]
    missing = requests.get(f"{served.base}/cliff-2.6.1/no/such/endpoint", timeout=30)
    assert missing.status_code == 404 and missing.json()["status"] == "error"
    not_json = client.parse_sentences("not a list")
    assert not_json["status"] == "error" and "JSON list" in not_json["details"]


def test_root_paths_answer_like_the_versioned_ones(served: ServedApp) -> None:
    for path in ("/parse/text", "/cliff-2.6.1/parse/text"):
        answer = requests.post(served.base + path, data={"q": "Flooding hit Dhaka."}, timeout=60).json()
        assert [m["name"] for m in answer["results"]["places"]["mentions"]] == ["Dhaka"]


@pytest.mark.slow
def test_the_client_against_geomap_serve(tmp_path: Path) -> None:
    """The issue's acceptance check, as a user runs it: ``geomap serve``, then the client, unchanged."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "GEOMAP_DATA_DIR": str(tmp_path)}
    env.pop("GEOMAP_API_KEY", None)
    command = [sys.executable, "-c", "from geomap.cli import main; main()", "serve", "--port", str(port)]
    log = (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen([*command, "--workers", "1", "--threads", "2"], env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300  # the first run stores the sample article (and may build the index)
        while True:
            assert proc.poll() is None and time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
            try:
                requests.get(f"{base}/api/health", timeout=2)
                break
            except requests.ConnectionError:
                time.sleep(0.5)
        client = cliff_api.Cliff(base)
        answer = client.parse_text(SEED.read_text(encoding="utf-8"))
        assert answer["status"] == "ok" and len(answer["results"]["places"]["mentions"]) >= 20
        assert client.parse_sentences(["Talks were held in Geneva."])["results"]["places"]["mentions"]
        assert client.geonames_lookup(MOSCOW)["name"] == "Moscow"
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


# --- extract?url= -----------------------------------------------------------------------------

KEY = "k3y-extract"


class CountingPage(QuietHandler):
    """A page on 127.0.0.1 that counts how often it is fetched (extract must never reach it)."""

    hits = 0

    def do_GET(self) -> None:
        CountingPage.hits += 1
        self.reply(b"<html><title>Internal</title><body><p>Secret in Oslo.</p></body></html>", "text/html")


@pytest.fixture(scope="module")
def served_extract(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedApp]:
    server = ServedApp(tmp_path_factory.mktemp("cliff-extract"), warm=False, cliff_extract=True, api_key=KEY)
    yield server
    server.close()


def test_extract_is_off_by_default(served: ServedApp, client: Any) -> None:
    answer = client.extract_content("https://example.org/story")
    assert answer["status"] == "error" and "off" in answer["details"] and "request forgery" in answer["details"]
    raw = requests.get(f"{served.base}/extract", params={"url": "https://example.org/"}, timeout=30)
    assert raw.status_code == 403


def test_extract_enabled_needs_the_key(served_extract: ServedApp) -> None:
    url = f"{served_extract.base}/cliff-2.6.1/extract"
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic !!"}):
        resp = requests.get(url, params={"url": "https://example.org/"}, headers=headers, timeout=30)
        assert resp.status_code == 401 and resp.json()["status"] == "error" and "API key" in resp.json()["details"]


@pytest.mark.slow  # serves the app on a real port
def test_extract_enabled_without_a_server_key_stays_off(tmp_path: Path) -> None:
    server = ServedApp(tmp_path, warm=False, cliff_extract=True)
    try:
        resp = requests.get(f"{server.base}/extract", params={"url": "https://example.org/"}, timeout=30)
        assert resp.status_code == 403 and "GEOMAP_API_KEY" in resp.json()["details"]
    finally:
        server.close()


def test_extract_refuses_private_and_loopback_addresses(served_extract: ServedApp) -> None:
    with local_server(CountingPage) as hostport:
        port = hostport.rsplit(":", 1)[1]
        # The unchanged client, with the key as the password of its base URL (requests sends it as Basic auth).
        keyed = cliff_api.Cliff(served_extract.base.replace("http://", f"http://cliff:{KEY}@"))
        targets = [
            f"http://{hostport}/",
            f"http://localhost:{port}/",
            f"http://[::1]:{port}/",
            f"http://[::ffff:127.0.0.1]:{port}/",
            "http://169.254.169.254/latest/meta-data/",
            "http://10.0.0.1/",
            "http://192.168.1.1/",
            "http://0.0.0.0/",
        ]
        for target in targets:
            answer = keyed.extract_content(target)
            assert answer["status"] == "error" and "refuses" in answer["details"], (target, answer)
        assert CountingPage.hits == 0
    for target, fragment in [("file:///etc/passwd", "http"), ("gopher://example.org/", "http"), ("", "'url'")]:
        resp = requests.get(
            f"{served_extract.base}/extract",
            params={"url": target},
            headers={"Authorization": f"Bearer {KEY}"},
            timeout=30,
        )
        assert resp.status_code == 400 and fragment in resp.json()["details"], target


def test_with_a_key_the_client_passes_it_in_its_base_url(served_extract: ServedApp) -> None:
    """With GEOMAP_API_KEY set, geoparsing needs it; the unchanged client sends it as its base URL's password."""
    anonymous = cliff_api.Cliff(served_extract.base).parse_text("Floods hit Dhaka.")
    assert anonymous["status"] == "error" and "API key" in anonymous["details"]
    wrong = cliff_api.Cliff(served_extract.base.replace("http://", "http://cliff:nope@")).parse_text("Dhaka.")
    assert wrong["status"] == "error"
    keyed = cliff_api.Cliff(served_extract.base.replace("http://", f"http://cliff:{KEY}@"))
    assert [m["name"] for m in keyed.parse_text("Floods hit Dhaka.")["results"]["places"]["mentions"]] == ["Dhaka"]
    assert keyed.geonames_lookup(MOSCOW)["name"] == "Moscow"


@pytest.mark.slow  # serves the app on a real port
def test_open_geoparsing_leaves_extract_keyed(tmp_path: Path) -> None:
    server = ServedApp(tmp_path, warm=False, cliff_extract=True, api_key=KEY, open_geoparsing=True)
    try:
        resp = requests.get(f"{server.base}/extract", params={"url": "http://10.0.0.1/"}, timeout=30)
        assert resp.status_code == 401 and resp.json()["status"] == "error"
        assert requests.get(f"{server.base}/geonames", params={"id": MOSCOW}, timeout=30).status_code == 200
    finally:
        server.close()


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        ("2001:4860:4860::8888", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.9", False),
        ("100.64.0.1", False),
        ("169.254.169.254", False),
        ("::1", False),
        ("::ffff:127.0.0.1", False),
        ("fe80::1%eth0", False),
        ("fd00::1", False),
        ("224.0.0.1", False),
    ],
)
def test_public_addresses(address: str, public: bool) -> None:
    assert is_public_address(address) is public


def test_page_text_is_cliffs_extract_result() -> None:
    html = b"<html><head><title>Floods</title></head><body><article><h1>Floods</h1>"
    html += (
        b"<p>"
        + b"Heavy rain flooded the streets of Dhaka on Monday, officials said. " * 5
        + b"</p></article></body></html>"
    )
    result = page_text(html, "text/html; charset=utf-8", "https://example.org/floods")
    assert result["url"] == "https://example.org/floods" and result["title"] == "Floods"
    assert "streets of Dhaka" in result["text"]

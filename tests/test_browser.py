"""Headless Chromium against ``geomap serve`` on 127.0.0.1: the map, popups, search, filters, export.

The server is a real subprocess with a temporary data directory; it seeds the
bundled article through the real geoparser. Tiles come from a tiny local tile
server, so no request may leave 127.0.0.1. Skipped when Playwright or
Chromium is missing, except under CI (env ``CI`` set), where that fails.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import time
import urllib.request
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from localhttp import QuietHandler, local_server

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
MARKER = ".geomap-marker, .marker-cluster"
# The installed console script beside this interpreter (what a user runs).
_SCRIPT = Path(sys.executable).parent / "geomap"
GEOMAP = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-c", "from geomap.cli import main; main()"]


def _png() -> bytes:
    """A 256x256 plain tile."""
    raw = b"".join(b"\x00" + bytes((0xE4, 0xEA, 0xE0)) * 256 for _ in range(256))

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 256, 256, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class TileServer:
    """Serves the same PNG for every path on 127.0.0.1 and counts the requests."""

    def __init__(self) -> None:
        tile, hits = _png(), []

        class Handler(QuietHandler):
            def do_GET(self) -> None:
                hits.append(self.path)
                self.reply(tile, "image/png")

        self.hits = hits
        self.handler = Handler
        self.url = ""

    @contextmanager
    def running(self) -> Iterator[TileServer]:
        """Serve tiles for the block; ``url`` is the Leaflet tile template."""
        with local_server(self.handler) as address:
            self.url = f"http://{address}/{{z}}/{{x}}/{{y}}.png"
            yield self


class Served:
    """``geomap serve`` in a subprocess on a free port."""

    def __init__(self, data_dir: Path, tiles: str, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = data_dir / "serve.log"
        environ = {**os.environ, "GEOMAP_DATA_DIR": str(data_dir), **(env or {})}
        environ.pop("GEOMAP_API_KEY", None)
        command = [*GEOMAP, "serve", "--port", str(self.port), "--tiles", tiles, "--threads", "4"]
        self.proc = subprocess.Popen(command, env=environ, stdout=self.log.open("wb"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"geomap serve exited: {self.log.read_text()[-2000:]}")
            try:
                urllib.request.urlopen(self.base + "/api/health", timeout=2)
                return
            except OSError:
                time.sleep(0.5)
        self.close()
        raise RuntimeError("geomap serve did not answer within 300 s")

    def get(self, path: str) -> Any:
        with urllib.request.urlopen(self.base + path, timeout=30) as resp:
            return json.load(resp)

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def launch_browser() -> Iterator[Any]:
    """Chromium through Playwright; skips (or fails under CI) when either is missing."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if os.environ.get("CI"):
            raise
        pytest.skip("playwright is not installed")
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"Chromium not found at {CHROMIUM}")
        pytest.skip("Chromium is not installed")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


class Watch:
    """A page's console errors, page errors, dialogs and request hosts."""

    def __init__(self, page: Any) -> None:
        self.errors: list[str] = []
        self.urls: list[str] = []
        self.dialogs: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("request", lambda r: self.urls.append(r.url))
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))

    def foreign(self, allowed: set[str]) -> list[str]:
        """Requests to anything but ``allowed`` host:port pairs (file: and data: are local)."""
        out = []
        for url in self.urls:
            parts = urlsplit(url)
            if parts.scheme in {"file", "data", "blob"}:
                continue
            if parts.netloc not in allowed:
                out.append(url)
        return out


@pytest.fixture(scope="module")
def tiles() -> Iterator[TileServer]:
    with TileServer().running() as server:
        yield server


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, tiles: TileServer) -> Iterator[Served]:
    server = Served(tmp_path_factory.mktemp("served"), tiles.url)
    yield server
    server.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launch_browser()


def _allowed(served: Served, tiles: TileServer) -> set[str]:
    return {urlsplit(served.base).netloc, urlsplit(tiles.url.split("{")[0]).netloc}


def _moscow_snippet(served: Served) -> str:
    place = served.get("/api/places?q=Moscow&country=RU")["items"][0]
    return served.get(f"/api/places/{place['id']}?limit=1")["mentions"]["items"][0]["snippet"]


def test_seeded_map_markers_popup_and_no_foreign_requests(served: Served, tiles: TileServer, browser: Any) -> None:
    assert served.get("/api/health")["store"]["articles"] >= 1  # the seed article was stored on first run
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    watch = Watch(page)
    page.goto(served.base + "/")
    page.wait_for_selector(MARKER, timeout=30_000)
    assert int(page.get_attribute("html", "data-geomap-ready")) >= 5
    # A plain click on a marker opens its popup with article snippets.
    page.locator(".geomap-marker").first.click()
    page.wait_for_selector(".leaflet-popup .geomap-snippet", timeout=15_000)
    page.click(".leaflet-popup-close-button")
    page.wait_for_selector(".leaflet-popup", state="detached", timeout=5_000)
    # The search box finds Moscow and opens its popup with the stored snippet, name highlighted.
    page.fill(".geomap-search", "Moscow")
    page.locator(".geomap-results li", has_text="Moscow").first.click()
    page.wait_for_selector(".leaflet-popup .geomap-snippet mark", timeout=15_000)
    popup = page.locator(".leaflet-popup")
    assert popup.locator(".geomap-place b").inner_text() == "Moscow"
    expected = _moscow_snippet(served)
    assert popup.locator(".geomap-snippet").first.inner_text().strip() == expected.strip()
    assert popup.locator(".geomap-snippet mark").first.inner_text().lower() == "moscow"
    assert popup.locator("a[href^='https://'], a[href^='http://'], span").count() >= 1
    # Russia: a sentence naming it twice is listed once, with both names marked.
    page.fill(".geomap-search", "Russia")
    page.locator(".geomap-results li", has_text="Russia").first.click()
    page.wait_for_selector(".leaflet-popup .geomap-place b:text-is('Russia')", timeout=15_000)
    russia = page.locator(".leaflet-popup", has=page.locator(".geomap-place b:text-is('Russia')"))
    snippets = russia.locator(".geomap-snippet")
    snippets.first.wait_for(timeout=15_000)  # the name shows before the mentions have loaded
    texts = snippets.all_inner_texts()
    assert texts and len(texts) == len(set(texts))
    twice = [i for i, t in enumerate(texts) if t.count("Russia") >= 2]
    assert twice and snippets.nth(twice[0]).locator("mark").count() >= 2
    # The Donetsk region reads in English, its official name beside it.
    page.fill(".geomap-search", "Donetsk Oblast")
    page.locator(".geomap-results li", has_text="Donetsk Oblast").first.click()
    page.wait_for_selector(".leaflet-popup .geomap-place b:text-is('Donetsk Oblast')", timeout=15_000)
    region = page.locator(".leaflet-popup", has=page.locator(".geomap-place b:text-is('Donetsk Oblast')"))
    assert region.locator(".geomap-native").inner_text().strip() == "(Donetska oblast)"
    assert any("/tiles/" in url for url in watch.urls), "the map drew no offline basemap tiles"
    assert watch.errors == [] and watch.dialogs == []
    assert watch.foreign(_allowed(served, tiles)) == []
    page.close()


def test_filter_form_and_layers(served: Served, tiles: TileServer, browser: Any) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    watch = Watch(page)
    page.goto(served.base + "/")
    page.wait_for_selector(MARKER, timeout=30_000)
    page.click(".geomap-filters summary")
    page.fill("#geomap-f-q", "Moscow")
    page.click(".geomap-form button[type=submit]")
    page.wait_for_selector("html[data-geomap-ready='1']", state="attached", timeout=15_000)
    assert "q=Moscow" in page.url
    page.fill("#geomap-f-since", "2100-01-01")
    page.click(".geomap-form button[type=submit]")
    page.wait_for_selector("html[data-geomap-ready='0']", state="attached", timeout=15_000)
    assert "No places match" in page.inner_text(".geomap-status")
    # Heat map overlay can be switched on without errors.
    page.hover(".leaflet-control-layers")
    page.get_by_label("Heat map").check()
    page.wait_for_selector("canvas.geomap-heat", timeout=5_000)
    assert watch.errors == [] and watch.foreign(_allowed(served, tiles)) == []
    page.close()


def test_export_opens_from_disk(served: Served, tiles: TileServer, browser: Any, tmp_path: Path) -> None:
    with urllib.request.urlopen(served.base + "/export/map.html", timeout=60) as resp:
        html = resp.read()
    out = tmp_path / "map.html"
    out.write_bytes(html)
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    watch = Watch(page)
    page.goto(out.as_uri())
    page.wait_for_selector(MARKER, timeout=30_000)
    page.fill(".geomap-search", "Moscow")
    page.locator(".geomap-results li", has_text="Moscow").first.click()
    page.wait_for_selector(".leaflet-popup .geomap-snippet mark", timeout=15_000)
    assert page.locator(".leaflet-popup .geomap-snippet").first.inner_text().strip() == _moscow_snippet(served).strip()
    assert watch.errors == [] and watch.foreign({urlsplit(tiles.url.split("{")[0]).netloc}) == []
    page.close()


def test_popup_pages_with_more_button(served: Served, tiles: TileServer, browser: Any) -> None:
    """Twelve articles about Moscow: the popup shows ten, then More loads the rest."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for day in range(1, 13):
        body = json.dumps(
            {
                "title": f"Moscow day {day}",
                "text": f"Officials met in Moscow on day {day} of the talks.",
                "url": f"https://example.org/moscow/{day}",
                "source": "Wire",
                "published": f"2030-01-{day:02d}",
            }
        ).encode()
        request = urllib.request.Request(
            served.base + "/api/articles", data=body, method="POST", headers={"Content-Type": "application/json"}
        )
        urllib.request.urlopen(request, timeout=60).close()
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    watch = Watch(page)
    page.goto(served.base + "/")
    page.wait_for_selector(MARKER, timeout=30_000)
    page.fill(".geomap-search", "Moscow")
    page.locator(".geomap-results li", has_text="Moscow").first.click()
    page.wait_for_selector(".leaflet-popup .geomap-more button", timeout=15_000)
    items = page.locator(".leaflet-popup .geomap-mentions > li")
    assert items.count() == 10 and items.first.locator("a").inner_text() == "Moscow day 12"
    assert items.first.locator("a").get_attribute("href") == "https://example.org/moscow/12"
    page.click(".leaflet-popup .geomap-more button")
    # The button gives way to "Loading…" at once; wait for the next page itself. On a loaded
    # machine Leaflet may close the popup meanwhile; reopening it shows the same (cached) list.
    try:
        items.nth(10).wait_for(timeout=15_000)
    except PlaywrightTimeout:
        page.fill(".geomap-search", "Moscow")
        page.locator(".geomap-results li", has_text="Moscow").first.click()
        items.nth(10).wait_for(timeout=15_000)
    page.wait_for_selector(".leaflet-popup .geomap-more button", state="detached", timeout=15_000)
    titles = [t.strip() for t in page.locator(".leaflet-popup .geomap-article").all_inner_texts()]
    # Exactly the twelve: the bundled sample article (which names Moscow too) left when the first arrived.
    assert titles == [f"Moscow day {d}" for d in range(12, 0, -1)]
    assert watch.errors == [] and watch.foreign(_allowed(served, tiles)) == []
    page.close()

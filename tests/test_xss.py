"""Untrusted article fields stay text: on the map, in the export and through the API, in a real browser.

An article whose title, text, source and URL carry script payloads is posted
to a running ``geomap serve``; every payload that ran would set
``window.__xss`` or open a dialog, and every ``<img src=x>`` that became an
element would request ``/x``.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_browser import MARKER, Served, TileServer, Watch, launch_browser, tiles  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser

PAYLOAD_TITLE = '<script>window.__xss="title"</script><img src=x onerror="window.__xss=\'title-img\'">'
PAYLOAD_SOURCE = "<img src=x onerror=alert('source')>"
PAYLOAD_URL = "javascript:window.__xss='url'"
PAYLOAD_TEXT = (
    "Shelling hit Kharkiv <script>window.__xss='text'</script> again on Monday, "
    "<img src=x onerror=\"alert('text')\"> officials in Kharkiv said."
)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, tiles: TileServer) -> Iterator[Served]:  # noqa: F811 (fixture)
    server = Served(tmp_path_factory.mktemp("xss"), tiles.url, env={"GEOMAP_SEED_ON_FIRST_RUN": "0"})
    body = json.dumps(
        {
            "title": PAYLOAD_TITLE,
            "text": PAYLOAD_TEXT,
            "source": PAYLOAD_SOURCE,
            "url": PAYLOAD_URL,
            "published": "2024-02-03",
        }
    ).encode()
    request = urllib.request.Request(
        server.base + "/api/articles", data=body, method="POST", headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=120) as resp:
        assert resp.status == 201
    yield server
    server.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launch_browser()


def _open_kharkiv(page: Any) -> Any:
    page.wait_for_selector(MARKER, timeout=30_000)
    page.fill(".geomap-search", "Kharkiv")
    page.locator(".geomap-results li", has_text="Kharkiv").first.click()
    page.wait_for_selector(".leaflet-popup .geomap-snippet", timeout=15_000)
    return page.locator(".leaflet-popup")


def _assert_inert(page: Any, watch: Watch, popup: Any) -> None:
    assert popup.locator(".geomap-article").inner_text() == PAYLOAD_TITLE  # shown as text
    assert PAYLOAD_SOURCE in popup.locator(".geomap-meta").inner_text()
    assert "<script>" in popup.locator(".geomap-snippet").first.inner_text()
    assert popup.locator("a[href^='javascript'], img, script").count() == 0
    assert popup.locator(".geomap-article a").count() == 0  # a javascript: URL gets no link
    page.wait_for_timeout(500)
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert watch.dialogs == []
    assert not any(url.rstrip("/").endswith("/x") for url in watch.urls)


def test_map_popup_shows_payloads_as_text(served: Served, browser: Any) -> None:
    page = browser.new_page()
    watch = Watch(page)
    page.goto(served.base + "/")
    _assert_inert(page, watch, _open_kharkiv(page))
    assert watch.errors == []
    page.close()


def test_export_shows_payloads_as_text(served: Served, browser: Any, tmp_path: Path) -> None:
    out = tmp_path / "export.html"
    with urllib.request.urlopen(served.base + "/export/map.html", timeout=60) as resp:
        out.write_bytes(resp.read())
    assert "<script>window.__xss" not in out.read_text()  # the inline data is escaped JSON
    page = browser.new_page()
    watch = Watch(page)
    page.goto(out.as_uri())
    _assert_inert(page, watch, _open_kharkiv(page))
    page.close()


def test_api_answers_are_not_html(served: Served, browser: Any) -> None:
    page = browser.new_page()
    watch = Watch(page)
    article_id = served.get("/api/articles")["items"][0]["id"]
    for path in (f"/api/articles/{article_id}", "/api/articles", "/api/places/gn:706483", "/api/places?format=geojson"):
        resp = page.goto(served.base + path)
        assert resp.headers["x-content-type-options"] == "nosniff"
        assert not resp.headers["content-type"].startswith("text/html")
        assert page.locator("img, script").count() == 0
    assert served.get(f"/api/articles/{article_id}")["article"]["title"] == PAYLOAD_TITLE  # stored verbatim
    assert page.evaluate("typeof window.__xss") == "undefined" and watch.dialogs == []
    page.close()

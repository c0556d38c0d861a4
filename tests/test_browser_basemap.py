"""Headless Chromium with every request off the server blocked: the offline basemap at zoom 2-6.

The live page draws ``/tiles/...`` from geomap itself; the export, opened from
``file://``, draws its inline tiles. Land and sea must both show (the sea of the
OpenStreetMap style is a light blue, #aad3df). Online tiles point at a host the
test blocks, so the page must also say they failed once zoomed beyond 6.
"""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from test_browser import MARKER, Served, Watch, launch_browser

pytestmark = pytest.mark.browser

BLOCKED_TILES = "https://tiles.blocked.example/{z}/{x}/{y}.png"
ZOOMS = range(2, 7)

# In the page: the Leaflet map, zoomed to z over the Black Sea.
_ZOOM = """z => {
  const key = Object.keys(window).find(k => k.startsWith('map_') && window[k] instanceof L.Map);
  window[key].setView([44, 34], z, {animate: false});
}"""

# In the page: [loaded tiles at zoom z, sea-coloured pixels, other pixels] over the visible tiles.
_SAMPLE = """z => {
  const imgs = [...document.querySelectorAll('.leaflet-tile-pane img.leaflet-tile-loaded')]
    .filter(i => i.parentElement.style.zIndex === String(z) || i.parentElement.parentElement.style.zIndex);
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = 32;
  const ctx = canvas.getContext('2d');
  let sea = 0, other = 0, tiles = 0;
  for (const img of imgs) {
    if (!img.complete || img.naturalWidth !== 256) continue;
    tiles += 1;
    ctx.clearRect(0, 0, 32, 32);
    ctx.drawImage(img, 0, 0, 32, 32);
    const d = ctx.getImageData(0, 0, 32, 32).data;
    for (let i = 0; i < d.length; i += 4) {
      const isSea = Math.abs(d[i] - 170) < 12 && Math.abs(d[i + 1] - 211) < 12 && Math.abs(d[i + 2] - 223) < 12;
      if (isSea) sea += 1; else other += 1;
    }
  }
  return [tiles, sea, other];
}"""


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    server = Served(tmp_path_factory.mktemp("served"), BLOCKED_TILES)
    yield server
    server.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launch_browser()


def _block_all_but(page: Any, allowed_host: str | None) -> list[str]:
    """Abort every request whose host is not ``allowed_host`` (file: and data: pass); returns the aborted."""
    blocked: list[str] = []

    def handle(route: Any) -> None:
        parts = urlsplit(route.request.url)
        if parts.scheme in {"file", "data"} or (allowed_host and parts.netloc == allowed_host):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    page.route("**/*", handle)
    return blocked


def _assert_land_and_sea(page: Any) -> None:
    for z in ZOOMS:
        page.evaluate(_ZOOM, z)
        page.wait_for_function(
            "() => [...document.querySelectorAll('.leaflet-tile-pane img')].every(i => i.complete)", timeout=15_000
        )
        page.wait_for_timeout(300)
        tiles, sea, other = page.evaluate(_SAMPLE, z)
        assert tiles >= 4, f"zoom {z}: {tiles} basemap tiles drawn"
        assert sea > 100 and other > 100, f"zoom {z}: sea {sea} px, other {other} px"


def test_live_map_draws_the_offline_basemap_with_the_network_blocked(served: Served, browser: Any) -> None:
    page = browser.new_page(viewport={"width": 1024, "height": 768})
    watch = Watch(page)
    blocked = _block_all_but(page, urlsplit(served.base).netloc)
    page.goto(served.base + "/")
    page.wait_for_selector(MARKER, timeout=30_000)
    _assert_land_and_sea(page)
    assert any("/tiles/6/" in url for url in watch.urls)
    assert blocked == [], "nothing beyond the server is asked for up to zoom 6"
    assert page.locator("[data-testid=tile-notice]").is_hidden()
    # Beyond the basemap's last zoom the online tiles are tried; they fail here, and the page says so.
    page.evaluate(_ZOOM, 8)
    page.wait_for_selector("[data-testid=tile-notice]:not([hidden])", timeout=15_000)
    assert "offline basemap" in page.inner_text("[data-testid=tile-notice]")
    assert blocked and all(urlsplit(u).netloc == "tiles.blocked.example" for u in blocked)
    assert "OpenStreetMap" in page.inner_text(".leaflet-control-attribution")
    assert "ODbL" in page.inner_text(".leaflet-control-attribution")
    page.close()


def test_export_from_disk_draws_its_inline_basemap(served: Served, browser: Any, tmp_path: Path) -> None:
    with urllib.request.urlopen(served.base + "/export/map.html", timeout=60) as resp:
        out = tmp_path / "map.html"
        out.write_bytes(resp.read())
    page = browser.new_page(viewport={"width": 1024, "height": 768})
    watch = Watch(page)
    blocked = _block_all_but(page, None)
    page.goto(out.as_uri())
    page.wait_for_selector(MARKER, timeout=30_000)
    _assert_land_and_sea(page)
    # Beyond the inline zoom levels (0-4) the file tries the online tiles, scaling its own meanwhile.
    assert all(urlsplit(u).netloc == "tiles.blocked.example" and int(u.split("/")[3]) > 4 for u in blocked)
    assert [e for e in watch.errors if "net::ERR_FAILED" not in e] == []
    page.close()

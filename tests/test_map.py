"""The map builder and the export, without a browser: assets, escaping, CSV hardening."""

from __future__ import annotations

import json
import re

from geomap.config import load_settings
from geomap.map.assets import PAGE_CSS, PAGE_JS, inline_css
from geomap.map.build import build_map, render_map
from geomap.map.features import script_json
from geomap.map.formats import csv_stream


def test_live_map_links_local_assets_in_order() -> None:
    html = render_map(build_map(load_settings(), {"live": True}, inline=False))
    scripts = re.findall(r'<script src="([^"]+)"', html)
    assert scripts == [f"/assets/{p}/{n}" for p, n in PAGE_JS]
    styles = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
    assert styles == [f"/assets/{p}/{n}" for p, n in PAGE_CSS]
    assert "cdn.jsdelivr" not in html and "code.jquery" not in html and "bootstrap" not in html


def test_inline_map_has_no_external_loads() -> None:
    html = render_map(build_map(load_settings(), {"live": False, "data": {"features": []}}, inline=True))
    assert "<script src=" not in html and '<link rel="stylesheet"' not in html
    assert "L.MarkerClusterGroup" in html and "L.GeomapHeat" in html
    assert not re.search(
        r"url\((?!data:|#)['\"]?[^)]*\)", inline_css("leaflet", "leaflet.css").replace("url(#default#VML)", "")
    )


def test_script_json_cannot_break_out_of_script() -> None:
    text = script_json({"title": "</script><script>alert(1)</script><!--", "x": "\u2028&"})
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == {"title": "</script><script>alert(1)</script><!--", "x": "\u2028&"}


def test_options_reach_the_page_escaped() -> None:
    html = render_map(build_map(load_settings(), {"live": True, "filters": {"q": "</script><b>"}}, inline=False))
    assert "</script><b>" not in html and "\\u003c/script\\u003e\\u003cb\\u003e" in html


def test_csv_neutralises_formulas() -> None:
    rows = "".join(csv_stream("places", [{"id": "x", "name": '=HYPERLINK("http://evil")', "lat": 1.0, "lon": 2.0}]))
    assert rows.splitlines()[1].startswith("x,\"'=HYPERLINK(")

"""The Folium map behind ``GET /`` and the standalone export.

Folium builds the page shell (the Leaflet map); the base layers (offline
basemap, online tiles above its last zoom: ``static/geomap-tiles.js``) and the
places are not Folium elements. One ``GeomapLayer`` element hands the map to
``static/geomap-map.js``, which loads the places as GeoJSON (from the API on
the live page, from an inline copy in the export), clusters them on the
client and builds popups with DOM text nodes only. That keeps the page the
same size with 10 or 100,000 mentions, and keeps untrusted text out of HTML.
"""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import folium
from branca.element import MacroElement
from jinja2 import Template

from ..config import Settings
from .assets import PAGE_CSS, PAGE_JS, asset_url, inline_css, inline_js
from .basemap import BASEMAP_ATTRIBUTION, EXPORT_MAX_ZOOM, get_basemap
from .features import script_json

__all__ = [
    "GeomapLayer",
    "build_map",
    "render_map",
    "tile_config",
    "tile_origin",
    "export_csp",
    "GEONAMES_ATTRIBUTION",
    "BASEMAP_URL",
]

GEONAMES_ATTRIBUTION = (
    'Places &copy; <a href="https://www.geonames.org/">GeoNames</a> '
    '(<a href="https://creativecommons.org/licenses/by/4.0/">CC BY 4.0</a>)'
)


BASEMAP_URL = "/tiles/{z}/{x}/{y}.png"  # where the live page finds the offline basemap (web/pages.py serves it)

_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)
OPTIONS_ID = "geomap-options"  # id of the JSON data block geomap.init reads its options from
TILES_ID = "geomap-basemap"  # id of the export's JSON data block of inline basemap tiles
OPTIONS_SLOT = "<!-- geomap:head -->"  # where render_map puts the assets and the options
_TITLES = ("geomap", "geomap export")


def tile_origin(tiles: str) -> str:
    """The CSP source for the tile server: ``https://{s}.tile.x.org/...`` -> ``https://*.tile.x.org``."""
    parts = urlsplit(tiles.replace("{s}", "*"))
    if not parts.scheme or not parts.netloc:
        return ""
    return f"{parts.scheme}://{parts.netloc}"


def export_csp(html: str, tiles: str) -> str:
    """Pin the export's own inline scripts by hash in a ``<meta>`` CSP (a file has no headers):
    whatever else might end up in the file cannot run, and it may fetch nothing but tiles."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
        for body in _INLINE_SCRIPT.findall(html)
    )
    policy = (
        f"default-src 'none'; script-src {hashes}; style-src 'unsafe-inline'; "
        f"img-src data: {tile_origin(tiles)}; base-uri 'none'; form-action 'none'"
    )
    return html.replace("<head>", f'<head>\n<meta http-equiv="Content-Security-Policy" content="{policy}">', 1)


class GeomapLayer(MacroElement):
    """Loads geomap's assets and starts the client-side layer on its parent map."""

    # Only constants and Folium's generated variable names go through the template: branca renders
    # a macro's output as a new Jinja template, so any text placed in it would be evaluated
    # ("{{ 7*7 }}" in a filter or an article). The assets and the options are put into the
    # rendered page afterwards (``render_map``), in place of ``OPTIONS_SLOT``.
    _template = Template(
        """
{% macro header(this, kwargs) %}
<title>{{ this.title }}</title>
<link rel="icon" href="data:,">
{{ this.slot }}
{% endmacro %}
{% macro script(this, kwargs) %}
geomap.init({{ this._parent.get_name() }}, geomap.options("{{ this.options_id }}"));
{% endmacro %}
"""
    )
    slot = OPTIONS_SLOT
    options_id = OPTIONS_ID

    def __init__(
        self, options: dict[str, Any], *, inline: bool, title: str, tiles: dict[str, str] | None = None
    ) -> None:
        super().__init__()
        if title not in _TITLES:
            raise ValueError(f"page title must be one of {_TITLES}")  # never outside text: see _template
        self._name = "GeomapLayer"
        self.options = options
        self.tiles = tiles
        self.title = title
        self.inline = inline

    def page_head(self) -> str:
        """What replaces ``OPTIONS_SLOT``: the asset tags, then the options (and any inline tiles)
        as JSON data blocks."""
        blocks = [_head_html(self.inline), _data_block(OPTIONS_ID, self.options)]
        if self.tiles is not None:
            blocks.append(_data_block(TILES_ID, self.tiles))
        return "\n".join(blocks)


def _data_block(block_id: str, value: Any) -> str:
    """A ``<script type="application/json">`` element: data the page reads, never runs."""
    return f'<script type="application/json" id="{block_id}">{script_json(value)}</script>'


def _head_html(inline: bool) -> str:
    """``<link>``/``<script src>`` tags for the live page, or the files' contents for the export."""
    if inline:
        css = [f"<style>{inline_css(p, n)}</style>" for p, n in PAGE_CSS]
        js = [f"<script>{inline_js(p, n)}</script>" for p, n in PAGE_JS]
    else:
        css = [f'<link rel="stylesheet" href="{asset_url(p, n)}">' for p, n in PAGE_CSS]
        js = [f'<script src="{asset_url(p, n)}"></script>' for p, n in PAGE_JS]
    return "\n".join(css + js)


def tile_config(settings: Settings, *, inline: bool) -> dict[str, Any]:
    """The base layers ``geomap.baseLayers`` builds: the offline basemap (linked, or inline for an
    export, its tiles in the ``TILES_ID`` data block) up to its last zoom, and the configured online
    tiles beyond it (none when unset)."""
    basemap = get_basemap()
    config: dict[str, Any] = {"offline": None, "embedded": None, "online": None}
    if basemap is not None and inline:
        config["embedded"] = {
            "block": TILES_ID,
            "maxNativeZoom": min(EXPORT_MAX_ZOOM, basemap.max_zoom),
            "attribution": BASEMAP_ATTRIBUTION,
        }
    elif basemap is not None:
        config["offline"] = {"url": BASEMAP_URL, "maxNativeZoom": basemap.max_zoom, "attribution": BASEMAP_ATTRIBUTION}
    if settings.tiles:
        config["online"] = {"url": settings.tiles, "attribution": settings.tiles_attribution}
    return config


def build_map(settings: Settings, options: dict[str, Any], *, inline: bool, title: str = "geomap") -> folium.Map:
    """A Folium map with geomap's layer; ``options`` go to ``geomap.init`` in the page.

    ``inline`` embeds every script and stylesheet and the low-zoom basemap (the
    export); otherwise they are linked from ``/assets`` and ``/tiles`` (the live
    page). No CDN is referenced either way.
    """
    fmap = folium.Map(location=(30, 20), zoom_start=3, min_zoom=2, tiles=None, control_scale=True, world_copy_jump=True)
    fmap.default_js = []  # Folium's CDN scripts and styles: replaced by PAGE_JS/PAGE_CSS
    fmap.default_css = []
    tiles = tile_config(settings, inline=inline)
    stamped = dict(
        options,
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        tiles=tiles,
        attribution=GEONAMES_ATTRIBUTION,
    )
    basemap = get_basemap()
    inline_tiles = basemap.embedded() if tiles["embedded"] and basemap else None
    GeomapLayer(stamped, inline=inline, title=title, tiles=inline_tiles).add_to(fmap)
    return fmap


def render_map(fmap: folium.Map) -> str:
    """The whole HTML document.

    Folium renders the shell; geomap's assets and options are inserted after
    that, as plain text, so nothing they hold is ever read as a template.
    """
    layer = next(c for c in fmap._children.values() if isinstance(c, GeomapLayer))
    html = fmap.get_root().render()
    return html.replace(OPTIONS_SLOT, layer.page_head(), 1)

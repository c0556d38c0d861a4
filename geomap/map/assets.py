"""Where the map's JavaScript and CSS come from: the xstatic packages and ``static/``.

Nothing is fetched from a CDN. The live page links the files under
``/assets/<package>/<file>``; the standalone export inlines their contents
(with the CSS images turned into ``data:`` URIs) so it opens from ``file://``.
"""

from __future__ import annotations

import base64
import mimetypes
import re
from functools import lru_cache
from pathlib import Path

import xstatic.pkg.font_awesome
import xstatic.pkg.jquery
import xstatic.pkg.leaflet
import xstatic.pkg.leaflet_markercluster

from ..errors import NotFoundError

__all__ = ["PACKAGES", "PAGE_CSS", "PAGE_JS", "asset_file", "asset_url", "inline_css", "inline_js"]

# URL prefix name -> directory whose files are served under /assets/<name>/.
PACKAGES: dict[str, Path] = {
    "leaflet": Path(xstatic.pkg.leaflet.BASE_DIR),
    "markercluster": Path(xstatic.pkg.leaflet_markercluster.BASE_DIR),
    "jquery": Path(xstatic.pkg.jquery.BASE_DIR),
    "font-awesome": Path(xstatic.pkg.font_awesome.BASE_DIR),
    "geomap": Path(__file__).resolve().parent.parent / "static",
}

# What the map page loads, in order: (package, file).
PAGE_CSS: tuple[tuple[str, str], ...] = (
    ("leaflet", "leaflet.css"),
    ("markercluster", "MarkerCluster.css"),
    ("markercluster", "MarkerCluster.Default.css"),
    ("geomap", "geomap.css"),
)
PAGE_JS: tuple[tuple[str, str], ...] = (
    ("leaflet", "leaflet.js"),
    ("markercluster", "leaflet.markercluster.js"),
    ("geomap", "geomap-heat.js"),
    ("geomap", "geomap-controls.js"),
    ("geomap", "geomap-tiles.js"),
    ("geomap", "geomap-map.js"),
)

_CSS_URL = re.compile(r"url\((['\"]?)(images/[^)'\"]+)\1\)")


def asset_file(package: str, name: str) -> Path:
    """The file behind ``/assets/<package>/<name>``; refuses anything outside the package."""
    base = PACKAGES.get(package)
    if base is None:
        raise NotFoundError(f"no asset package {package!r}; known: {', '.join(sorted(PACKAGES))}")
    path = (base / name).resolve()
    if not path.is_relative_to(base.resolve()) or not path.is_file():
        raise NotFoundError(f"no asset {package}/{name}")
    return path


def asset_url(package: str, name: str, prefix: str = "/assets") -> str:
    """The URL the live page uses for one asset."""
    return f"{prefix}/{package}/{name}"


@lru_cache(maxsize=32)
def inline_css(package: str, name: str) -> str:
    """CSS text with relative ``images/...`` references embedded as data URIs."""
    path = asset_file(package, name)

    def embed(match: re.Match[str]) -> str:
        image = asset_file(package, match.group(2))
        mime = mimetypes.guess_type(image.name)[0] or "application/octet-stream"
        return f"url(data:{mime};base64,{base64.b64encode(image.read_bytes()).decode()})"

    return _CSS_URL.sub(embed, path.read_text(encoding="utf-8"))


@lru_cache(maxsize=32)
def inline_js(package: str, name: str) -> str:
    """JavaScript text safe to place inside a ``<script>`` element."""
    text = asset_file(package, name).read_text(encoding="utf-8")
    return text.replace("</script", "<\\/script")

"""The map: a Folium page whose places load as GeoJSON and cluster in the browser.

``live_page`` is what ``GET /`` serves; ``export_page`` is the standalone file
(``geomap map -o``, ``GET /export/map.html``).
"""

from __future__ import annotations

from .build import build_map, render_map
from .export import export_page, live_page, map_data

__all__ = ["build_map", "render_map", "live_page", "export_page", "map_data"]

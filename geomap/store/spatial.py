"""Where-filters on place coordinates: ``bbox`` and ``near``, the same answers on every backend.

On PostgreSQL with PostGIS each place carries a ``geog`` geography point
(a column generated from ``lat``/``lon``, so no write path changes) with two
GiST indexes: one on the geography for ``near`` (``ST_DWithin``, distances on
the sphere) and one on its planar cast for ``bbox`` (a box in degrees, the
exact ``lat``/``lon`` test, antimeridian included). Everywhere else the same
conditions run on the plain coordinates: ``bbox`` as ranges over the
``(lat, lon)`` index, ``near`` as a latitude band (the index) and the
great-circle distance (``geomap_km``, a function ``engine.py`` registers on
SQLite; SQL arithmetic on PostgreSQL without PostGIS). PostGIS measures on a
sphere here (``use_spheroid`` false) of the radius ``distance.py`` uses, so
both give the same places in the same order.

The constructs compile per dialect; whether a PostgreSQL database has PostGIS
is found by ``enable_postgis`` when the store opens and remembered on the
engine's dialect.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from sqlalchemy import and_, between, func, literal, literal_column, or_, text
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement
from sqlalchemy.types import Boolean, Float

from ..distance import EARTH_RADIUS_KM
from .engine import SQLITE_DISTANCE_FUNCTION
from .schema import places

__all__ = ["within_bbox", "within_km", "distance_km", "enable_postgis", "has_postgis"]

_POSTGIS_FLAG = "geomap_postgis"  # attribute set on a PostgreSQL dialect whose database has PostGIS
_KM_PER_DEGREE = EARTH_RADIUS_KM * math.pi / 180
_BAND_SLACK_DEGREES = 1e-9  # the latitude band is a superset of the circle, never a hair short
_log = logging.getLogger(__name__)

# Idempotent PostgreSQL-only steps: run on every open, no schema version of their own.
_POSTGIS_STEPS = (
    "CREATE EXTENSION IF NOT EXISTS postgis",
    "ALTER TABLE places ADD COLUMN IF NOT EXISTS geog geography(Point, 4326) "
    "GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(lon, lat), 4326)::geography) STORED",
    "CREATE INDEX IF NOT EXISTS ix_places_geog ON places USING GIST (geog)",
    "CREATE INDEX IF NOT EXISTS ix_places_geog_box ON places USING GIST ((geog::geometry))",
)

# Whether the column and both indexes exist (then nothing needs creating).
_READY = (
    "SELECT count(*) = 3 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname = current_schema() AND c.relname IN ('ix_places_geog', 'ix_places_geog_box') "
    "OR (c.relname = 'places' AND EXISTS (SELECT 1 FROM pg_attribute a "
    "WHERE a.attrelid = c.oid AND a.attname = 'geog' AND NOT a.attisdropped))"
)


def enable_postgis(conn: Connection) -> bool:
    """On PostgreSQL: add PostGIS, the geography column and its indexes if they are missing; whether it has them.

    A server without the PostGIS package (or a user who may not create the
    extension) keeps the plain-coordinate filters, which give the same answers.
    """
    if conn.dialect.name != "postgresql":
        return False
    if conn.execute(text(_READY)).scalar():  # already set up: no DDL, no lock on places
        setattr(conn.dialect, _POSTGIS_FLAG, True)
        return True
    try:
        with conn.begin_nested():
            for step in _POSTGIS_STEPS:
                conn.execute(text(step))
    except DBAPIError as exc:
        reason = str(exc.orig).splitlines()[0] if exc.orig else str(exc)
        _log.warning("PostGIS is not available (%s); bbox and near filter on plain coordinates", reason)
        setattr(conn.dialect, _POSTGIS_FLAG, False)
        return False
    setattr(conn.dialect, _POSTGIS_FLAG, True)
    return True


def has_postgis(dialect: Dialect) -> bool:
    """Whether statements compiled for ``dialect`` may use the ``geog`` column."""
    return bool(getattr(dialect, _POSTGIS_FLAG, False))


class within_bbox(FunctionElement[bool]):
    """Places inside (west, south, east, north) degrees, edges included; west > east crosses the antimeridian."""

    type = Boolean()
    inherit_cache = False

    def __init__(self, west: float, south: float, east: float, north: float) -> None:
        self.box = (float(west), float(south), float(east), float(north))
        super().__init__()


class within_km(FunctionElement[bool]):
    """Places within ``km`` great-circle kilometres of (lat, lon)."""

    type = Boolean()
    inherit_cache = False

    def __init__(self, lat: float, lon: float, km: float) -> None:
        self.point, self.km = (float(lat), float(lon)), float(km)
        super().__init__()


class distance_km(FunctionElement[float]):
    """A place's great-circle distance in km from (lat, lon): what ``near`` orders by."""

    type = Float()
    inherit_cache = False

    def __init__(self, lat: float, lon: float) -> None:
        self.point = (float(lat), float(lon))
        super().__init__()


# --- plain coordinates (SQLite, and PostgreSQL without PostGIS) ---------------------------------


def _plain_box(box: tuple[float, float, float, float]) -> ColumnElement[bool]:
    west, south, east, north = box
    lat = between(places.c.lat, south, north)
    if west <= east:
        return and_(lat, between(places.c.lon, west, east))
    return and_(lat, or_(places.c.lon >= west, places.c.lon <= east))


def _band(lat: float, km: float) -> ColumnElement[bool]:
    """The latitudes a point within ``km`` can have: the index narrows ``near`` to this band first."""
    reach = km / _KM_PER_DEGREE + _BAND_SLACK_DEGREES
    return between(places.c.lat, lat - reach, lat + reach)


def _haversine_sql(lat: float, lon: float) -> ColumnElement[float]:
    """``distance.great_circle_km`` written in SQL arithmetic (PostgreSQL without PostGIS)."""
    p1, p2 = func.radians(literal(lat, Float())), func.radians(places.c.lat)
    dl = func.radians(places.c.lon - literal(lon, Float()))
    half = func.power(func.sin((p2 - p1) / 2), 2) + func.cos(p1) * func.cos(p2) * func.power(func.sin(dl / 2), 2)
    return 2 * EARTH_RADIUS_KM * func.asin(func.least(1.0, func.sqrt(half)))


def _plain_distance(dialect: Dialect, lat: float, lon: float) -> ColumnElement[float]:
    if dialect.name == "sqlite":
        return getattr(func, SQLITE_DISTANCE_FUNCTION)(places.c.lat, places.c.lon, lat, lon)
    return _haversine_sql(lat, lon)


@compiles(within_bbox)
def _bbox_plain(element: within_bbox, compiler: Any, **kw: Any) -> str:
    return f"({compiler.process(_plain_box(element.box), **kw)})"


@compiles(within_km)
def _near_plain(element: within_km, compiler: Any, **kw: Any) -> str:
    (lat, lon), km = element.point, element.km
    cond = and_(_band(lat, km), _plain_distance(compiler.dialect, lat, lon) <= km)
    return f"({compiler.process(cond, **kw)})"


@compiles(distance_km)
def _distance_plain(element: distance_km, compiler: Any, **kw: Any) -> str:
    return f"({compiler.process(_plain_distance(compiler.dialect, *element.point), **kw)})"


# --- PostGIS -------------------------------------------------------------------------------------


def _point(lat: float, lon: float) -> ColumnElement[Any]:
    return func.ST_SetSRID(func.ST_MakePoint(lon, lat), 4326)


def _geog() -> ColumnElement[Any]:
    return literal_column("places.geog")


@compiles(within_bbox, "postgresql")
def _bbox_postgis(element: within_bbox, compiler: Any, **kw: Any) -> str:
    if not has_postgis(compiler.dialect):
        return _bbox_plain(element, compiler, **kw)
    west, south, east, north = element.box
    boxes = [(west, east)] if west <= east else [(west, 180.0), (-180.0, east)]
    # the expression ix_places_geog_box indexes
    box_index: ColumnElement[Any] = literal_column("(places.geog::geometry)")
    cond = or_(*(box_index.op("&&")(func.ST_MakeEnvelope(w, south, e, north, 4326)) for w, e in boxes))
    return f"({compiler.process(cond, **kw)})"


@compiles(within_km, "postgresql")
def _near_postgis(element: within_km, compiler: Any, **kw: Any) -> str:
    if not has_postgis(compiler.dialect):
        return _near_plain(element, compiler, **kw)
    (lat, lon), km = element.point, element.km
    cond = func.ST_DWithin(_geog(), func.geography(_point(lat, lon)), km * 1000.0, False)
    return f"({compiler.process(cond, **kw)})"


@compiles(distance_km, "postgresql")
def _distance_postgis(element: distance_km, compiler: Any, **kw: Any) -> str:
    if not has_postgis(compiler.dialect):
        return _distance_plain(element, compiler, **kw)
    lat, lon = element.point
    expr = func.ST_Distance(_geog(), func.geography(_point(lat, lon)), False) / 1000.0
    return f"({compiler.process(expr, **kw)})"

"""The HTTP API: ``/api`` (JSON, GeoJSON, CSV), ``/parse/text`` (CLIFF-compatible), ``/openapi.json``.

The blueprints are registered by ``geomap.web.create_app``.
"""

from __future__ import annotations

from .cliff import cliff
from .openapi import openapi, openapi_spec
from .routes import api

__all__ = ["api", "cliff", "openapi", "openapi_spec"]

"""The HTTP API: ``/api`` (JSON, GeoJSON, CSV), ``/parse/text`` (CLIFF-compatible), ``/openapi.json``.

The blueprints are registered by ``geomap.web.create_app``.
"""

from __future__ import annotations

from flask import request

from .cliff import cliff
from .guard import geoparse_guard
from .openapi import openapi, openapi_spec
from .routes import api

_CLIFF_PARSING = "/parse/"  # the CLIFF endpoints that geoparse (/geonames and /extract do not)


@cliff.before_request
def _guard_cliff_parsing() -> None:
    """Every CLIFF parse endpoint needs the key (unless opened) and counts against the rate limit."""
    if _CLIFF_PARSING in request.path:
        geoparse_guard()


__all__ = ["api", "cliff", "openapi", "openapi_spec"]

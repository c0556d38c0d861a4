"""The HTTP API: ``/api`` (JSON, GeoJSON, CSV), ``/parse/text`` (CLIFF-compatible), ``/openapi.json``.

The blueprints are registered by ``geomap.web.create_app``.
"""

from __future__ import annotations

from .cliff import cliff
from .guard import geoparse_guard
from .openapi import openapi, openapi_spec
from .routes import api

# Every CLIFF-style endpoint geoparses: each needs the key (unless opened) and counts against the rate limit.
cliff.before_request(geoparse_guard)

__all__ = ["api", "cliff", "openapi", "openapi_spec"]

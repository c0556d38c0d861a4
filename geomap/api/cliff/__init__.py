"""A drop-in CLIFF-CLAVIN server: CLIFF 2.6's endpoints and JSON, answered by geomap.

``inputs`` reads what a CLIFF client sends, ``shape`` writes CLIFF's JSON,
``views`` is the blueprint. The views reach the geoparser and the place index
only through the app's ``Services``.
"""

from __future__ import annotations

from .shape import CLIFF_VERSION, error_body
from .views import CLIFF_PATHS, CLIFF_PREFIXES, cliff, is_cliff_path

__all__ = ["cliff", "CLIFF_VERSION", "CLIFF_PREFIXES", "CLIFF_PATHS", "is_cliff_path", "error_body"]

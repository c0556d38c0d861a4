"""The offline place index: built from registry packages, queried by name, id, code or point.

>>> gaz = get_gazetteer()
>>> gaz.lookup("Bakhmut")[0].place.country_code
'UA'
"""

from __future__ import annotations

from .builder import build_index
from .index import PlaceIndex, clear_cache, get_gazetteer
from .normalise import normalise

__all__ = ["PlaceIndex", "get_gazetteer", "clear_cache", "build_index", "normalise"]

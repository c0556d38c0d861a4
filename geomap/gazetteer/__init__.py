"""The offline place index: built from registry packages, queried by name, id, code or point.

>>> gaz = get_gazetteer()
>>> gaz.lookup("Bakhmut")[0].place.country_code
'UA'

``PlaceIndex`` is the Protocol every consumer codes against; ``CompactPlaceIndex``
is geomap's own implementation (``CompactPlaceIndex.from_records`` builds a small
one in memory); ``Settings.place_index`` picks one by its entry-point name.
"""

from __future__ import annotations

from .builder import build_index
from .index import CompactPlaceIndex
from .normalise import normalise
from .protocol import PlaceIndex
from .registry import ENTRY_POINT_GROUP, clear_cache, get_gazetteer, place_index_factory

__all__ = [
    "PlaceIndex",
    "CompactPlaceIndex",
    "get_gazetteer",
    "clear_cache",
    "place_index_factory",
    "ENTRY_POINT_GROUP",
    "build_index",
    "normalise",
]

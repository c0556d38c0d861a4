"""Which place index geomap uses: chosen by name in settings, found through an entry-point group.

As geopy's ``get_geocoder_for_service("nominatim")`` turns a name into a geocoder
class, ``place_index_factory("compact")`` turns ``Settings.place_index``
(``GEOMAP_PLACE_INDEX``) into a factory ``(Settings) -> PlaceIndex``. Another
package adds an index without touching geomap by declaring, in its pyproject::

    [project.entry-points."geomap.place_indexes"]
    mine = "mypackage.index:open_index"     # open_index(settings) -> a PlaceIndex

and users pick it with ``GEOMAP_PLACE_INDEX=mine``. geomap's own index is
registered the same way (``compact``) and is also known without package
metadata, so a source checkout works too. ``get_gazetteer()`` opens the chosen
index once per process.
"""

from __future__ import annotations

import importlib.metadata
import threading
from collections.abc import Callable
from pathlib import Path
from typing import cast

from ..config import Settings, load_settings
from ..errors import ConfigError, GazetteerError
from .builder import INDEX_FILE, build_index, expected_stamp
from .index import CompactPlaceIndex
from .protocol import PlaceIndex

__all__ = [
    "ENTRY_POINT_GROUP",
    "DEFAULT_PLACE_INDEX",
    "PlaceIndexFactory",
    "place_index_factory",
    "open_compact_index",
    "get_gazetteer",
    "clear_cache",
]

ENTRY_POINT_GROUP = "geomap.place_indexes"
DEFAULT_PLACE_INDEX = "compact"
PlaceIndexFactory = Callable[[Settings], PlaceIndex]


def open_compact_index(
    settings: Settings, *, rebuild: bool = False, quiet: bool = False, min_population: int | None = None
) -> CompactPlaceIndex:
    """geomap's own index for ``settings.gazetteer_path``, built first if missing, damaged or stale.

    A rebuild keeps the old index's ``min_population`` unless one is given.
    """
    directory = settings.gazetteer_path
    gaz: CompactPlaceIndex | None = None
    previous = 0
    if (directory / INDEX_FILE).exists():
        try:
            gaz = CompactPlaceIndex.load(directory)
            previous = gaz.info()["min_population"]
        except GazetteerError:
            gaz = None  # damaged: rebuild below
        if gaz is not None and (rebuild or gaz.stamp() != expected_stamp(directory)):
            gaz = None
    if gaz is None:
        build_index(directory, quiet=quiet, min_population=previous if min_population is None else min_population)
        gaz = CompactPlaceIndex.load(directory)
    return gaz


_BUILT_IN: dict[str, PlaceIndexFactory] = {DEFAULT_PLACE_INDEX: open_compact_index}


def place_index_factory(name: str) -> PlaceIndexFactory:
    """The factory registered as ``name`` in the ``geomap.place_indexes`` entry-point group.

    Raises ConfigError naming the known indexes when there is none by that name.
    """
    found = importlib.metadata.entry_points(group=ENTRY_POINT_GROUP, name=name)
    for entry in found:
        factory = entry.load()
        if not callable(factory):
            raise ConfigError(f"place index {name!r} ({entry.value}) is not callable")
        return cast(PlaceIndexFactory, factory)
    if name in _BUILT_IN:
        return _BUILT_IN[name]
    known = sorted({*_BUILT_IN, *(e.name for e in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP))})
    raise ConfigError(f"unknown place index {name!r}; installed: {', '.join(known)}")


_CACHE: dict[tuple[str, Path], PlaceIndex] = {}
_CACHE_LOCK = threading.Lock()


def get_gazetteer(
    settings: Settings | None = None, *, rebuild: bool = False, quiet: bool = False, min_population: int | None = None
) -> PlaceIndex:
    """The process-wide place index ``settings.place_index`` names, opened once.

    ``rebuild``, ``quiet`` and ``min_population`` concern geomap's own index (the
    ``compact`` one): a rebuild is forced, the progress bar hidden, the small
    towns left out. Another index is simply opened by its factory.
    """
    settings = settings or load_settings()
    key = (settings.place_index, settings.gazetteer_path)
    with _CACHE_LOCK:
        gaz = _CACHE.get(key)
        if gaz is not None and not rebuild:
            return gaz
        if settings.place_index == DEFAULT_PLACE_INDEX:
            gaz = open_compact_index(settings, rebuild=rebuild, quiet=quiet, min_population=min_population)
        else:
            gaz = place_index_factory(settings.place_index)(settings)
        _CACHE[key] = gaz
        return gaz


def clear_cache() -> None:
    """Forget opened indexes (after a rebuild in another process, or in tests)."""
    with _CACHE_LOCK:
        _CACHE.clear()

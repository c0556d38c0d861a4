"""geomap: an offline geoparser and event map for news.

    >>> import geomap
    >>> doc = geomap.parse("Russian forces shelled Bakhmut in the Donetsk region.")
    >>> [(m.text, m.place.name) for m in doc.mentions]

GeoNames data (CC BY 4.0, https://www.geonames.org/) is used for places.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._version import __version__
from .errors import GeomapError
from .models import Article, Candidate, FocusPlace, Mention, ParsedDocument, Place

if TYPE_CHECKING:
    from .pipeline import parse, parse_many

__all__ = [
    "parse",
    "parse_many",
    "Place",
    "Candidate",
    "Mention",
    "FocusPlace",
    "ParsedDocument",
    "Article",
    "GeomapError",
    "__version__",
]


def __getattr__(name: str) -> Any:
    # parse/parse_many pull in spaCy; import them only when first used.
    if name in {"parse", "parse_many"}:
        from . import pipeline

        return getattr(pipeline, name)
    raise AttributeError(f"module 'geomap' has no attribute {name!r}")

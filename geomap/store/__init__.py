"""SQL store of articles, the places they mention and the mentions themselves.

``open_store(settings)`` returns a ``Store`` over ``settings.database`` (a
SQLite file in the data directory by default, any SQLAlchemy URL otherwise),
creating or upgrading its schema.
"""

from __future__ import annotations

from .filters import FILTER_PARAMS, Filters
from .queries import Page
from .schema import SCHEMA_VERSION
from .store import Store, content_hash, open_store
from .validate import MAX_SOURCE_CHARS, check_article

__all__ = [
    "Store",
    "open_store",
    "Filters",
    "FILTER_PARAMS",
    "Page",
    "content_hash",
    "SCHEMA_VERSION",
    "check_article",
    "MAX_SOURCE_CHARS",
]

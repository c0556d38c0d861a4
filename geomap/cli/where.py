"""Where a command keeps its data: the lines ``geomap serve`` and ``geomap ingest`` print when they start."""

from __future__ import annotations

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from ..config import Settings
from ..ingest.runner import FIRST_INDEX_BUILD_SECONDS, index_ready

__all__ = ["locations"]


def _database(settings: Settings) -> str:
    """The store's URL with any password hidden (a URL the store cannot read is shown as given)."""
    try:
        return make_url(settings.database).render_as_string(hide_password=True)
    except ArgumentError:
        return settings.database


def locations(settings: Settings) -> list[str]:
    """One line each for the database and the place index (and whether the index must be built first)."""
    where = "GEOMAP_DATABASE_URL" if settings.database_url else "GEOMAP_DATA_DIR"
    index = f"place index: {settings.gazetteer_path}"
    if not index_ready(settings):
        index += f" (not built yet: the first run builds it, about {FIRST_INDEX_BUILD_SECONDS} s)"
    return [f"database: {_database(settings)} (set by {where})", index]

"""Fixtures shared by every test module.

Tests run against real parts: the real gazetteer index (built once into
``.cache/gazetteer`` at the top of the repository and reused across runs, as a
user's data directory would be), the real spaCy model, real SQLite files in
temporary folders, the real Flask app.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"

# Point geomap at an isolated data directory before any test imports settings.
os.environ.setdefault("GEOMAP_GAZETTEER_DIR", str(REPO / ".cache" / "gazetteer"))


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test gets its own empty data directory (database, caches)."""
    monkeypatch.setenv("GEOMAP_DATA_DIR", str(tmp_path_factory.mktemp("data")))
    monkeypatch.delenv("GEOMAP_DATABASE_URL", raising=False)
    monkeypatch.delenv("GEOMAP_API_KEY", raising=False)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """``../shared`` (evaluation corpora, seed article); skips where it is absent."""
    if not SHARED.is_dir():
        pytest.skip("../shared is not present (it ships only with the developers' checkout)")
    return SHARED

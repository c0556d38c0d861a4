"""Settings: defaults, then ``GEOMAP_*`` environment variables, then explicit overrides.

This is the only module that reads the environment. Everything else receives a
``Settings`` object (the CLI builds one from its flags, the web app gets one in
``create_app``).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import platformdirs

from .errors import ConfigError

__all__ = ["Settings", "load_settings", "data_dir"]

DEFAULT_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
DEFAULT_TILES_ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'


def data_dir() -> Path:
    """Where geomap keeps its gazetteer index and default database."""
    env = os.environ.get("GEOMAP_DATA_DIR")
    return Path(env) if env else Path(platformdirs.user_data_dir("geomap", appauthor=False))


@dataclass(frozen=True)
class Settings:
    """Every knob geomap has, with its default."""

    data_dir: Path = field(default_factory=data_dir)
    database_url: str = ""  # empty: SQLite file in data_dir
    spacy_model: str = ""  # empty: best installed English pipeline
    online_geocoder: str = ""  # e.g. "nominatim"; empty: offline only
    online_geocoder_options: dict[str, Any] = field(default_factory=dict)
    online_geocoder_min_delay: float = 1.0
    api_key: str = ""
    max_request_bytes: int = 5 * 1024 * 1024  # whole request body (waitress refuses larger ones before reading them)
    max_parse_chars: int = 100_000  # characters one geoparse request may carry (413 above)
    open_geoparsing: bool = False  # True: /api/extract and /parse/* need no key even when api_key is set
    parse_rate_limit: int = 60  # geoparse requests per client and minute, all worker processes together; 0: none
    parse_queue: int = 2  # geoparse requests that may wait for a worker's geoparser (503 beyond)
    parse_wait_seconds: float = 10.0  # how long one of them waits before it gets 503
    connection_limit: int = 1000  # open connections per worker process (waitress)
    channel_timeout: int = 30  # seconds a connection may stay idle or send nothing before it is closed
    tiles: str = DEFAULT_TILES
    tiles_attribution: str = DEFAULT_TILES_ATTRIBUTION
    seed_on_first_run: bool = True
    gazetteer_dir: Path | None = None  # None: data_dir / "gazetteer"
    dask_scheduler: str = ""  # e.g. "tcp://10.0.0.5:8786": ingest and extract parse on that Dask cluster
    ranker: str = "weighted"  # a built-in ranker or a "geomap.rankers" entry point
    ranker_weights: Path | None = None  # JSON weights for the "weighted" ranker (None: the hand weights)
    place_index: str = "compact"  # entry-point name in the "geomap.place_indexes" group (geomap.gazetteer.registry)
    cliff_extract: bool = False  # CLIFF's extract?url=: the server fetches URLs for clients (needs api_key)

    @property
    def gazetteer_path(self) -> Path:
        """The built place index (a cache: rebuilt from the packages when missing)."""
        return self.gazetteer_dir or self.data_dir / "gazetteer"

    @property
    def rate_limit_path(self) -> Path:
        """Where the geoparse rate limit counts requests (shared by every worker process)."""
        return self.data_dir / "rate-limit.sqlite"

    @property
    def database(self) -> str:
        """SQLAlchemy URL of the article store."""
        return self.database_url or f"sqlite:///{self.data_dir / 'geomap.sqlite'}"

    @property
    def geocoder_cache_path(self) -> Path:
        """Persistent cache of online geocoder answers."""
        return self.data_dir / "geocoder-cache.sqlite"


def _flag(value: str) -> bool:
    return value.lower() not in {"0", "false", "no", "off"}


_ENV: dict[str, tuple[str, Callable[[str], Any]]] = {
    "GEOMAP_DATA_DIR": ("data_dir", Path),
    "GEOMAP_GAZETTEER_DIR": ("gazetteer_dir", Path),
    "GEOMAP_PLACE_INDEX": ("place_index", str),
    "GEOMAP_DATABASE_URL": ("database_url", str),
    "GEOMAP_SPACY_MODEL": ("spacy_model", str),
    "GEOMAP_RANKER": ("ranker", str),
    "GEOMAP_RANKER_WEIGHTS": ("ranker_weights", Path),
    "GEOMAP_ONLINE_GEOCODER": ("online_geocoder", str),
    "GEOMAP_API_KEY": ("api_key", str),
    "GEOMAP_MAX_REQUEST_BYTES": ("max_request_bytes", int),
    "GEOMAP_MAX_PARSE_CHARS": ("max_parse_chars", int),
    "GEOMAP_OPEN_GEOPARSING": ("open_geoparsing", _flag),
    "GEOMAP_PARSE_RATE_LIMIT": ("parse_rate_limit", int),
    "GEOMAP_PARSE_QUEUE": ("parse_queue", int),
    "GEOMAP_PARSE_WAIT_SECONDS": ("parse_wait_seconds", float),
    "GEOMAP_CONNECTION_LIMIT": ("connection_limit", int),
    "GEOMAP_CHANNEL_TIMEOUT": ("channel_timeout", int),
    "GEOMAP_TILES": ("tiles", str),
    "GEOMAP_TILES_ATTRIBUTION": ("tiles_attribution", str),
    "GEOMAP_DASK_SCHEDULER": ("dask_scheduler", str),
    "GEOMAP_SEED_ON_FIRST_RUN": ("seed_on_first_run", _flag),
    "GEOMAP_CLIFF_EXTRACT": ("cliff_extract", lambda v: v.lower() in {"1", "true", "yes"}),
}


_PATHS = frozenset({"data_dir", "gazetteer_dir", "ranker_weights"})


def load_settings(**overrides: Any) -> Settings:
    """Build settings from the environment, then apply non-None ``overrides``."""
    values: dict[str, Any] = {}
    for var, (name, convert) in _ENV.items():
        raw = os.environ.get(var)
        if raw is None or raw == "":
            continue
        try:
            values[name] = convert(raw)
        except ValueError as exc:
            raise ConfigError(f"{var}={raw!r} is not valid: {exc}") from None
    known = {f.name for f in fields(Settings)}
    for name, value in overrides.items():
        if name not in known:
            raise ConfigError(f"unknown setting {name!r}")
        if value is not None:
            values[name] = Path(value) if name in _PATHS else value
    return replace(Settings(), **values)

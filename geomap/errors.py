"""One exception tree for everything geomap raises on purpose.

Each class carries the HTTP ``status`` the API answers with and subclasses the
matching builtin, so callers can catch either ``GeomapError`` or ``ValueError``.
The CLI turns these into a one-line message and a non-zero exit; the web app
turns them into the JSON error body ``{"ok": false, "error": ..., "status": ...}``.
"""

from __future__ import annotations

__all__ = [
    "GeomapError",
    "ConfigError",
    "InputError",
    "NotFoundError",
    "AuthError",
    "GazetteerError",
    "GeocoderError",
    "ModelError",
    "IngestError",
    "StoreError",
    "LimitError",
]


class GeomapError(Exception):
    """Base of every error geomap raises deliberately."""

    status: int = 500
    public: bool = False  # whether a 5xx answer may show the message (4xx answers always do)

    @property
    def headers(self) -> dict[str, str]:
        """Extra HTTP headers the answer carries."""
        return {}

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status

    def to_dict(self) -> dict:
        """The one JSON error shape the API uses."""
        return {"ok": False, "error": self.message, "status": self.status}


class ConfigError(GeomapError, ValueError):
    """A setting has a wrong value; the message names the setting."""

    status = 500


class InputError(GeomapError, ValueError):
    """The user's input cannot be used as given (bad parameter, bad file)."""

    status = 400


class NotFoundError(GeomapError, LookupError):
    """The thing asked for does not exist."""

    status = 404


class AuthError(GeomapError, PermissionError):
    """A write endpoint was called without the configured API key."""

    status = 401


class GazetteerError(GeomapError, RuntimeError):
    """The place index is missing, damaged or cannot be built."""

    status = 503


class GeocoderError(GeomapError, RuntimeError):
    """An online geocoder failed (timeout, quota, unreachable)."""

    status = 502


class ModelError(GeomapError, RuntimeError):
    """No usable spaCy pipeline is installed."""

    status = 503


class IngestError(GeomapError, ValueError):
    """One input (file, record, feed) could not be read as an article."""

    status = 422


class StoreError(GeomapError, RuntimeError):
    """The database could not be opened, upgraded or written."""

    status = 503


class LimitError(GeomapError, RuntimeError):
    """A service limit was reached (429: this client's rate; 503: the geoparser is busy); retry later."""

    status = 429
    public = True

    def __init__(self, message: str, *, retry_after: int, status: int | None = None) -> None:
        super().__init__(message, status=status)
        self.retry_after = max(1, int(retry_after))

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}

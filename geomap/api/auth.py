"""API-key authentication for the endpoints that write or cost work."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import request

from ..errors import AuthError
from .services import services

__all__ = ["check_api_key", "require_api_key"]

F = TypeVar("F", bound=Callable[..., Any])


def check_api_key() -> None:
    """Raise AuthError (401) unless the request carries the configured Bearer key (when one is set)."""
    key = services().settings.api_key
    if key:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), key.encode()):
            raise AuthError("This endpoint needs the API key: send 'Authorization: Bearer <GEOMAP_API_KEY>'.")


def require_api_key(view: F) -> F:
    """Refuse the request with 401 unless it carries the configured Bearer key (when one is set)."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        check_api_key()
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]

"""API-key authentication for the endpoints that write or cost work."""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import request

from ..errors import AuthError
from .services import services

__all__ = ["check_api_key", "given_key", "require_api_key"]

F = TypeVar("F", bound=Callable[..., Any])


def given_key() -> str:
    """The key the request carries: ``Authorization: Bearer KEY``, or Basic with KEY as the password.

    CLIFF clients send no headers of their own, but ``requests`` turns a base URL
    ``http://user:KEY@host`` into Basic authentication, so that is how they pass it.
    """
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer":
        return credentials.strip()
    if scheme.lower() == "basic":
        try:
            return base64.b64decode(credentials.strip(), validate=True).decode("utf-8").partition(":")[2]
        except (binascii.Error, UnicodeDecodeError):
            return ""
    return ""


def check_api_key() -> None:
    """Raise AuthError (401) unless the request carries the configured key (when one is set)."""
    key = services().settings.api_key
    if key and not hmac.compare_digest(given_key().encode(), key.encode()):
        raise AuthError(
            "This endpoint needs the API key: send 'Authorization: Bearer <GEOMAP_API_KEY>' "
            "(CLIFF clients: http://user:<key>@host as the base URL)."
        )


def require_api_key(view: F) -> F:
    """Refuse the request with 401 unless it carries the configured Bearer key (when one is set)."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        check_api_key()
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]

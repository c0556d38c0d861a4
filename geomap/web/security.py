"""Security headers, the CSP nonce for the map page's inline scripts, and API-key auth."""

from __future__ import annotations

import hmac
import re
import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, Response, g

from ..config import Settings
from ..errors import AuthError
from ..map.build import tile_origin

__all__ = ["install_security_headers", "require_api_key", "csp_nonce", "add_nonce"]

F = TypeVar("F", bound=Callable[..., Any])

_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?=[\s>])")


def csp_nonce() -> str:
    """A fresh nonce per request, for the inline scripts Folium writes."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def add_nonce(html: str, nonce: str) -> str:
    """Mark every inline ``<script>`` of a page we generated with ``nonce``."""
    return _INLINE_SCRIPT.sub(f'<script nonce="{nonce}"', html)


def install_security_headers(app: Flask, settings: Settings) -> None:
    """Send CSP, nosniff, referrer and framing headers on every response."""
    tiles = tile_origin(settings.tiles)

    @app.after_request
    def _headers(resp: Response) -> Response:
        script = "'self'"
        if "csp_nonce" in g:
            script += f" 'nonce-{g.csp_nonce}'"
        resp.headers["Content-Security-Policy"] = (
            f"default-src 'self'; script-src {script}; style-src 'self' 'unsafe-inline'; "
            f"img-src 'self' data: {tiles}; font-src 'self'; connect-src 'self'; "
            "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
        )
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["Referrer-Policy"] = "no-referrer"
        resp.headers["X-Frame-Options"] = "DENY"
        return resp


def require_api_key(view: F) -> F:
    """Refuse the request with 401 unless it carries the configured Bearer key."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from flask import request

        from .state import services

        key = services().settings.api_key
        if key:
            header = request.headers.get("Authorization", "")
            scheme, _, given = header.partition(" ")
            if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), key.encode()):
                raise AuthError("This endpoint needs the API key: send 'Authorization: Bearer <GEOMAP_API_KEY>'.")
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]

"""Security headers and the CSP nonce for the map page's inline scripts (API-key auth: ``api.auth``)."""

from __future__ import annotations

import re
import secrets

from flask import Flask, Response, g

from ..config import Settings
from ..map.build import tile_origin

__all__ = ["install_security_headers", "csp_nonce", "add_nonce"]

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

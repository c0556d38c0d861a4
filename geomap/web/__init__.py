"""The Flask app: map page, export, JSON API, CLIFF endpoint, OpenAPI docs, local assets.

``create_app(settings)`` is the only way in; the app reads nothing from the
environment itself (``Settings`` does, in ``geomap.config``).
"""

from __future__ import annotations

from flask import Flask

from ..config import Settings, load_settings
from .cache import CacheLayer
from .compress import install_compression
from .errors import register_error_handlers
from .security import install_security_headers
from .state import EXTENSION, Services

__all__ = ["create_app"]


def create_app(settings: Settings | None = None) -> Flask:
    """Build the app for ``settings`` (default: ``load_settings()``)."""
    from ..api.cliff import cliff
    from ..api.openapi import openapi
    from ..api.routes import api
    from .pages import assets, pages

    settings = settings or load_settings()
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_request_bytes
    app.json.sort_keys = False  # type: ignore[attr-defined]
    services = app.extensions[EXTENSION] = Services(settings)
    for blueprint in (pages, assets, api, cliff, openapi):
        app.register_blueprint(blueprint)
    register_error_handlers(app)
    install_security_headers(app, settings)
    install_compression(app)
    app.wsgi_app = CacheLayer(app.wsgi_app, services.opened_cache)  # type: ignore[method-assign]
    return app

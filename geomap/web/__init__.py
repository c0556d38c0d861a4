"""The Flask app: map page, export, JSON API, CLIFF endpoint, OpenAPI docs, local assets.

``create_app(settings)`` is the only way in; the app reads nothing from the
environment itself (``Settings`` does, in ``geomap.config``).
"""

from __future__ import annotations

from flask import Flask

from ..api import api, cliff, openapi
from ..api.services import EXTENSION, Services
from ..config import Settings, load_settings
from .cache import CacheLayer, ResponseCache
from .compress import install_compression
from .errors import register_error_handlers
from .pages import assets, pages, tiles
from .security import install_security_headers

__all__ = ["create_app", "RESPONSE_CACHE"]

RESPONSE_CACHE = "geomap.response_cache"  # key of the app's ResponseCache in app.extensions


def create_app(settings: Settings | None = None) -> Flask:
    """Build the app for ``settings`` (default: ``load_settings()``)."""
    settings = settings or load_settings()
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_request_bytes
    app.json.sort_keys = False  # type: ignore[attr-defined]
    services = app.extensions[EXTENSION] = Services(settings)
    for blueprint in (pages, assets, tiles, api, cliff, openapi):
        app.register_blueprint(blueprint)
    register_error_handlers(app)
    install_security_headers(app, settings)
    install_compression(app)
    cache = app.extensions[RESPONSE_CACHE] = ResponseCache()
    app.wsgi_app = CacheLayer(app.wsgi_app, services.opened_data_version, cache)  # type: ignore[method-assign]
    return app

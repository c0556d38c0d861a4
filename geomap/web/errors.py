"""One error shape: JSON ``{"ok": false, "error", "status"}`` for the API, HTML for pages.

The CLIFF endpoints answer in CLIFF's own error shape (``{"status": "error", "details", "version"}``),
which CLIFF clients read.

Every failure goes through here, including Flask's own (404, 405, 413) and
unexpected exceptions, which are logged and answered with a 500 that carries
no traceback.
"""

from __future__ import annotations

from flask import Flask, Request, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from ..api.cliff import error_body as cliff_error_body
from ..api.cliff import is_cliff_path
from ..errors import GeomapError

__all__ = ["register_error_handlers", "error_response", "wants_json"]

_JSON_PREFIXES = ("/api/", "/parse/", "/openapi.json")

_MESSAGES = {
    400: "The request is malformed.",
    401: "This endpoint needs an API key: send 'Authorization: Bearer <key>'.",
    404: "Nothing here. See /docs for the API.",
    405: "This method is not allowed here. See /docs for the methods each endpoint takes.",
    413: "The request body is too large.",
    415: "Unsupported content type.",
}


def wants_json(req: Request) -> bool:
    """API paths answer errors in JSON; pages answer in HTML."""
    return req.path.startswith(_JSON_PREFIXES) or req.path == "/api" or is_cliff_path(req.path)


def error_response(message: str, status: int, headers: dict[str, str] | None = None) -> Response:
    """Build the error response in the shape the request expects."""
    if is_cliff_path(request.path):
        resp = jsonify(cliff_error_body(message))
    elif wants_json(request):
        resp = jsonify({"ok": False, "error": message, "status": status})
    else:
        resp = Response(render_template("error.html", status=status, message=message), mimetype="text/html")
    resp.status_code = status
    for name, value in (headers or {}).items():
        resp.headers[name] = value
    return resp


def _http_message(exc: HTTPException) -> str:
    status = exc.code or 500
    if status == 413:
        from flask import current_app

        limit = current_app.config.get("MAX_CONTENT_LENGTH")
        return f"The request body is larger than the limit of {limit} bytes (GEOMAP_MAX_REQUEST_BYTES)."
    if status == 405 and exc.valid_methods:  # type: ignore[attr-defined]
        allowed = ", ".join(sorted(exc.valid_methods))  # type: ignore[attr-defined]
        return f"Method {request.method} is not allowed on {request.path}; use {allowed}."
    if status == 404:
        return f"No such endpoint: {request.path}. See /docs for the API." if wants_json(request) else _MESSAGES[404]
    return _MESSAGES.get(status, exc.description or exc.name)


def register_error_handlers(app: Flask) -> None:
    """Install the handlers on ``app``."""

    @app.errorhandler(GeomapError)
    def _geomap_error(exc: GeomapError) -> Response:
        if exc.status >= 500:
            app.logger.error("%s: %s", type(exc).__name__, exc.message)
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return error_response(exc.message, exc.status, headers)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response:
        headers = {}
        if exc.code == 405 and getattr(exc, "valid_methods", None):
            headers["Allow"] = ", ".join(sorted(exc.valid_methods))  # type: ignore[attr-defined]
        return error_response(_http_message(exc), exc.code or 500, headers)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        app.logger.exception("unexpected error on %s %s", request.method, request.path)
        return error_response("Internal error; the server log has the details.", 500)

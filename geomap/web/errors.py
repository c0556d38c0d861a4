"""One error shape: JSON ``{"ok": false, "error", "status"}`` for the API, HTML for pages.

The CLIFF endpoints answer in CLIFF's own error shape (``{"status": "error", "details", "version"}``),
which CLIFF clients read.

Every failure goes through here, including Flask's own (404, 405, 413) and
unexpected exceptions. A server-side failure (5xx) is logged with its details
and answered with a fixed message per status: database URLs, file paths and
tracebacks stay in the log. Requests whose path or parameters carry a NUL
character are refused before any view sees them.
"""

from __future__ import annotations

from flask import Flask, Request, Response, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from ..api.cliff import error_body as cliff_error_body
from ..api.cliff import is_cliff_path
from ..errors import GeomapError
from .refusals import body_limit_message

__all__ = ["register_error_handlers", "error_response", "server_message", "wants_json"]

_JSON_PREFIXES = ("/api/", "/parse/", "/openapi.json", "/assets/", "/tiles/")
_NUL = "\x00"

# What a client is told about a failure on the server's side (the log has the details).
_SERVER_MESSAGES = {
    500: "Internal error; the server log has the details.",
    502: "An upstream service (the online geocoder) failed; try again later.",
    503: "The service is unavailable right now (the store or the geoparser could not be used); try again later.",
}

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


def server_message(status: int) -> str:
    """The fixed, detail-free message a 5xx answer carries."""
    return _SERVER_MESSAGES.get(status, _SERVER_MESSAGES[500])


def _http_message(exc: HTTPException) -> str:
    status = exc.code or 500
    if status == 413:
        return body_limit_message(current_app.config.get("MAX_CONTENT_LENGTH"))
    if status == 405 and exc.valid_methods:  # type: ignore[attr-defined]
        allowed = ", ".join(sorted(exc.valid_methods))  # type: ignore[attr-defined]
        return f"Method {request.method} is not allowed on {request.path}; use {allowed}."
    if status == 404:
        return f"No such endpoint: {request.path}. See /docs for the API." if wants_json(request) else _MESSAGES[404]
    return _MESSAGES.get(status, exc.description or exc.name)


def register_error_handlers(app: Flask) -> None:
    """Install the handlers on ``app``."""

    @app.before_request
    def _refuse_nul() -> Response | None:
        if _NUL in request.path or any(_NUL in k or _NUL in v for k, v in request.args.items(multi=True)):
            return error_response("the URL contains a NUL character (%00); remove it", 400)
        return None

    @app.errorhandler(GeomapError)
    def _geomap_error(exc: GeomapError) -> Response:
        headers = {**exc.headers, **({"WWW-Authenticate": "Bearer"} if exc.status == 401 else {})}
        if exc.status >= 500 and not exc.public:
            app.logger.error("%s on %s %s: %s", type(exc).__name__, request.method, request.path, exc.message)
            return error_response(server_message(exc.status), exc.status, headers)
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
        return error_response(server_message(500), 500)

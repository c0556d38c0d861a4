"""waitress's own refusals in geomap's JSON error shape.

waitress refuses some requests before the app sees them: a declared body above
``GEOMAP_MAX_REQUEST_BYTES`` (413, decided from the headers, so no byte of the
body is read), malformed or oversized headers (400, 431) and a transfer
encoding it does not implement (501). Out of the box it answers those in plain
text; clients read ``{"ok": false, "error", "status"}`` from every other
refusal (``web.errors``), so these get the same shape. ``JsonRefusalChannel``
is the connection class ``workers.run_waitress`` gives waitress's server.
"""

from __future__ import annotations

import json

from waitress.channel import HTTPChannel
from waitress.task import ErrorTask

__all__ = ["JsonRefusalChannel", "body_limit_message"]

_TOO_LARGE = 413


def body_limit_message(limit: int | None) -> str:
    """What a client whose body is over the limit is told (by waitress here, by Flask in ``web.errors``)."""
    return f"The request body is larger than the limit of {limit} bytes (GEOMAP_MAX_REQUEST_BYTES)."


class _JsonRefusal(ErrorTask):
    """waitress's error task, answering in JSON; the connection closes after it, as waitress's own does."""

    def execute(self) -> None:
        err = self.request.error
        if err.code == _TOO_LARGE:
            message = body_limit_message(self.channel.adj.max_request_body_size)
        else:
            message = f"{err.reason}: {err.body}"
        body = json.dumps({"ok": False, "error": message, "status": err.code}).encode("utf-8")
        self.status = f"{err.code} {err.reason}"
        self.response_headers.append(("Content-Type", "application/json"))
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


class JsonRefusalChannel(HTTPChannel):
    """A waitress connection whose refusals are JSON."""

    error_task_class = _JsonRefusal

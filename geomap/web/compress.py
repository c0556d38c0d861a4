"""gzip for text responses the browser accepts it for: the map's GeoJSON shrinks about tenfold.

Bodies are compressed once where they are reused: cached API answers are
kept as sent (``ResponseCache``); asset files are compressed once per file.
Other text answers are compressed per response.
"""

from __future__ import annotations

import gzip
from functools import lru_cache
from pathlib import Path

from flask import Flask, Response, request

__all__ = ["install_compression", "accepts_gzip", "gzip_bytes", "gzip_file"]

_TYPES = {
    "application/json",
    "application/geo+json",
    "text/html",
    "text/css",
    "text/csv",
    "text/javascript",
    "application/javascript",
}
_MIN_BYTES = 1400


def accepts_gzip() -> bool:
    """Whether the request allows a gzip-encoded answer."""
    return "gzip" in request.headers.get("Accept-Encoding", "").lower()


def gzip_bytes(data: bytes) -> bytes:
    """gzip at a level that is fast enough per request (6)."""
    return gzip.compress(data, compresslevel=6, mtime=0)


@lru_cache(maxsize=128)
def gzip_file(path: Path, mtime: float) -> bytes:
    """A static file's gzip form, computed once per version of the file."""
    return gzip_bytes(path.read_bytes())


def install_compression(app: Flask) -> None:
    """Compress eligible responses that are not compressed yet."""

    @app.after_request
    def _compress(resp: Response) -> Response:
        resp.vary.add("Accept-Encoding")
        if (
            resp.status_code != 200
            or "Content-Encoding" in resp.headers
            or resp.mimetype not in _TYPES
            or not accepts_gzip()
        ):
            return resp
        asset = getattr(resp, "geomap_file", None)
        if asset is not None:  # a static file: its size and cached gzip form, without reading it again
            stat = asset.stat()
            if stat.st_size < _MIN_BYTES:
                return resp
            resp.direct_passthrough = False
            resp.set_data(gzip_file(asset, stat.st_mtime))
        elif resp.is_streamed:  # a download written as it is read: compressing it would gather it whole
            return resp
        else:
            resp.direct_passthrough = False
            data = resp.get_data()
            if len(data) < _MIN_BYTES:
                return resp
            resp.set_data(gzip_bytes(data))
        resp.headers["Content-Encoding"] = "gzip"
        return resp

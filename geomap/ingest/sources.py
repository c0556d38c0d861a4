"""Where inputs come from: files, folders (recursively), standard input, http(s) URLs.

Every problem with an input (missing file, unreadable folder, offline
machine) becomes an error ``Entry`` so the caller can report it and go on.
"""

from __future__ import annotations

import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from .._version import __version__ as _version
from ..errors import IngestError
from ..textio import refuse_binary
from .formats import Entry, detect_format, read_bytes, read_jsonl_lines

__all__ = ["read_path", "count_entries", "fetch_url", "MAX_INPUT_BYTES"]

MAX_INPUT_BYTES = 50 * 1024 * 1024
_TIMEOUT = 15.0


def fetch_url(url: str, *, timeout: float = _TIMEOUT) -> tuple[bytes, str, str]:
    """(body, Content-Type, final URL) of an http(s) URL; raises ``OSError`` with a clear reason."""
    request = urllib.request.Request(url, headers={"User-Agent": f"geomap/{_version}"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read(MAX_INPUT_BYTES + 1)
            if len(body) > MAX_INPUT_BYTES:
                raise OSError(f"larger than {MAX_INPUT_BYTES // 2**20} MB")
            return body, response.headers.get("Content-Type", ""), response.geturl()
    except urllib.error.HTTPError as exc:
        raise OSError(f"the server answered HTTP {exc.code} {exc.reason}") from None
    except (TimeoutError, urllib.error.URLError, ConnectionError) as exc:
        reason = getattr(exc, "reason", exc)
        raise OSError(
            f"cannot reach it ({reason}); this machine looks offline or the host is unreachable. "
            "Download the page and ingest the file instead"
        ) from None


def _read_url(url: str, source: str | None) -> Iterator[Entry]:
    try:
        body, content_type, final = fetch_url(url)
    except OSError as exc:
        yield Entry(url, error=str(exc))
        return
    fmt = detect_format(body, name=final.split("?")[0], content_type=content_type)
    yield from read_bytes(body, url, fmt=fmt, source=source, url=final)


def _read_file(path: Path, source: str | None) -> Iterator[Entry]:
    origin = str(path)
    try:
        if detect_format(b"", name=path.name) == "jsonl":  # streamed: exports can be large
            with path.open("rb") as fh:
                refuse_binary(fh.read(8192))
                fh.seek(0)
                yield from read_jsonl_lines(fh, origin, source)
            return
        if path.stat().st_size > MAX_INPUT_BYTES:
            yield Entry(
                origin,
                error=f"larger than {MAX_INPUT_BYTES // 2**20} MB; split it (or use JSON Lines, read as a stream)",
            )
            return
        data = path.read_bytes()
    except IngestError as exc:
        yield Entry(origin, error=exc.message)
        return
    except OSError as exc:
        yield Entry(origin, error=f"cannot read: {exc.strerror or exc}")
        return
    yield from read_bytes(data, origin, fmt=detect_format(data, name=path.name), source=source)


def _walk(folder: Path) -> Iterator[Path]:
    """Files under ``folder`` in a stable order, hidden files and folders skipped."""
    for child in sorted(folder.iterdir()):
        if child.name.startswith("."):
            continue
        if child.is_dir():
            yield from _walk(child)
        elif child.is_file():
            yield child


def read_path(path: str | Path, *, source: str | None = None) -> Iterator[Entry]:
    """Every article (or error) in a file, a folder, ``-`` (standard input) or an http(s) URL."""
    name = str(path)
    if name == "-":
        data = sys.stdin.buffer.read()
        yield from read_bytes(data, "<stdin>", fmt=detect_format(data), source=source)
        return
    if name.lower().startswith(("http://", "https://")):
        yield from _read_url(name, source)
        return
    p = Path(name).expanduser()
    if p.is_dir():
        try:
            files = list(_walk(p))
        except OSError as exc:
            yield Entry(name, error=f"cannot list folder: {exc.strerror or exc}")
            return
        for file in files:
            yield from _read_file(file, source)
    elif p.exists():
        yield from _read_file(p, source)
    else:
        yield Entry(name, error="no such file or folder")


# The readers whose record count is only known by reading the file (a feed, a JSON array).
_COUNTED_BY_READING = ("feed", "json")


def _count_file(path: Path) -> int:
    """How many entries ``_read_file`` will yield for ``path`` (an unreadable file yields one error)."""
    fmt = detect_format(b"", name=path.name)
    try:
        if fmt == "jsonl":
            with path.open("rb") as fh:
                return sum(1 for line in fh if line.strip())
        if fmt not in _COUNTED_BY_READING and path.suffix:  # one article per text, Markdown or HTML file
            return 1
        if path.stat().st_size > MAX_INPUT_BYTES:
            return 1
        data = path.read_bytes()
    except OSError:
        return 1
    fmt = detect_format(data, name=path.name)
    if fmt not in _COUNTED_BY_READING:
        return 1
    return sum(1 for _ in read_bytes(data, str(path), fmt=fmt))


def count_entries(path: str | Path) -> int | None:
    """How many entries ``read_path(path)`` will yield; None when only reading it can tell (stdin, a URL).

    A quick pass before a run, so the progress line can show a total and an
    ETA: files count one each, JSON Lines one per line, feeds and JSON arrays
    one per record (read once more; parsing them costs far less than geoparsing).
    """
    name = str(path)
    if name == "-" or name.lower().startswith(("http://", "https://")):
        return None
    p = Path(name).expanduser()
    if p.is_dir():
        try:
            return sum(_count_file(f) for f in _walk(p))
        except OSError:
            return 1
    return _count_file(p) if p.exists() else 1

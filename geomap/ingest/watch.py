"""Keeping the store fed: poll feeds and pages, store only what is new, back off from sources that fail.

Each poll of a URL is a conditional request (``If-None-Match`` with the last
``ETag``, ``If-Modified-Since`` with the last ``Last-Modified``), so an
unchanged feed costs the server a 304 and geomap nothing. New entries go
through the same batched ingestion as ``geomap ingest``, which skips texts
already stored, so a restart or an overlapping feed never stores one twice.
A source that fails (unreachable, a timeout, an HTTP error, garbage) is polled
again after a growing pause (``every`` doubled per failure in a row, at most
``MAX_BACKOFF_SECONDS``); every poll logs one line saying what happened.
``watch`` returns when ``stop`` is set (the CLI sets it on SIGTERM and Ctrl-C).
"""

from __future__ import annotations

import logging
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .._version import __version__ as _version
from ..config import Settings, load_settings
from ..errors import InputError
from ..store import Store
from .formats import Entry, detect_format, read_bytes
from .parsing import Parser, parser_for
from .progress import Progress
from .runner import IngestReport, run_entries
from .sources import MAX_INPUT_BYTES, read_path

__all__ = ["WatchedSource", "watch", "poll", "read_source_list", "parse_interval", "MAX_BACKOFF_SECONDS"]

MAX_BACKOFF_SECONDS = 6 * 3600
DEFAULT_TIMEOUT = 15.0
_NOT_MODIFIED = 304
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_log = logging.getLogger(__name__)


@dataclass
class WatchedSource:
    """A feed, page or file being watched, with what its server said last and when to poll it next."""

    location: str
    etag: str | None = None
    last_modified: str | None = None
    failures: int = 0
    due: float = 0.0  # time.monotonic() of the next poll

    @property
    def is_url(self) -> bool:
        return self.location.lower().startswith(("http://", "https://"))


def parse_interval(text: str) -> float:
    """Seconds in "90", "30s", "15m", "2h" or "1d"."""
    raw = text.strip().lower()
    unit = _UNITS.get(raw[-1:])
    number = raw[:-1] if unit else raw
    try:
        seconds = float(number) * (unit or 1)
    except ValueError:
        raise InputError(f"interval must be a number with s, m, h or d, e.g. 15m; got {text!r}") from None
    if seconds <= 0:
        raise InputError(f"interval must be above zero; got {text!r}")
    return seconds


def read_source_list(locations: Iterable[str]) -> list[WatchedSource]:
    """The sources named: URLs and paths as given; a ``.txt`` file lists more, one a line (``#`` comments)."""
    out: list[WatchedSource] = []
    for location in locations:
        path = Path(location).expanduser()
        if not location.lower().startswith(("http://", "https://")) and path.suffix == ".txt" and path.is_file():
            for line in path.read_text(encoding="utf-8").splitlines():
                line = line.split("#", 1)[0].strip()
                if line:
                    out.append(WatchedSource(line))
        else:
            out.append(WatchedSource(location))
    if not out:
        raise InputError("no sources to watch: give URLs, files, or a .txt file listing them")
    return out


def _fetch(source: WatchedSource, timeout: float) -> tuple[int, bytes, str, str]:
    """(status, body, Content-Type, final URL); remembers the validators of a 200 answer."""
    headers = {"User-Agent": f"geomap/{_version}"}
    if source.etag:
        headers["If-None-Match"] = source.etag
    if source.last_modified:
        headers["If-Modified-Since"] = source.last_modified
    request = urllib.request.Request(source.location, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read(MAX_INPUT_BYTES + 1)
            if len(body) > MAX_INPUT_BYTES:
                raise OSError(f"larger than {MAX_INPUT_BYTES // 2**20} MB")
            source.etag = response.headers.get("ETag") or source.etag
            source.last_modified = response.headers.get("Last-Modified") or source.last_modified
            return response.status, body, response.headers.get("Content-Type", ""), response.geturl()
    except urllib.error.HTTPError as exc:
        if exc.code == _NOT_MODIFIED:
            return _NOT_MODIFIED, b"", "", source.location
        raise OSError(f"HTTP {exc.code} {exc.reason}") from None
    except (TimeoutError, urllib.error.URLError, ConnectionError) as exc:
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, TimeoutError) or isinstance(exc, TimeoutError):
            reason = f"no answer within {timeout:g} s"
        raise OSError(f"unreachable ({reason})") from None


def _entries(source: WatchedSource, timeout: float) -> tuple[list[Entry], bool]:
    """The source's entries now, and whether it changed (False: a 304, nothing to read)."""
    if not source.is_url:
        return list(read_path(source.location)), True
    status, body, content_type, final = _fetch(source, timeout)
    if status == _NOT_MODIFIED:
        return [], False
    fmt = detect_format(body, name=final.split("?")[0], content_type=content_type)
    return list(read_bytes(body, source.location, fmt=fmt, url=final)), True


def poll(
    source: WatchedSource, store: Store, parser: Parser, settings: Settings, *, timeout: float = DEFAULT_TIMEOUT
) -> IngestReport:
    """Poll one source once and store what is new; raises ``OSError`` when the source cannot be read at all."""
    entries, changed = _entries(source, timeout)
    if not changed:
        return IngestReport()
    articles = [e for e in entries if e.article is not None]
    if entries and not articles:  # nothing readable: garbage, an error page, an empty feed
        raise OSError(entries[0].error or "no articles in it")
    return run_entries(articles, store, parser=parser, settings=settings, progress=Progress(enabled=False))


def _backoff(source: WatchedSource, every: float) -> float:
    return min(every * 2**source.failures, MAX_BACKOFF_SECONDS)


def _poll_and_log(
    source: WatchedSource, store: Store, parser: Parser, settings: Settings, every: float, timeout: float
) -> IngestReport | None:
    started = time.monotonic()
    try:
        report = poll(source, store, parser, settings, timeout=timeout)
    except OSError as exc:
        source.failures += 1
        pause = _backoff(source, every)
        source.due = time.monotonic() + pause
        _log.warning(
            "poll %s: failed (%s); failure %d in a row, next poll in %s",
            source.location,
            exc,
            source.failures,
            _human(pause),
        )
        return None
    source.failures = 0
    source.due = started + every
    if report.ingested or report.duplicates or report.failed:
        what = f"{report.ingested} new, {report.duplicates} already stored, {len(report.failed)} failed"
    else:
        what = "not modified" if source.is_url and (source.etag or source.last_modified) else "nothing new"
    _log.info("poll %s: %s (%.1f s); next poll in %s", source.location, what, report.seconds, _human(every))
    return report


def _human(seconds: float) -> str:
    for unit, size in (("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds / size:g}{unit}"
    return f"{seconds:g}s"


def _rounds(sources: list[WatchedSource], stop: threading.Event, once: bool) -> Iterator[WatchedSource]:
    """The sources in the order they fall due, waiting (interruptibly) for each; one round with ``once``."""
    if once:
        yield from sources
        return
    while not stop.is_set():
        source = min(sources, key=lambda s: s.due)
        if stop.wait(max(0.0, source.due - time.monotonic())):
            return
        yield source


def watch(
    sources: list[WatchedSource],
    store: Store,
    *,
    every: float,
    stop: threading.Event,
    once: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
    settings: Settings | None = None,
    parser: Parser | None = None,
) -> IngestReport:
    """Poll ``sources`` every ``every`` seconds until ``stop`` is set (one round with ``once``); the totals."""
    settings = settings or load_settings()
    parser = parser or parser_for(settings)
    total = IngestReport()
    for source in _rounds(sources, stop, once):
        report = _poll_and_log(source, store, parser, settings, every, timeout)
        if report is not None:
            total.ingested += report.ingested
            total.duplicates += report.duplicates
            total.failed += report.failed
            total.seconds += report.seconds
        if stop.is_set():
            break
    return total

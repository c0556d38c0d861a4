"""Turning the bytes of one input into articles: text, Markdown, HTML, JSON(L), RSS/Atom.

Each reader yields ``Entry`` values: an article, or the reason one record could
not be read. A broken record never hides the good ones next to it (one bad
JSON line, one empty feed entry).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import feedparser
import lxml.html
import trafilatura
from lxml.etree import ParserError

from ..errors import IngestError
from ..models import Article
from ..textio import decode_text, refuse_binary

__all__ = ["Entry", "detect_format", "read_jsonl_lines", "read_bytes", "parse_time"]

_EXTENSIONS = {
    ".txt": "text",
    ".text": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".xml": "feed",
    ".rss": "feed",
    ".atom": "feed",
    ".rdf": "feed",
}
_CONTENT_TYPES = {
    "text/html": "html",
    "application/xhtml+xml": "html",
    "application/json": "json",
    "application/x-ndjson": "jsonl",
    "application/rss+xml": "feed",
    "application/atom+xml": "feed",
    "application/rdf+xml": "feed",
    "application/xml": "feed",
    "text/xml": "feed",
    "text/markdown": "markdown",
    "text/plain": "text",
}
_TITLE_MAX = 160
# Publication date and time as the page states it (htmldate gives the day alone by default).
_HTML_DATES = {"original_date": True, "outputformat": "%Y-%m-%dT%H:%M:%S%z"}


@dataclass(slots=True)
class Entry:
    """One article read from an input, or why a record of it could not be read."""

    origin: str  # file, file:line, file#entry or URL
    article: Article | None = None
    error: str | None = None


def detect_format(data: bytes, *, name: str = "", content_type: str = "") -> str:
    """The reader for ``data``: from the file extension, else the Content-Type, else the first bytes."""
    suffix = name[name.rfind(".") :].lower() if "." in name.rsplit("/", 1)[-1] else ""
    if suffix in _EXTENSIONS:
        return _EXTENSIONS[suffix]
    mime = content_type.split(";")[0].strip().lower()
    if mime in _CONTENT_TYPES:
        return _CONTENT_TYPES[mime]
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"{", b"[")):
        return "json"
    if head.startswith((b"<rss", b"<feed", b"<rdf")) or (
        head.startswith(b"<?xml") and re.search(rb"<(rss|feed|rdf)", head)
    ):
        return "feed"
    if head.startswith(b"<") and re.search(rb"<(!doctype html|html|head|body)\b", head):
        return "html"
    return "text"


def parse_time(value: Any) -> datetime | None:
    """A publication time from ISO 8601, RFC 2822, epoch seconds or a feed's struct_time."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value
    if isinstance(value, time.struct_time):
        return datetime(*value[:6], tzinfo=UTC)
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            raise IngestError(f"published value {value!r} is not a time in seconds since 1970") from None
    if isinstance(value, str):
        text = value.strip()
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            pass
        try:
            return parsedate_to_datetime(text)
        except (TypeError, ValueError):
            pass
    raise IngestError(f"published value {value!r} is not a date (use ISO 8601, e.g. 2023-03-17T10:00:00Z)")


def _title_from(text: str) -> str:
    """The first non-empty line (Markdown heading marks dropped), shortened at a word."""
    for line in text.splitlines():
        line = line.strip().lstrip("#").strip()
        if line:
            if len(line) <= _TITLE_MAX:
                return line
            return line[:_TITLE_MAX].rsplit(" ", 1)[0] + "…"
    return ""


def _article(
    text: str, *, title: str = "", url: str | None = None, source: str | None = None, published: Any = None
) -> Article:
    text = text.strip()
    if not text:
        raise IngestError("no text to geoparse")
    return Article(
        text=text,
        title=(title or "").strip() or _title_from(text),
        url=url or None,
        source=source or None,
        published=parse_time(published),
    )


def _read_text(data: bytes, origin: str, source: str | None) -> Iterator[Entry]:
    yield Entry(origin, _article(decode_text(data), source=source))


def _read_html(data: bytes, origin: str, source: str | None, url: str | None = None) -> Iterator[Entry]:
    try:
        doc = trafilatura.bare_extraction(
            data, url=url, with_metadata=True, include_comments=False, date_extraction_params=_HTML_DATES
        )
    except (ValueError, TypeError, ParserError) as exc:
        raise IngestError(f"HTML could not be parsed: {exc}") from None
    if doc is None or isinstance(doc, dict) or not (doc.text or "").strip():  # a dict only with as_dict=True
        raise IngestError("no article text found in this HTML (broken markup, or a page without a main text)")
    yield Entry(
        origin,
        _article(
            doc.text or "",
            title=doc.title or "",
            url=doc.url or url,
            source=source or doc.sitename or doc.hostname,
            published=doc.date,
        ),
    )


def _record(obj: Any, origin: str, source: str | None) -> Entry:
    try:
        if not isinstance(obj, dict):
            raise IngestError(f"a record must be a JSON object, not {type(obj).__name__}")
        text = obj.get("text")
        if not isinstance(text, str) or not text.strip():
            raise IngestError('record has no "text" string')
        for name in ("title", "url", "source"):
            if obj.get(name) is not None and not isinstance(obj[name], str):
                raise IngestError(f'record field "{name}" must be a string, not {type(obj[name]).__name__}')
        return Entry(
            origin,
            _article(
                text,
                title=obj.get("title") or "",
                url=obj.get("url"),
                source=source or obj.get("source"),
                published=obj.get("published"),
            ),
        )
    except IngestError as exc:
        return Entry(origin, error=exc.message)


def read_jsonl_lines(lines: Iterable[bytes], origin: str, source: str | None = None) -> Iterator[Entry]:
    """One record per line, read as a stream; a bad line (JSON or encoding) is reported alone."""
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        where = f"{origin}:{number}"
        try:
            obj = json.loads(decode_text(raw))
        except IngestError as exc:  # this line is not UTF-8
            yield Entry(where, error=exc.message)
            continue
        except json.JSONDecodeError as exc:
            yield Entry(where, error=f"invalid JSON: {exc.msg} (column {exc.colno})")
            continue
        yield _record(obj, where, source)


def _read_jsonl(data: bytes, origin: str, source: str | None) -> Iterator[Entry]:
    yield from read_jsonl_lines(data.splitlines(), origin, source)


def _read_json(data: bytes, origin: str, source: str | None) -> Iterator[Entry]:
    text = decode_text(data)
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        if exc.lineno > 1 and text.lstrip().startswith("{"):  # one object per line, named .json
            yield from _read_jsonl(data, origin, source)
            return
        raise IngestError(f"invalid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})") from None
    if isinstance(obj, list):
        for number, item in enumerate(obj, start=1):
            yield _record(item, f"{origin}#{number}", source)
    else:
        yield _record(obj, origin, source)


def _strip_html(fragment: str) -> str:
    """Plain text of an HTML fragment, one line per block element."""
    if "<" not in fragment:
        return fragment
    marked = re.sub(r"(?i)<br\s*/?>|</(p|div|li|h[1-6]|blockquote|tr)>", "\n", fragment)
    try:
        return lxml.html.fragment_fromstring(marked, create_parent="div").text_content()
    except ParserError:
        return ""


def _read_feed(data: bytes, origin: str, source: str | None) -> Iterator[Entry]:
    feed = feedparser.parse(data)
    if not feed.entries:
        reason = feed.get("bozo_exception") if feed.bozo else "it has no entries"
        raise IngestError(f"not a readable RSS/Atom feed: {reason}")
    feed_title = feed.feed.get("title") or None
    for number, entry in enumerate(feed.entries, start=1):
        where = f"{origin}#{number}"
        body = next((c.value for c in entry.get("content", []) if c.get("value")), None) or entry.get("summary", "")
        try:
            yield Entry(
                where,
                _article(
                    _strip_html(body),
                    title=entry.get("title", ""),
                    url=entry.get("link"),
                    source=source or feed_title,
                    published=entry.get("published_parsed") or entry.get("updated_parsed"),
                ),
            )
        except IngestError as exc:
            yield Entry(where, error=exc.message)


_READERS = {
    "text": _read_text,
    "markdown": _read_text,
    "json": _read_json,
    "jsonl": _read_jsonl,
    "feed": _read_feed,
}


def read_bytes(
    data: bytes, origin: str, *, fmt: str, source: str | None = None, url: str | None = None
) -> Iterator[Entry]:
    """Every article in ``data`` read as ``fmt``; a whole-input failure is one error entry."""
    try:
        refuse_binary(data)
        reader = _read_html(data, origin, source, url) if fmt == "html" else _READERS[fmt](data, origin, source)
        yield from reader
    except IngestError as exc:
        yield Entry(origin, error=exc.message)
    except Exception as exc:  # a parser library choking on odd input must not stop the other inputs
        yield Entry(origin, error=f"could not be read as {fmt}: {type(exc).__name__}: {exc}")

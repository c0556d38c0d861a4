"""Geoparsing a batch of articles for ingestion, wherever it runs: here, in a worker process, on a Dask worker.

A failure of one article becomes its reason (a string in place of its parse),
so the run reports it and goes on; a broken model or gazetteer stops the run.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from ..config import Settings
from ..errors import GazetteerError, ModelError
from ..models import Article, ParsedDocument

__all__ = ["Parser", "Item", "parser_for", "parse_one", "parse_batch", "parse_items", "FATAL"]

# A broken model or gazetteer fails every article alike: stop the run instead of reporting each.
FATAL = (ModelError, GazetteerError)


class Parser(Protocol):
    """What ingestion needs of a geoparser (``geomap.pipeline.Geoparser``)."""

    def parse(self, text: str, *, title: str | None = None) -> ParsedDocument: ...

    def parse_many(self, texts: Iterable[str], *, batch_size: int = ...) -> Iterable[ParsedDocument]: ...


@dataclass(slots=True)
class Item:
    """One article of a run on its way to the parser, with where it came from."""

    origin: str
    article: Article
    stored_id: int | None = None  # set when re-parsing an article already stored


_PARSERS: dict[str, Parser] = {}


def parser_for(settings: Settings) -> Parser:
    """One geoparser per configuration per process (loading the model takes a second)."""
    key = repr(settings)
    if key not in _PARSERS:
        from ..pipeline import Geoparser

        _PARSERS[key] = Geoparser(settings)
    return _PARSERS[key]


def parse_one(parser: Parser, article: Article) -> ParsedDocument | str:
    """The parse, or why it failed (a model or gazetteer failure stops the run)."""
    try:
        return parser.parse(article.text, title=article.title or None)
    except FATAL:
        raise
    except Exception as exc:  # one article's failure must not stop the run
        return f"geoparser failed: {type(exc).__name__}: {exc}"


def parse_batch(parser: Parser, articles: Sequence[Article]) -> list[ParsedDocument | str]:
    """Parses of a batch through the model's batched path; one by one if an article breaks it."""
    try:
        return list(parser.parse_many([a.text for a in articles], batch_size=len(articles)))
    except FATAL:
        raise
    except Exception:
        return [parse_one(parser, a) for a in articles]


def parse_items(parser: Parser, items: list[Item]) -> list[ParsedDocument | str]:
    """``parse_batch`` of the items' articles (the items travel with their results)."""
    return parse_batch(parser, [i.article for i in items])

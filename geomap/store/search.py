"""Full-text search over article titles and texts: SQLite FTS5, PostgreSQL tsvector + GIN.

The one module (with ``engine.py``) that writes backend-specific SQL, because
full-text search has no portable form:

- SQLite: ``articles_fts``, an FTS5 table over ``articles(title, text)``
  (external content, Porter stemming, diacritics folded), kept in step by
  triggers on insert, update and delete, so every writer (ingest, reprocess,
  article deletion) maintains it without knowing it exists.
- PostgreSQL: ``articles.search``, a generated ``tsvector`` column (English
  configuration, the title weighted above the text) with a GIN index.

A query is a plain list of words, every one required (``plainto_tsquery`` on
PostgreSQL, each word quoted as an FTS5 string on SQLite), so nothing a user
types is read as query syntax. ``TextMatch`` is the filter condition any
statement over ``articles`` can use; ``ranked`` gives each match a score,
higher is better. ``highlight`` finds the matched words in a text for the UI,
as offsets, never as markup.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Boolean, Float, Integer, literal, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import Subquery

from ..errors import StoreError

__all__ = ["TextMatch", "install", "fill", "ranked", "query_words", "highlight", "MAX_QUERY_WORDS"]

FTS_TABLE = "articles_fts"
MAX_QUERY_WORDS = 32  # words a search may hold; more is refused (each one is an index lookup)
SNIPPET_CHARS = 240  # length of the excerpt around the first matched word
_WORD = re.compile(r"\w+", re.UNICODE)
_TITLE_WEIGHT = 5.0  # SQLite bm25 weight of the title against the text (PostgreSQL: weights A and B)

_SQLITE_DDL = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(title, text, content='articles', content_rowid='id', "
    "tokenize='porter unicode61 remove_diacritics 2')",
    f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_insert AFTER INSERT ON articles BEGIN "
    f"INSERT INTO {FTS_TABLE}(rowid, title, text) VALUES (new.id, new.title, new.text); END",
    f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_delete AFTER DELETE ON articles BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, title, text) VALUES ('delete', old.id, old.title, old.text); END",
    f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_update AFTER UPDATE OF title, text ON articles BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, title, text) VALUES ('delete', old.id, old.title, old.text); "
    f"INSERT INTO {FTS_TABLE}(rowid, title, text) VALUES (new.id, new.title, new.text); END",
)
_PG_VECTOR = (
    "setweight(to_tsvector('english', coalesce(title, '')), 'A') || setweight(to_tsvector('english', text), 'B')"
)
_PG_DDL = (
    f"ALTER TABLE articles ADD COLUMN IF NOT EXISTS search tsvector GENERATED ALWAYS AS ({_PG_VECTOR}) STORED",
    "CREATE INDEX IF NOT EXISTS ix_articles_search ON articles USING GIN (search)",
)


def query_words(query: str) -> list[str]:
    """The words of a search, lower-cased, in order, without repeats."""
    return list(dict.fromkeys(w.lower() for w in _WORD.findall(query)))


def _fts5_query(query: str) -> str:
    """Every word as a quoted FTS5 string, all required: no operator a user types is obeyed."""
    return " ".join('"' + w.replace('"', '""') + '"' for w in query_words(query))


def install(conn: Connection) -> None:
    """Create the backend's full-text index (empty database or the 3 -> 4 upgrade); a no-op where it exists."""
    name = conn.dialect.name
    statements: tuple[str, ...]
    if name == "sqlite":
        statements = _SQLITE_DDL
    elif name == "postgresql":
        statements = _PG_DDL
    else:
        raise StoreError(f"full-text search needs SQLite or PostgreSQL, not {name}")
    for statement in statements:
        conn.exec_driver_sql(statement)


def fill(conn: Connection) -> None:
    """Index the articles already stored (PostgreSQL's generated column fills itself)."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")


class TextMatch(ColumnElement[bool]):
    """``articles`` rows whose title or text holds every word of ``query`` (use with ``articles`` in FROM)."""

    type = Boolean()
    inherit_cache = False  # the query text is part of the SQL's parameters, not of a cache key

    def __init__(self, query: str) -> None:
        self.query = query


@compiles(TextMatch, "sqlite")
def _match_sqlite(element: TextMatch, compiler: Any, **kw: Any) -> str:
    if not query_words(element.query):
        return "1 = 0"  # FTS5 refuses an empty query; nothing matches it
    words = compiler.process(literal(_fts5_query(element.query)), **kw)
    return f"articles.id IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH {words})"


@compiles(TextMatch, "postgresql")
def _match_postgresql(element: TextMatch, compiler: Any, **kw: Any) -> str:
    words = compiler.process(literal(element.query), **kw)
    return f"articles.search @@ plainto_tsquery('english', {words})"


def ranked(conn: Connection, query: str) -> Subquery:
    """The matching articles with a relevance ``score`` (higher first): columns ``article_id``, ``score``."""
    if conn.dialect.name == "sqlite" and not query_words(query):
        stmt = text("SELECT id AS article_id, 0.0 AS score FROM articles WHERE 1 = 0")
    elif conn.dialect.name == "sqlite":
        stmt = text(
            f"SELECT rowid AS article_id, -bm25({FTS_TABLE}, {_TITLE_WEIGHT}, 1.0) AS score "
            f"FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :words"
        ).bindparams(words=_fts5_query(query))
    else:
        stmt = text(
            "SELECT id AS article_id, ts_rank(search, plainto_tsquery('english', :words)) AS score "
            "FROM articles WHERE search @@ plainto_tsquery('english', :words)"
        ).bindparams(words=query)
    return stmt.columns(article_id=Integer, score=Float).subquery("matched")


def highlight(body: str, query: str, width: int = SNIPPET_CHARS) -> dict[str, Any]:
    """An excerpt of ``body`` around the first matched word, as ``{"snippet", "parts"}``: ``parts``
    alternates plain text and a matched word (odd positions), for the UI to mark as text nodes.

    A word matches when it begins with a query word, or a query word begins with it minus a short
    ending: close to what the stemmers match ("shelling" for "shelled").
    """
    words = query_words(query)

    def matches(token: str) -> bool:
        token = token.lower()
        return any(token.startswith(w) or (len(token) > 3 and w.startswith(token[:-2])) for w in words)

    hits = [(m.start(), m.end()) for m in _WORD.finditer(body) if matches(m.group())]
    start = max(0, hits[0][0] - width // 3) if hits else 0
    if start:
        space = body.find(" ", start)
        start = space + 1 if 0 <= space < hits[0][0] else start
    end = min(len(body), start + width)
    parts, at = ["…" if start else ""], start
    for s, e in hits:
        if s >= start and e <= end:
            parts[-1] += body[at:s]
            parts += [body[s:e], ""]
            at = e
    parts[-1] += body[at:end] + ("…" if end < len(body) else "")
    return {"snippet": "".join(parts), "parts": parts}

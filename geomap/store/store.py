"""The article store: writes parsed articles, answers the map's and the API's reads.

Writes are short batched transactions (one per ``add_many`` call) that also
refresh the touched places' counts, so a reader always sees counts that agree
with the mentions. Every SQLAlchemy failure leaves this module as a
``StoreError`` naming the database.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from ..config import Settings, load_settings
from ..errors import StoreError
from ..models import Article, ParsedDocument, Place
from . import listing, queries, rollup, timeline
from .delete import delete_articles
from .engine import WRITE, integrity_check, lock_schema, make_engine
from .filters import Filters
from .migrate import create_schema, current_version, upgrade
from .queries import Page, to_utc
from .schema import SCHEMA_VERSION, articles, mentions, places
from .spatial import enable_postgis
from .stats import add_to_place_stats, refresh_place_stats
from .validate import MAX_ID, check_article
from .version import VersionSource, bump, prepare_counter, version_source

__all__ = ["Store", "open_store", "content_hash"]


def content_hash(text: str) -> str:
    """Identity of an article: SHA-256 of its text with whitespace runs collapsed."""
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()


def _place_row(p: Place) -> dict[str, Any]:
    return {
        "id": p.id,
        "geonameid": p.geonameid,
        "name": p.name,
        "native_name": p.native_name or "",
        "asciiname": p.asciiname or "",
        "lat": p.lat,
        "lon": p.lon,
        "kind": p.kind,
        "feature_code": p.feature_code,
        "country_code": p.country_code,
        "country_name": p.country_name,
        "admin1_name": p.admin1_name,
        "population": p.population or 0,
        "source": p.source or "",
    }


class Store:
    """Articles, the places they mention and the mentions, behind one SQLAlchemy engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._where = engine.url.render_as_string(hide_password=True)
        self._version: VersionSource | None = None
        self._counts_writes = False  # PostgreSQL: every write transaction raises the data version (version.py)
        self._version_lock = threading.Lock()

    # --- plumbing -------------------------------------------------------------

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except SQLAlchemyError as exc:
            reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
            raise StoreError(f"database {self._where}: {reason}") from exc

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self._errors(), self.engine.connect() as conn:
            yield conn

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with self._errors(), self.engine.connect() as conn:
            conn.execution_options(**{WRITE: True})
            with conn.begin():
                if self._counts_writes:
                    bump(conn)
                yield conn

    def migrate(self) -> int:
        """Create the schema in an empty database or upgrade an old one; returns the version."""
        with self._write() as conn:
            lock_schema(conn)
            version = current_version(conn)
            if version is None:
                create_schema(conn)
                version = SCHEMA_VERSION
            else:
                version = upgrade(conn, version)
            enable_postgis(conn)  # PostgreSQL only: idempotent, outside the numbered versions
            self._counts_writes = prepare_counter(conn)
            return version

    def close(self) -> None:
        """Release the pooled connections (the store reopens them on the next call)."""
        if self._version is not None:
            self._version.close()
            self._version = None
        self.engine.dispose()

    def data_version(self) -> int | None:
        """A number that moves whenever the database changed, whoever wrote; None: this backend cannot tell.

        Answers computed at one version are still right while it stays the same
        (the response cache relies on that); see ``version.py``.
        """
        if self._version is None:
            with self._version_lock:
                if self._version is None:
                    self._version = version_source(self.engine, self._counts_writes)
        return self._version.current()

    def integrity_check(self) -> str:
        """The backend's integrity verdict ("ok" when sound)."""
        with self._errors():
            return integrity_check(self.engine)

    # --- writes ---------------------------------------------------------------

    def add(self, article: Article, parsed: ParsedDocument) -> tuple[int, bool]:
        """Store one parsed article; (its id, whether it is new). Same text twice: one article."""
        return self.add_many([(article, parsed)])[0]

    def add_many(self, items: Sequence[tuple[Article, ParsedDocument]]) -> list[tuple[int, bool]]:
        """Store several parsed articles in one transaction; per item (id, newly stored?).

        Every article is checked first (``validate.check_article``): an InputError
        names the first one that cannot be stored, before anything is written.
        """
        for article, _ in items:
            check_article(article)
        for attempt in (1, 2):
            try:
                with self._write() as conn:
                    return self._add_all(conn, items)
            except StoreError as exc:
                # Another writer stored one of these texts first (PostgreSQL); the retry sees it.
                if attempt == 2 or not isinstance(exc.__cause__, IntegrityError):
                    raise
        raise AssertionError("unreachable")

    def _add_all(self, conn: Connection, items: Sequence[tuple[Article, ParsedDocument]]) -> list[tuple[int, bool]]:
        out: list[tuple[int, bool]] = []
        counted: list[dict[str, Any]] = []
        now = datetime.now(UTC).replace(tzinfo=None)
        for article, parsed in items:
            digest = content_hash(article.text)
            found = conn.execute(select(articles.c.id).where(articles.c.content_hash == digest)).scalar()
            if found is not None:
                out.append((found, False))
                continue
            new_id: int = conn.execute(
                insert(articles)
                .values(
                    title=article.title or parsed.title or "",
                    text=parsed.text or article.text,
                    url=article.url,
                    source=article.source,
                    published=to_utc(article.published),
                    content_hash=digest,
                    ingested=now,
                )
                .returning(articles.c.id)
            ).scalar_one()
            rows = self._save_mentions(conn, new_id, parsed, update_places=False)
            published = to_utc(article.published)
            counted += [{**r, "published": published, "source": article.source} for r in rows]
            out.append((int(new_id), True))
        add_to_place_stats(conn, counted)
        rollup.apply(conn, [], counted)
        return out

    def replace_mentions(self, article_id: int, parsed: ParsedDocument) -> None:
        """Swap a stored article's mentions for a new parse (``--reprocess``), refreshing its places."""
        self.replace_mentions_many([(article_id, parsed)])

    def replace_mentions_many(self, items: Sequence[tuple[int, ParsedDocument]]) -> None:
        """``replace_mentions`` for several articles in one transaction."""
        with self._write() as conn:
            left: list[dict[str, Any]] = []
            arrived: list[dict[str, Any]] = []
            for article_id, parsed in items:
                article = conn.execute(
                    select(articles.c.published, articles.c.source).where(articles.c.id == article_id)
                ).first()
                if article is None:
                    raise StoreError(f"no stored article has id {article_id}; list them with the API's /api/articles")
                stamp = {"published": article.published, "source": article.source}  # what the period cells count by
                gone = select(mentions.c.place_id, mentions.c.kind, mentions.c.article_id).where(
                    mentions.c.article_id == article_id, mentions.c.place_id.is_not(None)
                )
                left += [{**r._mapping, **stamp} for r in conn.execute(gone)]
                conn.execute(mentions.delete().where(mentions.c.article_id == article_id))
                arrived += [{**r, **stamp} for r in self._save_mentions(conn, article_id, parsed, update_places=True)]
            refresh_place_stats(conn, {r["place_id"] for r in left + arrived if r["place_id"] is not None})
            rollup.apply(conn, left, arrived)

    def _save_mentions(
        self, conn: Connection, article_id: int, parsed: ParsedDocument, *, update_places: bool
    ) -> list[dict[str, Any]]:
        """Insert the mentions (and places not stored yet); returns the inserted mention rows."""
        by_id = {m.place.id: m.place for m in parsed.mentions if m.place is not None}
        if by_id:
            stored = {r[0] for r in conn.execute(select(places.c.id).where(places.c.id.in_(list(by_id))))}
            missing = [_place_row(p) for pid, p in by_id.items() if pid not in stored]
            if missing:
                conn.execute(insert(places), missing)
            if update_places:  # a rebuilt gazetteer may have corrected a record
                for pid in stored:
                    conn.execute(update(places).where(places.c.id == pid).values(_place_row(by_id[pid])))
        rows = [
            {
                "article_id": article_id,
                "place_id": m.place.id if m.place is not None else None,
                "start_char": m.start,
                "end_char": m.end,
                "surface": m.text,
                "snippet": m.snippet or "",
                "confidence": float(m.confidence),
                "kind": m.kind,
            }
            for m in parsed.mentions
        ]
        if rows:
            conn.execute(insert(mentions), rows)
        return rows

    def delete_articles(self, article_ids: Iterable[int]) -> int:
        """Delete these articles with their mentions, keeping every count exact; returns how many went.

        Ids that are not stored (or could not be: out of the INTEGER range) are ignored.
        """
        ids = [i for i in article_ids if 0 < i <= MAX_ID]
        if not ids:
            return 0
        with self._write() as conn:
            return delete_articles(conn, ids)

    def article_ids(self, *, source: str | None = None) -> list[int]:
        """Ids of the stored articles (those from ``source`` when given), oldest first."""
        query = select(articles.c.id).order_by(articles.c.id)
        if source is not None:
            query = query.where(articles.c.source == source)
        with self._read() as conn:
            return [int(r[0]) for r in conn.execute(query)]

    # --- lookups for ingestion ------------------------------------------------

    def stored_hashes(self, hashes: Iterable[str]) -> dict[str, int]:
        """Which of these content hashes are stored, with their article ids."""
        wanted = list(set(hashes))
        found: dict[str, int] = {}
        with self._read() as conn:
            for i in range(0, len(wanted), 500):
                chunk = wanted[i : i + 500]
                rows = conn.execute(
                    select(articles.c.content_hash, articles.c.id).where(articles.c.content_hash.in_(chunk))
                )
                found.update({h: int(a) for h, a in rows})
        return found

    def iter_articles(self, *, batch: int = 200) -> Iterator[Article]:
        """Every stored article (with ``id``), oldest first, read in pages so writes can interleave."""
        last = 0
        while True:
            with self._read() as conn:
                rows = conn.execute(
                    select(
                        articles.c.id,
                        articles.c.title,
                        articles.c.text,
                        articles.c.url,
                        articles.c.source,
                        articles.c.published,
                    )
                    .where(articles.c.id > last)
                    .order_by(articles.c.id)
                    .limit(batch)
                ).all()
            if not rows:
                return
            for r in rows:
                yield Article(text=r.text, title=r.title, url=r.url, source=r.source, published=r.published, id=r.id)
            last = rows[-1].id

    # --- reads for the map and the API -----------------------------------------

    def places(self, filters: Filters = Filters(), *, limit: int = 100, offset: int = 0) -> Page:
        """Places with their mention counts under ``filters``, most mentioned first."""
        with self._read() as conn:
            return queries.list_places(conn, filters, int(limit), int(offset))

    def place(self, place_id: str) -> dict[str, Any] | None:
        """One stored place with its counts (toponym mentions), or None."""
        with self._read() as conn:
            return queries.get_place(conn, place_id)

    def place_mentions(self, place_id: str, filters: Filters = Filters(), *, limit: int = 20, offset: int = 0) -> Page:
        """The mentions of one place with their articles, newest article first."""
        with self._read() as conn:
            return queries.list_place_mentions(conn, place_id, filters, int(limit), int(offset))

    def mentions_for_places(
        self, place_ids: Sequence[str], filters: Filters = Filters(), *, per_place: int = 5
    ) -> dict[str, Page]:
        """Per place, what ``place_mentions(place_id, filters, limit=per_place)`` returns, in a few queries."""
        with self._read() as conn:
            return queries.newest_mentions(conn, list(dict.fromkeys(place_ids)), filters, int(per_place))

    def articles_for_places(
        self, place_ids: Sequence[str], filters: Filters = Filters(), *, per_place: int = 5, snippets: int = 3
    ) -> dict[str, Page]:
        """Per place, its newest ``per_place`` articles (each with up to ``snippets`` mentions of it);
        ``total`` counts its articles. What the export's popups and the KML descriptions show."""
        with self._read() as conn:
            return listing.newest_articles(conn, list(dict.fromkeys(place_ids)), filters, int(per_place), int(snippets))

    def articles(self, filters: Filters = Filters(), *, limit: int = 50, offset: int = 0) -> Page:
        """Articles under ``filters``, newest first (most relevant first for a text search), each with its
        number of places and ``named``: the places it names, most mentioned first."""
        with self._read() as conn:
            page = queries.list_articles(conn, filters, int(limit), int(offset))
            named = listing.named_places(conn, [a["id"] for a in page.items], filters)
        for item in page.items:
            item["named"] = named[item["id"]]
        return page

    def stream_articles(self, filters: Filters = Filters()) -> Iterator[dict[str, Any]]:
        """Every article ``articles(filters)`` would list, in its order, read a batch at a time."""
        with self._read() as conn:
            stmt, _, convert = queries.article_query(conn, filters)
            batch: list[dict[str, Any]] = []
            for row in conn.execution_options(yield_per=listing.STREAM_BATCH).execute(stmt):
                batch.append(convert(row))
                if len(batch) == listing.STREAM_BATCH:
                    yield from self._with_named(batch, filters)
                    batch = []
            yield from self._with_named(batch, filters)

    def _with_named(self, batch: list[dict[str, Any]], filters: Filters) -> list[dict[str, Any]]:
        """The batch's articles with their ``named`` places (read on a connection of its own: the
        streaming one is busy)."""
        with self._read() as conn:
            named = listing.named_places(conn, [a["id"] for a in batch], filters)
        return [{**a, "named": named[a["id"]]} for a in batch]

    def mentions(self, filters: Filters = Filters(), *, limit: int = 50, offset: int = 0) -> Page:
        """Resolved mentions under ``filters``, newest article first, each with its place and article."""
        with self._read() as conn:
            return listing.list_mentions(conn, filters, int(limit), int(offset))

    def stream_mentions(self, filters: Filters = Filters()) -> Iterator[dict[str, Any]]:
        """Every mention ``mentions(filters)`` would list, in its order, read a batch at a time."""
        with self._read() as conn:
            yield from listing.mention_rows(conn, filters)

    def stream_places(self, filters: Filters = Filters()) -> Iterator[dict[str, Any]]:
        """Every place ``places(filters)`` would list, a page at a time."""
        offset = 0
        while True:
            page = self.places(filters, limit=listing.STREAM_BATCH, offset=offset)
            yield from page.items
            offset += len(page.items)
            if offset >= page.total or not page.items:
                return

    def article(self, article_id: int) -> dict[str, Any] | None:
        """One article with its text and its mentions (each with its place), or None."""
        if not 0 < article_id <= MAX_ID:
            return None
        with self._read() as conn:
            return queries.get_article(conn, article_id)

    def timeline(self, filters: Filters = Filters(), interval: str = "day") -> dict[str, Any]:
        """Articles and mentions per day, week or month under ``filters``, and the undated articles left out."""
        with self._read() as conn:
            return timeline.timeline(conn, filters, interval)

    def stats(self) -> dict[str, Any]:
        """How much is stored, and the schema version."""
        with self._read() as conn:
            n_articles = conn.execute(select(func.count()).select_from(articles)).scalar_one()
            n_mentions = conn.execute(select(func.count()).select_from(mentions)).scalar_one()
            n_places = conn.execute(select(func.count()).select_from(places)).scalar_one()
            version = current_version(conn)
        return {
            "articles": n_articles,
            "places": n_places,
            "mentions": n_mentions,
            "schema_version": version,
            "backend": self.engine.dialect.name,
        }


def open_store(settings: Settings | None = None) -> Store:
    """Open (creating or upgrading) the store at ``settings.database``."""
    settings = settings or load_settings()
    store = Store(make_engine(settings.database))
    store.migrate()
    return store

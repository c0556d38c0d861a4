"""``geomap articles list|delete``: see and remove what is stored (mentions and counts go with each article)."""

from __future__ import annotations

import json

import click

from ..config import load_settings

__all__ = ["articles"]

_database = click.option(
    "--database",
    metavar="URL",
    help="SQLAlchemy URL of the store (GEOMAP_DATABASE_URL; default: SQLite in the data folder).",
)
_TITLE_WIDTH = 60  # characters of a title in the table


@click.group()
def articles() -> None:
    """List or delete stored articles."""


@articles.command(name="list")
@click.option("--source", metavar="NAME", help="Only articles from this source.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 100_000), help="Articles at most.")
@click.option("--offset", default=0, show_default=True, type=click.IntRange(0), help="Articles to skip.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line instead of a table.")
@_database
def list_(source: str | None, limit: int, offset: int, as_json: bool, database: str | None) -> None:
    """Stored articles, newest first: id, publication date, source, number of places, title."""
    from ..store import Filters, open_store

    store = open_store(load_settings(database_url=database))
    try:
        page = store.articles(Filters(source=source), limit=limit, offset=offset)
    finally:
        store.close()
    for item in page.items:
        if as_json:
            click.echo(json.dumps(item, ensure_ascii=False))
        else:
            day = (item["published"] or "")[:10] or "undated"
            title = item["title"] if len(item["title"]) <= _TITLE_WIDTH else item["title"][: _TITLE_WIDTH - 1] + "…"
            click.echo(f"{item['id']:>8}  {day:<10}  {item['source'] or '-'}  ({item['places']} places)  {title}")
    if not as_json:
        click.echo(f"{len(page.items)} of {page.total} article(s) shown", err=True)


@articles.command()
@click.argument("ids", nargs=-1, type=click.IntRange(1))
@click.option("--source", metavar="NAME", help="Delete every article from this source.")
@click.option("--all", "everything", is_flag=True, help="Delete every stored article.")
@click.option("--yes", is_flag=True, help="Do not ask before deleting by --source or --all.")
@_database
def delete(ids: tuple[int, ...], source: str | None, everything: bool, yes: bool, database: str | None) -> None:
    """Delete articles by IDS, by --source or --all, with their mentions; place counts stay exact."""
    from ..store import open_store

    if sum((bool(ids), source is not None, everything)) != 1:
        raise click.UsageError("give article IDS, or --source NAME, or --all (exactly one of them)")
    store = open_store(load_settings(database_url=database))
    try:
        chosen = list(ids) if ids else store.article_ids(source=source)
        if not ids and chosen and not yes:
            what = "every stored article" if everything else f"every article from {source!r}"
            click.confirm(f"Delete {what} ({len(chosen)})?", abort=True, err=True)
        deleted = store.delete_articles(chosen)
    finally:
        store.close()
    click.echo(f"Deleted {deleted} article(s).", err=True)
    if ids and deleted < len(set(ids)):
        click.echo(f"{len(set(ids)) - deleted} of the given ids are not stored.", err=True)

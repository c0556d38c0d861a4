"""``geomap ingest``: read articles from files, folders, feeds, stdin or URLs, geoparse and store them."""

from __future__ import annotations

import json
import sys

import click

from ..config import load_settings
from .where import locations

__all__ = ["ingest"]


@click.command()
@click.argument("paths", nargs=-1, metavar="[PATH|URL|-]...")
@click.option("--source", metavar="NAME", help="Source name stored with every article (overrides the inputs' own).")
@click.option(
    "--workers", default=1, show_default=True, type=click.IntRange(1, 64), help="Processes that geoparse in parallel."
)
@click.option("--reprocess", is_flag=True, help="Re-parse articles already stored (all of them when no PATH is given).")
@click.option(
    "--batch-size",
    default=64,
    show_default=True,
    type=click.IntRange(1, 10_000),
    help="Articles per write transaction.",
)
@click.option(
    "--database",
    metavar="URL",
    help="SQLAlchemy URL of the store (GEOMAP_DATABASE_URL; default: SQLite in the data folder).",
)
@click.option(
    "--progress/--no-progress", default=None, help="Progress bar on stderr (default: when stderr is a terminal)."
)
@click.option(
    "--scheduler",
    metavar="tcp://HOST:8786",
    help="Parse on this Dask cluster's workers (GEOMAP_DASK_SCHEDULER; needs the 'cluster' extra).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def ingest(
    paths: tuple[str, ...],
    source: str | None,
    workers: int,
    reprocess: bool,
    batch_size: int,
    database: str | None,
    progress: bool | None,
    scheduler: str | None,
    as_json: bool,
) -> None:
    """Geoparse and store articles from PATHs: text, Markdown, HTML, JSON/JSONL, RSS/Atom, folders, - (stdin), URLs.

    Texts already stored are skipped, so an interrupted run can simply be run
    again. Exits with status 1 when any input failed (each is listed with the
    reason).
    """
    from ..ingest import ingest_paths, reprocess_stored, retire_sample
    from ..store import open_store

    if not paths and not reprocess:
        raise click.UsageError("give at least one PATH, URL or - (or --reprocess to re-parse everything stored)")
    settings = load_settings(database_url=database, dask_scheduler=scheduler)
    for line in locations(settings):
        click.echo(f"geomap: {line}", err=True)
    store = open_store(settings)
    show = sys.stderr.isatty() if progress is None else progress
    try:
        if paths:
            report = ingest_paths(
                paths,
                store,
                source=source,
                reprocess=reprocess,
                workers=workers,
                progress=show,
                settings=settings,
                batch_size=batch_size,
                scheduler=settings.dask_scheduler or None,
            )
        else:
            report = reprocess_stored(
                store,
                workers=workers,
                progress=show,
                settings=settings,
                batch_size=batch_size,
                scheduler=settings.dask_scheduler or None,
            )
        if report.ingested and (retired := retire_sample(store)):
            click.echo(f"Removed the bundled sample article ({retired}) now that the store holds your own.", err=True)
    finally:
        store.close()
    click.echo(json.dumps(report.to_dict(), indent=2) if as_json else report.summary())
    if not report.ok:
        raise SystemExit(1)

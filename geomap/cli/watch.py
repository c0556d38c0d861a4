"""``geomap watch``: poll feeds and pages, storing only new articles, until SIGTERM or Ctrl-C."""

from __future__ import annotations

import signal
import threading
from types import FrameType

import click

from ..config import load_settings
from .where import locations

__all__ = ["watch"]


@click.command()
@click.argument("sources", nargs=-1, required=True, metavar="SOURCE...")
@click.option("--every", default="15m", show_default=True, metavar="INTERVAL", help="Time between polls: 90s, 15m, 2h.")
@click.option("--once", is_flag=True, help="Poll every source once, then stop.")
@click.option(
    "--timeout", default=15.0, show_default=True, type=click.FloatRange(0.1), help="Seconds to wait for a source."
)
@click.option("--database", metavar="URL", help="SQLAlchemy URL of the store (GEOMAP_DATABASE_URL).")
def watch(sources: tuple[str, ...], every: str, once: bool, timeout: float, database: str | None) -> None:
    """Poll SOURCEs (RSS/Atom/JSON feed or page URLs, files, or a .txt file listing them) and store new articles.

    Each poll is a conditional request (ETag / If-Modified-Since) and logs one
    line; a failing source is polled again after a growing pause. SIGTERM or
    Ctrl-C stops after the poll under way.
    """
    from ..ingest.watch import parse_interval, read_source_list
    from ..ingest.watch import watch as run_watch
    from ..store import open_store

    interval = parse_interval(every)
    watched = read_source_list(sources)
    settings = load_settings(database_url=database)
    for line in locations(settings):
        click.echo(f"geomap: {line}", err=True)
    stop = threading.Event()

    def _stop(signum: int, _frame: FrameType | None) -> None:
        click.echo(f"geomap: {signal.Signals(signum).name}: stopping after the poll under way", err=True)
        stop.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _stop)
    store = open_store(settings)
    try:
        click.echo(f"geomap: watching {len(watched)} source(s), every {every}", err=True)
        total = run_watch(watched, store, every=interval, stop=stop, once=once, timeout=timeout, settings=settings)
    finally:
        store.close()
    click.echo(f"{total.ingested} new articles stored, {total.duplicates} already stored, {len(total.failed)} failed")

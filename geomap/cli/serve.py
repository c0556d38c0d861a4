"""``geomap serve`` (the map, the API, the CLIFF endpoint) and ``geomap map`` (the standalone export)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import click

from ..config import Settings, load_settings
from .where import locations

__all__ = ["serve", "map"]


def _settings(tiles: str | None, attribution: str | None) -> Settings:
    """Settings with the tile flags applied; custom tiles without attribution credit their host."""
    if tiles and not attribution:
        attribution = f"Map tiles: {urlsplit(tiles).netloc or tiles}"
    return load_settings(tiles=tiles, tiles_attribution=attribution)


_tiles = click.option(
    "--tiles",
    metavar="URL",
    help="Tile URL template, e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png (GEOMAP_TILES).",
)
_attribution = click.option(
    "--tiles-attribution", metavar="HTML", help="Attribution for --tiles (GEOMAP_TILES_ATTRIBUTION)."
)


@click.command()
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Interface to listen on (0.0.0.0: every interface)."
)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    metavar="N",
    help="Server processes sharing the port (default: usable CPUs, at most 8; 1 where fork is missing).",
)
@click.option(
    "--threads", default=8, show_default=True, type=click.IntRange(1, 256), help="Threads per process (waitress)."
)
@_tiles
@_attribution
@click.option("--debug", is_flag=True, help="Flask's development server with debugging (never expose it).")
def serve(
    host: str,
    port: int,
    workers: int | None,
    threads: int,
    tiles: str | None,
    tiles_attribution: str | None,
    debug: bool,
) -> None:
    """Serve the map, the JSON API and /parse/text on HOST:PORT.

    On an empty store the bundled sample article is stored first, so the map
    shows places at once.
    """
    from ..web import create_app
    from ..web.workers import can_fork, listen, run_waitress, serve_forked

    settings = _settings(tiles, tiles_attribution)
    for line in locations(settings):
        click.echo(f"geomap: {line}", err=True)
    _seed(settings)
    try:
        if debug:
            click.echo(f"geomap: Flask development server on http://{host}:{port}/ (one process)", err=True)
            create_app(settings).run(host=host, port=port, debug=True, use_reloader=False)
            return
        sock = listen(host, port)
    except OSError as exc:
        raise click.ClickException(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}; pick another --port or stop what uses it"
        ) from None
    workers = _worker_count(workers, settings, can_fork())
    bound = sock.getsockname()[1]
    shape = f"{workers} processes x {threads} threads" if workers > 1 else f"1 process, {threads} threads"
    click.echo(f"geomap: serving http://{host}:{bound}/  ({shape}; API docs: /docs; Ctrl-C stops)", err=True)
    if workers == 1:
        run_waitress(create_app(settings), sock, threads, limits=settings)
    else:
        serve_forked(lambda: create_app(settings), sock, workers, threads, _say, limits=settings)


def _say(text: str) -> None:
    click.echo(text, err=True)


def _seed(settings: Settings) -> None:
    """Store the sample article in an empty store, before any worker starts (and in one process only)."""
    if not settings.seed_on_first_run:
        return
    from ..ingest import seed_if_empty
    from ..store import open_store

    store = open_store(settings)
    try:
        seeded = seed_if_empty(store, settings)
    finally:
        store.close()
    if seeded:
        click.echo(f"Stored {seeded} sample article(s) in the empty store.", err=True)


def _worker_count(asked: int | None, settings: Settings, forks: bool) -> int:
    """``--workers`` or the default, reduced to 1 where several processes cannot work (and saying why)."""
    from ..web.workers import default_workers

    workers = default_workers() if asked is None else asked
    if workers > 1 and not forks:
        click.echo("geomap: this platform cannot fork; serving with 1 process (--workers ignored)", err=True)
        return 1
    in_memory = settings.database in ("sqlite://", "sqlite:///:memory:") or "mode=memory" in settings.database
    if workers > 1 and in_memory:
        click.echo("geomap: an in-memory SQLite store cannot be shared; serving with 1 process", err=True)
        return 1
    return workers


@click.command(name="map")
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="HTML file to write.",
)
@click.option("--q", "q", help="Part of a place name.")
@click.option("--bbox", help="west,south,east,north in degrees.")
@click.option("--country", help="Two-letter ISO country code.")
@click.option("--kind", help="Kind of place (country, admin1, city, water...).")
@click.option("--since", help="Articles published on or after this date (YYYY-MM-DD).")
@click.option("--until", help="Articles published on or before this date (YYYY-MM-DD).")
@click.option("--source", help="Articles from this source.")
@click.option("--demonyms", is_flag=True, help="Count demonym mentions too.")
@_tiles
@_attribution
def map(output: Path, tiles: str | None, tiles_attribution: str | None, demonyms: bool, **given: str | None) -> None:
    """Write the map of the stored places as one standalone HTML file (opens from disk)."""
    from ..map.export import export_page
    from ..store import Filters, open_store

    options = {**given, "demonyms": "true" if demonyms else None}  # the options as Filters.from_args reads them
    filters = Filters.from_args(options)
    settings = _settings(tiles, tiles_attribution)
    shown = {name: value for name, value in options.items() if value}
    html = export_page(settings, open_store(settings), filters, shown)
    output.write_text(html, encoding="utf-8")
    click.echo(f"Wrote {output} ({len(html.encode()) // 1024} KiB; assets and data inline).", err=True)

"""``geomap gazetteer build|info|import-geonames`` and ``geomap geocode``."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..config import load_settings
from ..gazetteer import clear_cache
from ..gazetteer.geonames import DEFAULT_FEATURE_CODES, import_geonames
from ..gazetteer.registry import open_compact_index

__all__ = ["gazetteer", "geocode"]


@click.group()
def gazetteer() -> None:
    """Build and inspect the offline place index."""


@gazetteer.command()
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.option(
    "--min-population",
    type=click.IntRange(min=0),
    default=None,
    help="Leave out cities smaller than this (smaller index; default: as before, else 0).",
)
def build(quiet: bool, min_population: int | None) -> None:
    """Rebuild the place index from the installed packages (and any imported GeoNames files)."""
    settings = load_settings()
    clear_cache()
    gaz = open_compact_index(settings, rebuild=True, quiet=quiet, min_population=min_population)
    info = gaz.info()
    click.echo(
        f"Built {info['places']:,} places ({info['names']:,} names) in {info['build_seconds']} s: {info['path']}"
    )


@gazetteer.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def info(as_json: bool) -> None:
    """Counts by kind and by source, and the source package versions."""
    data = open_compact_index(load_settings()).info()
    if as_json:
        click.echo(json.dumps(data, indent=2))
        return
    click.echo(f"index:   {data['path']}")
    click.echo(f"built:   {data['built']} in {data['build_seconds']} s (format {data['format']})")
    click.echo(f"places:  {data['places']:,}   names: {data['names']:,}")
    click.echo("by kind:")
    for kind, n in data["by_kind"].items():
        click.echo(f"  {kind:<10} {n:>9,}")
    click.echo("by source:")
    for source, n in data["by_source"].items():
        click.echo(f"  {source:<48} {n:>9,}")
    click.echo("packages: " + ", ".join(f"{k} {v}" for k, v in data["versions"].items()))


@gazetteer.command("import-geonames")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--min-population",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Skip populated places smaller than this.",
)
@click.option(
    "--feature-codes",
    default=",".join(sorted(DEFAULT_FEATURE_CODES)),
    show_default=True,
    help="Comma-separated GeoNames classes (P) or class.code (H.SEA) to import from geoname tables.",
)
def import_geonames_cmd(paths: tuple[Path, ...], min_population: int, feature_codes: str) -> None:
    """Merge GeoNames dump files (allCountries/cities*.txt, alternateNamesV2, admin1CodesASCII,
    countryInfo; plain or .zip) into the index, then rebuild it."""
    settings = load_settings()
    gaz = open_compact_index(settings, quiet=True)
    codes = frozenset(c.strip() for c in feature_codes.split(",") if c.strip())
    counts = import_geonames(
        paths, settings.gazetteer_path, known_ids=gaz.geonameids(), feature_codes=codes, min_population=min_population
    )
    for what, n in counts.items():
        click.echo(f"read {n:,} {what}")
    clear_cache()
    rebuilt = open_compact_index(settings, rebuild=True).info()
    click.echo(f"index rebuilt: {rebuilt['places']:,} places")


@click.command()
@click.argument("name")
@click.option(
    "--limit", type=click.IntRange(min=1, max=1000), default=5, show_default=True, help="How many candidates to print."
)
@click.option("--country", "country", metavar="CC", help="Only places in these countries (ISO codes, comma-separated).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of place records.")
def geocode(name: str, limit: int, country: str | None, as_json: bool) -> None:
    """Print the places NAME may refer to, best first."""
    from ..geocoders import geocode as run_geocode

    locations = run_geocode(name, settings=load_settings(), limit=limit, country_codes=country)
    if as_json:
        out = []
        for loc in locations:
            raw = {k: v for k, v in loc.raw.items() if k != "alternate_names"}
            out.append({"address": loc.address, "lat": loc.latitude, "lon": loc.longitude, **raw})
        click.echo(json.dumps(out, indent=2, ensure_ascii=False, default=str))
        return
    if not locations:
        raise click.ClickException(f"no place found for {name[:80]!r}")
    for rank, loc in enumerate(locations, 1):
        raw = loc.raw
        tag = "" if raw.get("primary", True) else "  (alternate name)"
        click.echo(
            f"{rank}. {loc.address}  [{raw.get('kind', raw.get('source', '?'))}]  "
            f"{loc.latitude:.5f}, {loc.longitude:.5f}  {raw.get('id', '')}{tag}"
        )

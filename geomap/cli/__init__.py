"""The ``geomap`` command: a thin layer of flags over the library.

Each stage owns one module of commands here (``gazetteer``, ``parse``,
``ingest``, ``serve``); this module only assembles them and turns
``GeomapError`` into a one-line message and exit status 1.
"""

from __future__ import annotations

import importlib
import logging
import sys

import click

from ..errors import GeomapError

__all__ = ["main", "cli"]

# module name -> names of the click commands/groups it defines
_COMMANDS = {
    "gazetteer": ("gazetteer", "geocode"),
    "parse": ("extract", "evaluate"),
    "ingest": ("ingest",),
    "watch": ("watch",),
    "serve": ("serve", "map"),
    "articles": ("articles",),
}


class _LazyGroup(click.Group):
    """Imports a command's module only when it runs, so `geomap --help` is instant."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(name for names in _COMMANDS.values() for name in names)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        for module, names in _COMMANDS.items():
            if name in names:
                mod = importlib.import_module(f"{__name__}.{module}")
                return getattr(mod, name.replace("-", "_"))
        return None


@click.group(cls=_LazyGroup)
@click.version_option(package_name="geomap")
def cli() -> None:
    """geomap: find the places news articles talk about and put them on a map."""


# Libraries that log every page or task they cannot handle; geomap reports those itself.
_QUIET_LOGGERS = ("trafilatura",)


def configure_logging() -> None:
    """geomap's own log lines (progress stages, polls) go to stderr as plain text; chatty libraries stay quiet.

    The library only logs; this is the one place that decides how it shows.
    """
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("geomap: %(message)s"))
    own = logging.getLogger("geomap")
    own.addHandler(handler)
    own.setLevel(logging.INFO)
    own.propagate = False
    for name in _QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.CRITICAL)


def main() -> None:
    """Console-script entry point."""
    configure_logging()
    try:
        status = cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        raise SystemExit(130) from None
    except click.ClickException as exc:
        exc.show()
        raise SystemExit(exc.exit_code) from None
    except GeomapError as exc:
        click.echo(f"Error: {exc.message}", err=True)
        raise SystemExit(1) from None
    except SystemExit:
        raise
    except BrokenPipeError:
        raise SystemExit(0) from None
    except OSError as exc:  # a file the user named cannot be written or read
        where = f" {exc.filename}" if exc.filename else ""
        click.echo(f"Error: cannot use{where}: {exc.strerror or exc}", err=True)
        raise SystemExit(1) from None
    raise SystemExit(status if isinstance(status, int) else 0)

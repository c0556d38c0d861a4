"""Parts chosen by name: built-in defaults plus whatever installed packages register as entry points.

As geopy picks a geocoder by service name and spaCy finds components in its
registries, geomap finds a swappable part (the ranker, the NER model) by the
name a setting gives: first among the built-ins, then in the entry-point group
(``[project.entry-points."geomap.rankers"] mine = "pkg.module:MyRanker"``), so a
third-party part drops in with ``pip install`` and a setting, no code edited.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib.metadata import entry_points
from typing import Any

from .errors import ConfigError

__all__ = ["load_plugin", "plugin_names"]


def plugin_names(group: str, builtins: Mapping[str, Callable[..., Any]]) -> list[str]:
    """Every name the setting may give: built-ins and registered entry points."""
    return sorted({*builtins, *(ep.name for ep in entry_points(group=group))})


def load_plugin(group: str, name: str, builtins: Mapping[str, Callable[..., Any]]) -> Callable[..., Any]:
    """The factory registered under ``name`` (a built-in wins over an entry point of the same name)."""
    if name in builtins:
        return builtins[name]
    for ep in entry_points(group=group, name=name):
        factory = ep.load()
        if not callable(factory):
            raise ConfigError(f"entry point {name!r} in {group!r} is not callable: {ep.value}")
        return factory
    raise ConfigError(f"no {group} named {name!r}; installed: {', '.join(plugin_names(group, builtins))}")

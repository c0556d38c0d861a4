"""Query parameters -> store ``Filters`` and paging, with messages that say what to send instead.

The map page, the export and the API all read filters through here, so the
same URL means the same selection everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, time

from ..errors import InputError
from ..models import KINDS
from ..store import Filters

__all__ = ["FILTER_PARAMS", "parse_filters", "parse_page", "parse_choice", "parse_bool", "filter_query"]

FILTER_PARAMS = ("q", "bbox", "country", "kind", "since", "until", "source", "demonyms")
MAX_LIMIT = 1000


def parse_bool(args: Mapping[str, str], name: str, default: bool = False) -> bool:
    """``true/false``, ``1/0``, ``yes/no``, ``on/off``."""
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise InputError(f"{name} must be true or false, not {raw!r}")


def _int(args: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InputError(f"{name} must be a whole number, not {raw!r}") from None
    if not low <= value <= high:
        raise InputError(f"{name} must be between {low} and {high}, not {value}")
    return value


def parse_page(args: Mapping[str, str], default_limit: int = 50, max_limit: int = MAX_LIMIT) -> tuple[int, int]:
    """``(limit, offset)`` from ``limit`` (1..max_limit) and ``offset`` (0..)."""
    return (
        _int(args, "limit", default_limit, 1, max_limit),
        _int(args, "offset", 0, 0, 10**9),
    )


def parse_choice(args: Mapping[str, str], name: str, choices: tuple[str, ...], default: str) -> str:
    """One of ``choices`` (case-insensitive)."""
    raw = (args.get(name) or default).strip().lower()
    if raw not in choices:
        raise InputError(f"{name} must be one of {', '.join(choices)}, not {args.get(name)!r}")
    return raw


def _bbox(raw: str) -> tuple[float, float, float, float]:
    parts = raw.split(",")
    hint = "bbox must be west,south,east,north in degrees, e.g. bbox=22,44,41,53"
    if len(parts) != 4:
        raise InputError(f"{hint}; got {raw!r}")
    try:
        west, south, east, north = (float(p) for p in parts)
    except ValueError:
        raise InputError(f"{hint}; got {raw!r}") from None
    if not all(-180 <= v <= 180 for v in (west, east)) or not all(-90 <= v <= 90 for v in (south, north)):
        raise InputError(f"{hint}; longitudes lie in -180..180 and latitudes in -90..90")
    if south > north:
        raise InputError(f"{hint}; south must not exceed north (west > east crosses the antimeridian)")
    return west, south, east, north


def _date(raw: str, name: str, end_of_day: bool) -> datetime:
    try:
        value = datetime.fromisoformat(raw.strip())
    except ValueError:
        raise InputError(f"{name} must be a date like 2024-05-31 or 2024-05-31T12:00:00, not {raw!r}") from None
    if len(raw.strip()) == 10 and end_of_day:
        value = datetime.combine(value.date(), time.max)
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def parse_filters(args: Mapping[str, str]) -> Filters:
    """The store filters a request asks for; demonym mentions stay hidden unless ``demonyms=true``."""
    text = lambda name: (args.get(name) or "").strip() or None  # noqa: E731
    country = text("country")
    if country is not None:
        if len(country) != 2 or not country.isalpha():
            raise InputError(f"country must be a two-letter ISO code such as UA, not {country!r}")
        country = country.upper()
    kind = text("kind")
    if kind is not None and kind not in KINDS:
        raise InputError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    since = _date(args["since"], "since", False) if text("since") else None
    until = _date(args["until"], "until", True) if text("until") else None
    if since and until and since > until:
        raise InputError("since must not be later than until")
    return Filters(
        q=text("q"),
        bbox=_bbox(args["bbox"]) if text("bbox") else None,
        country=country,
        kind=kind,
        since=since,
        until=until,
        source=text("source"),
        demonyms=parse_bool(args, "demonyms"),
    )


def filter_query(args: Mapping[str, str]) -> dict[str, str]:
    """The filter parameters of a request that are set, to carry into links."""
    return {name: args[name] for name in FILTER_PARAMS if args.get(name)}

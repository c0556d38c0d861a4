"""Typed values from text parameters (query strings, form fields, command-line options).

The API, the map page and the CLI read their parameters through here, so the
same text means the same value everywhere and a bad value gets a message that
says what to send instead (an ``InputError``, answered as 400).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, time

from .errors import InputError

__all__ = [
    "BOOLEAN_WORDS",
    "Params",
    "parse_bool",
    "parse_int",
    "parse_choice",
    "parse_probability",
    "parse_bbox",
    "parse_near",
    "parse_time",
    "text_param",
]

Params = Mapping[str, str | None]  # parameter name -> its text (missing or empty: not given)

BOOLEAN_WORDS = ("true", "false", "1", "0", "yes", "no", "on", "off")  # what parse_bool reads (any case)
_TRUE = frozenset(BOOLEAN_WORDS[0::2])
_FALSE = frozenset(BOOLEAN_WORDS[1::2])
_DATE_LENGTH = len("2024-05-31")  # a bare date, without a time


def text_param(args: Params, name: str) -> str | None:
    """The parameter's text with surrounding spaces removed; None when missing or blank."""
    return (args.get(name) or "").strip() or None


def parse_bool(args: Params, name: str, default: bool = False) -> bool:
    """``true/false``, ``1/0``, ``yes/no``, ``on/off``."""
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise InputError(f"{name} must be true or false, not {raw!r}")


def parse_int(args: Params, name: str, default: int, low: int, high: int) -> int:
    """A whole number in ``low..high``."""
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


def parse_probability(args: Params, name: str, default: float = 0.0) -> float:
    """A number in 0..1 (``min_confidence=0.8``)."""
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise InputError(f"{name} must be a number between 0 and 1, not {raw!r}") from None
    if not 0.0 <= value <= 1.0:  # also rejects nan
        raise InputError(f"{name} must be between 0 and 1, not {raw!r}")
    return value


def parse_choice(args: Params, name: str, choices: tuple[str, ...], default: str) -> str:
    """One of ``choices`` (case-insensitive)."""
    raw = (args.get(name) or default).strip().lower()
    if raw not in choices:
        raise InputError(f"{name} must be one of {', '.join(choices)}, not {args.get(name)!r}")
    return raw


def parse_bbox(raw: str) -> tuple[float, float, float, float]:
    """``west,south,east,north`` in degrees (west > east crosses the antimeridian)."""
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


# Half the Earth's circumference: every place lies within this many km of any point.
MAX_NEAR_KM = 20_016


def parse_near(raw: str) -> tuple[float, float, float]:
    """``lat,lon,km``: a point in degrees and a radius in kilometres (above 0, at most half the globe)."""
    hint = "near must be lat,lon,km (a point in degrees and a radius in km), e.g. near=50.45,30.52,100"
    parts = raw.split(",")
    if len(parts) != 3:
        raise InputError(f"{hint}; got {raw!r}")
    try:
        lat, lon, km = (float(p) for p in parts)
    except ValueError:
        raise InputError(f"{hint}; got {raw!r}") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise InputError(f"{hint}; latitudes lie in -90..90 and longitudes in -180..180")
    if not 0 < km <= MAX_NEAR_KM:
        raise InputError(f"{hint}; km must be above 0 and at most {MAX_NEAR_KM}")
    return lat, lon, km


def parse_time(raw: str, name: str, *, end_of_day: bool) -> datetime:
    """A date or ISO 8601 time as naive UTC; a bare date with ``end_of_day`` means its last instant."""
    try:
        value = datetime.fromisoformat(raw.strip())
    except ValueError:
        raise InputError(f"{name} must be a date like 2024-05-31 or 2024-05-31T12:00:00, not {raw!r}") from None
    if len(raw.strip()) == _DATE_LENGTH and end_of_day:
        value = datetime.combine(value.date(), time.max)
    if value.tzinfo is not None:
        try:
            value = value.astimezone(UTC).replace(tzinfo=None)
        except OverflowError:
            raise InputError(f"{name} {raw.strip()!r} lies outside the years 1..9999 once converted to UTC") from None
    return value

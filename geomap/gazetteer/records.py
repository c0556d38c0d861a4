"""The compact form of one record in the index, and its conversion to ``Place``.

Each record is one string of separated fields: a quarter of a million of them
load in milliseconds, and only the ones a lookup returns become ``Place`` objects.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..models import Place

__all__ = ["FIELD_SEP", "LIST_SEP", "GEONAMEID_FIELD", "encode_record", "decode_record"]

FIELD_SEP = "\x1f"
LIST_SEP = "\x1e"
_FIELDS = (
    "id",
    "name",
    "asciiname",
    "kind",
    "geonameid",
    "feature_class",
    "feature_code",
    "country_code",
    "country_name",
    "admin1_code",
    "admin1_name",
    "population",
    "source",
)


GEONAMEID_FIELD = _FIELDS.index("geonameid")  # position of the GeoNames id in a stored record


def _clean(value: Any) -> str:
    text = "" if value is None else str(value)
    return text.replace(FIELD_SEP, " ").replace(LIST_SEP, " ")


def encode_record(rec: Mapping[str, Any], alternates: list[str]) -> str:
    """One record as a string (coordinates live in the index's arrays)."""
    fields = [_clean(rec.get(f)) for f in _FIELDS]
    fields.append(LIST_SEP.join(_clean(a) for a in alternates))
    return FIELD_SEP.join(fields)


def decode_record(text: str, lat: float, lon: float) -> Place:
    """The ``Place`` a stored string stands for.

    Arguments go by position, in ``Place``'s field order: keywords make building
    the frozen dataclass twice as slow, and lookups decode places on first use
    (``tests/test_gazetteer.py`` checks the order against ``Place``'s fields).
    """
    (pid, name, asciiname, kind, gid, fclass, fcode, cc, cname, a1code, a1name, pop, source, alts) = text.split(
        FIELD_SEP
    )
    return Place(
        pid,
        name,
        lat,
        lon,
        kind,
        int(gid) if gid else None,
        asciiname,
        fclass or None,
        fcode or None,
        cc or None,
        cname or None,
        a1code or None,
        a1name or None,
        int(pop) if pop else 0,
        tuple(alts.split(LIST_SEP)) if alts else (),
        source,
    )

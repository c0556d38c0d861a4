"""Where to put a name the caller says is a place but the gazetteer does not know: beside its neighbours.

Given spans (``Geoparser.resolve_spans``: gold-span evaluation, another tool's
NER) are places on the caller's word. A small place the gazetteer lacks
("Harwinton", "Tennessee Colony", "the Neches River") lies, in most texts, near
the local places named around it; a text about one town names its villages,
creeks and townships. So such a name is put at its *anchor*: the nearest (in
the text) place of city or county level the text names, else the most specific
place of the document's focus. The mention says it is ``approximate``: its
place is the anchor's record, not a record of the name.

Measured with the spans given (``geomap evaluate --gold-spans``), of the gold
names with no gazetteer record, 111 of 184 on LGL and 51 of 91 on
GeoVirus lie within 161 km of their anchor: hence ``APPROXIMATE_CONFIDENCE``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..models import FocusPlace, Place

__all__ = ["LOCAL_KINDS", "APPROXIMATE_CONFIDENCE", "anchor"]

LOCAL_KINDS = frozenset({"city", "admin2"})  # places specific enough to stand beside an unknown small one
APPROXIMATE_CONFIDENCE = 0.55  # share of anchored names within 161 km: LGL .60, GeoVirus .56 (above)
_FOCUS_ORDER = ("cities", "regions", "countries")  # most specific first


def anchor(start: int, local: Sequence[tuple[int, Place]], focus: Mapping[str, Sequence[FocusPlace]]) -> Place | None:
    """The place to put an unknown name at ``start``: the nearest ``local`` (offset, place), else the focus.

    ``local`` holds the text's resolved places of ``LOCAL_KINDS`` with their offsets; None when the
    text names no place at all.
    """
    if local:
        return min(local, key=lambda sp: abs(sp[0] - start))[1]
    for key in _FOCUS_ORDER:
        if focus.get(key):
            return focus[key][0].place
    return None

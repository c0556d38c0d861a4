"""Place index benchmark: first build time, cold load time, lookups per second, resident memory.

    python benchmarks/gazetteer.py            # builds a fresh index in a temporary folder first
    python benchmarks/gazetteer.py --no-build # measures the index at GEOMAP_GAZETTEER_DIR / the data dir
    python benchmarks/gazetteer.py --no-build --corpus ../shared/eval/LGL.jsonl  # + names as news writes them

Targets (issue 2): cold load ≤ 1 s, ≥ 100,000 lookups/s, ≥ 230,000 places.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from geomap.config import load_settings
from geomap.gazetteer import CompactPlaceIndex, build_index, get_gazetteer

_LOAD = """
import sys, time
t = time.perf_counter()
from geomap.gazetteer import CompactPlaceIndex
g = CompactPlaceIndex.load(sys.argv[1])
print(time.perf_counter() - t, len(g))
"""


def cold_load(directory: Path, runs: int) -> list[float]:
    """Seconds to import geomap.gazetteer and load the index, each in a fresh interpreter."""
    out = []
    for _ in range(runs):
        proc = subprocess.run([sys.executable, "-c", _LOAD, str(directory)], capture_output=True, text=True, check=True)
        out.append(float(proc.stdout.split()[0]))
    return out


def query_mix(gaz: CompactPlaceIndex, n: int, seed: int = 1) -> list[str]:
    """Names as text would give them: indexed names in mixed case, variants, and misses."""
    rng = random.Random(seed)
    names = []
    for _ in range(n):
        place = gaz.place(rng.randrange(len(gaz)))
        roll = rng.random()
        if roll < 0.6:
            names.append(place.name)
        elif roll < 0.8:
            names.append(place.name.upper())
        elif roll < 0.9:
            names.append(f"the {place.name}")
        else:
            names.append(f"{place.name}xq")  # a miss (also tries transliteration variants)
    return names


def _dict_gets_per_second(n: int = 1_000_000) -> float:
    """How fast this interpreter does the cheapest thing a lookup does (load and CPU contention show here)."""
    d = {"kharkiv": 1}
    t = time.perf_counter()
    for _ in range(n):
        d.get("kharkiv")
    return n / (time.perf_counter() - t)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-build", action="store_true", help="measure the existing index instead of building one")
    parser.add_argument("--lookups", type=int, default=200_000, help="lookups to time (default 200,000)")
    parser.add_argument("--loads", type=int, default=5, help="cold loads to time (default 5)")
    parser.add_argument(
        "--corpus",
        type=Path,
        action="append",
        default=[],
        help="also time lookups of the toponym names of this JSONL gold file (../shared/eval/*.jsonl)",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        directory = load_settings().gazetteer_path if args.no_build else Path(tmp)
        if args.no_build:
            get_gazetteer(quiet=True)  # builds it only if it is missing or stale
        else:
            t = time.perf_counter()
            build_index(directory, quiet=True)
            print(f"first build:      {time.perf_counter() - t:8.1f} s")
        loads = cold_load(directory, args.loads)
        print(
            f"cold load:        {statistics.median(loads):8.3f} s median of {len(loads)} "
            f"(min {min(loads):.3f}, max {max(loads):.3f}; import + unpickle in a fresh interpreter)"
        )
        t = time.perf_counter()
        gaz = CompactPlaceIndex.load(directory)
        print(f"warm load:        {time.perf_counter() - t:8.3f} s (this process)")
        print(f"places:           {len(gaz):8,d}   names: {gaz.info()['names']:,}")
        queries = query_mix(gaz, args.lookups)
        for label, note in (
            ("first pass", "each new name normalised and searched, each place decoded on first use"),
            ("second pass", "ranked places remembered per name"),
        ):
            hits = 0
            t = time.perf_counter()
            for q in queries:
                hits += bool(gaz.lookup(q))
            elapsed = time.perf_counter() - t
            print(
                f"lookups ({label}): {len(queries) / elapsed:8,.0f} /s ({len(queries):,} mixed queries, "
                f"{hits / len(queries):.0%} found; {note})"
            )
        t = time.perf_counter()
        known = sum(q in gaz for q in queries)
        print(
            f"membership tests: {len(queries) / (time.perf_counter() - t):8,.0f} /s (`name in gaz`, same queries, "
            f"{known / len(queries):.0%} known)"
        )
        for corpus in args.corpus:
            names = [
                t["name"]
                for line in corpus.open(encoding="utf-8")
                if line.strip()
                for t in json.loads(line)["toponyms"]
            ]
            t = time.perf_counter()
            for q in names:
                gaz.lookup(q)
            print(
                f"lookups ({corpus.stem}): {len(names) / (time.perf_counter() - t):8,.0f} /s "
                f"({len(names):,} toponyms as written in the texts)"
            )
        print(
            f"machine baseline: {_dict_gets_per_second():8,.0f} plain dict.get calls/s "
            "(compare lookups/s across machines)"
        )
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"peak RSS:         {rss_mb:8.0f} MB (this process: index loaded + lookups"
            f"{'' if args.no_build else ' + the build'})"
        )


if __name__ == "__main__":
    main()

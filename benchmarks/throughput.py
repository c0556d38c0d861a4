"""Geoparser throughput: words/s and docs/s end to end, with 1 and 2 processes.

    python benchmarks/throughput.py ../shared/eval/LGL.jsonl [--limit N] [--workers 1 2] [--repeat R]

Prints the model load time (spaCy pipeline + gazetteer, in a fresh process),
then per worker count: documents, words (whitespace-separated), seconds,
words/s, docs/s and the peak resident memory of the parent and its workers.
Each run parses the corpus texts ``--repeat`` times (default 2) so start-up is a
small share. Target (issue 3): ≥ 25,000 words/s with 2 processes.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
from pathlib import Path

_LOAD = """
import time
t = time.perf_counter()
from geomap.pipeline import Geoparser
Geoparser().load()
print(time.perf_counter() - t)
"""

_RUN = """
import json, resource, sys, time
from geomap.pipeline import Geoparser
texts = json.loads(sys.stdin.read())
workers = int(sys.argv[1])
gp = Geoparser().load()
gp.parse_many(texts[:8])  # warm the lookup cache path and the model once
t = time.perf_counter()
n = sum(1 for _ in gp.parse_many(texts, n_process=workers, batch_size=16))
dt = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss + resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"docs": n, "seconds": dt, "peak_kb": peak}))
"""


def _texts(path: Path, limit: int | None) -> list[str]:
    out = []
    for line in path.read_text(encoding="utf-8").split("\n"):
        if line.strip():
            out.append(json.loads(line)["text"])
            if limit and len(out) >= limit:
                break
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus", type=Path, help="JSONL with a 'text' per line")
    ap.add_argument("--limit", type=int, help="first N documents only")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--repeat", type=int, default=2, help="parse the texts this many times per run")
    args = ap.parse_args()
    texts = _texts(args.corpus, args.limit) * args.repeat
    words = sum(len(t.split()) for t in texts)
    load = float(subprocess.run([sys.executable, "-c", _LOAD], capture_output=True, text=True, check=True).stdout)
    print(f"corpus {args.corpus.name}: {len(texts)} documents ({args.repeat}x), {words:,} words")
    print(f"model + gazetteer load: {load:.2f} s")
    print("workers  seconds  words/s  docs/s  peak RSS (parent + workers, MB)")
    for w in args.workers:
        proc = subprocess.run(
            [sys.executable, "-c", _RUN, str(w)], input=json.dumps(texts), capture_output=True, text=True, check=True
        )
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        print(
            f"{w:<8} {r['seconds']:<8.2f} {words / r['seconds']:<8,.0f} {r['docs'] / r['seconds']:<7.1f} "
            f"{r['peak_kb'] / 1024:,.0f}"
        )
    print(f"(this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB)")


if __name__ == "__main__":
    main()

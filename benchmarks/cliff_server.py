"""CLIFF endpoint latency through Media Cloud's own client, and what the CLIFF extras cost.

    python benchmarks/cliff_server.py [--requests N] [--text FILE]

Serves the app under waitress on 127.0.0.1 (a thread, as in the tests), loads
the model and place index, then times ``N`` calls (default 20) of each:
``Cliff.parse_text(text)`` (default text: the bundled sample article),
``Cliff.parse_sentences`` on the same text split into lines, and
``Cliff.geonames_lookup(524901)``. Prints the median and 95th percentile per
call, and, in-process, how much of a ``parse/text`` answer is the geoparse
itself and how much the whole-text NER behind ``people``/``organizations``.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cliff.api import Cliff
from waitress.server import create_server

from geomap.api.services import EXTENSION, Services
from geomap.config import load_settings
from geomap.recognise.entities import ORGANIZATION, PERSON
from geomap.web import create_app

SEED = Path(__file__).resolve().parent.parent / "geomap" / "seeds" / "cyprus-mail-xi-moscow.txt"
MOSCOW = 524901
PERCENTILE_95 = 0.95


def _times(call: Callable[[], Any], n: int) -> list[float]:
    """Seconds per call, ``n`` calls after one warm-up call."""
    call()
    out = []
    for _ in range(n):
        t = time.perf_counter()
        call()
        out.append(time.perf_counter() - t)
    return out


def _report(label: str, seconds: list[float]) -> None:
    ordered = sorted(seconds)
    p95 = ordered[min(len(ordered) - 1, int(PERCENTILE_95 * len(ordered)))]
    print(f"{label:<40} median {statistics.median(ordered) * 1000:8.1f} ms   p95 {p95 * 1000:8.1f} ms")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=int, default=20, help="calls per endpoint (default 20)")
    ap.add_argument("--text", type=Path, default=SEED, help="text to parse (default: the bundled sample article)")
    args = ap.parse_args()
    text = args.text.read_text(encoding="utf-8")
    sentences = [line for line in text.splitlines() if line.strip()]

    app = create_app(load_settings(data_dir=Path(tempfile.mkdtemp(prefix="geomap-cliff-")), seed_on_first_run=False))
    services: Services = app.extensions[EXTENSION]
    t = time.perf_counter()
    services.parser.parse("Kyiv")
    print(f"model and place index loaded in {time.perf_counter() - t:.1f} s; text: {len(text):,} characters")

    server = create_server(app, host="127.0.0.1", port=0, threads=2)
    threading.Thread(target=server.run, daemon=True).start()
    client = Cliff(f"http://127.0.0.1:{server.effective_port}")  # type: ignore[union-attr]
    try:
        _report("Cliff.parse_text", _times(lambda: client.parse_text(text), args.requests))
        _report(
            f"Cliff.parse_sentences ({len(sentences)} sentences)",
            _times(lambda: client.parse_sentences(sentences), args.requests),
        )
        _report("Cliff.geonames_lookup(524901)", _times(lambda: client.geonames_lookup(MOSCOW), args.requests))
        _report("in-process: geoparse only", _times(lambda: services.parser.parse(text), args.requests))
        _report(
            "in-process: NER for people/organizations",
            _times(lambda: services.parser.entities(text, (PERSON, ORGANIZATION)), args.requests),
        )
    finally:
        server.close()


if __name__ == "__main__":
    main()

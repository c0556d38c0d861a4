"""Ingest on a Dask cluster: articles/s with 1 and 2 workers on this machine, beside the local path.

    python benchmarks/cluster.py [--workers 1 2] [--limit 588] [--batch-size 16] [--corpus LGL.jsonl]

Starts ``dask scheduler`` and N ``dask worker`` processes (one thread each,
no nanny) on 127.0.0.1, waits until each has loaded the geoparser (the
worker plugin, timed separately), then ingests LGL's texts
(../shared/eval/LGL.jsonl) into a fresh SQLite file through
``ingest_paths(..., scheduler=...)`` and prints articles/s and words/s. The
local figure (``--workers`` processes here, no cluster) is printed first for
comparison. Where the time goes: ``load`` is the workers' one-time set-up,
``ingest`` the run itself (parse on the workers, results shipped back,
written here in batches).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from distributed import Client

from geomap.config import load_settings
from geomap.ingest import ingest_paths
from geomap.ingest.cluster import PLUGIN_NAME, GeoparserPlugin
from geomap.store import open_store

LGL = Path(__file__).resolve().parent.parent.parent / "shared" / "eval" / "LGL.jsonl"


def _corpus(source: Path, limit: int, folder: Path) -> tuple[Path, int, int]:
    lines = source.read_text(encoding="utf-8").splitlines()[:limit]
    path = folder / "corpus.jsonl"
    path.write_text("\n".join(json.dumps({"text": json.loads(line)["text"]}) for line in lines), encoding="utf-8")
    words = sum(len(json.loads(line)["text"].split()) for line in lines)
    return path, len(lines), words


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start_cluster(workers: int, logs: Path) -> tuple[str, list[subprocess.Popen]]:
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    dask = [sys.executable, "-m", "dask"]
    commands = [[*dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"]]
    worker = [*dask, "worker", address, "--nthreads", "1", "--no-nanny", "--no-dashboard", "--host", "127.0.0.1"]
    commands += [worker] * workers
    procs = []
    for i, command in enumerate(commands):
        with (logs / f"p{i}.log").open("w") as out:
            procs.append(subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=os.environ.copy()))
        if i == 0:
            time.sleep(2)
    return address, procs


def _stop(procs: list[subprocess.Popen]) -> None:
    for proc in reversed(procs):
        proc.terminate()
    for proc in procs:
        proc.wait(timeout=30)


def _ingest(corpus: Path, folder: Path, **options: object) -> float:
    store = open_store(load_settings(data_dir=folder))
    try:
        started = time.perf_counter()
        report = ingest_paths([corpus], store, progress=False, **options)  # type: ignore[arg-type]
        assert report.ok, report.summary()
        return time.perf_counter() - started
    finally:
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--limit", type=int, default=588)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--corpus", type=Path, default=LGL, help="JSON Lines with a text per line (default: LGL)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="geomap-cluster-bench-") as tmp:
        root = Path(tmp)
        corpus, n, words = _corpus(args.corpus, args.limit, root)
        print(f"corpus: {n} LGL articles, {words:,} words; batch size {args.batch_size}")
        for workers in args.workers:
            seconds = _ingest(corpus, root / f"local{workers}", workers=workers, batch_size=args.batch_size)
            print(f"local, {workers} process(es): {n / seconds:.1f} articles/s, {words / seconds:,.0f} words/s")
        for workers in args.workers:
            logs = root / f"logs{workers}"
            logs.mkdir()
            address, procs = _start_cluster(workers, logs)
            try:
                started = time.perf_counter()
                with Client(address, timeout="30s") as client:
                    client.wait_for_workers(workers, timeout=120)
                    client.register_plugin(GeoparserPlugin(), name=PLUGIN_NAME)  # loads the geoparser on each
                load = time.perf_counter() - started
                seconds = _ingest(corpus, root / f"dask{workers}", scheduler=address, batch_size=args.batch_size)
                print(
                    f"dask, {workers} worker(s): {n / seconds:.1f} articles/s, {words / seconds:,.0f} words/s "
                    f"(ingest {seconds:.1f} s; workers' one-time load {load:.1f} s)"
                )
            finally:
                _stop(procs)


if __name__ == "__main__":
    main()

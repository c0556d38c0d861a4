"""Ingest on a real Dask cluster (a scheduler and two workers on 127.0.0.1) stores what a local run stores.

Each worker loads the real geoparser once (the worker plugin); the test
compares the stored mentions article by article with a local run, and kills
a worker in the middle of a run: its batches move to the other worker and
nothing is lost or stored twice.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from geomap.config import load_settings
from geomap.ingest import ingest_paths
from geomap.pipeline import Geoparser
from geomap.store import Store, open_store

pytest.importorskip("distributed", reason="the 'cluster' extra (dask, distributed) is not installed")
pytestmark = pytest.mark.slow

TOWNS = ["Kyiv", "Odesa", "Lviv", "Kharkiv", "Geneva", "Istanbul", "Warsaw", "Berlin", "Paris", "Madrid", "Nairobi"]


def _corpus(folder: Path, n: int) -> Path:
    """``n`` distinct short news items as JSON Lines."""
    import json

    folder.mkdir(parents=True, exist_ok=True)
    lines = []
    for i in range(n):
        a, b = TOWNS[i % len(TOWNS)], TOWNS[(i * 7 + 3) % len(TOWNS)]
        text = (
            f"Report {i}: officials in {a} met envoys from {b} on Tuesday. "
            f"Trains between {a} and {b} ran late after storms crossed the region, "
            "and the ministry said repairs would take a week."
        )
        lines.append(json.dumps({"title": f"Item {i}", "text": text}))
    path = folder / "items.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Cluster:
    """``dask scheduler`` and two ``dask worker`` processes (no nanny: a killed worker stays dead)."""

    def __init__(self, logs: Path) -> None:
        self.address = f"tcp://127.0.0.1:{_free_port()}"
        port = self.address.rsplit(":", 1)[1]
        dask = [sys.executable, "-m", "dask"]
        self.procs: list[subprocess.Popen] = []
        self._start([*dask, "scheduler", "--host", "127.0.0.1", "--port", port, "--no-dashboard"], logs / "scheduler")
        worker = [*dask, "worker", self.address, "--nthreads", "1", "--no-nanny", "--no-dashboard"]
        worker += ["--host", "127.0.0.1", "--memory-limit", "0"]
        self.workers = [self._start(worker, logs / f"worker{i}") for i in range(2)]
        self._wait_for_workers(2)

    def _start(self, command: list[str], log: Path) -> subprocess.Popen:
        with log.open("w") as out:
            proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=os.environ.copy())
        self.procs.append(proc)
        return proc

    def _wait_for_workers(self, n: int) -> None:
        from distributed import Client

        deadline = time.monotonic() + 60
        while True:
            try:
                with Client(self.address, timeout="5s") as client:
                    client.wait_for_workers(n, timeout=max(1, deadline - time.monotonic()))
                    return
            except OSError:
                assert time.monotonic() < deadline, "the Dask cluster did not start"
                time.sleep(0.5)

    def stop(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture()
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    logs = tmp_path / "logs"
    logs.mkdir()
    c = Cluster(logs)
    yield c
    c.stop()


@pytest.fixture(scope="module")
def parser() -> Geoparser:
    return Geoparser(load_settings()).load()


def _stored(store: Store) -> dict[str, list[tuple]]:
    """Per article text: its mentions as (start, end, surface, place id, kind)."""
    out = {}
    total = store.articles(limit=1).total
    for ref in store.articles(limit=max(1, total)).items:
        article = store.article(ref["id"])
        assert article is not None
        out[article["text"]] = [
            (m["start"], m["end"], m["text"], (m.get("place") or {}).get("id"), m["kind"]) for m in article["mentions"]
        ]
    return out


def _store(folder: Path) -> Store:
    return open_store(load_settings(data_dir=folder))


def test_cluster_ingest_equals_local_ingest_article_by_article(tmp_path, cluster, parser):
    corpus = _corpus(tmp_path / "in", 30)
    local, remote = _store(tmp_path / "local"), _store(tmp_path / "remote")
    try:
        ingest_paths([corpus], local, parser=parser, progress=False, batch_size=4)
        report = ingest_paths([corpus], remote, progress=False, batch_size=4, scheduler=cluster.address)
        assert report.ok and report.ingested == 30, report.summary()
        assert _stored(remote) == _stored(local)
        again = ingest_paths([corpus], remote, progress=False, batch_size=4, scheduler=cluster.address)
        assert again.ingested == 0 and again.duplicates == 30  # idempotent, as locally
    finally:
        local.close()
        remote.close()


def test_a_worker_killed_mid_run_loses_and_doubles_nothing(tmp_path, cluster, parser):
    n = 240
    corpus = _corpus(tmp_path / "in", n)
    local, remote = _store(tmp_path / "local"), _store(tmp_path / "remote")
    result: dict = {}

    def run() -> None:
        result["report"] = ingest_paths([corpus], remote, progress=False, batch_size=2, scheduler=cluster.address)

    try:
        thread = threading.Thread(target=run)
        thread.start()
        watcher = _store(tmp_path / "remote")
        deadline = time.monotonic() + 120
        while watcher.articles(limit=1).total == 0:  # the first batches are stored: the run is under way
            assert thread.is_alive() and time.monotonic() < deadline
            time.sleep(0.05)
        watcher.close()
        victim = cluster.workers[0]
        victim.send_signal(signal.SIGKILL)
        victim.wait()
        thread.join(timeout=300)
        assert not thread.is_alive()
        report = result["report"]
        assert report.ok and report.ingested == n and report.duplicates == 0, report.summary()
        ingest_paths([corpus], local, parser=parser, progress=False, batch_size=8)
        assert _stored(remote) == _stored(local)
    finally:
        local.close()
        remote.close()


def test_an_unreachable_scheduler_is_a_clear_error(tmp_path):
    from geomap.errors import IngestError

    store = _store(tmp_path / "s")
    try:
        with pytest.raises(IngestError, match="cannot reach the Dask scheduler"):
            ingest_paths(
                [_corpus(tmp_path / "in", 1)], store, progress=False, scheduler=f"tcp://127.0.0.1:{_free_port()}"
            )
    finally:
        store.close()


def test_extract_on_the_cluster_prints_what_a_local_extract_prints(tmp_path, cluster):
    from click.testing import CliRunner

    from geomap.cli import cli

    corpus = _corpus(tmp_path / "in", 20)
    outputs = {}
    for name, extra in (("local", []), ("cluster", ["--scheduler", cluster.address])):
        out = tmp_path / f"{name}.jsonl"
        result = CliRunner().invoke(cli, ["extract", str(corpus), "-o", str(out), *extra])
        assert result.exit_code == 0, result.output
        outputs[name] = out.read_text(encoding="utf-8").splitlines()
    assert len(outputs["local"]) == 20 and outputs["cluster"] == outputs["local"]

"""Crash safety: ``geomap ingest`` killed with SIGKILL mid-run, then run again."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from geomap.config import load_settings

pytestmark = pytest.mark.slow  # kills real geomap ingest processes

CLI = [sys.executable, "-c", "from geomap.cli import main; main()"]
N = 1000


def _count(db) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as con:
            return con.execute("SELECT count(*) FROM articles").fetchone()[0]
    except sqlite3.OperationalError:  # not created yet
        return 0


def test_sigkill_mid_ingest_then_rerun_stores_exactly_the_rest(tmp_path):
    corpus = tmp_path / "tiny.jsonl"
    corpus.write_text(
        "\n".join(json.dumps({"text": f"Note {i}: rain in Kyiv, sun in Odesa."}) for i in range(N)), encoding="utf-8"
    )
    db = load_settings().data_dir / "geomap.sqlite"
    command = [*CLI, "ingest", str(corpus), "--batch-size", "10", "--no-progress", "--json"]

    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 240
    while _count(db) < 50:  # let a few batches commit, then kill
        assert proc.poll() is None, proc.stderr.read().decode()
        assert time.monotonic() < deadline, "the ingest stored nothing in time"
        time.sleep(0.005)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    stored = _count(db)
    assert 50 <= stored < N, f"the kill came too late ({stored} stored)"
    with sqlite3.connect(db) as con:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    rerun = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    report = json.loads(rerun.stdout)
    assert (report["ingested"], report["duplicates"], report["failed"]) == (N - stored, stored, [])

    with sqlite3.connect(db) as con:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert con.execute("SELECT count(*), count(DISTINCT content_hash) FROM articles").fetchone() == (N, N)
        # No article was half-written: each has its mentions, and the maintained counts match them.
        assert con.execute(
            "SELECT count(*) FROM articles WHERE id NOT IN (SELECT article_id FROM mentions WHERE place_id IS NOT NULL)"
        ).fetchone() == (0,)
        stats = dict(con.execute("SELECT place_id, mentions FROM place_stats WHERE all_kinds = 0").fetchall())
        counted = dict(
            con.execute(
                "SELECT place_id, count(*) FROM mentions WHERE kind = 'toponym' AND place_id IS NOT NULL "
                "GROUP BY place_id"
            )
        )
        assert stats == counted and len(stats) >= 2

"""The one process pool and batching loop (geomap/parallel.py): order, bounds, workers that die with the parent."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pytest

from geomap.parallel import InlineExecutor, batched, pipelined, worker_pool

_STATE: dict[str, Any] = {}


def _remember(value: str) -> None:
    _STATE["value"] = value


def _tagged(item: int) -> tuple[int, str, int]:
    return item, _STATE["value"], os.getpid()


def test_batched_cuts_a_stream_lazily() -> None:
    seen: list[int] = []

    def stream():
        for i in range(7):
            seen.append(i)
            yield i

    batches = batched(stream(), 3)
    assert next(batches) == [0, 1, 2]
    assert seen == [0, 1, 2]  # nothing read beyond the first batch
    assert list(batches) == [[3, 4, 5], [6]]
    assert list(batched([], 3)) == []
    with pytest.raises(ValueError):
        list(batched([1], 0))


class _CountingPool:
    """Records how many tasks were in flight when each was submitted."""

    def __init__(self) -> None:
        self.pending: list[Future] = []
        self.most = 0

    def submit(self, fn, /, *args):
        future: Future = Future()
        self.pending.append(future)
        self.most = max(self.most, sum(not f.done() for f in self.pending))
        future.set_result(fn(*args)) if len(self.pending) % 2 else None
        return _Late(future, fn, args)


class _Late:
    """A result that is only computed when asked for (a task still running)."""

    def __init__(self, future: Future, fn, args) -> None:
        self.future, self.fn, self.args = future, fn, args

    def result(self):
        if not self.future.done():
            self.future.set_result(self.fn(*self.args))
        return self.future.result()


def test_pipelined_keeps_order_and_bounds_tasks_in_flight() -> None:
    pool = _CountingPool()
    out = list(pipelined(pool, lambda x: x * x, range(20), ahead=3))
    assert out == [(i, i * i) for i in range(20)]
    assert pool.most <= 3


def test_inline_executor_carries_exceptions() -> None:
    future = InlineExecutor().submit(int, "x")
    with pytest.raises(ValueError):
        future.result()


def test_one_worker_runs_here_without_the_initializer() -> None:
    _STATE.clear()
    with worker_pool(1, _remember, forked_args=("forked",), spawned_args=("spawned",)) as pool:
        assert pool.submit(os.getpid).result() == os.getpid()
    assert _STATE == {}  # the initializer's process-wide state is never set in this process


def test_workers_are_set_up_once_each_and_keep_order() -> None:
    loaded: list[str] = []
    with worker_pool(
        2, _remember, forked_args=("forked",), spawned_args=("spawned",), before_fork=lambda: loaded.append("x")
    ) as pool:
        results = list(pipelined(pool, _tagged, range(10), ahead=4))
    assert [item for item, _ in results] == list(range(10))
    assert {value for _, (_, value, _) in results} == {"forked"}
    assert os.getpid() not in {pid for _, (_, _, pid) in results}
    assert loaded == ["x"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parent-death signal is Linux's")
def test_workers_die_with_a_killed_parent(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    script = textwrap.dedent(
        f"""
        import os, time
        from pathlib import Path
        from geomap.parallel import worker_pool
        with worker_pool(2, int, forked_args=(), spawned_args=()) as pool:
            pids = {{pool.submit(os.getpid).result() for _ in range(20)}}
            Path({str(pids)!r}).write_text(" ".join(map(str, pids)))
            time.sleep(60)
        """
    )
    parent = subprocess.Popen([sys.executable, "-c", script])
    try:
        deadline = time.monotonic() + 30
        while not pids.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        workers = [int(p) for p in pids.read_text().split()]
        assert workers
    finally:
        parent.send_signal(signal.SIGKILL)
        parent.wait()
    deadline = time.monotonic() + 10
    while any(_alive(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [p for p in workers if _alive(p)]


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"

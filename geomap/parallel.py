"""The one process pool and the one batching loop geomap uses wherever work is split.

``worker_pool`` starts worker processes that load their state once (the
geoparser) through an initializer: forked where the platform can (the
workers then share the parent's loaded model and index), spawned elsewhere.
Every worker ignores Ctrl-C (the parent stops the pool) and, on Linux, dies
with its parent, so a killed run never leaves workers behind. With one
worker, the "pool" runs each task in this process, so callers have one code
path (the task they submit then carries its state, see ``worker_pool``).
``batched`` cuts a stream into lists; ``pipelined`` keeps a bounded number of
tasks in flight and yields results in input order.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import signal
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager
from multiprocessing.context import BaseContext
from typing import Any, Protocol, TypeVar

__all__ = ["batched", "pipelined", "worker_pool", "InlineExecutor", "Submitter"]

T = TypeVar("T")
R = TypeVar("R")

_PR_SET_PDEATHSIG = 1  # prctl option: the signal a process gets when its parent dies


class Submitter(Protocol):
    """Anything that starts a task and hands back something with ``result()``: a pool, a Dask client."""

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> Any: ...


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """``items`` in lists of ``size`` (the last one shorter), read lazily."""
    if size < 1:
        raise ValueError("batch size must be at least 1")
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def pipelined(pool: Submitter, fn: Callable[[T], R], items: Iterable[T], *, ahead: int) -> Iterator[tuple[T, R]]:
    """(item, ``fn(item)``) in input order, with at most ``ahead`` tasks in flight.

    The caller's work between results (writing a batch) overlaps with the
    workers' next tasks; the bound keeps memory flat on an endless stream.
    """
    window: deque[tuple[T, Any]] = deque()
    for item in items:
        window.append((item, pool.submit(fn, item)))
        while len(window) >= max(1, ahead):
            done, future = window.popleft()
            yield done, future.result()
    while window:
        done, future = window.popleft()
        yield done, future.result()


class InlineExecutor(Executor):
    """Runs each task at once in this process: the one-worker case of ``worker_pool``."""

    def submit(self, fn: Callable[..., R], /, *args: Any, **kwargs: Any) -> Future[R]:
        future: Future[R] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:
            future.set_exception(exc)
        return future


def _start_worker(initializer: Callable[..., None], initargs: tuple[Any, ...]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops the pool; no traceback per worker
    if sys.platform.startswith("linux"):  # a SIGKILLed parent must not leave workers behind
        ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    initializer(*initargs)


@contextmanager
def worker_pool(
    workers: int,
    initializer: Callable[..., None],
    *,
    forked_args: tuple[Any, ...],
    spawned_args: tuple[Any, ...],
    before_fork: Callable[[], object] | None = None,
) -> Iterator[Executor]:
    """An executor of ``workers`` processes, each set up once by ``initializer``.

    ``forked_args`` go to the initializer when workers are forked (they may hold
    loaded, unpicklable state, which the children inherit); ``spawned_args`` when
    they are spawned (they must pickle). ``before_fork`` loads that state first.
    Workers start before this returns (before the caller starts any thread). One
    worker: tasks run in this process and no initializer runs (its state is
    process-wide, which threads of this process must not share), so the caller
    submits a task that carries its state instead.
    """
    if workers <= 1:
        yield InlineExecutor()
        return
    context: BaseContext
    if "fork" in multiprocessing.get_all_start_methods():
        if before_fork is not None:
            before_fork()
        context, args = multiprocessing.get_context("fork"), forked_args
    else:
        context, args = multiprocessing.get_context("spawn"), spawned_args
    setup = (initializer, args)
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker, initargs=setup) as pool:
        pool.submit(int).result()  # start the workers now
        yield pool

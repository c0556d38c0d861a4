"""Pre-forked waitress processes sharing one listening socket (``geomap serve --workers N``).

One Python process serves at most one core's worth of requests, and under
many connections its threads queue for the GIL. The parent binds the socket
once, then forks N children; each builds its own app (its own store
connections and response cache, opened after the fork) and runs waitress on
the inherited socket, so the kernel hands each new connection to whichever
child accepts it first. The parent only supervises: it restarts a child that
dies, gives up if a child dies right after starting (the same error would
repeat), and on Ctrl-C or SIGTERM stops every child before it exits. Children
also get SIGTERM if the parent is killed outright (Linux), so none is orphaned.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import socket
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..config import Settings
from ..errors import GeomapError

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

__all__ = ["can_fork", "default_workers", "listen", "run_waitress", "serve_forked", "waitress_limits"]

_STARTUP_SECONDS = 1.0  # a child that dies sooner than this after its start is not restarted (a setup error)
_STOP_SECONDS = 10.0  # how long stopping children may take before they are killed
_STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT}
_SEND_BYTES = 256 * 1024  # answers smaller than this are sent whole by waitress's I/O thread (see run_waitress)


class _Stop(Exception):
    """Raised in the parent by SIGTERM or SIGINT."""


def default_workers() -> int:
    """The usable CPUs, at most 8: reads scale with cores; each worker that geoparses holds its own model."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(usable, 8))


def can_fork() -> bool:
    """Whether this platform can pre-fork workers."""
    return hasattr(os, "fork")


def listen(host: str, port: int) -> socket.socket:
    """Bind and listen once (IPv4 or IPv6 by the address given); OSError when the port is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    return socket.create_server((host, port), family=family, backlog=1024)


def waitress_limits(settings: Settings) -> dict[str, Any]:
    """waitress's limits from the settings, so they hold before any request reaches the app.

    - ``max_request_body_size``: a larger body is refused while its headers are
      read (waitress's default, 1 GiB, read and spooled it to disk first).
    - ``connection_limit`` and ``channel_timeout``: slow or idle clients hold a
      connection slot (never a request thread) and lose it after the timeout,
      so a few hundred half-open connections cannot lock others out.
    - ``asyncore_use_poll``: ``select()`` cannot watch more than 1024 sockets.
    """
    return {
        "max_request_body_size": settings.max_request_bytes,
        "connection_limit": settings.connection_limit,
        "channel_timeout": settings.channel_timeout,
        "cleanup_interval": max(1, min(30, settings.channel_timeout // 2)),
        "asyncore_use_poll": True,
    }


def run_waitress(app: WSGIApplication, sock: socket.socket, threads: int, *, limits: Settings | None = None) -> None:
    """waitress on an already listening socket until SIGTERM/SIGINT (both stop it cleanly).

    ``limits`` (default: ``Settings()``) sets the body size, connection and
    timeout limits (``waitress_limits``).

    Two settings, both measured under 50 back-to-back clients:

    - waitress logs a warning for every request that waits for a free thread;
      under a burst that is one formatted log line per request, written by the
      one thread that does all the socket work (an eighth of its time). A queue
      is normal under load, so only its errors are logged.
    - By default a request thread sends each piece of its answer itself,
      holding the connection's buffer lock; meanwhile the I/O thread sees the
      connection writable, cannot take the lock, and polls again, holding the
      GIL the sender needs to finish. Now and then a process fell into that
      loop for good (about 300 requests/s instead of 10,000+). With
      ``send_bytes`` above the size of an answer, request threads only buffer
      and the I/O thread sends each answer in one piece: no collapse in 18 runs
      and more throughput. 256 KiB stays under waitress's 1 MiB spill-to-disk
      threshold; larger bodies are still sent as they are produced.
    """
    from waitress import create_server
    from waitress.adjustments import Adjustments

    from .refusals import JsonRefusalChannel

    tuning = {"send_bytes": _SEND_BYTES} if hasattr(Adjustments, "send_bytes") else {}  # deprecated upstream
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    signal.signal(signal.SIGTERM, _raise_exit)
    server = create_server(
        app,
        sockets=[sock],
        threads=threads,
        ident="geomap",
        **waitress_limits(limits or Settings()),
        **tuning,
    )
    server.channel_class = JsonRefusalChannel  # waitress's own refusals (413 before the body) in JSON
    server.run()


def _raise_exit(signum: int, frame: object) -> None:
    raise SystemExit(0)


def _raise_stop(signum: int, frame: object) -> None:
    raise _Stop(signum)


def _die_with_parent(parent: int) -> None:
    """Ask Linux to SIGTERM this child when the parent dies; exit at once if it already has."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:
        os._exit(0)


def _child(
    make_app: Callable[[], WSGIApplication], sock: socket.socket, threads: int, parent: int, limits: Settings | None
) -> None:
    """Body of a forked worker; never returns."""
    code = 0
    try:
        signal.signal(signal.SIGTERM, _raise_exit)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)
        _die_with_parent(parent)
        run_waitress(make_app(), sock, threads, limits=limits)
    except (SystemExit, KeyboardInterrupt):
        pass
    except BaseException as exc:  # reported in one line; the parent decides what follows
        print(f"geomap: worker {os.getpid()} failed: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
        code = 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _spawn(make_app: Callable[[], WSGIApplication], sock: socket.socket, threads: int, limits: Settings | None) -> int:
    """Fork a worker. The stop signals stay blocked until the child has its own handlers: one
    arriving in between would otherwise run the parent's handler in the child."""
    parent = os.getpid()
    signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
    try:
        pid = os.fork()
        if pid == 0:
            _child(make_app, sock, threads, parent, limits)
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)
    return pid


def _stop_all(children: dict[int, float]) -> None:
    """SIGTERM every child, wait for them, SIGKILL any still running after ``_STOP_SECONDS``."""
    for pid in children:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + _STOP_SECONDS
    while children and time.monotonic() < deadline:
        pid, _ = os.waitpid(-1, os.WNOHANG)
        if pid:
            children.pop(pid, None)
        else:
            time.sleep(0.05)
    for pid in children:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    children.clear()


def _describe(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"was killed by signal {os.WTERMSIG(status)}"
    return f"exited with code {os.waitstatus_to_exitcode(status)}"


def serve_forked(
    make_app: Callable[[], WSGIApplication],
    sock: socket.socket,
    workers: int,
    threads: int,
    say: Callable[[str], None],
    *,
    limits: Settings | None = None,
) -> None:
    """Fork ``workers`` children serving ``sock`` and supervise them until SIGTERM or Ctrl-C.

    ``make_app`` runs in each child after the fork. Raises GeomapError when a
    child dies within seconds of its start (a broken setup, not a crash to retry).
    """
    children: dict[int, float] = {}  # pid -> when it started
    previous = {s: signal.signal(s, _raise_stop) for s in _STOP_SIGNALS}
    try:
        for _ in range(workers):
            children[_spawn(make_app, sock, threads, limits)] = time.monotonic()
        while True:
            pid, status = os.wait()
            started = children.pop(pid, None)
            if started is None:
                continue
            if time.monotonic() - started < _STARTUP_SECONDS:
                raise GeomapError(
                    f"worker {pid} {_describe(status)} right after starting; "
                    "see its message above (stopping the other workers)"
                )
            say(f"geomap: worker {pid} {_describe(status)}; starting a new one")
            children[_spawn(make_app, sock, threads, limits)] = time.monotonic()
    except _Stop:
        say("geomap: stopping the workers")
    finally:
        for sig in previous:  # a second Ctrl-C or SIGTERM must not cut the stopping short
            signal.signal(sig, signal.SIG_IGN)
        _stop_all(children)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        sock.close()

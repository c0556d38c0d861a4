"""``geomap serve --workers 2``: both processes answer, share fresh data, stop together, replace a dead one.

Which process answers a connection is read from /proc (the child holding the
server side of that TCP connection), so the server needs no debug header.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from geomap.config import load_settings
from geomap.models import Article, Mention, ParsedDocument, Place
from geomap.store import open_store

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads Linux /proc"),
]  # starts geomap serve --workers 2

KYIV = Place("gn:703448", "Kyiv", 50.45466, 30.5238, "city", geonameid=703448, country_code="UA")


class Server:
    """A ``geomap serve --workers 2`` subprocess (its own session, so a group Ctrl-C reaches only it)."""

    def __init__(self, data_dir: Path) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        env = {**os.environ, "GEOMAP_DATA_DIR": str(data_dir), "GEOMAP_SEED_ON_FIRST_RUN": "0", "GEOMAP_API_KEY": "k"}
        command = [
            sys.executable,
            "-c",
            "from geomap.cli import main; main()",
            "serve",
            "--port",
            str(self.port),
            "--workers",
            "2",
            "--threads",
            "2",
        ]
        self.log = data_dir / "serve.log"
        with self.log.open("w") as log:
            self.proc = subprocess.Popen(command, env=env, stderr=log, start_new_session=True)
        deadline = time.monotonic() + 30
        while len(self.children()) < 2 or not self._answers():
            assert self.proc.poll() is None and time.monotonic() < deadline, self.log.read_text()
            time.sleep(0.1)

    def _answers(self) -> bool:
        try:
            conn = self.connect()
        except OSError:
            return False
        try:
            return self.get(conn, "/api/health")[0] == 200
        finally:
            conn.close()

    def children(self) -> set[int]:
        """Live processes whose parent is the server."""
        found = set()
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.proc.pid and fields[0] != "Z":
                found.add(int(stat.parent.name))
        return found

    def connect(self) -> http.client.HTTPConnection:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        conn.connect()
        return conn

    @staticmethod
    def get(conn: http.client.HTTPConnection, path: str) -> tuple[int, dict]:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, json.loads(resp.read())

    def owner(self, conn: http.client.HTTPConnection) -> int:
        """The child process that accepted ``conn`` (it holds the socket of the server's side)."""
        client_port = conn.sock.getsockname()[1]
        want = f"0100007F:{self.port:04X} 0100007F:{client_port:04X}"
        inode = next(
            line.split()[9]
            for line in Path("/proc/net/tcp").read_text().splitlines()[1:]
            if " ".join(line.split()[1:3]) == want
        )
        for pid in self.children():
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                try:
                    if os.readlink(fd) == f"socket:[{inode}]":
                        return pid
                except OSError:
                    continue
        raise AssertionError(f"no worker holds connection {want}")

    def one_connection_per_worker(self) -> dict[int, http.client.HTTPConnection]:
        """Keep-alive connections until each worker holds one (the kernel picks the accepting worker)."""
        held: dict[int, http.client.HTTPConnection] = {}
        spare = []
        for _ in range(200):
            conn = self.connect()
            assert self.get(conn, "/api/health")[0] == 200
            pid = self.owner(conn)
            if pid in held:
                spare.append(conn)
            else:
                held[pid] = conn
            if len(held) == 2:
                break
        for conn in spare:
            conn.close()
        assert len(held) == 2, "200 connections all went to one worker"
        return held

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
        self.proc.wait(timeout=20)


@pytest.fixture()
def server(tmp_path: Path) -> Iterator[Server]:
    text = "Air raid alerts sounded in Kyiv."
    mention = Mention(27, 31, "Kyiv", text, KYIV, 0.9)
    store = open_store(load_settings(data_dir=tmp_path))
    store.add(
        Article(text=text, title="Alerts", published=datetime(2024, 2, 1)),
        ParsedDocument(text=text, mentions=[mention], focus={}),
    )
    store.close()
    srv = Server(tmp_path)
    yield srv
    srv.stop()


def _kyiv_mentions(srv: Server, conn: http.client.HTTPConnection) -> int:
    status, body = srv.get(conn, "/api/places?q=Kyiv")
    assert status == 200
    return body["items"][0]["mentions"]


def test_write_through_one_worker_is_read_fresh_through_the_other(server: Server) -> None:
    (writer, conn_a), (_, conn_b) = server.one_connection_per_worker().items()
    for conn in (conn_a, conn_b, conn_a, conn_b):  # each worker answers, then holds the answer in its cache
        assert _kyiv_mentions(server, conn) == 1
    body = json.dumps({"title": "Kyiv again", "text": "Officials in Kyiv said the power was back."})
    conn_a.request(
        "POST", "/api/articles", body=body, headers={"Content-Type": "application/json", "Authorization": "Bearer k"}
    )
    resp = conn_a.getresponse()
    assert resp.status == 201, resp.read()
    resp.read()
    assert server.owner(conn_a) == writer
    assert _kyiv_mentions(server, conn_b) == 2 and _kyiv_mentions(server, conn_a) == 2


def test_sigterm_stops_every_process(server: Server) -> None:
    children = server.children()
    assert len(children) == 2
    server.proc.send_signal(signal.SIGTERM)
    assert server.proc.wait(timeout=20) == 0
    assert not any(Path(f"/proc/{pid}").exists() for pid in children)


def test_ctrl_c_stops_every_process(server: Server) -> None:
    children = server.children()
    os.killpg(server.proc.pid, signal.SIGINT)  # what a terminal does: the whole process group gets it
    assert server.proc.wait(timeout=20) == 0
    assert not any(Path(f"/proc/{pid}").exists() for pid in children)
    assert "Traceback" not in server.log.read_text()


def test_a_dead_worker_is_replaced(server: Server) -> None:
    time.sleep(1.2)  # past the start-up window in which a dying worker means a broken setup
    victim = min(server.children())
    os.kill(victim, signal.SIGKILL)
    deadline = time.monotonic() + 20
    while True:
        children = server.children()
        if len(children) == 2 and victim not in children:
            break
        assert time.monotonic() < deadline, children
        time.sleep(0.1)
    assert server.proc.poll() is None
    assert len(server.one_connection_per_worker()) == 2
    assert f"worker {victim} was killed by signal 9; starting a new one" in server.log.read_text()


def test_a_worker_dying_at_start_stops_the_server() -> None:
    """A broken setup would kill every replacement too: the parent stops everything and says why."""
    script = (
        "import sys\n"
        "from geomap.errors import GeomapError\n"
        "from geomap.web.workers import listen, serve_forked\n"
        "def broken():\n"
        "    raise RuntimeError('no store here')\n"
        "try:\n"
        "    serve_forked(broken, listen('127.0.0.1', 0), 2, 1, print)\n"
        "except GeomapError as exc:\n"
        "    print('ERROR', exc.message)\n"
        "    sys.exit(1)\n"
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=30, check=False)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "failed: RuntimeError: no store here" in run.stderr
    assert "exited with code 1 right after starting" in run.stdout and "Traceback" not in run.stderr

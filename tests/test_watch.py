"""``geomap watch`` against a local HTTP server whose feed changes between polls."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest
from localhttp import QuietHandler, local_server

from geomap.config import load_settings
from geomap.errors import InputError
from geomap.ingest.watch import WatchedSource, parse_interval, read_source_list, watch
from geomap.pipeline import Geoparser
from geomap.store import open_store

ITEMS = [
    ("Storm", "A storm closed the port of Odesa on Monday."),
    ("Talks", "Envoys met in Geneva to discuss grain exports."),
    ("Trains", "Trains between Lviv and Warsaw ran again."),
]


def _rss(items: list[tuple[str, str]]) -> bytes:
    entries = "".join(
        f"<item><title>{t}</title><link>http://news.example/{t}</link><description>{d}</description></item>"
        for t, d in items
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>{entries}</channel></rss>'.encode()


class _Feed(QuietHandler):
    """/feed: the current items with an ETag (304 when the client has it); /slow hangs; /junk is garbage."""

    items: ClassVar[list[tuple[str, str]]] = []
    etag: ClassVar[str] = '"v1"'
    seen: ClassVar[list[dict[str, str]]] = []

    def do_GET(self) -> None:
        if self.path == "/slow":
            time.sleep(3)
            self.reply(b"late", "text/plain")
            return
        if self.path == "/junk":
            self.reply(b"\x00\x01\x02garbage\xff" * 50, "application/rss+xml")
            return
        type(self).seen.append(dict(self.headers))
        if self.headers.get("If-None-Match") == self.etag:
            self.send_response(304)
            self.send_header("ETag", self.etag)
            self.end_headers()
            return
        body = _rss(self.items)
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("ETag", self.etag)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture()
def feed() -> Iterator[str]:
    _Feed.items, _Feed.etag, _Feed.seen = ITEMS[:2], '"v1"', []
    with local_server(_Feed) as address:
        yield f"http://{address}"


@pytest.fixture(scope="module")
def parser() -> Geoparser:
    return Geoparser(load_settings()).load()


def test_intervals_and_source_lists(tmp_path: Path) -> None:
    assert [parse_interval(t) for t in ("90", "30s", "15m", "2h", "1d")] == [90, 30, 900, 7200, 86400]
    for bad in ("soon", "0", "-5m"):
        with pytest.raises(InputError):
            parse_interval(bad)
    listing = tmp_path / "feeds.txt"
    listing.write_text("# wires\nhttp://a.example/rss\n\nhttp://b.example/atom  # night desk\n", encoding="utf-8")
    sources = read_source_list([str(listing), "http://c.example/feed"])
    assert [s.location for s in sources] == ["http://a.example/rss", "http://b.example/atom", "http://c.example/feed"]


@pytest.mark.slow
def test_second_poll_is_conditional_and_stores_only_the_new_entry(feed, parser, caplog) -> None:
    caplog.set_level(logging.INFO, logger="geomap")
    store = open_store()
    source = WatchedSource(f"{feed}/feed")
    run = {"every": 60.0, "stop": threading.Event(), "once": True, "parser": parser}
    try:
        assert watch([source], store, **run).ingested == 2
        unchanged = watch([source], store, **run)
        assert unchanged.ingested == 0 and _Feed.seen[-1].get("If-None-Match") == '"v1"'
        assert "not modified" in caplog.text
        _Feed.items, _Feed.etag = ITEMS, '"v2"'  # the feed gains one entry
        changed = watch([source], store, **run)
        assert _Feed.seen[-1].get("If-None-Match") == '"v1"'
        assert changed.ingested == 1 and changed.duplicates == 2
        assert sorted(a["title"] for a in store.articles().items) == ["Storm", "Talks", "Trains"]
        assert "1 new, 2 already stored" in caplog.text
    finally:
        store.close()


@pytest.mark.slow
def test_a_hanging_or_garbage_source_backs_off_and_the_rest_are_polled(feed, parser, caplog) -> None:
    caplog.set_level(logging.INFO, logger="geomap")
    store = open_store()
    slow, junk, good = WatchedSource(f"{feed}/slow"), WatchedSource(f"{feed}/junk"), WatchedSource(f"{feed}/feed")
    run = {"every": 10.0, "stop": threading.Event(), "once": True, "parser": parser, "timeout": 0.5}
    try:
        started = time.monotonic()
        assert watch([slow, junk, good], store, **run).ingested == 2
        assert time.monotonic() - started < 10  # the hanging source cost its timeout, not its 3 s
        assert "no answer within 0.5 s" in caplog.text and "failure 1 in a row, next poll in 20s" in caplog.text
        watch([slow, junk], store, **run)
        assert slow.failures == junk.failures == 2
        assert 30 < slow.due - time.monotonic() <= 40  # 10 s doubled twice
        assert "failure 2 in a row, next poll in 40s" in caplog.text
    finally:
        store.close()


@pytest.mark.slow
def test_sigterm_stops_a_running_watch_cleanly(feed, tmp_path: Path) -> None:
    log = tmp_path / "watch.log"
    command = [sys.executable, "-c", "from geomap.cli import main; main()", "watch", f"{feed}/feed", "--every", "1s"]
    with log.open("w") as out:
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=out, text=True, env=os.environ.copy())
    try:
        deadline = time.monotonic() + 120
        while log.read_text().count("poll http") < 2:  # polled, then polled again after --every
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        proc.send_signal(signal.SIGTERM)
        stdout, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, log.read_text()
    assert "2 new articles stored" in stdout
    assert "SIGTERM: stopping" in log.read_text() and "Traceback" not in log.read_text()

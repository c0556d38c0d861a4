"""The ``geomap map`` and ``geomap serve`` commands (the served app itself: test_browser.py)."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from geomap.cli import cli
from geomap.config import load_settings
from geomap.models import Article, Mention, ParsedDocument, Place
from geomap.store import open_store

GENEVA = Place("gn:2660646", "Geneva", 46.20222, 6.14569, "city", geonameid=2660646, country_code="CH")


def _store_one(data_dir: Path) -> None:
    text = "Diplomats met in Geneva on Friday."
    mention = Mention(17, 23, "Geneva", text, GENEVA, 0.9)
    open_store(load_settings(data_dir=data_dir)).add(
        Article(text=text, title="Talks <b>", source="Wire", published=datetime(2024, 1, 5)),
        ParsedDocument(text=text, mentions=[mention], focus={}),
    )


def test_map_command_writes_standalone_file(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("GEOMAP_DATA_DIR", str(tmp_path))
    _store_one(tmp_path)
    out = tmp_path / "map.html"
    result = CliRunner().invoke(
        cli, ["map", "-o", str(out), "--country", "ch", "--tiles", "http://127.0.0.1:9/{z}/{x}/{y}.png"]
    )
    assert result.exit_code == 0, result.output
    html = out.read_text()
    assert "<script src=" not in html and '"Geneva"' in html and "Diplomats met in" in html
    assert "Talks \\u003cb\\u003e" in html and "http://127.0.0.1:9/{z}/{x}/{y}.png" in html
    assert "Filters: country=ch." in html
    policy = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)"', html).group(1)
    scripts = re.findall(r"<script>", html)
    assert (
        policy.count("'sha256-") == len(scripts) > 0
        and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    )
    assert "img-src data: http://127.0.0.1:9;" in policy


def test_map_command_refuses_bad_filter(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["map", "-o", str(tmp_path / "m.html"), "--since", "soon"])
    assert result.exit_code != 0 and "since must be a date" in str(result.exception or result.output)
    assert not (tmp_path / "m.html").exists()


def test_serve_help_lists_flags() -> None:
    result = CliRunner().invoke(cli, ["serve", "--help"])
    assert result.exit_code == 0
    for flag in ("--host", "--port", "--workers", "--threads", "--tiles", "--debug"):
        assert flag in result.output


def test_serve_on_busy_port_is_one_line_error(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import socket

    monkeypatch.setenv("GEOMAP_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("GEOMAP_SEED_ON_FIRST_RUN", "0")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(cli, ["serve", "--port", str(port)])
    assert result.exit_code == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.output and "Traceback" not in result.output
    assert f"geomap: database: sqlite:///{tmp_path / 'geomap.sqlite'} (set by GEOMAP_DATA_DIR)" in result.output
    assert "geomap: place index: " in result.output


@pytest.mark.slow  # runs geomap map in a subprocess
def test_map_to_unwritable_path_is_one_line_error(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "GEOMAP_DATA_DIR": str(tmp_path), "GEOMAP_SEED_ON_FIRST_RUN": "0"}
    target = tmp_path / "missing-folder" / "map.html"
    run = subprocess.run(
        [sys.executable, "-c", "from geomap.cli import main; main()", "map", "-o", str(target)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert run.stderr.strip() == f"Error: cannot use {target}: No such file or directory"

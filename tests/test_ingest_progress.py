"""The ingest progress line and the input count behind its total and ETA (no geoparser needed)."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import pytest

from geomap.ingest.progress import REFRESH_SECONDS, Progress
from geomap.ingest.sources import count_entries

FEED = """<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>
<item><title>One</title><description>Rain in Lviv.</description></item>
<item><title>Two</title><description>Snow in Kyiv.</description></item>
</channel></rss>"""


def test_count_entries_matches_what_the_readers_yield(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Kyiv", encoding="utf-8")
    (tmp_path / "b.jsonl").write_text("\n".join(json.dumps({"text": t}) for t in "xyz") + "\n\n", encoding="utf-8")
    (tmp_path / "c.json").write_text(json.dumps([{"text": "p"}, {"text": "q"}]), encoding="utf-8")
    (tmp_path / "d.xml").write_text(FEED, encoding="utf-8")
    (tmp_path / "feed").write_text(FEED, encoding="utf-8")  # no extension: sniffed
    assert count_entries(tmp_path / "b.jsonl") == 3
    assert count_entries(tmp_path) == 1 + 3 + 2 + 2 + 2
    assert count_entries(tmp_path / "missing") == 1  # one error entry
    assert count_entries("-") is None and count_entries("https://example.org/feed") is None


@pytest.mark.slow  # waits for real progress redraws
def test_the_line_moves_between_updates_and_says_what_it_does(capsys, caplog) -> None:
    caplog.set_level(logging.INFO, logger="geomap")
    progress = Progress(enabled=True)
    progress.stage("loading the spaCy model and the place index")
    progress.set_total(10)
    progress.advance(2, new=2)
    drawn = capsys.readouterr().err.count("\r")
    time.sleep(4 * REFRESH_SECONDS + 0.2)  # a long batch: no update from the run
    progress.close()
    err = capsys.readouterr().err
    assert drawn > 0
    assert err.count("\r") >= 3, "the line was not redrawn while nothing advanced"
    assert "2/10" in err and "new=2" in err
    assert "loading the spaCy model" in caplog.text


def test_a_disabled_line_still_logs_its_stages(capsys, caplog) -> None:
    caplog.set_level(logging.INFO, logger="geomap")
    progress = Progress(enabled=False, total=3)
    progress.stage("building the place index")
    progress.advance(3)
    progress.close()
    assert capsys.readouterr().err == ""
    assert "building the place index" in caplog.text

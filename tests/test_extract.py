"""``geomap extract``: the JSONL format independent scorers read."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from geomap.cli import cli

FIELDS = {"start", "end", "name", "lat", "lon", "geonameid", "kind", "country", "confidence", "snippet"}


def _run(*args: str) -> list[dict]:
    result = CliRunner().invoke(cli, ["extract", *args])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


@pytest.mark.slow
def test_extract_text_and_jsonl_files_one_line_per_document(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Russian shells hit Bakhmut, in the Donetsk region.", encoding="utf-8")
    docs = [{"id": "x1", "text": "Talks in Geneva."}, {"id": "x2", "text": ""}, {"id": 7, "text": "Snow in Kyiv."}]
    (tmp_path / "b.jsonl").write_text("\n".join(json.dumps(d) for d in docs), encoding="utf-8")
    out = _run(str(tmp_path / "a.txt"), str(tmp_path / "b.jsonl"), "--workers", "2")
    assert [d["id"] for d in out] == ["a.txt", "x1", "x2", "7"]
    assert set(out[0]) == {"id", "places"}
    first = out[0]["places"]
    assert [p["name"] for p in first] == ["Russian", "Bakhmut", "Donetsk region"]
    for p in first:
        assert set(p) >= FIELDS
        assert isinstance(p["lat"], float) and isinstance(p["lon"], float) and 0 <= p["confidence"] <= 1
    bakhmut = first[1]
    assert (bakhmut["kind"], bakhmut["country"], bakhmut["mention"]) == ("city", "UA", "toponym")
    assert isinstance(bakhmut["geonameid"], int) and bakhmut["snippet"].startswith("Russian shells")
    assert first[0]["mention"] == "demonym"
    assert out[2]["places"] == [] and [p["name"] for p in out[3]["places"]] == ["Kyiv"]


@pytest.mark.slow
def test_extract_resolves_given_toponym_spans_exactly(tmp_path: Path) -> None:
    text = "Georgia officials met in Atlanta on Monday."
    spans = [(text.index(w), text.index(w) + len(w)) for w in ("Georgia", "Atlanta", "Monday")]
    rec = {"id": "g", "text": text, "toponyms": [{"start": s, "end": e} for s, e in spans]}
    (tmp_path / "g.jsonl").write_text(json.dumps(rec), encoding="utf-8")
    [out] = _run(str(tmp_path / "g.jsonl"))
    assert [(p["start"], p["end"]) for p in out["places"]] == spans[:2]  # "Monday" is no place: dropped
    assert (out["places"][0]["kind"], out["places"][0]["country"]) == ("admin1", "US")  # Atlanta decides


@pytest.mark.slow
def test_extract_explain_no_demonyms_and_output_file(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("American officials flew to Paris, Texas.", encoding="utf-8")
    target = tmp_path / "out.jsonl"
    result = CliRunner().invoke(
        cli, ["extract", str(tmp_path / "a.txt"), "--explain", "--no-demonyms", "-o", str(target)]
    )
    assert result.exit_code == 0 and result.stdout == ""
    [out] = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert [p["name"] for p in out["places"]] == ["Paris", "Texas"]
    alternatives = out["places"][0]["alternatives"]
    assert alternatives[0]["features"]["qualified"] == 1.0 and alternatives[0]["country"] == "US"
    assert len(alternatives) > 1 and alternatives[0]["score"] >= alternatives[1]["score"]


@pytest.mark.slow  # runs geomap extract in subprocesses
def test_extract_bad_input_is_one_line_error_without_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": 1, "text": "ok"}\n{"id": 2}\n', encoding="utf-8")
    env = {**os.environ}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from geomap.cli import main; main()",
            "extract",
            str(bad),
            str(tmp_path / "missing.txt"),
        ],
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode == 1
    assert result.stderr.strip() == 'Error: bad.jsonl line 2 has no "text" string'
    assert "Traceback" not in result.stderr


def test_extract_and_evaluate_refuse_binary_and_non_utf8_files(tmp_path: Path) -> None:
    binary = tmp_path / "noise.txt"
    binary.write_bytes(bytes(range(256)) * 20)  # NUL bytes among letters such as "Rae" or "Uk"
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("Réunion et Genève".encode("latin-1"))
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    for command, path, reason in [
        ("extract", binary, "binary file"),
        ("evaluate", binary, "binary file"),
        ("extract", latin1, "not UTF-8 text"),
    ]:
        result = CliRunner().invoke(cli, [command, str(path)])
        assert result.exit_code != 0 and reason in str(result.exception), (command, path)
    assert _run(str(empty)) == [{"id": "empty.txt", "places": []}]

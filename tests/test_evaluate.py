"""The scoring itself, on corpora small enough to score by hand."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from click.testing import CliRunner

from geomap.cli import cli
from geomap.distance import great_circle_km
from geomap.errors import InputError
from geomap.evaluate import (
    MAX_ERROR_KM,
    GoldDocument,
    GoldToponym,
    Prediction,
    format_scores,
    load_corpus,
    match_spans,
    score,
)

KM_PER_DEGREE = 111.195  # one degree of latitude on the 6371.0088 km sphere


def _gold(
    start: int, end: int, lat: float | None = 0.0, lon: float | None = 0.0, gid: int | None = None
) -> GoldToponym:
    return GoldToponym(start, end, "x", lat, lon, gid)


def test_overlap_matching_uses_each_span_once() -> None:
    gold = [_gold(0, 5), _gold(10, 15)]
    preds = [Prediction(3, 12), Prediction(20, 25)]
    pairs = match_spans(gold, preds)
    assert [p for _, p in pairs] == [Prediction(3, 12), None]


def test_scores_computed_by_hand() -> None:
    # Doc 1: three gold toponyms; predictions at 0 km (same id), 1 degree and 2 degrees north.
    # Doc 2: one gold toponym, missed; one false prediction; one gold without coordinates, found.
    docs = [
        GoldDocument("1", "", (_gold(0, 4, 10, 10, 7), _gold(5, 9, 0, 0), _gold(10, 14, 0, 0))),
        GoldDocument("2", "", (_gold(0, 4, 5, 5), _gold(10, 14, None, None))),
    ]
    preds = [
        [Prediction(0, 4, 80, 80, 7), Prediction(5, 9, 1, 0), Prediction(10, 14, 2, 0)],
        [Prediction(20, 24, 0, 0), Prediction(10, 14, 3, 3)],
    ]
    s = score(docs, preds)
    # 5 gold, 5 predicted, 4 matched.
    assert (s.gold, s.predicted, s.matched) == (5, 5, 4)
    assert s.precision == pytest.approx(0.8) and s.recall == pytest.approx(0.8) and s.f1 == pytest.approx(0.8)
    # Recognised (with coordinates): errors 0, 111.2, 222.4 km.
    r = s.recognised
    assert r.n == 3 and r.acc161 == pytest.approx(2 / 3)
    assert r.mean_km == pytest.approx(KM_PER_DEGREE, rel=1e-4) and r.median_km == pytest.approx(KM_PER_DEGREE, rel=1e-4)
    y1 = math.log(KM_PER_DEGREE + 1) / math.log(MAX_ERROR_KM)
    y2 = math.log(2 * KM_PER_DEGREE + 1) / math.log(MAX_ERROR_KM)
    assert r.auc == pytest.approx((0 + y1) / 2 * 0.5 + (y1 + y2) / 2 * 0.5, rel=1e-4)  # ≈ 0.3748
    assert r.auc == pytest.approx(0.3748, abs=1e-3)
    # End to end: the missed toponym counts as the maximum error.
    e = s.end_to_end
    assert e.n == 4 and e.acc161 == pytest.approx(0.5)
    assert e.mean_km == pytest.approx((0 + KM_PER_DEGREE + 2 * KM_PER_DEGREE + MAX_ERROR_KM) / 4, rel=1e-4)
    assert e.median_km == pytest.approx(1.5 * KM_PER_DEGREE, rel=1e-4)


def test_exact_id_accuracy_counts_only_gold_with_an_id() -> None:
    # A: right id, far away; B: right point, wrong id; C: gold without an id; D: missed.
    docs = [
        GoldDocument("1", "", (_gold(0, 1, 0, 0, 1), _gold(2, 3, 0, 0, 2), _gold(4, 5, 0, 0), _gold(6, 7, 0, 0, 4)))
    ]
    preds = [[Prediction(0, 1, 80, 80, 1), Prediction(2, 3, 0, 0, 3), Prediction(4, 5, 0, 0, 9)]]
    s = score(docs, preds, preds)
    assert (s.recognised.exact_id, s.recognised.n_id) == (0.5, 2)
    assert (s.end_to_end.n_id, s.end_to_end.acc161) == (3, 0.75)
    assert s.end_to_end.exact_id == pytest.approx(1 / 3)
    assert s.gold_spans is not None and s.gold_spans.exact_id == pytest.approx(1 / 3)
    assert "exact id (n)" in format_scores(s) and "0.333 (3)" in format_scores(s)


def test_load_corpus_reads_jsonl_and_single_objects(tmp_path: Path) -> None:
    line = {"id": "a", "text": "Paris\u2028is", "toponyms": [{"start": 0, "end": 5, "lat": None, "lon": None}]}
    (tmp_path / "c.jsonl").write_text(json.dumps(line, ensure_ascii=False) + "\n" + json.dumps(line) + "\n")
    (tmp_path / "one.json").write_text(json.dumps(line, indent=2))
    assert len(load_corpus(tmp_path / "c.jsonl")) == 2
    assert len(load_corpus(tmp_path / "c.jsonl", limit=1)) == 1
    assert load_corpus(tmp_path / "one.json")[0].toponyms[0].lat is None
    (tmp_path / "bad.jsonl").write_text('{"id": 1}\n')
    with pytest.raises(InputError):
        load_corpus(tmp_path / "bad.jsonl")


CORPUS = [
    {
        "id": "1",
        "text": "Snow fell in Moscow and Kyiv.",
        "toponyms": [
            {"start": 13, "end": 19, "name": "Moscow", "lat": 55.75, "lon": 37.62, "geonameid": 524901},
            {"start": 24, "end": 28, "name": "Kyiv", "lat": 50.45, "lon": 30.52, "geonameid": 703448},
        ],
    },
    {
        "id": "2",
        "text": "weather: Talks in Geneva ended.",
        "toponyms": [
            {"start": 0, "end": 7, "name": "weather", "lat": 0.0, "lon": 0.0, "geonameid": None},
            {"start": 18, "end": 24, "name": "Geneva", "lat": 46.2, "lon": 6.15, "geonameid": 2660646},
        ],
    },
]


@pytest.mark.slow
def test_evaluate_command_on_a_corpus_scored_by_hand(tmp_path: Path) -> None:
    path = tmp_path / "tiny.jsonl"
    path.write_text("\n".join(json.dumps(d) for d in CORPUS) + "\n")
    result = CliRunner().invoke(cli, ["evaluate", str(path), "--gold-spans", "--json"])
    assert result.exit_code == 0, result.output
    s = json.loads(result.stdout)
    # geomap finds Moscow, Kyiv and Geneva (ids match: 0 km) and not "weather" (missed: maximum error).
    assert (s["gold"], s["predicted"], s["matched"]) == (4, 3, 3)
    assert (s["precision"], s["recall"]) == (1.0, 0.75)
    assert s["f1"] == pytest.approx(6 / 7)
    assert s["recognised"] == {
        "n": 3,
        "acc161": 1.0,
        "mean_km": 0.0,
        "median_km": 0.0,
        "auc": 0.0,
        "exact_id": 1.0,
        "n_id": 3,
    }
    e2e = s["end_to_end"]
    assert (e2e["n"], e2e["acc161"], e2e["median_km"]) == (4, 0.75, 0.0)
    assert e2e["mean_km"] == pytest.approx(MAX_ERROR_KM / 4)
    assert e2e["auc"] == pytest.approx(1 / 6, abs=1e-4)  # sorted 0, 0, 0, ~1 with x steps of 1/3
    # Given as a place, "weather" (no gazetteer record) is put beside Geneva, the place named after it.
    gs = s["gold_spans"]
    assert (gs["n"], gs["acc161"], gs["median_km"]) == (4, 0.75, 0.0)
    assert gs["mean_km"] == pytest.approx(great_circle_km(46.2, 6.15, 0.0, 0.0) / 4, rel=0.01)


@pytest.mark.slow
def test_evaluate_command_prints_a_table_and_refuses_bad_files(tmp_path: Path) -> None:
    path = tmp_path / "tiny.jsonl"
    path.write_text("\n".join(json.dumps(d) for d in CORPUS))
    result = CliRunner().invoke(cli, ["evaluate", str(path), "--limit", "1"])
    assert result.exit_code == 0
    assert "P 1.000  R 1.000  F1 1.000" in result.output and "end to end" in result.output
    bad = tmp_path / "bad.jsonl"
    bad.write_text("not json\n")
    result = CliRunner().invoke(cli, ["evaluate", str(bad)])
    assert result.exit_code != 0 and "not JSON lines" in str(result.exception)


@pytest.mark.slow
def test_evaluate_command_reports_confidence_and_plots_it(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib", reason="the plot extra (matplotlib) is not installed")
    path = tmp_path / "tiny.jsonl"
    path.write_text("\n".join(json.dumps(d) for d in CORPUS) + "\n")
    plot = tmp_path / "reliability.png"
    result = CliRunner().invoke(cli, ["evaluate", str(path), "--plot", str(plot)])
    assert result.exit_code == 0, result.output
    assert "confidence    AUROC n/a  ECE" in result.output  # all three placed right: nothing to separate
    assert plot.read_bytes()[:4] == b"\x89PNG"
    strict = CliRunner().invoke(cli, ["evaluate", str(path), "--json", "--min-confidence", "1"])
    assert json.loads(strict.stdout)["predicted"] == 0  # no mention is certain

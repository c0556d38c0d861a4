"""Confidence: AUROC and calibration error as ``geomap evaluate`` computes them, the reliability plot,
and the calibrated model that turns a mention's ranked candidates into a probability."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from geomap.config import load_settings
from geomap.errors import ConfigError
from geomap.evaluate import GoldDocument as Doc
from geomap.evaluate import (
    GoldToponym,
    Prediction,
    auroc,
    confidence_scores,
    expected_calibration_error,
    format_scores,
    plot_reliability,
    score,
)
from geomap.models import Candidate, Place
from geomap.resolve.confidence import INPUTS, ConfidenceModel, inputs, load_confidence_model, softmax_share


def test_auroc_counts_ordered_pairs_and_halves_ties() -> None:
    assert auroc([0.9, 0.8, 0.1], [True, True, False]) == 1.0
    assert auroc([0.1, 0.9], [True, False]) == 0.0
    assert auroc([0.5, 0.5], [True, False]) == 0.5
    assert auroc([0.9, 0.3, 0.6, 0.2], [True, False, False, True]) == pytest.approx(0.5)
    assert auroc([0.9, 0.8], [True, True]) is None  # nothing to separate


def test_calibration_error_is_the_count_weighted_gap_per_bin() -> None:
    # bin 0.9-1.0: mean 0.95, 1 of 2 right (gap .45); bin 0.1-0.2: mean 0.15, 0 of 2 right (gap .15)
    assert expected_calibration_error([0.9, 1.0, 0.1, 0.2], [True, False, False, False]) == pytest.approx(
        (2 * 0.45 + 2 * 0.15) / 4
    )
    assert expected_calibration_error([0.7] * 10, [True] * 7 + [False] * 3) == pytest.approx(0.0)


def _gold(start: int) -> GoldToponym:
    return GoldToponym(start, start + 1, "X", 10.0, 10.0, None)


def test_scores_carry_confidence_over_recognised_located_toponyms() -> None:
    doc = Doc("d", "a b c d", (_gold(0), _gold(2), _gold(4), GoldToponym(6, 7, "Y", None, None, None)))
    preds = [
        Prediction(0, 1, 10.0, 10.0, None, 0.9),  # right
        Prediction(2, 3, 50.0, 50.0, None, 0.2),  # wrong, far
        Prediction(6, 7, 0.0, 0.0, None, 0.99),  # no gold point: not counted
    ]
    s = score([doc], [preds])
    assert s.confidence is not None
    assert (s.confidence.n, s.confidence.right, s.confidence.auroc) == (2, 1, 1.0)
    assert "AUROC 1.000" in format_scores(s) and "ECE" in format_scores(s)
    assert json.loads(json.dumps(s.to_dict()))["confidence"]["auroc"] == 1.0


def test_the_reliability_plot_is_a_png(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib", reason="the plot extra (matplotlib) is not installed")
    pairs = [(_gold(i), Prediction(i, i + 1, 10.0 + (i % 3), 10.0, None, (i % 10) / 10)) for i in range(50)]
    scores = confidence_scores(pairs)
    assert scores is not None
    out = tmp_path / "reliability.png"
    plot_reliability(scores, out, title="test")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def _cand(pid: int, kind: str, score: float, **features: float) -> Candidate:
    c = Candidate(Place(id=f"gn:{pid}", name="X", lat=0.0, lon=0.0, kind=kind), True, score)
    c.features = {"prior": 0.5, **features}
    return c


def test_inputs_describe_the_choice_and_its_rivals() -> None:
    ordered = [_cand(1, "city", 5.0, qualified=1.0), _cand(2, "city", 3.0)]
    x = inputs(ordered)
    assert set(x) == set(INPUTS)
    assert x["margin"] == pytest.approx(0.2) and x["single"] == 0.0
    assert x["qualified"] == 1.0 and x["share"] == pytest.approx(softmax_share(ordered))
    alone = inputs([_cand(1, "country", 5.0)])
    assert alone["single"] == 1.0 and alone["margin"] == 1.0


def test_a_model_gives_a_probability_and_rises_with_the_margin() -> None:
    model = ConfidenceModel({"bias": -1.0, "margin": 4.0})
    close = model.probability([_cand(1, "city", 3.1), _cand(2, "city", 3.0)])
    clear = model.probability([_cand(1, "city", 9.0), _cand(2, "city", 1.0)])
    assert 0.0 < close < clear < 1.0
    assert model.probability([]) == 0.0
    assert ConfidenceModel.from_json(model.to_json(), "test").coefficients == model.coefficients


def test_the_shipped_model_and_a_chosen_one_load(tmp_path: Path) -> None:
    shipped = load_confidence_model(load_settings())
    assert shipped.coefficients and set(shipped.coefficients) <= set(INPUTS)
    path = tmp_path / "model.json"
    path.write_text(ConfidenceModel({"bias": 2.0}, "hand").to_json(), encoding="utf-8")
    assert load_confidence_model(load_settings(confidence_model=path)).fitted_on == "hand"


@pytest.mark.parametrize("content", ["{", json.dumps({"coefficients": {"nonsense": 1}}), json.dumps({"x": 1})])
def test_a_bad_model_file_says_what_is_wrong(tmp_path: Path, content: str) -> None:
    path = tmp_path / "model.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError):
        load_confidence_model(load_settings(confidence_model=path))

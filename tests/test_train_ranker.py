"""Training the ranker's weights: the conditional logit finds answers planted in hand-made candidates."""

from __future__ import annotations

import random
from types import ModuleType
from typing import Any

import numpy as np
import pytest
from scipy.optimize import check_grad
from scripts import load_benchmark

from geomap.errors import InputError
from geomap.evaluate import GoldDocument, GoldToponym
from geomap.models import Candidate, Place
from geomap.resolve.ranker import WEIGHTS


@pytest.fixture(scope="module")
def tr() -> ModuleType:
    """The training script, imported as a module."""
    return load_benchmark("train_ranker")


def _planted(tr: ModuleType, marker: str, sign: int, mentions: int = 200, seed: int = 7) -> Any:
    """Mentions of 2-6 candidates, one right; ``marker`` is 1 on the right one (sign 1) or on all the wrong
    ones (sign -1); ``prior`` is noise, every other feature 0."""
    rng = random.Random(seed)
    groups = []
    for _ in range(mentions):
        n = rng.randint(2, 6)
        right = rng.randrange(n)
        rows = []
        for i in range(n):
            row = dict.fromkeys(tr.FEATURES, 0.0)
            row["prior"] = rng.random()
            row[marker] = 1.0 if (i == right) == (sign > 0) else 0.0
            rows.append([row[k] for k in tr.FEATURES])
        groups.append((rows, [i == right for i in range(n)]))
    return tr.Choices.of(groups)


def test_a_feature_that_marks_the_right_candidate_gets_a_large_positive_weight(tr: ModuleType) -> None:
    ch = _planted(tr, "qualified", +1)
    w = tr.fit(ch, l2=0.1)
    assert w["qualified"] > 4.0
    assert all(abs(v) < w["qualified"] / 2 for k, v in w.items() if k != "qualified")
    assert tr.top1(ch, w) == 1.0
    assert tr.top1(ch, dict.fromkeys(tr.FEATURES, 0.0)) < 0.6  # the planted answer is not found by chance


def test_a_feature_that_marks_the_wrong_candidates_gets_a_negative_weight(tr: ModuleType) -> None:
    w = tr.fit(_planted(tr, "shadowed", -1), l2=0.1)
    assert w["shadowed"] < -4.0


def test_the_penalty_keeps_unseen_features_at_their_pull(tr: ModuleType) -> None:
    ch = _planted(tr, "near", +1)
    pull = {k: 0.5 + i for i, k in enumerate(tr.FEATURES)}
    towards_pull = tr.fit(ch, l2=1.0, towards=pull)
    towards_zero = tr.fit(ch, l2=1.0)
    # "home" is 0 on every candidate: nothing moves it from where the penalty pulls.
    assert towards_pull["home"] == pytest.approx(pull["home"], abs=1e-3)
    assert towards_zero["home"] == pytest.approx(0.0, abs=1e-3)
    # A stronger penalty keeps the learned weight closer to where it pulls.
    assert tr.fit(ch, l2=100.0)["near"] < towards_zero["near"]


def test_the_gradient_matches_finite_differences(tr: ModuleType) -> None:
    ch = _planted(tr, "region", +1, mentions=30)
    w = np.linspace(-1.0, 2.0, len(tr.FEATURES))
    centre = np.array([WEIGHTS[k] for k in tr.FEATURES])
    err = check_grad(lambda v: tr._objective(v, ch, 0.5, centre)[0], lambda v: tr._objective(v, ch, 0.5, centre)[1], w)
    assert err < 1e-4


def test_mentions_that_cannot_teach_are_left_out(tr: ModuleType) -> None:
    zero = [0.0] * len(tr.FEATURES)
    ch = tr.Choices.of([([zero, zero], [True, True]), ([zero], [False]), ([zero, zero, zero], [False, True, False])])
    assert len(ch) == 1 and ch.x.shape == (3, len(tr.FEATURES)) and list(ch.right) == [False, True, False]
    with pytest.raises(InputError, match=r"nothing|right and a wrong"):
        tr.fit(tr.Choices.of([([zero], [True])]))


def test_cross_validation_scores_every_penalty(tr: ModuleType) -> None:
    cv = tr.cross_validate(_planted(tr, "typed", +1, mentions=100), [0.1, 1000.0], None)
    assert set(cv) == {0.1, 1000.0}
    assert cv[0.1] == 1.0 and cv[1000.0] <= cv[0.1]


def _place(pid: int, lat: float, lon: float) -> Place:
    return Place(id=f"gn:{pid}", name="X", lat=lat, lon=lon, kind="city", geonameid=pid)


def test_right_means_the_gold_id_or_within_161_km(tr: ModuleType) -> None:
    gold = GoldToponym(0, 1, "X", 40.0, -90.0, 42)
    assert tr.is_right(Candidate(_place(42, -33.0, 151.0), True), gold)  # the gold's id, wherever it sits
    assert tr.is_right(Candidate(_place(7, 40.9, -90.0), True), gold)  # about 100 km north
    assert not tr.is_right(Candidate(_place(7, 41.8, -90.0), True), gold)  # about 200 km north


@pytest.mark.slow
def test_collect_keeps_every_candidate_with_its_label(tr: ModuleType) -> None:
    text = "Officials in Springfield, Illinois, met their counterparts from Springfield, Missouri, on Monday."
    spans = {}
    for name, lat, lon, where in [
        ("Springfield", 39.80, -89.64, 0),
        ("Illinois", 40.0, -89.0, 0),
        ("Springfield", 37.22, -93.30, 50),
        ("Missouri", 38.25, -92.5, 0),
    ]:
        start = text.index(name, where)
        spans[start] = GoldToponym(start, start + len(name), name, lat, lon, None)
    doc = GoldDocument("t", text, tuple(spans.values()))
    gp = tr.training_geoparser(WEIGHTS)
    springfield = gp.resolve_spans(text, [(t.start, t.end) for t in doc.toponyms]).mentions[0]
    assert springfield.text == "Springfield" and len(springfield.alternatives) > 5  # all, not the usual five
    ch = tr.collect(gp, [doc])
    assert len(ch) >= 2 and ch.x.shape[0] > 10 and ch.right.sum() >= len(ch)
    assert tr.top1(ch, WEIGHTS) == 1.0  # the qualifiers settle both with the shipped weights

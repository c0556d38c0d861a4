"""Fit the confidence model (``geomap.resolve.confidence``) on gold corpora, each reported on the others.

    python benchmarks/fit_confidence.py ../shared/eval/LGL.jsonl ../shared/eval/GeoVirus.jsonl \
        --out-dir fits/ [--l2 1.0] [--limit N]

Every corpus is parsed once, end to end, with the geoparser as configured (its
ranker included). Each recognised mention that matches a located gold toponym
becomes one example: the model's inputs (``confidence.inputs`` of the mention's
ranked candidates) and whether its place is right (the gold GeoNames id or
within 161 km, as ``geomap evaluate`` counts). Then, per corpus, a logistic
regression fitted on the OTHER corpora is scored on it (AUROC, expected
calibration error) and written to ``OUT/confidence-heldout-<corpus>.json``; one
fitted on all corpora goes to ``OUT/confidence.json`` (what
``geomap/data/confidence.json`` ships). Use a fit with
``GEOMAP_CONFIDENCE_MODEL=FILE geomap evaluate CORPUS``.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

from geomap.config import load_settings
from geomap.errors import GeomapError, InputError
from geomap.evaluate import ACC_KM, Prediction, auroc, error_km, expected_calibration_error, load_corpus, match_spans
from geomap.pipeline import Geoparser
from geomap.resolve.confidence import INPUTS, ConfidenceModel, inputs

__all__ = ["Examples", "collect", "fit", "predict"]

Examples = tuple[np.ndarray, np.ndarray]  # (examples, INPUTS) matrix, (examples,) bool right


def collect(gp: Geoparser, path: str, limit: int | None) -> Examples:
    """One (inputs, right) example per recognised mention matched to a located gold toponym."""
    docs = load_corpus(path, limit=limit)
    rows: list[list[float]] = []
    right: list[bool] = []
    for doc, parsed in zip(docs, gp.parse_many((d.text for d in docs), batch_size=16)):
        by_span = {(m.start, m.end): m for m in parsed.mentions if m.place is not None}
        preds = [
            Prediction(m.start, m.end, m.place.lat, m.place.lon, m.place.geonameid)
            for m in by_span.values()
            if m.place is not None
        ]
        for g, p in match_spans(doc.toponyms, preds):
            if p is None or g.lat is None:
                continue
            m = by_span[(p.start, p.end)]
            x = inputs(m.alternatives)
            rows.append([x[k] for k in INPUTS])
            right.append(error_km(g, p) <= ACC_KM)
    return np.array(rows, dtype=float).reshape(-1, len(INPUTS)), np.array(right, dtype=bool)


def _objective(w: np.ndarray, x: np.ndarray, y: np.ndarray, l2: float) -> tuple[float, np.ndarray]:
    """Mean log loss plus an L2 penalty (the bias unpenalised), and the gradient."""
    z = x @ w
    p = 1 / (1 + np.exp(-z))
    eps = 1e-12
    loss = -np.mean(y * np.log(p + eps) + (1 - y) * np.log(1 - p + eps))
    penalty = w.copy()
    penalty[INPUTS.index("bias")] = 0.0
    grad = x.T @ (p - y) / len(y) + l2 * penalty / len(y)
    return float(loss + 0.5 * l2 * float(penalty @ penalty) / len(y)), grad


# Evidence can only make a choice more likely right: these coefficients are kept at 0 or above, so a
# corpus whose errors the evidence does not predict (GeoVirus: mostly countries placed by another
# convention) cannot teach the model to read strong evidence as a bad sign.
NONNEGATIVE = frozenset(INPUTS) - {"bias"}


def fit(ex: Examples, l2: float) -> dict[str, float]:
    """Logistic regression coefficients (L2-penalised, NONNEGATIVE ones bounded below by 0)."""
    x, y = ex
    if not len(y) or y.all() or not y.any():
        raise InputError("fitting confidence needs both right and wrong examples")
    bounds = [(0.0, None) if k in NONNEGATIVE else (None, None) for k in INPUTS]
    res = minimize(
        _objective, np.zeros(len(INPUTS)), args=(x, y.astype(float), l2), jac=True, method="L-BFGS-B", bounds=bounds
    )
    return {k: round(float(v), 4) for k, v in zip(INPUTS, res.x)}


def predict(coefficients: dict[str, float], x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-(x @ np.array([coefficients[k] for k in INPUTS]))))


def _report(label: str, p: np.ndarray, y: np.ndarray) -> dict[str, float | None]:
    a = auroc(p.tolist(), y.tolist())
    e = expected_calibration_error(p.tolist(), y.tolist())
    print(f"  {label}: n {len(y)}, right {y.mean():.3f}, AUROC {'n/a' if a is None else f'{a:.3f}'}, ECE {e:.3f}")
    return {"auroc": a, "ece": e, "n": len(y)}


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpora", nargs="+", help="gold corpora (JSONL); each is reported with a fit on the others")
    ap.add_argument("--out-dir", type=Path, required=True, help="where to write the fitted models (JSON)")
    ap.add_argument("--l2", type=float, default=1.0, help="L2 penalty on the coefficients (bias excluded)")
    ap.add_argument("--limit", type=int, help="only the first N documents of each corpus")
    args = ap.parse_args(argv)
    try:
        _run(args)
    except GeomapError as exc:
        raise SystemExit(f"error: {exc}") from None


def _run(args: argparse.Namespace) -> None:
    gp = Geoparser(load_settings(), calibrated=False).load()
    names = [Path(c).stem for c in args.corpora]
    data = {name: collect(gp, path, args.limit) for name, path in zip(names, args.corpora)}
    args.out_dir.mkdir(parents=True, exist_ok=True)
    heldout: dict[str, dict[str, float | None]] = {}
    for name in names:
        others = [n for n in names if n != name]
        if not others:
            break
        train = (np.vstack([data[n][0] for n in others]), np.concatenate([data[n][1] for n in others]))
        coefficients = fit(train, args.l2)
        print(f"fitted on {', '.join(others)}, reported on {name}:")
        heldout[name] = _report(f"{name} (held out)", predict(coefficients, data[name][0]), data[name][1])
        _report(f"{', '.join(others)} (training)", predict(coefficients, train[0]), train[1])
        model = ConfidenceModel(coefficients, fitted_on=", ".join(others), extra={"l2": args.l2})
        (args.out_dir / f"confidence-heldout-{name}.json").write_text(model.to_json(), encoding="utf-8")
    every = (np.vstack([data[n][0] for n in names]), np.concatenate([data[n][1] for n in names]))
    coefficients = fit(every, args.l2)
    print(f"fitted on {', '.join(names)}:")
    _report("all (training)", predict(coefficients, every[0]), every[1])
    model = ConfidenceModel(coefficients, ", ".join(names), {"l2": args.l2, "held_out": heldout})
    (args.out_dir / "confidence.json").write_text(model.to_json(), encoding="utf-8")
    print(f"wrote {args.out_dir}/confidence.json and the held-out fits")


if __name__ == "__main__":
    main()

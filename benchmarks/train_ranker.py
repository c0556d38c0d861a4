"""Fit a weighted-sum ranker (``geomap.resolve.ranker.WeightedSum``) on gold corpora.

    python benchmarks/train_ranker.py ../shared/eval/LGL.jsonl [MORE.jsonl ...] [--heldout OTHER.jsonl]
        [--l2 0.1 1 10 100] [--towards hand|zero] [--rounds 1] [--limit N] [--out weights.json]

The gold spans of each corpus are resolved by the real geoparser (both passes,
one sense per document), keeping every candidate of every mention with the
features of the final pass. A candidate is right when it carries the gold
GeoNames id or lies within 161 km of the gold point. The weights are fitted as
a conditional logit: a softmax over each mention's candidates, maximising the
probability of the right ones, with an L2 penalty pulling towards the hand
weights (a feature the corpus never shows, like the dateline's ``home`` in
LGL, keeps its hand weight) or towards zero. Given several penalties, 5-fold
cross-validation on the training corpus picks one. Mentions whose candidates
are all right or all wrong teach nothing and are left out.

Pass two's features (nearness, the list's levels...) depend on what pass one
chose with the weights in use, so ``--rounds 2`` re-resolves with the weights
just fitted and fits again. Prints the mentions used, the offline top-1 accuracy
of the hand and the learned weights (training corpus, and ``--heldout`` when
given) and the learned weights; ``--out`` writes them as JSON, which the
geoparser uses with ``GEOMAP_RANKER_WEIGHTS=weights.json`` (nothing in
``geomap/resolve/`` is edited). Offline accuracy only guides: the figures that
count come from ``geomap evaluate CORPUS --gold-spans`` with the weights in place.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

from geomap.config import load_settings
from geomap.errors import GeomapError, InputError
from geomap.evaluate import ACC_KM, GoldDocument, GoldToponym, Prediction, error_km, load_corpus
from geomap.models import Candidate
from geomap.pipeline import Geoparser
from geomap.resolve.candidates import MAX_CANDIDATES
from geomap.resolve.ranker import FEATURES, WEIGHTS, WeightedSum

__all__ = ["FEATURES", "Choices", "is_right", "training_geoparser", "collect", "fit", "cross_validate", "top1"]


@dataclass(frozen=True, slots=True)
class Choices:
    """Every mention's candidates stacked: one feature row per candidate, grouped by mention.

    ``starts`` holds the first row of each mention (rows of one mention are contiguous).
    """

    x: np.ndarray  # (candidates, features)
    right: np.ndarray  # (candidates,) bool
    starts: np.ndarray  # (mentions,) int

    @classmethod
    def of(cls, groups: Sequence[tuple[Sequence[Sequence[float]], Sequence[bool]]]) -> Choices:
        """Stack (feature rows, right flags) per mention, keeping only mentions that can teach."""
        keep = [(x, r) for x, r in groups if any(r) and not all(r)]
        if not keep:
            return cls(np.zeros((0, len(FEATURES))), np.zeros(0, bool), np.zeros(0, int))
        sizes = [len(r) for _, r in keep]
        return cls(
            np.array([row for x, _ in keep for row in x], dtype=float),
            np.array([flag for _, r in keep for flag in r], dtype=bool),
            np.cumsum([0, *sizes[:-1]]),
        )

    def __len__(self) -> int:
        return len(self.starts)

    def subset(self, mentions: np.ndarray) -> Choices:
        """The choices of the given mentions (indices), in order."""
        ends = np.append(self.starts[1:], len(self.right))
        return Choices.of([(self.x[self.starts[i] : ends[i]], self.right[self.starts[i] : ends[i]]) for i in mentions])


def is_right(c: Candidate, gold: GoldToponym) -> bool:
    """The evaluator's notion of right: the gold's GeoNames id, or within 161 km of its point."""
    p = Prediction(gold.start, gold.end, c.place.lat, c.place.lon, c.place.geonameid)
    return error_km(gold, p) <= ACC_KM


def training_geoparser(weights: Mapping[str, float], like: Geoparser | None = None) -> Geoparser:
    """A loaded geoparser ranking with ``weights`` whose mentions keep every ranked candidate.

    ``like``: a geoparser whose place index to share (each round re-resolves with new weights).
    """
    gazetteer = like.gazetteer if like is not None else None
    return Geoparser(
        load_settings(), gazetteer=gazetteer, alternatives=MAX_CANDIDATES, ranker=WeightedSum(weights)
    ).load()


def collect(gp: Geoparser, docs: Sequence[GoldDocument]) -> Choices:
    """Resolve the gold spans of ``docs`` and gather each located mention's candidates and labels.

    ``gp`` comes from ``training_geoparser`` (all candidates kept).
    """
    groups = []
    for d in docs:
        gold = {(t.start, t.end): t for t in d.toponyms if t.lat is not None}
        if not gold:
            continue
        parsed = gp.resolve_spans(d.text, list(gold))
        for m in parsed.mentions:
            g = gold[(m.start, m.end)]
            rows = [[c.features.get(k, 0.0) for k in FEATURES] for c in m.alternatives]
            groups.append((rows, [is_right(c, g) for c in m.alternatives]))
    return Choices.of(groups)


def _objective(w: np.ndarray, ch: Choices, l2: float, centre: np.ndarray) -> tuple[float, np.ndarray]:
    """Negative log-likelihood of the right candidates (summed per mention), the L2 penalty, and their gradient."""
    s = ch.x @ w
    group = np.repeat(np.arange(len(ch)), np.diff(np.append(ch.starts, len(s))))
    top = np.maximum.reduceat(s, ch.starts)
    e = np.exp(s - top[group])
    e_right = np.where(ch.right, e, 0.0)
    z, z_right = np.add.reduceat(e, ch.starts), np.add.reduceat(e_right, ch.starts)
    nll = float(np.sum(np.log(z) - np.log(z_right)))
    p, p_right = e / z[group], e_right / z_right[group]
    grad = ch.x.T @ (p - p_right)
    d = w - centre
    return nll + 0.5 * l2 * float(d @ d), grad + l2 * d


def fit(ch: Choices, *, l2: float = 1.0, towards: Mapping[str, float] | None = None) -> dict[str, float]:
    """Weights maximising the penalised conditional likelihood of the right candidates.

    The penalty pulls towards ``towards`` (default zero): towards the hand weights, a feature
    the corpus never shows keeps its hand weight instead of dropping to nothing.
    """
    if not len(ch):
        raise InputError(
            "no gold mention has both a right and a wrong candidate: train on a corpus with located, ambiguous toponyms"
        )
    centre = np.array([towards[k] for k in FEATURES]) if towards else np.zeros(len(FEATURES))
    res = minimize(_objective, centre, args=(ch, l2, centre), jac=True, method="L-BFGS-B")
    return {k: round(float(v), 3) for k, v in zip(FEATURES, res.x)}


def cross_validate(
    ch: Choices, l2s: Sequence[float], towards: Mapping[str, float] | None, folds: int = 5
) -> dict[float, float]:
    """Mean held-out top-1 of each penalty in ``l2s`` over ``folds`` contiguous blocks of mentions.

    Mentions come in document order, so a block holds whole documents but for its two ends.
    """
    block = np.arange(len(ch)) * folds // max(1, len(ch))
    return {
        l2: float(
            np.mean(
                [
                    top1(
                        ch.subset(np.flatnonzero(block == k)),
                        fit(ch.subset(np.flatnonzero(block != k)), l2=l2, towards=towards),
                    )
                    for k in range(folds)
                ]
            )
        )
        for l2 in l2s
    }


def top1(ch: Choices, weights: Mapping[str, float]) -> float:
    """Share of mentions whose best-scored candidate is right (ties go to the first, as in the ranker's sort)."""
    if not len(ch):
        return 0.0
    s = ch.x @ np.array([weights[k] for k in FEATURES])
    ends = np.append(ch.starts[1:], len(s))
    return float(np.mean([ch.right[a + int(np.argmax(s[a:b]))] for a, b in zip(ch.starts, ends)]))


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpora", nargs="+", help="gold corpora (JSONL) to train on")
    ap.add_argument("--heldout", help="a gold corpus to report offline accuracy on (never trained on)")
    ap.add_argument(
        "--l2",
        type=float,
        nargs="+",
        default=[0.1, 1.0, 10.0, 100.0],
        help="L2 penalties to try; more than one: picked by 5-fold cross-validation on the training corpora",
    )
    ap.add_argument(
        "--towards",
        choices=["hand", "zero"],
        default="hand",
        help="what the penalty pulls the weights towards (default: the hand weights)",
    )
    ap.add_argument("--rounds", type=int, default=1, help="fit, re-resolve with the fitted weights, fit again")
    ap.add_argument("--limit", type=int, help="only the first N documents of each corpus")
    ap.add_argument("--out", type=Path, help="write the learned weights here as JSON (for GEOMAP_RANKER_WEIGHTS)")
    args = ap.parse_args(argv)
    try:
        _train(args)
    except GeomapError as exc:
        raise SystemExit(f"error: {exc}") from None


def _train(args: argparse.Namespace) -> None:
    train = [d for path in args.corpora for d in load_corpus(path, limit=args.limit)]
    heldout = load_corpus(args.heldout, limit=args.limit) if args.heldout else []
    hand = dict(WEIGHTS)
    gp = training_geoparser(hand)
    towards = hand if args.towards == "hand" else None
    if heldout:
        ho_hand = collect(gp, heldout)
        print(
            f"held out: {len(ho_hand)} mentions with a right and a wrong candidate; "
            f"hand weights top-1 {top1(ho_hand, hand):.4f}"
        )
    learned = hand
    for n in range(1, args.rounds + 1):
        if learned is not hand:  # resolve with the latest weights: pass two's features depend on them
            gp = training_geoparser(learned, like=gp)
        ch = collect(gp, train)
        print(f"round {n}: {len(ch)} mentions with a right and a wrong candidate")
        l2 = args.l2[0]
        if len(args.l2) > 1:
            cv = cross_validate(ch, args.l2, towards)
            print("  cross-validated top-1: " + ", ".join(f"l2 {k:g} {v:.4f}" for k, v in cv.items()))
            l2 = max(cv, key=lambda k: (cv[k], k))  # a tie goes to the stronger penalty
        learned = fit(ch, l2=l2, towards=towards)
        print(f"  l2 {l2:g}; offline top-1 on training: hand {top1(ch, hand):.4f}, learned {top1(ch, learned):.4f}")
        if heldout:
            ho = collect(training_geoparser(learned, like=gp), heldout)
            print(f"  held out: learned top-1 {top1(ho, learned):.4f}")
    print("learned weights: " + ", ".join(f"{k} {v:g}" for k, v in learned.items()))
    if args.out:
        WeightedSum(learned).to_json(args.out)
        print(f"wrote {args.out} (use it with GEOMAP_RANKER_WEIGHTS={args.out})")


if __name__ == "__main__":
    main()

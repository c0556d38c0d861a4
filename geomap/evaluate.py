"""Scoring a geoparser against a gold standard, exactly as ``../shared/eval/README.md`` defines it.

Recognition: a prediction matches a gold span when they overlap, each used at
most once; micro-averaged precision, recall and F1. Resolution: great-circle
error per gold toponym with coordinates (a matching GeoNames id counts as 0 km),
summarised as Acc@161, mean and median km and the AUC of Gritta et al. (2018),
over recognised toponyms, end to end (a miss counts as the maximum error), and
with the gold spans given. Confidence: how well each recognised mention's
``confidence`` separates right placements (within 161 km or the gold id) from
wrong ones (AUROC) and how close it is to the observed share right (expected
calibration error over ten equal-width bins), with a reliability plot on request.
"""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .distance import great_circle_km
from .errors import InputError
from .models import ParsedDocument
from .textio import read_text_file

if TYPE_CHECKING:
    from .pipeline import Geoparser

__all__ = [
    "MAX_ERROR_KM",
    "ACC_KM",
    "GoldToponym",
    "GoldDocument",
    "Prediction",
    "ResolutionScores",
    "Scores",
    "load_corpus",
    "match_spans",
    "error_km",
    "resolution_scores",
    "score",
    "format_scores",
    "predictions_of",
    "evaluate",
    "ConfidenceScores",
    "confidence_scores",
    "auroc",
    "expected_calibration_error",
    "plot_reliability",
    "CALIBRATION_BINS",
]

MAX_ERROR_KM = 20039.0  # half the Earth's circumference: the worst possible error
ACC_KM = 161.0  # 100 miles
CALIBRATION_BINS = 10  # equal-width confidence bins of the calibration error and the reliability plot


@dataclass(frozen=True, slots=True)
class GoldToponym:
    start: int
    end: int
    name: str
    lat: float | None
    lon: float | None
    geonameid: int | None


@dataclass(frozen=True, slots=True)
class GoldDocument:
    id: str
    text: str
    toponyms: tuple[GoldToponym, ...]


@dataclass(frozen=True, slots=True)
class Prediction:
    """One predicted place: its span and where it was put (None when unresolved)."""

    start: int
    end: int
    lat: float | None = None
    lon: float | None = None
    geonameid: int | None = None
    confidence: float | None = None


@dataclass(slots=True)
class ResolutionScores:
    """Error summary over a list of per-toponym errors in km."""

    n: int
    acc161: float
    mean_km: float
    median_km: float
    auc: float
    exact_id: float = 0.0  # share of the n_id gold toponyms with a GeoNames id that got exactly that id
    n_id: int = 0

    @classmethod
    def from_errors(cls, errors: Sequence[float], id_hits: Sequence[bool] = ()) -> ResolutionScores:
        """Summary of km errors and, for gold toponyms that carry a GeoNames id, whether it was matched."""
        exact = sum(id_hits) / len(id_hits) if id_hits else 0.0
        if not errors:
            return cls(0, 0.0, 0.0, 0.0, 0.0, exact, len(id_hits))
        return cls(
            n=len(errors),
            acc161=sum(e <= ACC_KM for e in errors) / len(errors),
            mean_km=statistics.fmean(errors),
            median_km=statistics.median(errors),
            auc=_auc(errors),
            exact_id=exact,
            n_id=len(id_hits),
        )


@dataclass(slots=True)
class ConfidenceScores:
    """How well confidence separates right from wrong placements, and how well calibrated it is."""

    n: int
    right: int
    auroc: float | None  # None when all are right or all wrong
    ece: float
    bins: list[tuple[float, float, int]]  # per non-empty bin: mean confidence, share right, count

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "right": self.right,
            "auroc": self.auroc,
            "ece": self.ece,
            "bins": [{"confidence": c, "right": r, "n": k} for c, r, k in self.bins],
        }


@dataclass(slots=True)
class Scores:
    """Everything ``geomap evaluate`` prints."""

    documents: int
    gold: int
    predicted: int
    matched: int
    precision: float
    recall: float
    f1: float
    recognised: ResolutionScores
    end_to_end: ResolutionScores
    gold_spans: ResolutionScores | None = None
    confidence: ConfidenceScores | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        def res(r: ResolutionScores | None) -> dict[str, float] | None:
            keys = ("n", "acc161", "mean_km", "median_km", "auc", "exact_id", "n_id")
            return None if r is None else {k: getattr(r, k) for k in keys}

        return {
            "documents": self.documents,
            "gold": self.gold,
            "predicted": self.predicted,
            "matched": self.matched,
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "recognised": res(self.recognised),
            "end_to_end": res(self.end_to_end),
            "gold_spans": res(self.gold_spans),
            "confidence": None if self.confidence is None else self.confidence.to_dict(),
        }


def load_corpus(path: str | Path, *, limit: int | None = None) -> list[GoldDocument]:
    """Read a gold corpus: JSONL, or one JSON object (the seed article's format)."""
    path = Path(path)
    raw = read_text_file(path)
    stripped = raw.lstrip()
    try:
        if stripped.startswith("{") and "\n{" not in stripped.rstrip():
            records = [json.loads(stripped)]
        else:
            records = [json.loads(line) for line in raw.split("\n") if line.strip()]
    except json.JSONDecodeError as exc:
        raise InputError(f"{path} is not JSON lines: {exc}") from None
    docs = []
    for n, rec in enumerate(records[:limit] if limit else records, 1):
        if not isinstance(rec, dict) or not isinstance(rec.get("text"), str):
            raise InputError(f"{path}: record {n} has no 'text' string")
        toponyms = tuple(_gold_toponym(t, path, n) for t in rec.get("toponyms") or ())
        docs.append(GoldDocument(str(rec.get("id", n)), rec["text"], toponyms))
    return docs


def _gold_toponym(t: Any, path: Path, n: int) -> GoldToponym:
    try:
        lat, lon = t.get("lat"), t.get("lon")
        return GoldToponym(
            int(t["start"]),
            int(t["end"]),
            str(t.get("name", "")),
            None if lat is None or lon is None else float(lat),
            None if lat is None or lon is None else float(lon),
            None if t.get("geonameid") is None else int(t["geonameid"]),
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        raise InputError(f"{path}: record {n} has a toponym without integer start/end: {t!r}") from None


def match_spans(
    gold: Sequence[GoldToponym], predicted: Sequence[Prediction]
) -> list[tuple[GoldToponym, Prediction | None]]:
    """Pair each gold span with an overlapping prediction, each used at most once.

    Both lists are walked in start order, so a gold span takes the earliest
    unused prediction that overlaps it.
    """
    preds = sorted(predicted, key=lambda p: (p.start, p.end))
    used = [False] * len(preds)
    pairs: list[tuple[GoldToponym, Prediction | None]] = []
    for g in sorted(gold, key=lambda t: (t.start, t.end)):
        hit = None
        for i, p in enumerate(preds):
            if p.start >= g.end:
                break
            if not used[i] and g.start < p.end:
                used[i] = True
                hit = p
                break
        pairs.append((g, hit))
    return pairs


def error_km(g: GoldToponym, p: Prediction | None) -> float:
    """The error the metrics count: 0 for the gold's GeoNames id, else the distance (a miss: the maximum)."""
    if p is None or p.lat is None or p.lon is None:
        return MAX_ERROR_KM
    if g.geonameid is not None and p.geonameid == g.geonameid:
        return 0.0
    return great_circle_km(g.lat, g.lon, p.lat, p.lon)  # type: ignore[arg-type]


def _auc(errors: Sequence[float]) -> float:
    """Area under the sorted, log-scaled error curve; x spans 0..1."""
    ys = sorted(math.log(e + 1) / math.log(MAX_ERROR_KM) for e in errors)
    if len(ys) == 1:
        return ys[0]
    dx = 1 / (len(ys) - 1)
    return sum((a + b) / 2 * dx for a, b in pairwise(ys))


def auroc(scores: Sequence[float], labels: Sequence[bool]) -> float | None:
    """Area under the ROC curve: the chance a random right one scores above a random wrong one (ties half)."""
    pos = sum(labels)
    neg = len(labels) - pos
    if not pos or not neg:
        return None
    order = sorted(range(len(scores)), key=lambda i: scores[i])
    ranks = [0.0] * len(scores)
    i = 0
    while i < len(order):  # average ranks over ties
        j = i
        while j + 1 < len(order) and scores[order[j + 1]] == scores[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    rank_sum = sum(r for r, y in zip(ranks, labels) if y)
    return (rank_sum - pos * (pos + 1) / 2) / (pos * neg)


def _bins(scores: Sequence[float], labels: Sequence[bool]) -> list[tuple[float, float, int]]:
    """Mean confidence, share right and count in each non-empty equal-width bin of 0..1."""
    sums: list[list[float]] = [[0.0, 0.0, 0.0] for _ in range(CALIBRATION_BINS)]
    for s, y in zip(scores, labels):
        b = sums[min(CALIBRATION_BINS - 1, max(0, int(s * CALIBRATION_BINS)))]
        b[0] += s
        b[1] += float(y)
        b[2] += 1
    return [(c / n, r / n, int(n)) for c, r, n in sums if n]


def expected_calibration_error(scores: Sequence[float], labels: Sequence[bool]) -> float:
    """Count-weighted mean gap between mean confidence and share right over CALIBRATION_BINS bins."""
    if not scores:
        return 0.0
    return sum(n * abs(c - r) for c, r, n in _bins(scores, labels)) / len(scores)


def confidence_scores(pairs: Iterable[tuple[GoldToponym, Prediction | None]]) -> ConfidenceScores | None:
    """AUROC and calibration of the confidence of recognised, located toponyms (right: within ACC_KM)."""
    scored = [
        (p.confidence, error_km(g, p) <= ACC_KM)
        for g, p in pairs
        if g.lat is not None and p is not None and p.confidence is not None
    ]
    if not scored:
        return None
    conf = [c for c, _ in scored]
    right = [y for _, y in scored]
    return ConfidenceScores(
        n=len(scored),
        right=sum(right),
        auroc=auroc(conf, right),
        ece=expected_calibration_error(conf, right),
        bins=_bins(conf, right),
    )


def plot_reliability(scores: ConfidenceScores, path: str | Path, *, title: str = "") -> None:
    """Write a reliability diagram (share right against mean confidence per bin, with counts) as PNG.

    Needs matplotlib (``pip install 'geomap[plot]'``), imported here because only this plot uses it.
    """
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise InputError("the reliability plot needs matplotlib: pip install 'geomap[plot]'") from None
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(5, 6), height_ratios=(3, 1), sharex=True)
    width = 1 / CALIBRATION_BINS
    top.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfect calibration")
    top.bar([c for c, _, _ in scores.bins], [r for _, r, _ in scores.bins], width=width * 0.8, alpha=0.7)
    top.plot([c for c, _, _ in scores.bins], [r for _, r, _ in scores.bins], marker="o", label="geomap")
    top.set_ylabel("share right (Acc@161)")
    top.set_ylim(0, 1)
    auroc_text = "n/a" if scores.auroc is None else f"{scores.auroc:.3f}"
    top.set_title(f"{title}  AUROC {auroc_text}  ECE {scores.ece:.3f}  n={scores.n}".strip())
    top.legend(loc="upper left")
    bottom.bar([c for c, _, _ in scores.bins], [n for _, _, n in scores.bins], width=width * 0.8)
    bottom.set_xlabel("confidence")
    bottom.set_ylabel("mentions")
    bottom.set_xlim(0, 1)
    fig.tight_layout()
    fig.savefig(path, format="png", dpi=100)
    plt.close(fig)


def resolution_scores(
    pairs: Iterable[tuple[GoldToponym, Prediction | None]], *, recognised_only: bool
) -> ResolutionScores:
    """Errors over gold toponyms with coordinates; misses are skipped or count as the maximum (and a wrong id)."""
    scored = [(g, p) for g, p in pairs if g.lat is not None and (p is not None or not recognised_only)]
    id_hits = [p is not None and p.geonameid == g.geonameid for g, p in scored if g.geonameid is not None]
    return ResolutionScores.from_errors([error_km(g, p) for g, p in scored], id_hits)


def score(
    docs: Sequence[GoldDocument],
    predictions: Sequence[Sequence[Prediction]],
    gold_span_predictions: Sequence[Sequence[Prediction]] | None = None,
) -> Scores:
    """All metrics for predictions aligned with ``docs`` (one list per document)."""
    if len(predictions) != len(docs):
        raise InputError(f"{len(predictions)} prediction lists for {len(docs)} documents")
    pairs = [pair for d, preds in zip(docs, predictions) for pair in match_spans(d.toponyms, preds)]
    n_gold = sum(len(d.toponyms) for d in docs)
    n_pred = sum(len(p) for p in predictions)
    matched = sum(p is not None for _, p in pairs)
    precision = matched / n_pred if n_pred else 0.0
    recall = matched / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    gold_spans = None
    if gold_span_predictions is not None:
        gs_pairs = [pair for d, preds in zip(docs, gold_span_predictions) for pair in _pair_exact(d.toponyms, preds)]
        gold_spans = resolution_scores(gs_pairs, recognised_only=False)
    return Scores(
        confidence=confidence_scores(pairs),
        documents=len(docs),
        gold=n_gold,
        predicted=n_pred,
        matched=matched,
        precision=precision,
        recall=recall,
        f1=f1,
        recognised=resolution_scores(pairs, recognised_only=True),
        end_to_end=resolution_scores(pairs, recognised_only=False),
        gold_spans=gold_spans,
    )


def _pair_exact(
    gold: Sequence[GoldToponym], preds: Sequence[Prediction]
) -> Iterator[tuple[GoldToponym, Prediction | None]]:
    """Gold-span mode: the prediction for a gold span is the one with the same offsets."""
    by_span = {(p.start, p.end): p for p in preds}
    for g in gold:
        yield g, by_span.get((g.start, g.end))


def format_scores(scores: Scores, *, name: str = "") -> str:
    """The human-readable table ``geomap evaluate`` prints."""
    lines = [
        f"corpus {name}: {scores.documents} documents, {scores.gold} gold toponyms, "
        f"{scores.predicted} predicted, {scores.matched} matched",
        f"recognition   P {scores.precision:.3f}  R {scores.recall:.3f}  F1 {scores.f1:.3f}",
        "resolution    n      Acc@161  mean km  median km  AUC    exact id (n)",
    ]
    rows = [("recognised", scores.recognised), ("end to end", scores.end_to_end)]
    if scores.gold_spans is not None:
        rows.append(("gold spans", scores.gold_spans))
    for label, r in rows:
        lines.append(
            f"{label:<13} {r.n:<6} {r.acc161:.3f}    {r.mean_km:<8.1f} {r.median_km:<10.1f} {r.auc:.3f}  "
            + (f"{r.exact_id:.3f} ({r.n_id})" if r.n_id else "-")  # "-": the gold gives no GeoNames ids
        )
    c = scores.confidence
    if c is not None:
        auroc_text = "n/a" if c.auroc is None else f"{c.auroc:.3f}"
        lines.append(f"confidence    AUROC {auroc_text}  ECE {c.ece:.3f}  ({c.n} recognised, {c.right} right)")
    return "\n".join(lines)


def predictions_of(doc: ParsedDocument, *, demonyms: bool = True, min_confidence: float = 0.0) -> list[Prediction]:
    """A parsed document's mentions as scoring predictions (demonyms and those below ``min_confidence`` left out)."""
    return [
        Prediction(
            m.start,
            m.end,
            m.place.lat if m.place else None,
            m.place.lon if m.place else None,
            m.place.geonameid if m.place and not m.approximate else None,  # an anchor's id is not the name's
            m.confidence,
        )
        for m in doc.mentions
        if (demonyms or m.kind != "demonym") and m.confidence >= min_confidence
    ]


def evaluate(
    geoparser: Geoparser,
    docs: Sequence[GoldDocument],
    *,
    gold_spans: bool = False,
    demonyms: bool = True,
    n_process: int = 1,
    min_confidence: float = 0.0,
) -> Scores:
    """Parse ``docs`` end to end (and, with ``gold_spans``, resolve their gold spans) and score.

    ``min_confidence``: end-to-end mentions below it are left out, as a consumer asking for it would see.
    """
    parsed = geoparser.parse_many((d.text for d in docs), n_process=n_process, batch_size=16)
    predictions = [predictions_of(p, demonyms=demonyms, min_confidence=min_confidence) for p in parsed]
    gs = None
    if gold_spans:
        gs = [predictions_of(geoparser.resolve_spans(d.text, [(t.start, t.end) for t in d.toponyms])) for d in docs]
    return score(docs, predictions, gs)

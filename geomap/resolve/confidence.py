"""A mention's ``confidence``: a calibrated probability that the place chosen for it is right.

The ranker's scores only order a mention's candidates; how far the winner is
ahead of the rest, how strong its own evidence is and what kind of place it is
say how often such a choice is right. ``ConfidenceModel`` is a logistic
regression over those signals (``inputs``), fitted on gold corpora by
``benchmarks/fit_confidence.py`` ("right" = the evaluator's: the gold GeoNames id
or within 161 km), so that among mentions given 0.8, about 80 % are right.

The shipped coefficients (``geomap/data/confidence.json``) were fitted on both
gold corpora with the default ranker; ``GEOMAP_CONFIDENCE_MODEL`` points at
another fit (one per corpus for held-out figures, or one for another ranker,
whose scores have another scale).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path

from ..config import Settings
from ..errors import ConfigError
from ..models import Candidate

__all__ = ["INPUTS", "ConfidenceModel", "inputs", "softmax_share", "load_confidence_model", "SHARE_TOP"]

SHARE_TOP = 5  # the softmax share is taken among this many best candidates
MARGIN_CAP = 10.0  # score margins beyond this say nothing more
# Evidence features of the chosen candidate that the model reads as they are (see ranker.FEATURES).
# The place's kind is left out on purpose: whether a country "is right" depends on a corpus's
# convention for country points (an id match, or a distance from its own point), not on the text.
_EVIDENCE = (
    "prior",
    "qualified",
    "country",
    "region",
    "named_region",
    "near",
    "typed",
    "list",
    "qualifies",
    "contained",
    "partner",
)
INPUTS: tuple[str, ...] = ("bias", "share", "margin", "single", *_EVIDENCE)


def softmax_share(cands: Sequence[Candidate]) -> float:
    """Softmax probability of the first candidate among the first SHARE_TOP (the ranker's own certainty)."""
    if not cands:
        return 0.0
    top = [c.score for c in cands[:SHARE_TOP]]
    m = max(top)
    exps = [math.exp(s - m) for s in top]
    return exps[0] / sum(exps)


def inputs(ordered: Sequence[Candidate]) -> dict[str, float]:
    """What the model reads about a mention whose chosen candidate is ``ordered[0]`` (rivals after it)."""
    if not ordered:
        return dict.fromkeys(INPUTS, 0.0)
    chosen = ordered[0]
    rival = max((c.score for c in ordered[1:]), default=None)
    margin = MARGIN_CAP if rival is None else max(-MARGIN_CAP, min(MARGIN_CAP, chosen.score - rival))
    out = {
        "bias": 1.0,
        "share": softmax_share(ordered),
        "margin": margin / MARGIN_CAP,
        "single": 1.0 if rival is None else 0.0,
    }
    for k in _EVIDENCE:
        out[k] = float(chosen.features.get(k, 0.0))
    return out


@dataclass(frozen=True, slots=True)
class ConfidenceModel:
    """Logistic regression coefficients over ``INPUTS`` (missing ones weigh 0) and a note of what they were fit on."""

    coefficients: Mapping[str, float]
    fitted_on: str = ""
    extra: Mapping[str, object] = field(default_factory=dict)

    def probability(self, ordered: Sequence[Candidate]) -> float:
        """P(the chosen candidate ``ordered[0]`` is right)."""
        if not ordered:
            return 0.0
        x = inputs(ordered)
        z = sum(self.coefficients.get(k, 0.0) * v for k, v in x.items())
        return 1.0 / (1.0 + math.exp(-max(-40.0, min(40.0, z))))

    @classmethod
    def from_json(cls, text: str, where: str) -> ConfidenceModel:
        try:
            data = json.loads(text)
            coefficients = {str(k): float(v) for k, v in data["coefficients"].items()}
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ConfigError(f"{where} is not a confidence model (JSON with 'coefficients'): {exc}") from None
        unknown = set(coefficients) - set(INPUTS)
        if unknown:
            raise ConfigError(f"{where}: unknown confidence inputs {sorted(unknown)}; known: {', '.join(INPUTS)}")
        return cls(coefficients, str(data.get("fitted_on", "")), dict(data.get("extra", {})))

    def to_json(self) -> str:
        body = {"fitted_on": self.fitted_on, "coefficients": dict(self.coefficients), "extra": dict(self.extra)}
        return json.dumps(body, indent=2) + "\n"


def load_confidence_model(settings: Settings) -> ConfidenceModel:
    """The model ``settings.confidence_model`` names, else the one shipped in ``geomap/data``."""
    if settings.confidence_model is not None:
        path = Path(settings.confidence_model)
        try:
            return ConfidenceModel.from_json(path.read_text(encoding="utf-8"), str(path))
        except OSError as exc:
            raise ConfigError(f"cannot read the confidence model {path}: {exc}") from None
    shipped = files("geomap.data") / "confidence.json"
    return ConfidenceModel.from_json(shipped.read_text(encoding="utf-8"), "geomap/data/confidence.json")

"""``Filters``: what the map, the API and the CLI narrow stored places, mentions and articles by.

``Filters.from_args`` reads them from text parameters (a query string, the
``geomap map`` options), so the same parameters select the same rows everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..errors import InputError
from ..models import KINDS
from ..textparams import Params, parse_bbox, parse_bool, parse_near, parse_probability, parse_time, text_param
from .search import MAX_QUERY_WORDS, query_words

__all__ = ["Filters", "FILTER_PARAMS"]

# The text parameters ``Filters.from_args`` reads, in the order links carry them.
FILTER_PARAMS = (
    "q",
    "text",
    "bbox",
    "near",
    "country",
    "kind",
    "since",
    "until",
    "source",
    "demonyms",
    "min_confidence",
)
_COUNTRY_CODE_LENGTH = 2


@dataclass(frozen=True)
class Filters:
    """What to narrow results by; every field optional.

    ``q`` matches place names (substring, case-insensitive); ``text`` keeps
    the articles whose title or text holds every one of its words (full-text
    search, stemmed: ``store/search.py``); ``bbox`` is
    (west, south, east, north) in degrees, west > east crossing the
    antimeridian; ``near`` is (lat, lon, km): places within km of the point,
    listed nearest first; ``since``/``until`` bound the article's publication time
    (inclusive); ``demonyms`` False counts only ``"toponym"`` mentions;
    ``min_confidence`` counts only mentions whose calibrated confidence (the
    probability that the place is right) is at least this.
    """

    q: str | None = None
    text: str | None = None
    bbox: tuple[float, float, float, float] | None = None
    near: tuple[float, float, float] | None = None
    country: str | None = None
    kind: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    source: str | None = None
    article_id: int | None = None
    demonyms: bool = False
    min_confidence: float | None = None

    @property
    def on_articles(self) -> bool:
        """Whether the maintained per-place counts cannot answer: a filter concerns the articles or the
        mentions themselves (their confidence), not just the places."""
        return any(
            v is not None
            for v in (self.since, self.until, self.source, self.article_id, self.text, self.min_confidence)
        )

    @classmethod
    def from_args(cls, args: Params) -> Filters:
        """The filters text parameters ask for; demonym mentions stay hidden unless ``demonyms=true``."""
        country = text_param(args, "country")
        if country is not None:
            if len(country) != _COUNTRY_CODE_LENGTH or not country.isalpha():
                raise InputError(f"country must be a two-letter ISO code such as UA, not {country!r}")
            country = country.upper()
        kind = text_param(args, "kind")
        if kind is not None and kind not in KINDS:
            raise InputError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
        for name in ("since", "until"):  # an empty date is a mistake, not "no bound": the map's form omits it
            if (given := args.get(name)) is not None and not given.strip():
                raise InputError(f"{name} is empty; give a date like 2024-05-31 or leave {name} out")
        since_raw, until_raw, bbox_raw = text_param(args, "since"), text_param(args, "until"), text_param(args, "bbox")
        since = parse_time(since_raw, "since", end_of_day=False) if since_raw else None
        until = parse_time(until_raw, "until", end_of_day=True) if until_raw else None
        if since and until and since > until:
            raise InputError("since must not be later than until")
        text = text_param(args, "text")
        if text is not None:
            words = query_words(text)
            if not words:
                raise InputError(f"text must hold at least one word to search for, not {text!r}")
            if len(words) > MAX_QUERY_WORDS:
                raise InputError(f"text may hold at most {MAX_QUERY_WORDS} different words, not {len(words)}")
        return cls(
            q=text_param(args, "q"),
            text=text,
            bbox=parse_bbox(bbox_raw) if bbox_raw else None,
            near=parse_near(near_raw) if (near_raw := text_param(args, "near")) else None,
            country=country,
            kind=kind,
            since=since,
            until=until,
            source=text_param(args, "source"),
            demonyms=parse_bool(args, "demonyms"),
            min_confidence=parse_probability(args, "min_confidence") if args.get("min_confidence") else None,
        )

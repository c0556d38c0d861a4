"""``parse()`` / ``parse_many()``: recognise → resolve, the geoparser's front door.

>>> from geomap.pipeline import Geoparser
>>> gp = Geoparser()
>>> doc = gp.parse("Russian forces shelled Bakhmut in the Donetsk region.")

The spaCy model and the gazetteer load on first use. Offsets in every
``Mention`` refer to ``text`` only; a ``title`` is carried along on the
``ParsedDocument`` but not searched for places.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Iterable, Iterator, Sequence

from .config import Settings, load_settings
from .errors import InputError
from .gazetteer import PlaceIndex, get_gazetteer
from .models import Candidate, ParsedDocument
from .parallel import batched, pipelined, worker_pool
from .recognise import Recogniser
from .recognise.entities import Entity, named_entities
from .recognise.model import NerModel, load_ner_model
from .resolve import Resolver
from .resolve.confidence import load_confidence_model
from .resolve.ranker import Ranker, load_ranker
from .resolve.resolver import ALTERNATIVES

__all__ = ["Geoparser", "parse", "parse_many", "default_geoparser", "above_confidence"]

_LOOKUP_CACHE_MAX = 500_000  # memoised name lookups per process (names repeat across articles)


def _empty(text: str, title: str | None) -> ParsedDocument:
    return ParsedDocument(text=text, mentions=[], focus={"countries": [], "regions": [], "cities": []}, title=title)


def _check_text(text: object) -> str:
    if not isinstance(text, str):
        raise InputError(f"text to parse must be a string, not {type(text).__name__}")
    return text


class Geoparser:
    """Finds and resolves the places in texts. Loads its model and gazetteer lazily, once."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        gazetteer: PlaceIndex | None = None,
        nlp: NerModel | None = None,
        landmarks: bool = False,
        alternatives: int = ALTERNATIVES,
        ranker: Ranker | None = None,
        calibrated: bool = True,
    ) -> None:
        """``alternatives``: how many ranked candidates each mention keeps (training the ranker wants all);
        ``ranker``: scores candidates (default: the one ``settings.ranker`` names); ``calibrated``: False
        reports the ranker's softmax share as confidence instead of the calibrated probability (fitting
        the calibration needs no earlier fit)."""
        self.settings = settings or load_settings()
        self.ranker = ranker
        self.calibrated = calibrated
        self._gazetteer = gazetteer
        self._nlp = nlp
        self.landmarks = landmarks
        self.alternatives = alternatives
        self._recogniser: Recogniser | None = None
        self._resolver: Resolver | None = None
        self._cache: dict[str, list[Candidate]] = {}
        self._lock = threading.Lock()

    @property
    def gazetteer(self) -> PlaceIndex:
        if self._gazetteer is None:
            self._gazetteer = get_gazetteer(self.settings)
        return self._gazetteer

    def lookup(self, name: str) -> list[Candidate]:
        """The gazetteer's candidates for ``name``, memoised (callers must not mutate them)."""
        hit = self._cache.get(name)
        if hit is None:
            if len(self._cache) >= _LOOKUP_CACHE_MAX:
                self._cache.clear()
            hit = self._cache[name] = self.gazetteer.lookup(name)
        return hit

    def _parts(self) -> tuple[Recogniser, Resolver]:
        with self._lock:
            if self._recogniser is None or self._resolver is None:
                nlp = self._nlp or load_ner_model(self.settings)
                self._nlp = nlp
                self.ranker = self.ranker or load_ranker(self.settings)
                self._resolver = Resolver(
                    self.gazetteer,
                    self.lookup,
                    landmarks=self.landmarks,
                    alternatives=self.alternatives,
                    ranker=self.ranker,
                    confidence=load_confidence_model(self.settings) if self.calibrated else None,
                )
                self._recogniser = Recogniser(nlp, self.lookup)
            return self._recogniser, self._resolver

    def load(self) -> Geoparser:
        """Load the model and the gazetteer now (servers call this before taking requests)."""
        self._parts()
        return self

    def parse(self, text: str, *, title: str | None = None) -> ParsedDocument:
        """The places ``text`` mentions, resolved, and its geographic focus."""
        return next(self._parse_batch([_check_text(text)], [title], batch_size=1))

    def parse_many(self, texts: Iterable[str], *, n_process: int = 1, batch_size: int = 32) -> Iterator[ParsedDocument]:
        """Parse a stream of texts in order; ``n_process`` > 1 parses in worker processes."""
        if n_process < 1 or batch_size < 1:
            raise InputError("n_process and batch_size must be at least 1")
        checked = (_check_text(t) for t in texts)
        if n_process == 1:
            for batch in batched(checked, batch_size):
                yield from self._parse_batch(batch, [None] * len(batch), batch_size=batch_size)
            return
        pool = worker_pool(
            n_process,
            _init_worker,
            forked_args=(self, self.settings, self.landmarks),
            spawned_args=(None, self.settings, self.landmarks),
            before_fork=self.load,
        )
        with pool as executor:
            for _, docs in pipelined(executor, _work, batched(checked, batch_size), ahead=2 * n_process):
                yield from docs

    def _parse_batch(
        self, texts: Sequence[str], titles: Sequence[str | None], *, batch_size: int
    ) -> Iterator[ParsedDocument]:
        todo = [i for i, t in enumerate(texts) if t.strip()]
        results: dict[int, ParsedDocument] = {}
        if todo:
            recogniser, resolver = self._parts()
            recognised = recogniser.recognise_many((texts[i] for i in todo), batch_size=batch_size)
            for i, found in zip(todo, recognised):
                mentions, focus = resolver.resolve(texts[i], found)
                results[i] = ParsedDocument(text=texts[i], mentions=mentions, focus=focus, title=titles[i])
        for i, text in enumerate(texts):
            yield results.get(i) or _empty(text, titles[i])

    def entities(self, text: str, labels: Collection[str]) -> list[Entity]:
        """NER entities of ``text`` with these labels ("PERSON", "ORG"), over the whole text (CLIFF's people)."""
        self._parts()
        assert self._nlp is not None
        return named_entities(self._nlp, _check_text(text), labels)

    def resolve_spans(
        self, text: str, spans: Sequence[tuple[int, int]], *, place_unknown: bool = True
    ) -> ParsedDocument:
        """Resolve exactly the given character spans (gold-span evaluation), with the whole text as evidence.

        The rest of the text is recognised too, and the places it names count as context ("Santa Maria
        ... in Santa Barbara County"), but only the given spans are returned. A span the gazetteer has no
        record for is put beside the places named around it, marked ``approximate`` (``resolve.anchor``),
        unless it is an ordinary word (the recogniser's stop names: "Monday") or ``place_unknown`` is False
        (CLIFF answers with gazetteer records only).
        """
        text = _check_text(text)
        recogniser, resolver = self._parts()
        given = recogniser.given(text, spans)
        recognised = next(recogniser.recognise_many([text], batch_size=1)) if text.strip() else []
        others = [f for f in recognised if not any(f.start < g.end and g.start < f.end for g in given)]
        ordinary = recogniser.lexicon.stopnames  # "Monday", "Bank": an ordinary word is no place to anchor
        anchored = (lambda f: f.text.lower() not in ordinary) if place_unknown else None
        mentions, focus = resolver.resolve(text, given, evidence=others, place_unknown=anchored)
        return ParsedDocument(text=text, mentions=mentions, focus=focus)


def above_confidence(doc: ParsedDocument, min_confidence: float) -> ParsedDocument:
    """``doc`` with only the mentions whose confidence (the probability their place is right) is at least
    ``min_confidence``; the focus stays that of the whole text."""
    if min_confidence <= 0.0:
        return doc
    kept = [m for m in doc.mentions if m.confidence >= min_confidence]
    return ParsedDocument(text=doc.text, mentions=kept, focus=doc.focus, title=doc.title)


# --- worker processes -------------------------------------------------------------------------

_WORKER: Geoparser | None = None


def _init_worker(parent: Geoparser | None, settings: Settings, landmarks: bool) -> None:
    """Worker set-up: the parent's loaded geoparser (fork) or a new one (spawn)."""
    global _WORKER
    _WORKER = parent if parent is not None else Geoparser(settings, landmarks=landmarks)


def _work(batch: list[str]) -> list[ParsedDocument]:
    assert _WORKER is not None
    return list(_WORKER._parse_batch(batch, [None] * len(batch), batch_size=len(batch)))


_DEFAULT: Geoparser | None = None
_DEFAULT_LOCK = threading.Lock()


def default_geoparser() -> Geoparser:
    """The process-wide Geoparser behind ``parse`` and ``parse_many`` (default settings)."""
    global _DEFAULT
    with _DEFAULT_LOCK:
        if _DEFAULT is None:
            _DEFAULT = Geoparser()
        return _DEFAULT


def parse(text: str, *, title: str | None = None) -> ParsedDocument:
    """Parse one text with the default Geoparser."""
    return default_geoparser().parse(text, title=title)


def parse_many(texts: Iterable[str], *, n_process: int = 1, batch_size: int = 32) -> Iterator[ParsedDocument]:
    """Parse many texts with the default Geoparser, streaming results in order."""
    return default_geoparser().parse_many(texts, n_process=n_process, batch_size=batch_size)

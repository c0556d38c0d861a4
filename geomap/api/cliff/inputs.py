"""What a CLIFF client sends, read and checked: the text, the sentences, pre-computed NER, a GeoNames id.

CLIFF clients send form fields (``mediacloud-cliff`` posts ``q``,
``replaceAllDemonyms`` and ``language`` as ``application/x-www-form-urlencoded``);
a query string works too. Everything here is data: a bad value becomes an
``InputError`` that says what to send instead, answered in CLIFF's error shape.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ...errors import InputError
from ...textparams import Params, parse_bool, text_param

__all__ = [
    "FORM_TYPES",
    "SUPPORTED_LANGUAGES",
    "Sentence",
    "NlpEntities",
    "read_text",
    "read_demonyms",
    "check_language",
    "read_sentences",
    "read_nlp_json",
    "read_geonameid",
    "read_url",
]

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# geomap's recogniser is English; CLIFF 2.6 also took ES and DE, which geomap refuses rather than misreads.
SUPPORTED_LANGUAGES = frozenset({"EN"})
UNSUPPORTED_LANGUAGE = 422
SENTENCE_SEPARATOR = "\n"  # joins a client's sentences into one text, so each is the others' context
MAX_GEONAMEID = 2**31 - 1
# CoreNLP's NER labels for places: CLIFF read LOCATION; newer CoreNLP models split it three ways.
NLP_PLACE_LABELS = frozenset({"LOCATION", "CITY", "COUNTRY", "STATE_OR_PROVINCE"})
NLP_PERSON_LABEL = "PERSON"
NLP_ORGANIZATION_LABEL = "ORGANIZATION"
NLP_OUTSIDE = "O"  # the label of a token outside every entity
NLP_SKIPPED_KEY = "_"  # Media Cloud's NLP JSON keeps bookkeeping under this key, not a sentence


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence of a ``parse/sentences`` request; ``sentence_id`` is Media Cloud's ``story_sentences_id``."""

    text: str
    sentence_id: str | int | None = None


@dataclass(slots=True)
class NlpEntities:
    """Pre-computed CoreNLP entities (``parse/json``), laid out as one text with character spans.

    The tokens of each sentence are joined with spaces and the sentences with
    newlines, so the places can be resolved together, each with the others as
    context; ``sentences`` says where each sentence starts, so an offset maps back to its sentence.
    """

    text: str = ""
    places: list[tuple[int, int]] = field(default_factory=list)
    people: list[str] = field(default_factory=list)
    organizations: list[str] = field(default_factory=list)
    sentences: list[tuple[int, str]] = field(default_factory=list)  # (start offset, story_sentences_id), in order


def read_text(values: Params) -> str:
    """The form field ``q``: the text to geoparse."""
    text = values.get("q")
    if text is None or not text.strip():
        raise InputError("send the text to parse in the form field 'q' (application/x-www-form-urlencoded)")
    return text


def read_demonyms(values: Params) -> bool:
    """``replaceAllDemonyms``: whether "Russian" counts as a mention of Russia (CLIFF's default: no)."""
    return parse_bool(values, "replaceAllDemonyms")


def check_language(values: Params) -> None:
    """Refuse a ``language`` geomap does not parse, instead of answering it with English rules."""
    language = text_param(values, "language")
    if language is None:
        return
    code = language.upper().split("-")[0].split("_")[0]
    if code not in SUPPORTED_LANGUAGES:
        raise InputError(
            f"language {language!r} is not supported: geomap geoparses English text only (language=EN)",
            status=UNSUPPORTED_LANGUAGE,
        )


def _json_field(values: Params, shape: str) -> Any:
    raw = read_text(values)
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise InputError(f"the form field 'q' must be JSON ({shape}): {exc}") from None


def read_sentences(values: Params) -> list[Sentence]:
    """``q`` as a JSON list of sentences: strings, or objects with ``sentence`` (and ``story_sentences_id``)."""
    shape = 'a list of strings or of {"sentence": ..., "story_sentences_id": ...} objects'
    raw = _json_field(values, shape)
    if not isinstance(raw, list):
        raise InputError(f"the form field 'q' must be a JSON list: {shape}")
    sentences = []
    for n, item in enumerate(raw):
        if isinstance(item, str):
            sentences.append(Sentence(item))
        elif isinstance(item, Mapping) and isinstance(item.get("sentence"), str):
            sid = item.get("story_sentences_id")
            if sid is not None and (isinstance(sid, bool) or not isinstance(sid, str | int)):
                raise InputError(f"sentence {n}: story_sentences_id must be a string or a whole number")
            sentences.append(Sentence(item["sentence"], sid))
        else:
            raise InputError(f"sentence {n} must be a string or an object with a string 'sentence'")
    if not any(s.text.strip() for s in sentences):
        raise InputError("the sentences are all empty: send at least one with text")
    return sentences


def _tokens(sentence: Any, where: str) -> list[tuple[str, str]]:
    tokens = sentence.get("tokens") if isinstance(sentence, Mapping) else None
    if not isinstance(tokens, list):
        raise InputError(f"{where}: each CoreNLP sentence needs a 'tokens' list")
    out = []
    for token in tokens:
        word = token.get("word") if isinstance(token, Mapping) else None
        label = token.get("ne", NLP_OUTSIDE) if isinstance(token, Mapping) else None
        if not isinstance(word, str) or not isinstance(label, str):
            raise InputError(f"{where}: each token needs a string 'word' and a string 'ne'")
        out.append((word, label))
    return out


def read_nlp_json(values: Params) -> NlpEntities:
    """``q`` as Media Cloud's NLP JSON, which CLIFF's ``parse/json`` takes.

    ``{"<story_sentences_id>": {"corenlp": {"sentences": [{"tokens": [{"word": "Paris", "ne": "LOCATION"}]}]}}}``:
    consecutive tokens with the same ``ne`` label make one entity, as in CLIFF.
    """
    shape = '{"<story_sentences_id>": {"corenlp": {"sentences": [{"tokens": [{"word": ..., "ne": ...}]}]}}}'
    raw = _json_field(values, shape)
    if not isinstance(raw, Mapping):
        raise InputError(f"the form field 'q' must be a JSON object: {shape}")
    out = NlpEntities()
    pieces: list[str] = []
    entities: list[tuple[int, int, str]] = []  # (start, end, CoreNLP label) in the joined text
    offset = 0
    for sid, story in raw.items():
        if sid == NLP_SKIPPED_KEY:
            continue
        corenlp = story.get("corenlp") if isinstance(story, Mapping) else None
        nlp_sentences = corenlp.get("sentences") if isinstance(corenlp, Mapping) else None
        if not isinstance(nlp_sentences, list):
            raise InputError(f"story sentence {sid!r}: expected {{'corenlp': {{'sentences': [...]}}}}")
        for sentence in nlp_sentences:
            out.sentences.append((offset, sid))
            words: list[str] = []
            position, run_start, run_label = offset, offset, NLP_OUTSIDE
            for word, label in [*_tokens(sentence, f"story sentence {sid!r}"), ("", NLP_OUTSIDE)]:
                if label != run_label:
                    if run_label != NLP_OUTSIDE and position - 1 > run_start:
                        entities.append((run_start, position - 1, run_label))
                    run_start, run_label = position, label
                words.append(word)
                position += len(word) + 1
            piece = " ".join(words).rstrip()
            pieces.append(piece)
            offset += len(piece) + len(SENTENCE_SEPARATOR)
    out.text = SENTENCE_SEPARATOR.join(pieces)
    for start, end, label in entities:
        if label in NLP_PLACE_LABELS:
            out.places.append((start, end))
        elif label == NLP_PERSON_LABEL:
            out.people.append(out.text[start:end])
        elif label == NLP_ORGANIZATION_LABEL:
            out.organizations.append(out.text[start:end])
    return out


def read_geonameid(values: Params) -> int:
    """``id``: a GeoNames id, a positive whole number."""
    raw = text_param(values, "id")
    if raw is None:
        raise InputError("send the GeoNames id in the parameter 'id', e.g. id=524901")
    try:
        value = int(raw)
    except ValueError:
        raise InputError(f"id must be a GeoNames id (a whole number), not {raw!r}") from None
    if not 0 < value <= MAX_GEONAMEID:
        raise InputError(f"id must be a positive GeoNames id, not {value}")
    return value


def read_url(values: Params) -> str:
    """``url``: the page ``extract`` should fetch."""
    url = text_param(values, "url")
    if url is None:
        raise InputError("send the page's address in the parameter 'url', e.g. url=https://example.org/story")
    return url

"""The CLIFF endpoints, under ``/`` and under ``/cliff-2.6.1/`` (the path CLIFF deployments and clients use).

``mediacloud-cliff`` 2.6.2 calls ``<base>/cliff-2.6.1/parse/text`` and its
siblings; older setups point straight at ``/parse/text``. Both answer the same.
Errors on these paths are CLIFF's shape (``status`` "error", ``details``),
written by the app's error handler through ``is_cliff_path``.
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from flask import Blueprint, Response, jsonify, request

from ...config import Settings
from ...errors import InputError, NotFoundError
from ...models import Mention, ParsedDocument
from ...recognise.entities import ORGANIZATION, PERSON
from ...textparams import Params
from ..auth import check_api_key
from ..services import services
from .fetch import ExtractDisabled, extract_url
from .inputs import (
    FORM_TYPES,
    SENTENCE_SEPARATOR,
    check_language,
    read_demonyms,
    read_geonameid,
    read_nlp_json,
    read_sentences,
    read_text,
    read_url,
)
from .shape import CLIFF_VERSION, SourceOf, envelope, results, with_parents

__all__ = ["cliff", "CLIFF_PREFIXES", "CLIFF_PATHS", "is_cliff_path"]

cliff = Blueprint("cliff", __name__)

CLIFF_PREFIXES = ("", f"/cliff-{CLIFF_VERSION}")
CLIFF_PATHS = ("/parse/text", "/parse/sentences", "/parse/json", "/geonames", "/extract")
_METHODS = ["GET", "POST"]
_NO_FOCUS: dict[str, list[Any]] = {"countries": [], "regions": [], "cities": []}


def is_cliff_path(path: str) -> bool:
    """Whether ``path`` is one of the CLIFF endpoints (its errors are answered in CLIFF's shape)."""
    return any(path == prefix + p for prefix in CLIFF_PREFIXES for p in CLIFF_PATHS) or path.startswith(
        f"/cliff-{CLIFF_VERSION}/"
    )


def _route(path: str) -> Callable[[Callable[[], Response]], Callable[[], Response]]:
    """Serve the view at ``path`` under every CLIFF prefix."""

    def register(view: Callable[[], Response]) -> Callable[[], Response]:
        for prefix in CLIFF_PREFIXES:
            cliff.add_url_rule(prefix + path, view.__name__, view, methods=_METHODS)
        return view

    return register


def _values() -> Params:
    """The request's fields: a form body or the query string (CLIFF took both); another kind of body is a 415."""
    has_body = bool(request.content_length) or request.headers.get("Transfer-Encoding") == "chunked"
    if request.method == "POST" and has_body and request.mimetype not in FORM_TYPES and not request.args:
        raise InputError(
            "send a form (application/x-www-form-urlencoded) with field 'q', "
            f"not {request.mimetype or 'no content type'!r}",
            status=415,
        )
    return request.values


def _answer(payload: dict[str, Any], started: float) -> Response:
    return jsonify(envelope(payload, (time.perf_counter() - started) * 1000))


def _geoparse(text: str) -> tuple[ParsedDocument, list[str], list[str]]:
    """The parsed text, and the people and the organisations NER finds in it, without names read as places."""
    parsed, entities = services().parser.parse_with_entities(text, (PERSON, ORGANIZATION))
    places = [(m.start, m.end) for m in parsed.mentions]
    people: list[str] = []
    organizations: list[str] = []
    for e in entities:
        if not any(start <= e.start and e.end <= end for start, end in places):
            (people if e.label == PERSON else organizations).append(parsed.text[e.start : e.end])
    return parsed, people, organizations


def _by_sentence(starts: Sequence[int], ids: Sequence[object]) -> SourceOf:
    """``source`` fields for texts joined from sentences: the offset in its sentence, and the sentence's id."""

    def source(m: Mention) -> dict[str, Any]:
        n = bisect.bisect_right(starts, m.start) - 1
        fields: dict[str, Any] = {"charIndex": m.start - starts[n]}
        if ids[n] is not None:
            fields["storySentencesId"] = ids[n]
        return fields

    return source


def _within_sentences(parsed: ParsedDocument, starts: Sequence[int]) -> ParsedDocument:
    """Drop mentions that run across a sentence boundary (the joined text is not the client's)."""

    def inside(m: Mention) -> bool:
        n = bisect.bisect_right(starts, m.start)
        return n == len(starts) or m.end < starts[n]

    return replace(parsed, mentions=[m for m in parsed.mentions if inside(m)])


@_route("/parse/text")
def parse_text() -> Response:
    """Geoparse the form field ``q``."""
    started = time.perf_counter()
    values = _values()
    check_language(values)
    text, demonyms = read_text(values), read_demonyms(values)
    parsed, people, organizations = _geoparse(text)
    payload = results(parsed, services().gazetteer, demonyms=demonyms, people=people, organizations=organizations)
    return _answer(payload, started)


@_route("/parse/sentences")
def parse_sentences() -> Response:
    """Geoparse ``q``, a JSON list of sentences, as one text; ``charIndex`` counts from each sentence's start."""
    started = time.perf_counter()
    values = _values()
    check_language(values)
    sentences, demonyms = read_sentences(values), read_demonyms(values)
    starts, position = [], 0
    for s in sentences:
        starts.append(position)
        position += len(s.text) + len(SENTENCE_SEPARATOR)
    parsed, people, organizations = _geoparse(SENTENCE_SEPARATOR.join(s.text for s in sentences))
    parsed = _within_sentences(parsed, starts)
    source = _by_sentence(starts, [s.sentence_id for s in sentences])
    payload = results(
        parsed, services().gazetteer, demonyms=demonyms, people=people, organizations=organizations, source_of=source
    )
    return _answer(payload, started)


@_route("/parse/json")
def parse_json() -> Response:
    """Resolve the places of pre-computed CoreNLP entities (``q``, Media Cloud's NLP JSON), as CLIFF does."""
    started = time.perf_counter()
    values = _values()
    check_language(values)
    nlp, demonyms = read_nlp_json(values), read_demonyms(values)
    svc = services()
    if nlp.places:
        parsed = svc.parser.resolve_spans(nlp.text, nlp.places, place_unknown=False)
    else:
        parsed = ParsedDocument(text=nlp.text, mentions=[], focus=_NO_FOCUS)
    starts, ids = [s for s, _ in nlp.sentences], [sid for _, sid in nlp.sentences]
    payload = results(
        parsed,
        svc.gazetteer,
        demonyms=demonyms,
        people=nlp.people,
        organizations=nlp.organizations,
        source_of=_by_sentence(starts, ids),
    )
    return _answer(payload, started)


@_route("/geonames")
def geonames() -> Response:
    """The gazetteer's record for GeoNames id ``id``, with its parents (admin1, country) nested in ``parent``."""
    started = time.perf_counter()
    geonameid = read_geonameid(_values())
    index = services().gazetteer
    place = index.by_geonameid(geonameid)
    if place is None:
        raise NotFoundError(f"Invalid GeoNames id {geonameid}: geomap's gazetteer has no place with this id")
    return _answer(with_parents(place, index), started)


def _check_extract_allowed(settings: Settings) -> None:
    if not settings.cliff_extract:
        raise ExtractDisabled(
            "extract is off on this server: fetching URLs for clients is a server-side request forgery risk. "
            "Fetch the page yourself and send its text to parse/text (the operator can enable extract with "
            "GEOMAP_CLIFF_EXTRACT=1 together with GEOMAP_API_KEY)"
        )
    if not settings.api_key:
        raise ExtractDisabled("extract is enabled but GEOMAP_API_KEY is not set; it refuses to run without a key")
    check_api_key()  # also when GEOMAP_OPEN_GEOPARSING opens the other CLIFF endpoints


@_route("/extract")
def extract() -> Response:
    """Fetch the page at ``url`` and return its article text (off unless enabled; public addresses only)."""
    started = time.perf_counter()
    _check_extract_allowed(services().settings)
    return _answer(extract_url(read_url(_values())), started)

"""People and organisations named in a text, from the NER model recognition already loads.

Recognition runs NER only in windows around place candidates; CLIFF-style
answers also list the people and organisations of the whole text, so this runs
the same model over all of it, in pieces short enough for spaCy's length limit.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator

from spacy.language import Language

from .recogniser import Entity

__all__ = ["Entity", "PERSON", "ORGANIZATION", "named_entities"]

PERSON = "PERSON"
ORGANIZATION = "ORG"
PIECE_CHARS = 20_000  # characters per NER call: far below spaCy's max_length, cut at whitespace
_BATCH = 16


def _pieces(text: str) -> Iterator[tuple[int, str]]:
    """``(offset, piece)`` of at most ``PIECE_CHARS`` characters each, cut at a newline or space where possible."""
    start = 0
    while start < len(text):
        end = min(len(text), start + PIECE_CHARS)
        if end < len(text):
            cut = max(text.rfind("\n", start, end), text.rfind(" ", start, end))
            end = cut + 1 if cut > start else end
        yield start, text[start:end]
        start = end


def named_entities(nlp: Language, text: str, labels: Collection[str]) -> list[Entity]:
    """Every entity of ``text`` whose NER label is in ``labels``, in text order, offsets into ``text``."""
    pieces = list(_pieces(text))
    found: list[Entity] = []
    for (offset, _), doc in zip(pieces, nlp.pipe((p for _, p in pieces), batch_size=_BATCH)):
        found.extend(
            Entity(offset + e.start_char, offset + e.end_char, e.label_) for e in doc.ents if e.label_ in labels
        )
    return found

"""The span record recognition hands to resolution."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..models import Candidate

__all__ = ["Found", "SOURCES"]

# Where a span came from, strongest evidence first (ties between overlapping spans go to the earlier).
SOURCES = ("gold", "dateline", "ner", "abbreviation", "gazetteer", "demonym")


@dataclass(slots=True)
class Found:
    """A place name found in a text, before resolution.

    ``lookup`` is the name to look up (the surface text, or what an abbreviation
    or demonym stands for); ``country`` restricts candidates to one country
    (demonyms, "Ill." → Illinois, US). ``sentence`` is the enclosing sentence's
    character range, used for the snippet.
    """

    start: int
    end: int
    text: str
    source: str
    kind: str = "toponym"  # or "demonym"
    label: str = ""  # the NER label that covered the span, if any
    lookup: str = ""
    country: str | None = None
    sentence: tuple[int, int] = (0, 0)
    candidates: list[Candidate] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.lookup or self.text

"""Recognition: finding the place names in a text (spaCy NER + gazetteer rules + demonyms)."""

from __future__ import annotations

from .recogniser import Recogniser
from .spans import Found

__all__ = ["Recogniser", "Found"]

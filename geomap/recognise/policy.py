"""How sure recognition must be before it takes a name as a place: every threshold in one place.

Recognition trusts a word-list match without asking NER only when the
gazetteer makes it a strong reading (a country, a region, a sea, or a town big
enough that its name is rarely anything else), and keeps a name NER calls a
person only when the place is famous enough to be talked about by name
("Moscow said"). The sizes, windows and cut-offs that decide this live in
``RecognitionPolicy``; ``DEFAULT_POLICY`` is what geomap uses, tuned on news.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..models import Candidate

__all__ = ["RecognitionPolicy", "DEFAULT_POLICY", "STRONG_KINDS", "SURE_KINDS", "PERSON_PROOF_KINDS"]

# Kinds whose name alone makes a strong reading (no population needed).
STRONG_KINDS = frozenset({"continent", "country", "admin1", "water", "region"})
# Kinds sure enough to need no NER when standing alone, and to beat a stop-list.
SURE_KINDS = frozenset({"continent", "country", "admin1", "water"})
# Kinds that stay places where NER says person ("Jordan said" is the country speaking).
PERSON_PROOF_KINDS = frozenset({"continent", "country", "water"})


@dataclass(frozen=True, slots=True)
class RecognitionPolicy:
    """The thresholds recognition applies; each field says what it decides."""

    town_population: int = 1_000
    """A town smaller than this is a weak reading: it needs NER or a second mention to count."""
    sure_population: int = 10_000
    """A town this big standing alone needs no NER, and survives NER calling its exact span ORG/PERSON
    after a locative ("in Bakhmut")."""
    person_proof_population: int = 100_000
    """A city this big by its own name stays a place where NER says person ("Moscow said")."""
    strong_top_n: int = 5
    """How many of a name's best candidates may make it strong."""
    sure_top_n: int = 3
    """How many of a name's best candidates may make it sure (person-proof, stop-list-proof, a qualifier)."""
    person_votes: int = 2
    """NER calling a name a person this many times makes it a person wherever NER was silent."""
    ner_window_chars: int = 25
    """Context NER reads on each side of a doubtful candidate."""
    max_window_chars: int = 4_000
    """Merged NER windows are cut to this: bounded memory for any text size."""
    ner_batch_size: int = 64
    """Windows per spaCy batch."""
    locative_chars: int = 24
    """How far before a name a locative ("in", "the town of") may start."""
    capitalised_prev_chars: int = 30
    """How far before a name a capitalised word is looked for ("Jordan Peterson", "Georgia Power")."""

    def strong(self, candidates: Sequence[Candidate], min_population: int) -> bool:
        """A reading worth trusting without NER: a country, region or water body, or a town of ``min_population``.

        Alternate names (often other languages' words, or nicknames: "Google" for Topeka) count
        only for countries, regions and seas.
        """
        for c in candidates[: self.strong_top_n]:
            p = c.place
            if not c.primary and p.kind not in SURE_KINDS:
                continue
            if p.kind in STRONG_KINDS or p.population >= min_population or p.kind == "admin2":
                return True
        return False

    def sure(self, candidates: Sequence[Candidate]) -> bool:
        """A country, continent, sea or big city by its own name: a place even where NER says person.

        First-level regions are not: many share a person's name (Nelson, Flores, Virginia), and a
        region rarely "says" anything the way "Moscow said" does.
        """
        return any(
            c.primary and (c.place.kind in PERSON_PROOF_KINDS or c.place.population >= self.person_proof_population)
            for c in candidates[: self.sure_top_n]
        )

    def sure_kind(self, candidates: Sequence[Candidate], kinds: frozenset[str] = SURE_KINDS) -> bool:
        """One of the best candidates is a place of ``kinds`` by its primary name."""
        return any(c.primary and c.place.kind in kinds for c in candidates[: self.sure_top_n])


DEFAULT_POLICY = RecognitionPolicy()

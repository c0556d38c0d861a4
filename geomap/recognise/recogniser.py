"""Finding place names: word-list candidates, NER only where they need it, then vetoes.

Per text: find candidates with regular expressions (``finder``), run spaCy NER
over small windows around the candidates whose reading is in doubt (a city
name that may be a person, a word that may be an organisation), then merge:
NER place spans (GPE/LOC/FAC) are taken when the gazetteer knows them;
word-list candidates are kept unless NER shows they belong to a person or
organisation name, or they are common words. Unambiguous forms (demonyms,
abbreviations, country and region names standing alone) need no NER at all,
which is what makes recognition fast.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import pairwise

from spacy.language import Language

from ..models import Candidate
from ..parallel import batched
from .finder import find_candidates, qualifier_pattern, sentence_bounds
from .lexicon import Lexicon, get_lexicon
from .model import ENTITY_LABELS
from .spans import SOURCES, Found

__all__ = ["Recogniser", "Entity"]

Lookup = Callable[[str], list[Candidate]]

WINDOW_CHARS = 25  # context NER reads on each side of a doubtful candidate
MAX_WINDOW_CHARS = 4000  # merged windows are cut to this: bounded memory for any text size
_STRONG_KINDS = frozenset({"continent", "country", "admin1", "water", "region"})
_SURE_KINDS = frozenset({"continent", "country", "admin1", "water"})
_SURE_POPULATION = 10_000
_PERSON_PROOF_KINDS = frozenset({"continent", "country", "water"})
_LEADING = re.compile(r"^(?:the|The|THE)\s+")
# A place name followed by one of these heads names an organisation or a disease, not a place:
# "Cyprus Mail", "Texas Instruments", "West Nile virus", "Spanish flu".
_ORG_HEAD = re.compile(
    r"\s+(?:Mail|Post|Times|Herald|Tribune|Journal|Gazette|Telegraph|Chronicle|Courier|Observer|Guardian|"
    r"Independent|Express|Examiner|Inquirer|Register|Dispatch|Daily|News|Airlines|Airways|Instruments|Motors|Bank|"
    r"Group|Inc|Corp|Ltd|FC|United|Rangers|Raiders|Giants|Yankees|Lakers|"
    r"[Vv]irus|[Ff]ever|[Ff]lu|[Ii]nfluenza|[Dd]isease|[Ee]bolavirus|[Ee]ncephalitis)\b"
)
_NO, _MAYBE, _YES = 0, 1, 2
# A preposition of place, or "town of", right before a name: "in Avdiivka", "the town of Avdiivka".
_LOCATIVE = re.compile(
    r"\b(?:in|at|from|near|outside|across|into|toward|towards|through|around|to|between|throughout|within|"
    r"(?:town|city|village|region|province|state|county|capital|port|settlement|district|suburb|outskirts) of)\s+$",
    re.IGNORECASE,
)
_TRAILING = re.compile(r"(?:['\u2019]s?|[.,;:])$")
_QUALIFIER_GAP = re.compile(r"[ \t]*,[ \t]*")
_CAPITALISED_NEXT = re.compile(r"[ \t]*[A-Z]")
# Officials' titles that follow the place they serve: "Dublin Mayor ...", "Anderson County Sheriff ...".
_TITLE_NEXT = re.compile(
    r"[ \t]+(?:Mayor|Deputy Mayor|Governor|Gov\.|Sheriff|Police Chief|Fire Chief|Chief|Commissioner|Councilman|"
    r"Councilwoman|Council Member|Alderman|Superintendent|Judge|Prosecutor|District Attorney|City Manager|"
    r"Coroner|Treasurer|Clerk|Senator|Sen\.|Rep\.|Representative|Director|Administrator)\b"
)
# What follows a person's name more often than a town's: "Nelson said", "Trapani's willingness".
_PERSON_NEXT = re.compile(
    r"(?:['\u2019]s?[ \t]+[a-z]|,?[ \t]+(?:said|says|told|added|explained|wrote|asked|noted|recalled|admitted)\b)"
)
_CAPITALISED_PREV = re.compile(r"[A-Z][\w.]*[ \t]*$")


@dataclass(frozen=True, slots=True)
class Entity:
    start: int
    end: int
    label: str


class Recogniser:
    """Finds place names in texts; ``lookup`` is the gazetteer's (memoised) name lookup."""

    def __init__(self, ner: Language, lookup: Lookup, lexicon: Lexicon | None = None) -> None:
        self.ner = ner
        self.lookup = lookup
        self.lexicon = lexicon or get_lexicon()
        self._qualifiers = qualifier_pattern(self.lexicon)
        self._dotted = tuple(a for a in self.lexicon.abbreviations if a.endswith("."))

    def recognise_many(self, texts: Iterable[str], *, batch_size: int = 32) -> Iterator[list[Found]]:
        """Found places per text, running NER in batches across texts."""
        for batch in batched(texts, batch_size):
            yield from self._batch(batch)

    def _batch(self, texts: Sequence[str]) -> Iterator[list[Found]]:
        cands = [find_candidates(t, self.lookup, self.lexicon, self._qualifiers) for t in texts]
        windows: list[tuple[int, int, int]] = []  # (text index, start char, end char)
        for n, (text, found) in enumerate(zip(texts, cands)):
            windows.extend((n, s, e) for s, e in _windows(text, [f for f in found if _needs_ner(text, f)]))
        ents: list[list[Entity]] = [[] for _ in texts]
        pieces = (texts[n][s:e] for n, s, e in windows)
        for (n, s, _), piece in zip(windows, self.ner.pipe(pieces, batch_size=64)):
            ents[n].extend(Entity(s + e.start_char, s + e.end_char, e.label_) for e in piece.ents)
        for text, found, doc_ents in zip(texts, cands, ents):
            yield self._merge(text, found, doc_ents)

    def _merge(self, text: str, found: list[Found], ents: list[Entity]) -> list[Found]:
        ents.sort(key=lambda e: e.start)
        starts = [e.start for e in ents]
        people = _people(text, ents) - _qualified_names(text, found)
        lowered = _lowercase_words(text)
        out: list[Found] = []
        for ent in ents:
            if ent.label in ENTITY_LABELS:
                out.extend(self._ner_places(text, ent))
        maybe: list[Found] = []
        covering = [_covering(f, ents, starts) for f in found]
        # One sense per document, the other way: a name NER calls a person twice is a person wherever
        # NER was silent ("Trapani said ... in Los Angeles Trapani produced").
        persons = Counter(
            f.text
            for f, e in zip(found, covering)
            if e is not None and e.label == "PERSON" and (e.start, e.end) == (f.start, f.end)
        )
        for f, cover in zip(found, covering):
            if cover is not None:
                f.label = cover.label
            if cover is None and persons[f.text] >= 2 and not _sure(f):
                continue
            verdict = self._verdict(f, cover, text, people, lowered)
            if cover is not None and cover.label in ENTITY_LABELS and (cover.start, cover.end) != (f.start, f.end):
                # Part of a longer place name the gazetteer does not know ("Flat Creek", "Lake Lanier").
                edge = f.start == cover.start or f.end == cover.end
                verdict = min(verdict, _YES if edge and _strong(f, 10_000) else _NO)
            if verdict == _YES:
                out.append(f)
            elif verdict == _MAYBE:
                maybe.append(f)
        # One sense per document: a name taken as a place once is a place wherever only weak doubts remain.
        known = {f.text for f in out}
        out.extend(f for f in maybe if f.text in known)
        result = _without_overlaps(out)
        for f in result:
            f.sentence = sentence_bounds(text, f.start, f.end)
        return result

    def _ner_places(self, text: str, ent: Entity) -> Iterator[Found]:
        """NER place spans, cleaned ("the Donetsk region's" → "Donetsk region"), split on commas."""
        pos = ent.start
        for part in text[ent.start : ent.end].split(","):
            start = pos + len(part) - len(part.lstrip())
            pos += len(part) + 1
            piece = part.strip()
            lead = _LEADING.match(piece)
            if lead:
                start += lead.end()
                piece = piece[lead.end() :]
            while piece and not piece.endswith(self._dotted) and (trail := _TRAILING.search(piece)):
                piece = piece[: trail.start()].rstrip()
            if not piece or piece in self.lexicon.demonyms or _ORG_HEAD.match(text, start + len(piece)):
                continue
            ref = self.lexicon.abbreviations.get(piece)
            if ref is not None:
                yield Found(
                    start, start + len(piece), piece, "ner", label=ent.label, lookup=ref.place, country=ref.country
                )
                continue
            cands = self.lookup(piece)
            if piece.lower() in self.lexicon.stopnames and not any(
                c.primary and c.place.kind in _SURE_KINDS for c in cands[:3]
            ):
                continue  # "March", "Lincoln": NER's place reading of a stop-listed word needs a country or state
            if cands:
                yield Found(start, start + len(piece), piece, "ner", label=ent.label, candidates=cands)

    def _verdict(self, f: Found, ent: Entity | None, text: str, people: set[str], lowered: set[str]) -> int:
        """Vetoes for word-list candidates NER did not call a place: _NO, _MAYBE (weak doubt) or _YES."""
        if (f.text in people and not _sure(f)) or _ORG_HEAD.match(text, f.end):
            return _NO
        if f.source in {"abbreviation", "dateline"}:
            return _YES
        if f.kind == "demonym":
            return _NO if ent is not None and ent.label == "PERSON" else _YES
        key = f.text.lower()
        if key in self.lexicon.stopnames or (len(f.text.split()) == 1 and key in lowered):
            return _NO
        if ent is not None and ent.label not in ENTITY_LABELS and ent.label != "NORP":
            exact = ent.start == f.start and ent.end == f.end
            if ent.label == "PERSON":
                if not exact:
                    # "Kyiv Mayor Vitali Klitschko", "Anderson County Sheriff Greg Taylor": a place before a title.
                    titled = ent.start == f.start and _TITLE_NEXT.match(text, f.end)
                    return _YES if titled and _strong(f, 1000) else _NO
                return _YES if _sure(f) or (_locative(text, f) and _strong(f, 10_000)) else _MAYBE
            # The small model calls some towns ORG, PRODUCT or PERSON ("Bakhmut"): an exact span may still be a place.
            if not exact and (ent.label not in {"ORG", "FAC"} or not _place_inside_org(f, ent, text)):
                return _NO
            return _YES if _strong(f, 10_000) else _MAYBE
        if not _strong(f, 1000):
            return _MAYBE
        if ent is not None or _strong(f, _SURE_POPULATION) or _locative(text, f):
            return _YES
        return _MAYBE


def _locative(text: str, f: Found) -> bool:
    return _LOCATIVE.search(text, max(0, f.start - 24), f.start) is not None


def _strong(f: Found, min_population: int) -> bool:
    """A candidate worth trusting without NER: a country, region or water body, or a sizeable town.

    Alternate names (often other languages' words, or nicknames: "Google" for Topeka) count
    only for countries, regions and seas.
    """
    for c in f.candidates[:5]:
        p = c.place
        if not c.primary and p.kind not in _SURE_KINDS:
            continue
        if p.kind in _STRONG_KINDS or p.population >= min_population or p.kind == "admin2":
            return True
    return False


def _sure(f: Found) -> bool:
    """A country, continent, sea or city of 100,000+ by its own name: a place even where NER says person.

    First-level regions are not: many share a person's name (Nelson, Flores, Virginia), and a
    region rarely "says" anything the way "Moscow said" does.
    """
    return any(
        c.primary and (c.place.kind in _PERSON_PROOF_KINDS or c.place.population >= 100_000) for c in f.candidates[:3]
    )


def _place_inside_org(f: Found, ent: Entity, text: str) -> bool:
    """A place opening an organisation name or after 'of' or a hyphen.

    'Ohio Department of Development', 'University of Georgia', 'D-Charleston'.
    """
    before = text[ent.start : f.start]
    return _LEADING.sub("", before).strip() == "" or before.rstrip().endswith((" of", "-"))


def _covering(f: Found, ents: Sequence[Entity], starts: Sequence[int]) -> Entity | None:
    """The entity overlapping ``f`` (``ents`` sorted and non-overlapping, ``starts`` their starts)."""
    k = bisect_left(starts, f.end) - 1
    while k >= 0:
        e = ents[k]
        if e.end <= f.start:
            return None
        if e.start < f.end:
            return e
        k -= 1
    return None


def _people(text: str, ents: Sequence[Entity]) -> set[str]:
    """First and last names of multi-word PERSON entities: 'John Kirby' makes a bare 'Kirby' a person."""
    out: set[str] = set()
    for e in ents:
        if e.label == "PERSON":
            words = [_TRAILING.sub("", w) for w in text[e.start : e.end].split()]
            if len(words) > 1:
                out.update((words[0], words[-1]))
    return out


def _qualified_names(text: str, found: Sequence[Found]) -> set[str]:
    """Names the text itself qualifies as places ("Greer, South Carolina"): never people's names."""
    out = set()
    for a, b in pairwise(found):
        qualifier = b.source == "abbreviation" or any(
            c.primary and c.place.kind in {"admin1", "country"} for c in b.candidates[:3]
        )
        if qualifier and _QUALIFIER_GAP.fullmatch(text, a.end, b.start):
            out.add(a.text)
    return out


def _lowercase_words(text: str) -> set[str]:
    """Words the text also writes in lower case ('mobile', 'reading'): common words, not names."""
    return set(re.findall(r"(?<![\w.])([a-z][a-z]+)\b", text))


def _sentence_initial(text: str, start: int) -> bool:
    before = text[max(0, start - 3) : start].strip()
    return start == 0 or before == "" or before[-1:] in {".", "!", "?", '"', "\u201c", "\n"}


def _without_overlaps(spans: list[Found]) -> list[Found]:
    """Keep the longest span where spans overlap; on equal length, the stronger source."""
    rank = {s: i for i, s in enumerate(SOURCES)}
    ordered = sorted(spans, key=lambda f: (-(f.end - f.start), rank.get(f.source, 99), f.start))
    starts: list[int] = []
    kept: list[Found] = []  # sorted by start, non-overlapping
    for f in ordered:
        k = bisect_left(starts, f.start)
        if k < len(kept) and kept[k].start < f.end:
            continue
        if k > 0 and kept[k - 1].end > f.start:
            continue
        starts.insert(k, f.start)
        kept.insert(k, f)
    return kept


def _needs_ner(text: str, f: Found) -> bool:
    """False where the reading is sure without NER: demonyms, abbreviations, datelines, and a
    primary name of a country, region, sea or large city standing alone (no capitalised word
    beside it, so it cannot be part of "Jordan Peterson" or "Georgia Power", not opening
    a sentence, and a city not followed by what follows people: "Nelson said")."""
    if f.source in {"demonym", "abbreviation", "dateline"}:
        return False
    top = f.candidates[0] if f.candidates else None
    if top is None or not _strong(f, 1000):
        return False  # nothing NER could say would make it a place the gazetteer can place
    if not top.primary or f.text.lower() in get_lexicon().stopnames:
        return True
    if top.place.kind not in _SURE_KINDS and top.place.population < _SURE_POPULATION:
        return True
    if top.place.kind not in _SURE_KINDS and (_sentence_initial(text, f.start) or _PERSON_NEXT.match(text, f.end)):
        return True
    return bool(_CAPITALISED_NEXT.match(text, f.end) or _CAPITALISED_PREV.search(text, max(0, f.start - 30), f.start))


def _windows(text: str, found: Sequence[Found]) -> Iterator[tuple[int, int]]:
    """Merged character windows around the candidates, cut at spaces, each ≤ MAX_WINDOW_CHARS."""
    cur: tuple[int, int] | None = None
    for f in found:
        s = text.rfind(" ", 0, max(0, f.start - WINDOW_CHARS)) + 1
        e = text.find(" ", min(len(text), f.end + WINDOW_CHARS))
        e = len(text) if e == -1 else e
        if cur is not None and s <= cur[1] and e - cur[0] <= MAX_WINDOW_CHARS:
            cur = (cur[0], max(cur[1], e))
            continue
        if cur is not None:
            yield cur
        cur = (s, min(e, s + MAX_WINDOW_CHARS)) if e - s > MAX_WINDOW_CHARS else (s, e)
    if cur is not None:
        yield cur

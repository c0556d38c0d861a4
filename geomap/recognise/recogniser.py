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

from ..errors import InputError
from ..models import Candidate
from ..parallel import batched
from .finder import DATELINE, DATELINE_WINDOW, find_candidates, is_era, qualifier_pattern, sentence_bounds
from .lexicon import Lexicon, get_lexicon
from .model import ENTITY_LABELS, NerModel
from .policy import DEFAULT_POLICY, SURE_KINDS, RecognitionPolicy
from .spans import SOURCES, Found

__all__ = ["Recogniser", "Entity"]

Lookup = Callable[[str], list[Candidate]]

_LEADING = re.compile(r"^(?:the|The|THE)\s+")
# A place name followed by one of these heads names an organisation or a disease, not a place:
# "Cyprus Mail", "Texas Instruments", "West Nile virus", "Spanish flu".
_ORG_HEAD = re.compile(
    r"\s+(?:Mail|Post|Times|Herald|Tribune|Journal|Gazette|Telegraph|Chronicle|Courier|Observer|Guardian|"
    r"Independent|Express|Examiner|Inquirer|Register|Dispatch|Daily|News|Airlines|Airways|Instruments|Motors|Bank|"
    r"Group|Inc|Corp|Ltd|FC|United|Rangers|Raiders|Giants|Yankees|Lakers|Foundation|"
    r"[Vv]irus|[Ff]ever|[Ff]lu|[Ii]nfluenza|[Dd]isease|[Ee]bolavirus|[Ee]ncephalitis)\b"
    r"|['\u2019]s[ \t]+(?:Day|Eve)\b"  # a feast day: "St. Patrick's Day", "St. George's Day"
)
_QUALIFIER_KINDS = frozenset({"admin1", "country"})  # what "Greer, South Carolina" needs after the comma
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
# A word that names part of a place before its name: "East Texas", "Northwest D.C.", "Metro Vancouver".
_COMPASS_TAIL = re.compile(
    r"(?:North|South|East|West|Northeast|Northwest|Southeast|Southwest|Northern|Southern|Eastern|Western|"
    r"Central|Upper|Lower|Greater|Metro|Metropolitan)[ \t]+$"
)
_SPEAKS_NEXT = re.compile(r"[ \t]+(?:said|says|told|added|explained|wrote|asked|noted|recalled|admitted)\b")


@dataclass(frozen=True, slots=True)
class Entity:
    start: int
    end: int
    label: str


class Recogniser:
    """Finds place names in texts; ``lookup`` is the gazetteer's (memoised) name lookup."""

    def __init__(
        self,
        ner: NerModel,
        lookup: Lookup,
        lexicon: Lexicon | None = None,
        policy: RecognitionPolicy = DEFAULT_POLICY,
    ) -> None:
        self.ner = ner
        self.lookup = lookup
        self.lexicon = lexicon or get_lexicon()
        self.policy = policy
        self._qualifiers = qualifier_pattern(self.lexicon)
        self._dotted = tuple(a for a in self.lexicon.abbreviations if a.endswith("."))

    def recognise_many(self, texts: Iterable[str], *, batch_size: int = 32) -> Iterator[list[Found]]:
        """Found places per text, running NER in batches across texts."""
        for batch in batched(texts, batch_size):
            yield from self._batch(batch)

    def given(self, text: str, spans: Sequence[tuple[int, int]]) -> list[Found]:
        """The given character spans as found names (gold-span input), in text order, without recognition.

        A demonym or abbreviation among them stands for its place; one opening a dateline counts as the dateline.
        """
        dateline = DATELINE.search(text, 0, DATELINE_WINDOW)
        found = []
        for start, end in sorted(set(spans)):
            if not 0 <= start < end <= len(text):
                raise InputError(f"span ({start}, {end}) is outside the text (length {len(text)})")
            surface = text[start:end]
            ref = self.lexicon.demonyms.get(surface) or self.lexicon.abbreviations.get(surface)
            f = Found(start, end, surface, "gold", sentence=sentence_bounds(text, start, end))
            if ref is not None:
                f.kind = "demonym" if surface in self.lexicon.demonyms else "toponym"
                f.lookup, f.country = ref.place, ref.country
            if dateline is not None and dateline.start("place") == start:
                f.source = "dateline"
            found.append(f)
        return found

    def _batch(self, texts: Sequence[str]) -> Iterator[list[Found]]:
        cands = [find_candidates(t, self.lookup, self.lexicon, self._qualifiers) for t in texts]
        windows: list[tuple[int, int, int]] = []  # (text index, start char, end char)
        for n, (text, found) in enumerate(zip(texts, cands)):
            doubtful = [f for f in found if self._needs_ner(text, f)]
            windows.extend((n, s, e) for s, e in _windows(text, doubtful, self.policy))
        ents: list[list[Entity]] = [[] for _ in texts]
        pieces = (texts[n][s:e] for n, s, e in windows)
        for (n, s, _), piece in zip(windows, self.ner.pipe(pieces, batch_size=self.policy.ner_batch_size)):
            ents[n].extend(Entity(s + e.start_char, s + e.end_char, e.label_) for e in piece.ents)
        for text, found, doc_ents in zip(texts, cands, ents):
            yield self._merge(text, found, doc_ents)

    def _merge(self, text: str, found: list[Found], ents: list[Entity]) -> list[Found]:
        ents.sort(key=lambda e: e.start)
        starts = [e.start for e in ents]
        people = _people(text, ents) - _qualified_names(text, found, self.policy)
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
            if cover is None and persons[f.text] >= self.policy.person_votes and not self.policy.sure(f.candidates):
                continue
            verdict = self._verdict(f, cover, text, people, lowered)
            if cover is not None and cover.label in ENTITY_LABELS and (cover.start, cover.end) != (f.start, f.end):
                # Part of a longer place name the gazetteer does not know ("Flat Creek", "Lake Lanier").
                edge = f.start == cover.start or f.end == cover.end
                strong = self.policy.strong(f.candidates, self.policy.sure_population)
                if _compass_part(f, cover, text):
                    strong = strong or f.source == "abbreviation" or self.policy.sure_kind(f.candidates)
                verdict = min(verdict, _YES if edge and strong else _NO)
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
            if ref is not None and is_era(text, start, piece):
                continue
            if ref is not None:
                yield Found(
                    start, start + len(piece), piece, "ner", label=ent.label, lookup=ref.place, country=ref.country
                )
                continue
            cands = self.lookup(piece)
            if piece.lower() in self.lexicon.stopnames and not self.policy.sure_kind(cands):
                continue  # "March", "Lincoln": NER's place reading of a stop-listed word needs a country or state
            if self._speaks(text, start, start + len(piece), cands):
                continue
            if cands:
                yield Found(start, start + len(piece), piece, "ner", label=ent.label, candidates=cands)

    def _verdict(self, f: Found, ent: Entity | None, text: str, people: set[str], lowered: set[str]) -> int:
        """Vetoes for word-list candidates NER did not call a place: _NO, _MAYBE (weak doubt) or _YES."""
        policy = self.policy
        if (f.text in people and not policy.sure(f.candidates)) or _ORG_HEAD.match(text, f.end):
            return _NO
        if f.source in {"abbreviation", "dateline"}:
            return _YES
        if f.kind == "demonym":
            return _NO if ent is not None and ent.label == "PERSON" else _YES
        if self._speaks(text, f.start, f.end, f.candidates):
            return _NO
        key = f.text.lower()
        if key in self.lexicon.stopnames or (len(f.text.split()) == 1 and key in lowered):
            return _NO
        if ent is not None and ent.label not in ENTITY_LABELS and ent.label != "NORP":
            exact = ent.start == f.start and ent.end == f.end
            if ent.label == "PERSON":
                if not exact:
                    # "Kyiv Mayor Vitali Klitschko", "Anderson County Sheriff Greg Taylor": a place before a title.
                    titled = ent.start == f.start and _TITLE_NEXT.match(text, f.end)
                    return _YES if titled and policy.strong(f.candidates, policy.town_population) else _NO
                if policy.sure(f.candidates):
                    return _YES
                located = self._locative(text, f.start) and policy.strong(f.candidates, policy.sure_population)
                return _YES if located else _MAYBE
            # The small model calls some towns ORG, PRODUCT or PERSON ("Bakhmut"): an exact span may still be a place.
            if not exact and (ent.label not in {"ORG", "FAC"} or not _place_inside_org(f, ent, text)):
                return _NO
            return _YES if policy.strong(f.candidates, policy.sure_population) else _MAYBE
        if not policy.strong(f.candidates, policy.town_population):
            return _MAYBE
        if ent is not None or policy.strong(f.candidates, policy.sure_population) or self._locative(text, f.start):
            return _YES
        return _MAYBE

    def _speaks(self, text: str, start: int, end: int, cands: Sequence[Candidate]) -> bool:
        """A name that "said" or "told" is a person's ("Petrova said"), unless it is a place that may
        speak for its government (Moscow, Texas, Ukraine) or the text just put it somewhere ("in X")."""
        if not _SPEAKS_NEXT.match(text, end) or self.policy.sure(cands) or self.policy.sure_kind(cands):
            return False
        return not self._locative(text, start)

    def _locative(self, text: str, start: int) -> bool:
        """A preposition of place, or "the town of", right before the name starting at ``start``."""
        return _LOCATIVE.search(text, max(0, start - self.policy.locative_chars), start) is not None

    def _needs_ner(self, text: str, f: Found) -> bool:
        """False where the reading is sure without NER: demonyms, abbreviations, datelines, and a
        primary name of a country, region, sea or large city standing alone (no capitalised word
        beside it, so it cannot be part of "Jordan Peterson" or "Georgia Power", not opening
        a sentence, and a city not followed by what follows people: "Nelson said")."""
        policy = self.policy
        if f.source in {"demonym", "abbreviation", "dateline"}:
            return False
        top = f.candidates[0] if f.candidates else None
        if top is None or not policy.strong(f.candidates, policy.town_population):
            return False  # nothing NER could say would make it a place the gazetteer can place
        if not top.primary or f.text.lower() in self.lexicon.stopnames:
            return True
        if top.place.kind not in SURE_KINDS and top.place.population < policy.sure_population:
            return True
        if top.place.kind not in SURE_KINDS and (_sentence_initial(text, f.start) or _PERSON_NEXT.match(text, f.end)):
            return True
        before = max(0, f.start - policy.capitalised_prev_chars)
        return bool(_CAPITALISED_NEXT.match(text, f.end) or _CAPITALISED_PREV.search(text, before, f.start))


def _place_inside_org(f: Found, ent: Entity, text: str) -> bool:
    """A place opening an organisation name or after 'of' or a hyphen, maybe after a compass word.

    'Ohio Department of Development', 'University of Georgia', 'D-Charleston', 'East Texas
    Environmental Concerns Organization', 'Spina Bifida Association of Western Pennsylvania'.
    """
    before = _COMPASS_TAIL.sub("", text[ent.start : f.start])
    return _LEADING.sub("", before).strip() == "" or before.rstrip().endswith((" of", "-"))


def _compass_part(f: Found, ent: Entity, text: str) -> bool:
    """The entity is the name with a compass word before it: 'Northwest D.C.', 'Metro Vancouver', 'East Texas'."""
    return f.end == ent.end and _COMPASS_TAIL.fullmatch(text, ent.start, f.start) is not None


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


def _qualified_names(text: str, found: Sequence[Found], policy: RecognitionPolicy) -> set[str]:
    """Names the text itself qualifies as places ("Greer, South Carolina"): never people's names."""
    out = set()
    for a, b in pairwise(found):
        qualifier = b.source == "abbreviation" or policy.sure_kind(b.candidates, _QUALIFIER_KINDS)
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


def _windows(text: str, found: Sequence[Found], policy: RecognitionPolicy) -> Iterator[tuple[int, int]]:
    """Merged character windows around the candidates, cut at spaces, each at most ``policy.max_window_chars``."""
    limit = policy.max_window_chars
    cur: tuple[int, int] | None = None
    for f in found:
        s = text.rfind(" ", 0, max(0, f.start - policy.ner_window_chars)) + 1
        e = text.find(" ", min(len(text), f.end + policy.ner_window_chars))
        e = len(text) if e == -1 else e
        if cur is not None and s <= cur[1] and e - cur[0] <= limit:
            cur = (cur[0], max(cur[1], e))
            continue
        if cur is not None:
            yield cur
        cur = (s, min(e, s + limit)) if e - s > limit else (s, e)
    if cur is not None:
        yield cur

"""Candidate place names found without NER: gazetteer n-grams, demonyms, abbreviations, datelines.

Works on the raw text with regular expressions (no tokenizer): capitalised runs
of words are cut into the longest names the word lists or the gazetteer know.
This pass is cheap; its hits decide where the (expensive) NER model has to
look at all.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ..gazetteer.normalise import REGION_SUFFIXES
from ..models import Candidate
from .lexicon import Lexicon
from .spans import Found

__all__ = ["find_candidates", "sentence_bounds", "is_era", "DATELINE", "MAX_NGRAM"]

Lookup = Callable[[str], list[Candidate]]

MAX_NGRAM = 5
# Lower-case words allowed inside a multi-word name ("Isle of Man", "Rio de Janeiro").
_CONNECTORS = (
    "of",
    "de",
    "del",
    "da",
    "do",
    "du",
    "la",
    "le",
    "les",
    "el",
    "al",
    "upon",
    "on",
    "am",
    "an",
    "der",
    "sur",
)
_SUFFIXES = tuple(sorted(set(REGION_SUFFIXES) - {"oblast'"}))
_WORD = r"(?:[dl]['\u2019])?[A-Z\u00c0-\u00de][\w'\u2019.\-]*"  # "Côte d'Ivoire"
# A run of capitalised words, with connectors inside and a region word ("Donetsk region") at the end.
_RUN = re.compile(
    rf"(?<![\w.\-]){_WORD}(?:[ \t]+(?:(?:{'|'.join(_CONNECTORS)})[ \t]+)?{_WORD})*"
    rf"(?:[ \t]+(?:{'|'.join(_SUFFIXES)})\b)?"
)
_WORDS = re.compile(r"\S+")
_POSSESSIVE = re.compile(r"['\u2019]s?$")
_INITIALS = re.compile(r"^(?:[A-Z]\.)+$")  # "U.S.", "D.C."
_SHORT_FORMS = frozenset({"St.", "Ste.", "Mt.", "Ft.", "Pt."})
# "GAINESVILLE, Ga. —", "KYIV (Reuters) -": an all-capitals place opening a line, then a dash.
_DATELINE_TAIL = (
    r"(?:,[ \t]*(?P<qual>[A-Z][A-Za-z.]*(?:[ \t][A-Z][A-Za-z.]*)?))?"
    r"[ \t]*(?:\([^)\n]{1,40}\))?[ \t]*(?:--|[\u2014\u2013\x97-])[ \t]"
)
DATELINE = re.compile(r"(?m)^[ \t]*(?P<place>[A-Z][A-Z.'\u2019 -]{1,40}?[A-Z.])" + _DATELINE_TAIL)
_AFTER_DATELINE_PLACE = re.compile(_DATELINE_TAIL)  # "HUDSON -- Officials...": a dateline inside a line
DATELINE_WINDOW = 400  # characters from the start of the text where a dateline may stand
_SENTENCE_END = re.compile(r"[.!?][\"'\u201d\u2019)]*\s+(?=[\"'\u201c\u2018(]*[A-Z0-9])|\n\s*\n|\n")


_HASHTAG = re.compile(r"(?<![\w#])#((?:[A-Z][a-z]+){2,4})\b")  # a camel-case tag of two to four words
_CAMEL_PART = re.compile(r"[A-Z][a-z]+")


def _clean(word: str, lexicon: Lexicon) -> str:
    """A word without trailing possessive or full stop, unless the stop is part of it ("U.S.", "Ill.")."""
    word = _POSSESSIVE.sub("", word)
    if word.endswith(".") and not (word in lexicon.abbreviations or word in _SHORT_FORMS or _INITIALS.match(word)):
        word = word.rstrip(".")
    return word


def find_candidates(text: str, lookup: Lookup, lexicon: Lexicon, qualifiers: re.Pattern[str]) -> list[Found]:
    """Every span that may be a place by the word lists alone, longest match first, non-overlapping."""
    found = _datelines(text, lookup, lexicon)
    skip_to = max((f.end for f in found), default=0)
    for run in _RUN.finditer(text):
        if run.end() <= skip_to:
            continue
        words = [(m.start() + run.start(), m.group()) for m in _WORDS.finditer(run.group())]
        i = 0
        while i < len(words):
            hit = _match_at(text, words, i, lookup, lexicon)
            if hit is None:
                if "-" in words[i][1]:
                    found.extend(_hyphen_parts(words[i], lookup, lexicon))
                i += 1
                continue
            found.append(hit)
            while i < len(words) and words[i][0] < hit.end:
                i += 1
    tags = _hashtags(text, lookup)
    found = [f for f in found if not any(t.start < f.end and f.start < t.end for t in tags)] + tags
    _qualifiers(text, found, lexicon, qualifiers)
    found.sort(key=lambda f: f.start)
    return found


def _hashtags(text: str, lookup: Lookup) -> list[Found]:
    """Places written as one camel-case hashtag: "#NewYork", "#HongKong", "#SanFrancisco".

    The span is the tag without its "#"; the name looked up is its words ("New York"), which
    replaces any reading of the tag as one word. Only a place's own name counts: a tag has no
    qualifier or context that could rescue an alternate name.
    """
    out = []
    for m in _HASHTAG.finditer(text):
        cands = [c for c in lookup(" ".join(_CAMEL_PART.findall(m.group(1)))) if c.primary]
        if cands:
            out.append(Found(m.start(1), m.end(1), m.group(1), "gazetteer", candidates=cands))
    return out


_ERAS = frozenset({"B.C."})  # abbreviations of places that are also an era's
_YEAR_CHARS = 12  # how far back a year before an era is looked for
# A year of an era: at most three digits or with a thousands comma ("250 B.C.", "3,000 B.C."); a
# modern year stays a place's ("the 2017 B.C. election").
_YEAR_BEFORE = re.compile(r"\b(?:\d{1,3}|\d{1,3},\d{3})s?\s*$")


def is_era(text: str, start: int, surface: str) -> bool:
    """True for an era's abbreviation after a year ("250 B.C."), which is no place (British Columbia)."""
    return surface in _ERAS and _YEAR_BEFORE.search(text, max(0, start - _YEAR_CHARS), start) is not None


def _match_at(text: str, words: list[tuple[int, str]], i: int, lookup: Lookup, lexicon: Lexicon) -> Found | None:
    """The longest demonym, abbreviation or gazetteer name starting at word ``i``."""
    if not words[i][1][:1].isupper():
        return None
    for j in range(min(len(words), i + MAX_NGRAM), i, -1):
        last = words[j - 1][1]
        if last in _CONNECTORS:
            continue
        start = words[i][0]
        surface = text[start : words[j - 1][0] + len(_clean(last, lexicon))]
        if j - i > 1 and not surface[-1:].isalnum() and not surface.endswith("."):
            continue
        head, _, last = surface.rpartition(" ")
        if head in lexicon.demonyms and last.lower() in REGION_SUFFIXES:
            continue  # "the Canadian province of ...": the demonym, not a "Canadian County"
        ref = lexicon.demonyms.get(surface)
        if ref is not None:
            return Found(
                start, start + len(surface), surface, "demonym", kind="demonym", lookup=ref.place, country=ref.country
            )
        ref = lexicon.abbreviations.get(surface)
        if is_era(text, start, surface):
            continue  # "250 B.C.": an era, not British Columbia
        if ref is not None:
            if ref.context == "any":
                return Found(
                    start, start + len(surface), surface, "abbreviation", lookup=ref.place, country=ref.country
                )
            continue
        if (surface.isupper() and len(surface) <= 3) or len(surface) < 2:
            continue  # "AP", "CEO": acronyms, not places
        if surface.isupper() and not _shouted(text, start, start + len(surface)):
            continue  # "ALMA", "CARE" in running text: an organisation's acronym, not Alma or a place
        cands = lookup(surface)
        if len(surface) <= 3:  # short names count only as the place writes them: "Uk" is not the UK
            cands = [c for c in cands if surface in (c.place.name, c.place.asciiname)]
        if cands and j - i > 1 and words[i][1] == "The" and not any(c.place.name.startswith("The ") for c in cands):
            return _match_at(text, words, i + 1, lookup, lexicon)  # "The EU": the article is not the name
        if cands:
            hit = Found(start, start + len(surface), surface, "gazetteer", candidates=cands)
            if j - i > 1 and not any(c.primary for c in cands):
                # An alternate name only ("Dublin City"): a shorter primary name wins ("Dublin").
                shorter = _match_at(text, words[: j - 1], i, lookup, lexicon)
                if shorter is not None and any(c.primary for c in shorter.candidates):
                    return shorter
            return hit
    return None


def _shouted(text: str, start: int, end: int) -> bool:
    """True when a span in capitals is a headline's or a dateline's word, not an acronym in running text.

    Datelines open a sentence ("... airport . BEIRUT: A dealer") or end in a dash ("NEWARK -- It").
    """
    lo = max(0, start - 80)  # a window, not the whole text before the span: this runs per word in capitals
    before = text[lo:start].rstrip()
    if lo and len(before) < 40:  # a long run of white space: look further back
        before = text[:start].rstrip()
    if not before or before[-1] in '.!?"\n\u201d:':
        return True
    around = before[-40:] + text[end : end + 40]
    letters = [ch for ch in around if ch.isalpha()]
    shouting = not letters or sum(ch.isupper() for ch in letters) / len(letters) > 0.6
    return shouting or _AFTER_DATELINE_PLACE.match(text, end) is not None


def _hyphen_parts(word: tuple[int, str], lookup: Lookup, lexicon: Lexicon) -> list[Found]:
    """'U.S.-Russia' and 'Russia-Ukraine' hold two places each."""
    out = []
    pos = word[0]
    for part in word[1].split("-"):
        clean = _clean(part, lexicon)
        if clean[:1].isupper():
            ref = lexicon.abbreviations.get(clean) or lexicon.demonyms.get(clean)
            if ref is not None and ref.context == "any":
                demonym = clean in lexicon.demonyms
                out.append(
                    Found(
                        pos,
                        pos + len(clean),
                        clean,
                        "demonym" if demonym else "abbreviation",
                        kind="demonym" if demonym else "toponym",
                        lookup=ref.place,
                        country=ref.country,
                    )
                )
            elif len(clean) > 3:
                cands = lookup(clean)
                if cands:
                    out.append(Found(pos, pos + len(clean), clean, "gazetteer", candidates=cands))
        pos += len(part) + 1
    return out


def _qualifiers(text: str, found: list[Found], lexicon: Lexicon, qualifiers: re.Pattern[str]) -> None:
    """State and province abbreviations right after a place and a comma: 'Springfield, Ill.'."""
    taken = {f.start for f in found}
    for f in list(found):
        m = qualifiers.match(text, f.end)
        if m is None or m.start(1) in taken:
            continue
        ref = lexicon.abbreviations[m.group(1)]
        found[:] = [g for g in found if not (g.start < m.end(1) and m.start(1) < g.end)]
        found.append(Found(m.start(1), m.end(1), m.group(1), "abbreviation", lookup=ref.place, country=ref.country))


def qualifier_pattern(lexicon: Lexicon) -> re.Pattern[str]:
    """', Ill.' / ', IL' / ', W. Va.' after a place: the abbreviations valid only as qualifiers."""
    forms = sorted((f for f, r in lexicon.abbreviations.items() if r.context == "after_place"), key=len, reverse=True)
    return re.compile(r",[ \t]*(" + "|".join(re.escape(f) for f in forms) + r")(?![\w])")


def _datelines(text: str, lookup: Lookup, lexicon: Lexicon) -> list[Found]:
    """An all-capitals place opening the article: the strongest cue for local names after it."""
    m = DATELINE.search(text, 0, DATELINE_WINDOW)
    if m is None:
        return []
    place = m.group("place").strip()
    start = m.start("place")
    cands = lookup(place)
    if not cands:
        return []
    out = [Found(start, start + len(place), place, "dateline", candidates=cands)]
    qual = m.group("qual")
    if qual:
        ref = lexicon.abbreviations.get(qual)
        q_start = m.start("qual")
        if ref is not None:
            out.append(Found(q_start, q_start + len(qual), qual, "abbreviation", lookup=ref.place, country=ref.country))
        elif lookup(qual):
            out.append(Found(q_start, q_start + len(qual), qual, "gazetteer", candidates=lookup(qual)))
    return out


def sentence_bounds(text: str, start: int, end: int, *, reach: int = 600) -> tuple[int, int]:
    """The sentence around ``text[start:end]``, found by punctuation and line breaks within ``reach``."""
    lo = max(0, start - reach)
    s = lo
    for m in _SENTENCE_END.finditer(text, lo, start):
        s = m.end()
    after = _SENTENCE_END.search(text, end, min(len(text), end + reach))
    e = (
        after.start() + 1
        if after is not None and text[after.start()] in ".!?"
        else (after.start() if after else min(len(text), end + reach))
    )
    return s, max(e, end)

"""Candidate place names found without NER: gazetteer n-grams, demonyms, abbreviations, datelines.

Runs on the cheap tokenizer output. Its hits also decide which sentences the
(expensive) NER model has to read at all: a sentence with no capitalised name
the gazetteer knows, no demonym and no abbreviation cannot yield a place
geomap could put on the map.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from spacy.tokens import Doc, Token

from ..gazetteer.normalise import REGION_SUFFIXES
from ..models import Candidate
from .lexicon import Lexicon
from .spans import Found

__all__ = ["find_candidates", "DATELINE"]

Lookup = Callable[[str], list[Candidate]]

MAX_NGRAM = 5
# Lower-case words allowed inside a multi-word name ("Isle of Man", "Rio de Janeiro").
_CONNECTORS = frozenset({"of", "de", "del", "da", "do", "du", "la", "le", "les", "el", "al", "upon", "on", "am", "an", "der", "sur"})
_SUFFIXES = frozenset(REGION_SUFFIXES) | {"oblast", "region", "province", "county", "parish"}
# "GAINESVILLE, Ga. —", "KYIV (Reuters) -": an all-capitals place opening a line, then a dash.
DATELINE = re.compile(
    r"(?m)^[ \t]*(?P<place>[A-Z][A-Z.'\u2019 -]{1,40}?[A-Z.])"
    r"(?:,[ \t]*(?P<qual>[A-Z][A-Za-z.]*(?:[ \t][A-Z][A-Za-z.]*)?))?"
    r"[ \t]*(?:\([^)\n]{1,40}\))?[ \t]*(?:--|[\u2014\u2013-])[ \t]"
)
_DATELINE_WINDOW = 400  # characters from the start of the text where a dateline may stand


def _capitalised(tok: Token) -> bool:
    t = tok.text
    return t[:1].isupper() and (len(t) > 1 or tok.whitespace_ == "")


def find_candidates(doc: Doc, lookup: Lookup, lexicon: Lexicon) -> list[Found]:
    """Every span that may be a place by the word lists alone, longest match first, non-overlapping."""
    found: list[Found] = []
    taken = [False] * len(doc)
    _datelines(doc, lookup, lexicon, found, taken)
    i = 0
    n = len(doc)
    while i < n:
        tok = doc[i]
        if taken[i] or not tok.text[:1].isupper():
            i += 1
            continue
        hit = _match_at(doc, i, lookup, lexicon, taken)
        if hit is None:
            if "-" in tok.text and len(tok.text) > 3:
                found.extend(_hyphen_parts(tok, lookup, lexicon))
            i += 1
            continue
        found.append(hit)
        j = i
        while j < n and doc[j].idx < hit.end:
            taken[j] = True
            j += 1
        i = max(j, i + 1)
    _qualifiers(doc, lexicon, found, taken)
    found.sort(key=lambda f: f.start)
    return found


def _match_at(doc: Doc, i: int, lookup: Lookup, lexicon: Lexicon, taken: list[bool]) -> Found | None:
    """The longest demonym, abbreviation or gazetteer name starting at token ``i``."""
    n = len(doc)
    end_max = i
    while end_max < n and end_max - i < MAX_NGRAM and not taken[end_max]:
        t = doc[end_max]
        ok = _capitalised(t) or (end_max > i and (t.lower_ in _CONNECTORS or t.lower_ in _SUFFIXES or t.text in {"-", "'s"}))
        if not ok:
            break
        end_max += 1
    for j in range(end_max, i, -1):
        last = doc[j - 1]
        if last.lower_ in _CONNECTORS or last.text in {"-", "'s"}:
            continue
        span = doc[i:j]
        text = span.text
        ref = lexicon.demonyms.get(text)
        if ref is not None:
            return Found(span.start_char, span.end_char, text, "demonym", kind="demonym", lookup=ref.place, country=ref.country)
        ref = lexicon.abbreviations.get(text)
        if ref is not None:
            if ref.context == "any":
                return Found(span.start_char, span.end_char, text, "abbreviation", lookup=ref.place, country=ref.country)
            continue
        if text.isupper() and len(text) <= 3:
            continue  # "AP", "CEO": acronyms, not places
        cands = lookup(text)
        if cands:
            return Found(span.start_char, span.end_char, text, "gazetteer", candidates=cands)
    return None


def _hyphen_parts(tok: Token, lookup: Lookup, lexicon: Lexicon) -> list[Found]:
    """'U.S.-Russia' holds two places; spaCy keeps it as one token."""
    out = []
    pos = tok.idx
    for part in tok.text.split("-"):
        ref = lexicon.abbreviations.get(part) or lexicon.demonyms.get(part)
        if part[:1].isupper():
            if ref is not None and ref.context == "any":
                kind = "demonym" if part in lexicon.demonyms else "toponym"
                src = "demonym" if kind == "demonym" else "abbreviation"
                out.append(Found(pos, pos + len(part), part, src, kind=kind, lookup=ref.place, country=ref.country))
            elif len(part) > 3:
                cands = lookup(part)
                if cands:
                    out.append(Found(pos, pos + len(part), part, "gazetteer", candidates=cands))
        pos += len(part) + 1
    return out


def _qualifiers(doc: Doc, lexicon: Lexicon, found: list[Found], taken: list[bool]) -> None:
    """State and province abbreviations right after a place and a comma: 'Springfield, Ill.'."""
    ends = {f.end for f in found}
    for k in range(2, len(doc)):
        tok = doc[k]
        if taken[k] or doc[k - 1].text != ",":
            continue
        text = tok.text
        # "W.Va." tokenises as "W.Va" + "."; "W. Va." as two tokens.
        cand_texts = [(text, tok.idx + len(text))]
        if k + 1 < len(doc):
            nxt = doc[k + 1]
            if nxt.idx == tok.idx + len(text) and nxt.text == ".":
                cand_texts.insert(0, (text + ".", nxt.idx + 1))
            elif text.endswith(".") and nxt.text.endswith("."):
                cand_texts.insert(0, (f"{text} {nxt.text}", nxt.idx + len(nxt.text)))
        prev_end = doc[k - 2].idx + len(doc[k - 2].text)
        if prev_end not in ends:
            continue
        for form, end in cand_texts:
            ref = lexicon.abbreviations.get(form)
            if ref is not None and ref.context == "after_place":
                found.append(Found(tok.idx, end, doc.text[tok.idx:end], "abbreviation", lookup=ref.place, country=ref.country))
                ends.add(end)
                taken[k] = True
                break


def _datelines(doc: Doc, lookup: Lookup, lexicon: Lexicon, found: list[Found], taken: list[bool]) -> None:
    """An all-capitals place opening the article: the strongest cue for local names after it."""
    m = DATELINE.search(doc.text, 0, _DATELINE_WINDOW)
    if m is None:
        return
    place = m.group("place").strip()
    start = m.start("place")
    cands = lookup(place)
    if not cands:
        return
    found.append(Found(start, start + len(place), place, "dateline", candidates=cands))
    qual = m.group("qual")
    if qual:
        ref = lexicon.abbreviations.get(qual)
        q_start = m.start("qual")
        if ref is not None:
            found.append(Found(q_start, q_start + len(qual), qual, "abbreviation", lookup=ref.place, country=ref.country))
        else:
            q_cands = lookup(qual)
            if q_cands:
                found.append(Found(q_start, q_start + len(qual), qual, "gazetteer", candidates=q_cands))
    for f in found:
        span = doc.char_span(f.start, f.end, alignment_mode="expand")
        if span is not None:
            for t in span:
                taken[t.i] = True


def overlaps(a: Found, spans: Sequence[Found]) -> bool:
    """True when ``a`` overlaps any of ``spans``."""
    return any(a.start < b.end and b.start < a.end for b in spans)

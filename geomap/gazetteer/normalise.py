"""Name keys: the one normal form both the index and every lookup use.

Real text writes the same place many ways ("Kyiv", "KYIV", "Kyïv", "St. Louis",
"Saint-Louis", "the Crimea", "Côte d'Ivoire"); matching compares these keys, so
every variant that should match must normalise to the same string.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from unidecode import unidecode

__all__ = ["normalise", "split_region_suffix", "is_latin", "MAX_NAME_LENGTH", "REGION_SUFFIXES"]

# Longer input is not a place name (the longest real ones are ~85 characters).
MAX_NAME_LENGTH = 200

# Words after a name that say "the region called X" ("Donetsk region", "Kherson Oblast").
REGION_SUFFIXES = (
    "region",
    "oblast",
    "province",
    "governorate",
    "prefecture",
    "krai",
    "kray",
    "state",
    "county",
    "parish",
    "district",
    "raion",
    "rayon",
    "department",
    "territory",
    "voivodeship",
    "canton",
    "oblast'",
)

_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "mt": "mount", "ft": "fort", "pt": "point"}
_INITIAL_DOT = re.compile(r"(?<![a-z0-9])([a-z])\.")  # "u.s." -> "us"
_APOSTROPHES = re.compile(r"['`\u2018\u2019\u02bb\u02bc\u02b9\u00b4]")
_NON_WORD = re.compile(r"[^a-z0-9]+")
_PLAIN = re.compile(r"[A-Za-z]+(?: [A-Za-z]+)*\Z")
_LATIN = re.compile(r"^[\u0000-\u024f\u1e00-\u1eff\u2018-\u201f\u02b9-\u02bc]*$")


def normalise(name: str) -> str:
    """The matching key of ``name``: lower-case ASCII words separated by one space.

    Folds case and diacritics (transliterating with unidecode), drops apostrophes,
    turns hyphens and other punctuation into spaces, joins initials ("U.S." → "us"),
    expands "St."/"Mt."/"Ft." and drops a leading "the". Returns "" for input that
    has no letters or digits or is too long to be a place name.
    """
    if not isinstance(name, str) or not name or len(name) > MAX_NAME_LENGTH:
        return ""
    return _key(name)


@lru_cache(maxsize=1 << 16)  # text repeats its names; transliteration is the slow part
def _key(name: str) -> str:
    if _PLAIN.match(name):  # fast path for the common case: letters and single spaces
        words = name.lower().split(" ")
    else:
        words = _words(name)
    if not words:
        return ""
    if words[0] == "the" and len(words) > 1:
        words = words[1:]
    if _ABBREVIATIONS.keys().isdisjoint(words):
        return " ".join(words)
    return " ".join(_ABBREVIATIONS.get(w, w) for w in words)


def _words(name: str) -> list[str]:
    if not name.isascii():
        name = unidecode(unicodedata.normalize("NFKC", name))
    s = name.lower()
    s = _INITIAL_DOT.sub(r"\1", s)
    s = _APOSTROPHES.sub("", s)
    return _NON_WORD.sub(" ", s).split()


def split_region_suffix(key: str) -> tuple[str, str] | None:
    """``("donetsk", "region")`` for the key ``"donetsk region"``; None without such a suffix."""
    base, _, last = key.rpartition(" ")
    if base and last in REGION_SUFFIXES:
        return base, last
    return None


def is_latin(name: str) -> bool:
    """True for names written in Latin script (alternate names in other scripts are skipped)."""
    return bool(_LATIN.match(name))

"""Recognition's thresholds live in one policy, and the recogniser uses the lexicon it was given.

No trained model: a blank spaCy pipeline stands where NER would (these checks decide whether
NER is asked at all) and the small in-memory index answers the lookups.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import replace

import pytest
import spacy

from geomap.config import load_settings
from geomap.errors import ConfigError
from geomap.gazetteer import CompactPlaceIndex
from geomap.recognise import Recogniser
from geomap.recognise.lexicon import Lexicon, get_lexicon
from geomap.recognise.model import NerModel, load_ner_model
from geomap.recognise.policy import DEFAULT_POLICY, RecognitionPolicy
from geomap.recognise.recogniser import _windows
from geomap.recognise.spans import Found


@pytest.fixture(scope="module")
def blank() -> spacy.language.Language:
    return spacy.blank("en")


def _found(index: CompactPlaceIndex, text: str, name: str) -> Found:
    start = text.index(name)
    return Found(start, start + len(name), name, "gazetteer", candidates=index.lookup(name))


def test_population_thresholds_come_from_the_policy(small_index: CompactPlaceIndex) -> None:
    cands = small_index.lookup("Springfield")  # Springfield, Illinois: about 116,000 people
    assert DEFAULT_POLICY.strong(cands, DEFAULT_POLICY.sure_population)
    assert DEFAULT_POLICY.sure(cands)
    stricter = RecognitionPolicy(person_proof_population=1_000_000)
    assert not stricter.sure(cands)
    assert not DEFAULT_POLICY.strong(cands, 10_000_000)
    assert DEFAULT_POLICY.sure(small_index.lookup("Ukraine"))  # a country needs no population


def test_a_custom_lexicon_is_the_one_asked(small_index: CompactPlaceIndex, blank: spacy.language.Language) -> None:
    """A stop-listed name needs NER's word; the stop list is the recogniser's own, not the global one."""
    text = "The talks in Kyiv went well."
    own = get_lexicon()
    stop_kyiv = replace(own, stopnames=own.stopnames | {"kyiv"})
    plain = Recogniser(blank, small_index.lookup, own)
    custom = Recogniser(blank, small_index.lookup, stop_kyiv)
    f = _found(small_index, text, "Kyiv")
    assert not plain._needs_ner(text, f)  # a capital standing alone is sure
    assert custom._needs_ner(text, f)
    assert isinstance(custom.lexicon, Lexicon)


def test_ner_windows_follow_the_policy(small_index: CompactPlaceIndex, blank: spacy.language.Language) -> None:
    text = "x " * 200 + "Springfield officials met." + " y" * 200
    wide = Recogniser(blank, small_index.lookup, policy=RecognitionPolicy(ner_window_chars=100))
    narrow = Recogniser(blank, small_index.lookup)
    f = _found(small_index, text, "Springfield")
    (ws, we), (ns, ne) = next(_windows(text, [f], wide.policy)), next(_windows(text, [f], narrow.policy))
    assert we - ws > ne - ns


# --- the NER model, chosen by name -----------------------------------------------------------------


class _Span:
    def __init__(self, start: int, end: int, label: str) -> None:
        self.start_char, self.end_char, self.label_ = start, end, label


class _Doc:
    def __init__(self, ents: list[_Span]) -> None:
        self.ents = ents


class _EveryCapitalIsAPerson:
    """An NER model of one's own: calls every capitalised word a PERSON (recognition must then veto towns)."""

    def pipe(self, texts: Iterable[str], *, batch_size: int = 64) -> Iterator[_Doc]:
        for text in texts:
            yield _Doc([_Span(m.start(), m.end(), "PERSON") for m in re.finditer(r"\b[A-Z][a-z]+\b", text)])


def test_an_ner_model_of_ones_own_drops_in(small_index: CompactPlaceIndex) -> None:
    model = _EveryCapitalIsAPerson()
    assert isinstance(model, NerModel)
    text = "Officials met Springfield near the border. Springfield said nothing."
    no_famous_towns = RecognitionPolicy(person_proof_population=10**9)  # Springfield, Ill. would be person-proof
    found = next(Recogniser(model, small_index.lookup, policy=no_famous_towns).recognise_many([text]))
    assert "Springfield" not in {f.text for f in found}  # a person, in this model's words
    blank = spacy.blank("en")
    blank_found = next(Recogniser(blank, small_index.lookup, policy=no_famous_towns).recognise_many([text]))
    assert "Springfield" in {f.text for f in blank_found}


def test_the_ner_model_is_chosen_by_name() -> None:
    with pytest.raises(ConfigError, match="spacy"):
        load_ner_model(load_settings(ner_model="no-such-model"))

"""Recognition on real text with the real spaCy model and the real gazetteer."""

from __future__ import annotations

import json
import time

import pytest

from geomap.errors import InputError
from geomap.evaluate import great_circle_km
from geomap.pipeline import Geoparser, default_geoparser

pytestmark = pytest.mark.slow  # every test here loads the spaCy model and the full place index


@pytest.fixture(scope="module")
def gp() -> Geoparser:
    return default_geoparser().load()


def _names(doc) -> list[tuple[str, str]]:
    return [(m.text, m.place.name) for m in doc.mentions]


def test_seed_article_every_place_form_found_and_close(gp: Geoparser, shared_dir) -> None:
    gold = json.loads((shared_dir / "eval" / "seed_article.json").read_text(encoding="utf-8"))
    doc = gp.parse(gold["text"])
    found = {(m.start, m.end): m for m in doc.mentions}
    missed, far = [], []
    for t in gold["toponyms"]:
        m = found.get((t["start"], t["end"]))
        if m is None:
            missed.append(t["name"])
        elif great_circle_km(t["lat"], t["lon"], m.place.lat, m.place.lon) > 161:
            far.append((t["name"], m.place.name))
    forms = {t["name"] for t in gold["toponyms"]}
    assert len(forms) == 25
    # "Soviet Union" is the one form the gazetteer has no record for (reported to the lead).
    assert set(missed) <= {"Soviet Union"}, missed
    assert not far, far
    gold_spans = {(t["start"], t["end"]) for t in gold["toponyms"]}
    false = [m.text for m in doc.mentions if m.kind == "toponym" and (m.start, m.end) not in gold_spans]
    assert false == [], false
    # Given the gold spans alone (no dateline or NER help), every one is still put within 161 km:
    # "Geneva" beside many US mentions is still the Swiss city, not Geneva, Ohio.
    spans = sorted(gold_spans)
    resolved = {(m.start, m.end): m.place for m in gp.resolve_spans(gold["text"], spans).mentions}
    far = [
        (t["name"], resolved[(t["start"], t["end"])].name)
        for t in gold["toponyms"]
        if great_circle_km(
            t["lat"], t["lon"], resolved[(t["start"], t["end"])].lat, resolved[(t["start"], t["end"])].lon
        )
        > 161
    ]
    assert not far, far


def test_seed_article_metonyms_and_mastheads_are_not_places(gp: Geoparser, shared_dir) -> None:
    text = json.loads((shared_dir / "eval" / "seed_article.json").read_text(encoding="utf-8"))["text"]
    texts = {m.text for m in gp.parse(text).mentions}
    assert not texts & {"Kremlin", "The Kremlin", "White House", "Pentagon", "Cyprus", "Cyprus Mail", "Western"}


def test_demonyms_are_flagged_and_resolved_to_their_country(gp: Geoparser) -> None:
    doc = gp.parse("Russian forces shelled Bakhmut while American officials met Ukrainian farmers.")
    demonyms = {m.text: m.place.country_code for m in doc.mentions if m.kind == "demonym"}
    assert demonyms == {"Russian": "RU", "American": "US", "Ukrainian": "UA"}
    assert all(m.place.kind == "country" for m in doc.mentions if m.kind == "demonym")
    assert [m.text for m in doc.mentions if m.kind == "toponym"] == ["Bakhmut"]


@pytest.mark.parametrize(
    "text",
    [
        "Vladimir Putin spoke for an hour.",
        "Jordan Peterson gave a lecture yesterday.",
        "Victoria Beckham launched a new line of clothes.",
        "Reading the report took an hour. Mobile phones were banned. Nice work, he said.",
        # A surname that is also a town's, called a person by NER where it can tell, is one everywhere.
        "Producer Joe Trapani said the film cost little. Trapani said he would make more. "
        "In his first year Trapani produced three films, and Trapani's crew grew.",
        "The 1991 Honda broke down on Nov. 13, said Sens. Grendell and Harris, near the Superior Court.",
        # Surnames that are first-level regions elsewhere (Nelson, New Zealand; Flores, Uruguay).
        "Officer Tom Nelson responded. He could hear the music from a couple of houses away, Nelson said.",
        "Mike Mauro, Flores' stepfather, said Maria Flores was missing. Flores was 19.",
        # Names that speak are people's (Petrova, Romania; Ristiina, Finland, also "Kristina").
        "\u201cIt matters,\u201d Petrova said. \u201cWe were in shock,\u201d Kristina recalled.",
        # Feast days and foundations are not places (Saint Patrick, Dominica; Bełk, Poland).
        "Safety stressed on St. Patrick's Day. The Belk Foundation gave $5,000.",
        # An era is not British Columbia; a trailer lot, a charity's villages and a dairy are no places.
        "It was built between 250 and 100 B.C. She lives at Lot No. 7. SOS Children's Villages and Mountain Dairy.",
    ],
)
def test_person_names_and_common_words_are_not_places(gp: Geoparser, text: str) -> None:
    assert _names(gp.parse(text)) == []


def test_a_place_that_speaks_for_its_government_or_is_put_somewhere_still_is_one(gp: Geoparser) -> None:
    for text, name in (
        ("Moscow said on Monday it would respond.", "Moscow"),
        ("Texas said it would sue.", "Texas"),
        ("A spokesman for the city of Sevierville said the pool was closed.", "Sevierville"),
        ("The U.S. says all of the donors have recovered.", "U.S."),
    ):
        assert [m.text for m in gp.parse(text).mentions] == [name], text


def test_a_camel_case_hashtag_names_its_place(gp: Geoparser) -> None:
    doc = gp.parse("Fireworks over #NewYork and #HongKong tonight, stay safe #Kyiv #BlackLivesMatter")
    assert _names(doc) == [("NewYork", "New York City"), ("HongKong", "Hong Kong"), ("Kyiv", "Kyiv")]


def test_a_modern_year_before_bc_leaves_british_columbia(gp: Geoparser) -> None:
    assert _names(gp.parse("The 2017 B.C. election was close.")) == [("B.C.", "British Columbia")]


def test_a_place_after_a_compass_word_is_found_inside_a_longer_name(gp: Geoparser) -> None:
    for text, name, place in (
        ("He moved the school from Northwest D.C. to Penn Quarter.", "D.C.", "Washington"),
        ("The East Texas Environmental Concerns Organization meets Monday.", "Texas", "Texas"),
        ("That is too low, say Metro Vancouver officials.", "Vancouver", "Vancouver"),
        ("said the head of the Spina Bifida Association of Western Pennsylvania.", "Pennsylvania", "Pennsylvania"),
    ):
        assert _names(gp.parse(text)) == [(name, place)], text


def test_a_place_before_an_officials_title_is_a_place(gp: Geoparser) -> None:
    # NER reads each of these as one person's name; the title says the first words are a place.
    for text, name in (
        ("According to Anderson County Sheriff Greg Taylor, the arrest was made Friday.", "Anderson County"),
        ("Huntsville Fire Chief Tom Grisham met the county judge.", "Huntsville"),
    ):
        assert [m.text for m in gp.parse(text).mentions] == [name]


def test_abbreviations_qualifiers_and_hyphenated_pairs(gp: Geoparser) -> None:
    doc = gp.parse("The U.S.-Russia talks moved from Springfield, Ill., to the UAE and the DRC.")
    got = {m.text: (m.place.kind, m.place.country_code, m.place.admin1_code) for m in doc.mentions}
    assert got["U.S."][:2] == ("country", "US")
    assert got["Russia"][:2] == ("country", "RU")
    assert got["Springfield"] == ("city", "US", "IL")
    assert got["Ill."] == ("admin1", "US", "IL")
    assert got["UAE"][1] == "AE" and got["DRC"][1] == "CD"


def test_short_forms_of_places_in_posts_and_headlines(gp: Geoparser) -> None:
    doc = gp.parse("Big storm hitting NYC and Philly tonight; N. Ireland braces too.")
    assert _names(doc) == [("NYC", "New York City"), ("Philly", "Philadelphia"), ("N. Ireland", "Northern Ireland")]


def test_a_demonym_before_a_region_word_and_a_bare_generic_word_are_not_other_places(gp: Geoparser) -> None:
    """Not "Canadian County" (Oklahoma) for "Canadian province", nor Temotu (ISO's "Island") for "Island"."""
    doc = gp.parse("Victoria is the capital of the Canadian province of British Columbia, on Vancouver Island.")
    got = _names(doc)
    assert ("Canadian", "Canada") in got and ("British Columbia", "British Columbia") in got
    assert all(name not in {"Canadian County", "Temotu"} for _, name in got)


def test_a_leading_the_is_not_part_of_the_name_unless_the_place_says_so(gp: Geoparser) -> None:
    doc = gp.parse("The EU met in Brussels. The Hague waits.")
    assert [(m.text, m.place.name) for m in doc.mentions] == [
        ("EU", "European Union"),
        ("Brussels", "Brussels"),
        ("The Hague", "The Hague"),
    ]


def test_short_names_count_only_as_written(gp: Geoparser) -> None:
    doc = gp.parse("Uk and Us are not codes here, but the UK and the US are.")
    assert [(m.text, m.place.country_code) for m in doc.mentions] == [("UK", "GB"), ("US", "US")]


def test_an_acronym_in_running_text_is_not_a_place_but_a_dateline_in_capitals_is(gp: Geoparser) -> None:
    text = "The malaria alliance (ALMA) met donors. As ALMA finalises a purchase, Kenya waits."
    assert [m.text for m in gp.parse(text).mentions] == ["Kenya"]
    for text in (
        "Storm damage reported. NEWARK -- Officials said the roof fell.",
        "Drug dealer arrested . NEWARK: A dealer was arrested on Tuesday.",
        "NEWS IN BRIEF: FLOODS CLOSE ROADS IN NEWARK AGAIN",
    ):
        assert "NEWARK" in [m.text for m in gp.parse(text).mentions], text


def test_region_suffix_and_sea(gp: Geoparser) -> None:
    doc = gp.parse("Shelling continued in the Donetsk region and ships left ports on the Black Sea.")
    got = {m.text: m.place for m in doc.mentions}
    assert got["Donetsk region"].kind == "admin1" and got["Donetsk region"].country_code == "UA"
    assert got["Black Sea"].kind == "water"


def test_place_at_the_very_start_and_end(gp: Geoparser) -> None:
    text = "Kyiv was quiet on Sunday while sirens sounded in Kharkiv"
    doc = gp.parse(text)
    assert (doc.mentions[0].start, doc.mentions[-1].end) == (0, len(text))
    assert [m.place.country_code for m in doc.mentions] == ["UA", "UA"]
    assert _names(gp.parse("Moscow")) == [("Moscow", "Moscow")]


@pytest.mark.parametrize("text", ["", "   \n\t  ", "\x00\x01\x02\xff" * 500, "%%%% ---- ;;;; 1234 5678"])
def test_empty_and_junk_text_gives_no_places(gp: Geoparser, text: str) -> None:
    doc = gp.parse(text)
    assert doc.mentions == [] and doc.text == text
    assert doc.focus == {"countries": [], "regions": [], "cities": []}


def test_non_english_text_does_not_crash_and_offsets_hold(gp: Geoparser) -> None:
    text = "Москва и Киев — столицы. Paris est la capitale de la France. 北京是中国的首都。"
    doc = gp.parse(text)
    assert all(text[m.start : m.end] == m.text for m in doc.mentions)
    assert {"Paris", "France"} <= {m.text for m in doc.mentions}


def test_binary_looking_text_around_a_place(gp: Geoparser) -> None:
    text = "\ufffd\x00" * 300 + " Refugees reached Poland on foot. " + "\x07\x1b[0m" * 300
    doc = gp.parse(text)
    assert [(m.text, m.place.country_code) for m in doc.mentions] == [("Poland", "PL")]


def test_five_megabyte_text_is_parsed_in_bounded_time(gp: Geoparser) -> None:
    filler = "the committee met again and talked about budgets for the schools of the county. " * 63_000
    text = "Floods hit Bakhmut. " + filler + "Then the river rose in Kharkiv."
    assert len(text) > 5_000_000
    t0 = time.perf_counter()
    doc = gp.parse(text)
    assert time.perf_counter() - t0 < 60
    assert [m.text for m in doc.mentions] == ["Bakhmut", "Kharkiv"]
    assert doc.mentions[-1].end == len(text) - 1
    assert len(doc.mentions[-1].snippet) <= 302


def test_parse_rejects_non_strings(gp: Geoparser) -> None:
    with pytest.raises(InputError):
        gp.parse(b"Paris")  # type: ignore[arg-type]


def test_parse_many_keeps_order_with_two_processes(gp: Geoparser) -> None:
    texts = ["Floods hit Kyiv.", "", "Talks in Geneva.", "Snow in Moscow."] * 3
    one = [[m.text for m in d.mentions] for d in gp.parse_many(texts)]
    two = [[m.text for m in d.mentions] for d in gp.parse_many(texts, n_process=2, batch_size=2)]
    assert one == two == [["Kyiv"], [], ["Geneva"], ["Moscow"]] * 3


def test_module_level_parse_is_the_public_entry_point() -> None:
    import geomap

    doc = geomap.parse("Russian forces shelled Bakhmut in the Donetsk region.", title="Frontline")
    assert doc.title == "Frontline"
    assert [m.text for m in doc.mentions] == ["Russian", "Bakhmut", "Donetsk region"]
    assert doc.mentions[0].kind == "demonym"


def test_a_missing_spacy_model_is_a_model_error_with_a_fix() -> None:
    from geomap.config import load_settings
    from geomap.errors import ModelError
    from geomap.recognise.model import PREFERRED_MODELS, choose_model, load_pipeline

    assert choose_model(load_settings()) in PREFERRED_MODELS
    with pytest.raises(ModelError, match="GEOMAP_SPACY_MODEL"):
        load_pipeline(load_settings(spacy_model="en_core_web_missing"))
    nlp = load_pipeline(load_settings())
    assert nlp.pipe_names == ["ner"]

"""Resolution: context decides between places that share a name."""

from __future__ import annotations

import pytest

from geomap.pipeline import Geoparser, default_geoparser
from geomap.resolve import snippet

pytestmark = pytest.mark.slow  # every test here loads the spaCy model and the full place index


@pytest.fixture(scope="module")
def gp() -> Geoparser:
    return default_geoparser().load()


def _place(doc, text: str):
    return next(m.place for m in doc.mentions if m.text == text)


def test_paris_alone_is_the_french_capital(gp: Geoparser) -> None:
    doc = gp.parse("Thousands marched in Paris against the pension reform.")
    assert _place(doc, "Paris").country_code == "FR"


def test_paris_texas_by_apposition_and_one_sense_per_document(gp: Geoparser) -> None:
    doc = gp.parse("A tornado hit Paris, Texas, on Monday. Paris officials said schools would reopen.")
    paris = [m for m in doc.mentions if m.text == "Paris"]
    assert len(paris) == 2
    assert all((m.place.country_code, m.place.admin1_code) == ("US", "TX") for m in paris)
    assert paris[0].alternatives[0].features["qualified"] == 1.0


def test_georgia_the_country_in_a_caucasus_story(gp: Geoparser) -> None:
    doc = gp.parse("Russian troops crossed from South Ossetia into Georgia and approached Tbilisi and Gori.")
    assert _place(doc, "Georgia").kind == "country"
    assert _place(doc, "Georgia").country_code == "GE"


def test_georgia_the_us_state_in_a_southern_story(gp: Geoparser) -> None:
    doc = gp.parse("Storms moved from Alabama into Georgia, closing roads near Atlanta, Macon and Savannah.")
    georgia = _place(doc, "Georgia")
    assert (georgia.kind, georgia.country_code, georgia.admin1_code) == ("admin1", "US", "GA")


def test_local_lexicon_picks_the_town_in_the_named_state(gp: Geoparser) -> None:
    doc = gp.parse("Dublin police said the Ohio man was arrested near Columbus after a chase through Dublin.")
    assert {(m.place.country_code, m.place.admin1_code) for m in doc.mentions if m.text == "Dublin"} == {("US", "OH")}


def test_a_state_name_is_the_state_not_a_town_sharing_it(gp: Geoparser) -> None:
    doc = gp.parse("Wildfires spread across California and Oregon this week.")
    assert {m.text: m.place.kind for m in doc.mentions} == {"California": "admin1", "Oregon": "admin1"}


def test_a_list_of_states_makes_washington_the_state(gp: Geoparser) -> None:
    doc = gp.parse("Cases were reported in Oregon, Idaho, Washington and Montana.")
    washington = next(m for m in doc.mentions if m.text == "Washington")
    assert (washington.place.kind, washington.place.admin1_code) == ("admin1", "WA")
    assert washington.alternatives[0].features["list"] == 1.0


def test_a_list_of_countries_makes_georgia_the_country(gp: Geoparser) -> None:
    doc = gp.parse("Officials in Texas warned travellers bound for Armenia, Azerbaijan, Georgia and Iran.")
    assert _place(doc, "Georgia").country_code == "GE"


def test_a_qualifier_is_the_region_that_holds_the_place_it_qualifies(gp: Geoparser) -> None:
    # Without the town, a Caucasus story: "Georgia" would be the country.
    doc = gp.parse("Tbilisi and Moscow traded accusations; the samples went to a lab in Atlanta, Georgia.")
    georgia = next(m for m in doc.mentions if m.text == "Georgia")
    assert (georgia.place.country_code, georgia.place.admin1_code) == ("US", "GA")
    assert georgia.alternatives[0].features["qualifies"] == 1.0
    doc = gp.parse("Menu Foods, based in Mississauga, Ontario, recalled pet food sold in California.")
    assert (_place(doc, "Ontario").kind, _place(doc, "Ontario").country_code) == ("admin1", "CA")


def test_words_around_a_name_give_its_kind(gp: Geoparser) -> None:
    doc = gp.parse("The infected cow came from a Washington state farm, officials in Maryland said.")
    washington = next(m.place for m in doc.mentions if m.text.startswith("Washington"))
    assert (washington.kind, washington.admin1_code) == ("admin1", "WA")
    # The same span alone: the word after it decides.
    for text, code in (
        ("A cow from a Washington state farm, born in Canada, tested positive.", "WA"),
        ("A cow from a Washington farm, born in Canada, tested positive.", "DC"),
    ):
        start = text.index("Washington")
        washington = gp.resolve_spans(text, [(start, start + 10)]).mentions[0].place
        assert washington.admin1_code == code, text
    doc = gp.parse("New patients will go to hospitals in the province of Ontario, near Detroit and Chicago.")
    assert (_place(doc, "Ontario").kind, _place(doc, "Ontario").country_code) == ("admin1", "CA")


def test_a_region_named_after_its_seat_gives_way_to_the_city(gp: Geoparser) -> None:
    doc = gp.parse("Pilgrims gathered in Mecca for the Hajj.")
    mecca = _place(doc, "Mecca")
    assert (mecca.kind, mecca.country_code) == ("city", "SA")


def test_a_name_repeated_is_no_evidence_for_itself(gp: Geoparser) -> None:
    text = (
        "Georgia mourns its prime minister. Georgia's parliament met in Tbilisi. "
        "Georgia has seen such deaths before. Leaders in Georgia spoke."
    )
    doc = gp.parse(text)
    assert {m.place.country_code for m in doc.mentions if m.text == "Georgia"} == {"GE"}


def test_mention_fields_are_complete(gp: Geoparser) -> None:
    text = "After talks in Geneva, the delegation flew on to Warsaw."
    doc = gp.parse(text)
    assert [m.text for m in doc.mentions] == ["Geneva", "Warsaw"]
    for m in doc.mentions:
        assert text[m.start : m.end] == m.text
        assert m.snippet == text
        assert 0.0 <= m.confidence <= 1.0
        assert 1 <= len(m.alternatives) <= 5 and m.alternatives[0].place == m.place
        assert {"prior", "qualified", "country", "region", "near"} <= set(m.alternatives[0].features)
        assert m.place.geonameid is not None and m.place.id.startswith("gn:")


def test_focus_lists_countries_regions_and_cities(gp: Geoparser) -> None:
    doc = gp.parse("Russian forces shelled Bakhmut and Avdiivka. Kyiv said Bakhmut would hold. Ukraine asked for jets.")
    countries = [f.place.country_code for f in doc.focus["countries"]]
    assert countries[0] == "UA"
    assert doc.focus["cities"][0].place.name == "Bakhmut" and doc.focus["cities"][0].mentions == 2
    assert all(0 < f.score <= 1 for k in doc.focus for f in doc.focus[k])


def test_gold_span_mode_resolves_exactly_the_given_spans(gp: Geoparser) -> None:
    text = "Officials in Gainesville, Ga., and the American embassy in Kyiv."
    spans = [(text.index(w), text.index(w) + len(w)) for w in ("Gainesville", "Ga.", "American", "Kyiv")]
    doc = gp.resolve_spans(text, spans)
    assert [(m.start, m.end) for m in doc.mentions] == spans
    got = {m.text: m for m in doc.mentions}
    assert (got["Gainesville"].place.admin1_code, got["Ga."].place.kind) == ("GA", "admin1")
    assert got["American"].kind == "demonym" and got["American"].place.country_code == "US"


def test_snippet_is_trimmed_around_the_mention() -> None:
    text = ("word " * 200) + "Bakhmut" + (" word" * 200)
    start = text.index("Bakhmut")
    cut = snippet(text, (0, len(text)), start, start + 7)
    assert "Bakhmut" in cut and len(cut) <= 302 and cut.startswith("\u2026") and cut.endswith("\u2026")


def test_given_spans_are_resolved_with_the_places_the_rest_of_the_text_names(gp: Geoparser) -> None:
    """Only Santa Maria is asked; Santa Barbara County, outside the spans, settles it (not Brazil's)."""
    text = "Santa Maria is a city near the Southern California coast in Santa Barbara County."
    doc = gp.resolve_spans(text, [(0, len("Santa Maria"))])
    assert [m.text for m in doc.mentions] == ["Santa Maria"]
    place = doc.mentions[0].place
    assert place is not None and (place.country_code, place.admin1_code) == ("US", "CA")


def test_a_given_span_the_gazetteer_lacks_is_placed_near_its_neighbours_unless_asked_not_to(gp: Geoparser) -> None:
    text = "The Quimbleford Creek bridge near Gainesville, Georgia, washed away."
    spans = [(text.index(w), text.index(w) + len(w)) for w in ("Quimbleford Creek", "Gainesville")]
    creek, gainesville = gp.resolve_spans(text, spans).mentions
    assert creek.approximate and creek.place == gainesville.place
    assert (gainesville.place.country_code, gainesville.place.admin1_code) == ("US", "GA")
    assert [m.text for m in gp.resolve_spans(text, spans, place_unknown=False).mentions] == ["Gainesville"]


def test_a_city_of_millions_by_its_own_name_beats_a_town_that_lists_it_as_another_name(gp: Geoparser) -> None:
    """Tīrān, a town near Isfahan, lists "Tehran" among its names; near Isfahan in the text, it still is not meant."""
    doc = gp.parse("Protests spread across Tehran and Isfahan.")
    assert (_place(doc, "Tehran").geonameid, _place(doc, "Isfahan").geonameid) == (112931, 418863)


@pytest.mark.parametrize(
    ("text", "name", "expected"),
    [
        ("Police in St. Louis said the road reopened.", "St. Louis", ("city", "US")),  # not Saint-Louis, Senegal
        ("Portland officials met on Monday.", "Portland", ("city", "US")),  # not a parish of Jamaica
        ("Quebec will hold a referendum.", "Quebec", ("admin1", "CA")),  # the province, not Quebec City
    ],
)
def test_a_region_named_after_its_seat_or_dwarfed_by_a_city_gives_way(
    gp: Geoparser, text: str, name: str, expected: tuple[str, str]
) -> None:
    place = _place(gp.parse(text), name)
    assert (place.kind, place.country_code) == expected

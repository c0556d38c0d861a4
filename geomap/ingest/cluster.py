"""Geoparsing on a Dask cluster: batches go to the workers, results come back to be written (or printed) here.

``pip install 'geomap[cluster]'`` brings ``dask`` and ``distributed``. Each
worker process loads the geoparser once, when it joins (``GeoparserPlugin``,
a worker plugin), from its own ``GEOMAP_*`` environment: the workers need
geomap installed and a place index (``GEOMAP_GAZETTEER_DIR`` on a shared
folder, or each builds its own), never the database: only the process that
runs ``geomap ingest`` writes, in batches, as it does locally. Dask moves a
lost worker's batches to another worker; a batch that still fails after
``RETRIES`` is reported article by article, never dropped in silence.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from distributed import Client, WorkerPlugin, get_worker

from ..config import load_settings
from ..errors import IngestError
from ..models import ParsedDocument
from ..parallel import batched, pipelined
from .parsing import Item, Parser, parse_items, parser_for

__all__ = [
    "GeoparserPlugin",
    "cluster_pool",
    "parse_on_worker",
    "parse_on_cluster",
    "parse_texts_on_worker",
    "PLUGIN_NAME",
    "RETRIES",
]

PLUGIN_NAME = "geomap-geoparser"
RETRIES = 2  # a batch whose task raised runs again this many times (a lost worker's tasks move anyway)
_CONNECT_TIMEOUT = "20s"
_log = logging.getLogger(__name__)


class GeoparserPlugin(WorkerPlugin):
    """Loads the geoparser once per worker process, when the worker starts or joins."""

    def __init__(self) -> None:
        self.parser: Parser | None = None

    def setup(self, worker: Any) -> None:
        parser = parser_for(load_settings())  # the worker's own environment
        load = getattr(parser, "load", None)
        if load is not None:
            load()
        self.parser = parser


def _worker_parser() -> Parser:
    plugin = get_worker().plugins.get(PLUGIN_NAME)
    if not isinstance(plugin, GeoparserPlugin) or plugin.parser is None:
        raise IngestError("this Dask worker has no geoparser loaded (the geomap plugin did not set it up)")
    return plugin.parser


def parse_on_worker(items: list[Item]) -> list[ParsedDocument | str]:
    """The ingest task: parse one batch of articles with this worker's loaded geoparser."""
    return parse_items(_worker_parser(), items)


def parse_texts_on_worker(texts: list[str]) -> list[ParsedDocument]:
    """The extract task: parse one batch of plain texts (a failure fails the batch, and ``geomap extract``)."""
    return list(_worker_parser().parse_many(texts, batch_size=len(texts)))


def parse_on_cluster(scheduler: str, texts: Iterable[str], *, batch_size: int) -> Iterator[ParsedDocument]:
    """``Geoparser.parse_many`` on the cluster: parses in input order, a bounded number of batches in flight."""
    with cluster_pool(scheduler) as (submitter, workers):
        client = submitter.client
        submit = _Direct(client)
        for _, docs in pipelined(submit, parse_texts_on_worker, batched(texts, batch_size), ahead=2 * workers):
            yield from docs


class _Direct:
    """``submit`` whose futures raise a batch's failure (after Dask's retries)."""

    def __init__(self, client: Client) -> None:
        self.client = client

    def submit(self, fn: Callable[[list[str]], list[ParsedDocument]], texts: list[str]) -> Any:
        return self.client.submit(fn, texts, pure=False, retries=RETRIES)


class _Reported:
    """A batch's future whose failure becomes one reason per article instead of an exception."""

    def __init__(self, future: Any, size: int) -> None:
        self.future, self.size = future, size

    def result(self) -> list[ParsedDocument | str]:
        try:
            return list(self.future.result())
        except Exception as exc:  # after Dask's retries: report the batch, keep the run going
            reason = f"cluster batch failed after {RETRIES} retries: {type(exc).__name__}: {exc}"
            _log.warning("%s", reason)
            return [reason] * self.size


class _ClusterSubmitter:
    """``submit`` for ``parallel.pipelined``: each batch a Dask task, retried, never cached."""

    def __init__(self, client: Client) -> None:
        self.client = client

    def submit(self, fn: Callable[[list[Item]], list[ParsedDocument | str]], items: Sequence[Item]) -> _Reported:
        future = self.client.submit(fn, list(items), pure=False, retries=RETRIES)
        return _Reported(future, len(items))


@contextmanager
def cluster_pool(scheduler: str) -> Iterator[tuple[_ClusterSubmitter, int]]:
    """A submitter over the cluster at ``scheduler`` (tcp://host:8786) and its worker count now."""
    try:
        client = Client(scheduler, timeout=_CONNECT_TIMEOUT, set_as_default=False)
    except OSError as exc:
        raise IngestError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
    try:
        client.register_plugin(GeoparserPlugin(), name=PLUGIN_NAME)
        workers = len(client.scheduler_info(n_workers=-1)["workers"])
        if not workers:
            raise IngestError(f"the Dask scheduler at {scheduler} has no workers; start some with 'dask worker'")
        _log.info("Dask cluster at %s: %d workers, each loading the geoparser once", scheduler, workers)
        yield _ClusterSubmitter(client), workers
    finally:
        client.close()

"""The progress line of an ingest run: what it is doing, articles done of a total, rate and ETA.

Batches take seconds each (more with several workers), so the line is
redrawn by a timer as well as on every batch: elapsed time and the ETA move at
least every ``REFRESH_SECONDS``. Before the first article, the line says what
the run is waiting for (reading inputs, loading the model, building the place
index), and each such stage is also logged, so a run without a terminal says it.
"""

from __future__ import annotations

import logging
import sys
import threading
from typing import Any

from tqdm import tqdm

__all__ = ["Progress", "REFRESH_SECONDS"]

REFRESH_SECONDS = 0.5
_log = logging.getLogger(__name__)


class Progress:
    """One run's progress: ``stage()`` before work starts, ``advance()`` per stored batch, then ``close()``."""

    def __init__(self, *, enabled: bool, total: int | None = None) -> None:
        self.bar = tqdm(
            total=total,
            unit=" articles",
            file=sys.stderr,
            disable=not enabled,
            dynamic_ncols=True,
            mininterval=REFRESH_SECONDS,
        )
        self._stop = threading.Event()
        self._timer: threading.Thread | None = None
        if enabled:
            self._timer = threading.Thread(target=self._tick, name="ingest-progress", daemon=True)
            self._timer.start()

    def _tick(self) -> None:
        while not self._stop.wait(REFRESH_SECONDS):
            self.bar.refresh()

    def set_total(self, total: int | None) -> None:
        """The number of articles the run will go through, once counted (None: unknown, no ETA)."""
        self.bar.total = total
        self.bar.refresh()

    def stage(self, what: str) -> None:
        """Say what the run is doing now (before articles flow: loading, building, reading)."""
        _log.info("%s", what)
        self.bar.set_description_str(what, refresh=True)

    def advance(self, articles: int, **counts: Any) -> None:
        """``articles`` more are done (stored, skipped or failed); ``counts`` show beside the bar."""
        if self.bar.desc:
            self.bar.set_description_str("", refresh=False)
        self.bar.update(articles)
        if counts:
            self.bar.set_postfix(counts, refresh=False)

    def close(self) -> None:
        self._stop.set()
        if self._timer is not None:
            self._timer.join()
        self.bar.close()

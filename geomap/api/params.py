"""Paging and filter parameters of HTTP requests, with messages that say what to send instead.

The filters themselves are read by ``Filters.from_args`` (the store), so the
map page, the export, the API and ``geomap map`` select the same rows for the
same parameters.
"""

from __future__ import annotations

from ..store import FILTER_PARAMS
from ..textparams import Params, parse_int

__all__ = ["MAX_LIMIT", "MAX_OFFSET", "parse_page", "filter_query"]

MAX_LIMIT = 1000  # rows per page at most, unless an endpoint says otherwise
MAX_OFFSET = 10**9


def parse_page(args: Params, default_limit: int = 50, max_limit: int = MAX_LIMIT) -> tuple[int, int]:
    """``(limit, offset)`` from ``limit`` (1..max_limit) and ``offset`` (0..)."""
    return (
        parse_int(args, "limit", default_limit, 1, max_limit),
        parse_int(args, "offset", 0, 0, MAX_OFFSET),
    )


def filter_query(args: Params) -> dict[str, str]:
    """The filter parameters of a request that are set, as given, to carry into links."""
    return {name: value for name in FILTER_PARAMS if (value := args.get(name))}

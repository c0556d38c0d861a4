"""Marking read views whose answers the web layer may cache until the database changes.

A ``@cached`` view records, before it runs, the store's data version in the
request's WSGI environ under ``CACHE_VERSION``; the web layer's response cache
keeps the final answer tagged with it and serves it again only while the
version stays the same. Views that are not marked are never cached.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import request

from .services import services

__all__ = ["CACHE_VERSION", "cached", "not_cached"]

F = TypeVar("F", bound=Callable[..., Any])

CACHE_VERSION = "geomap.cache_version"  # WSGI environ key: the view's answer may be cached at this version


def cached(view: F) -> F:
    """Let the response cache keep this GET view's answer until the database changes."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        version = services().store.data_version()
        if version is not None and request.method == "GET":
            request.environ[CACHE_VERSION] = version
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def not_cached() -> None:
    """This answer is streamed (a download): the response cache must not gather it into memory."""
    request.environ.pop(CACHE_VERSION, None)

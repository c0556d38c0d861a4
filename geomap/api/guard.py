"""What every geoparsing endpoint checks before it does any work: the API key, then the client's rate.

Geoparsing costs CPU seconds per request, so with ``GEOMAP_API_KEY`` set it
needs the key like the writing endpoints (``GEOMAP_OPEN_GEOPARSING=1`` opens it
on purpose), and each client may send ``GEOMAP_PARSE_RATE_LIMIT`` requests a
minute (429 with ``Retry-After`` beyond). The size and concurrency limits are
the geoparser's own (``services``), so they hold for every caller.

Apply ``@geoparsing`` to a view, or ``blueprint.before_request(geoparse_guard)``
to every view of a blueprint.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import request

from ..errors import LimitError
from .auth import check_api_key
from .services import services

__all__ = ["geoparse_guard", "geoparsing"]

F = TypeVar("F", bound=Callable[..., Any])


def geoparse_guard() -> None:
    """Raise AuthError (401) or LimitError (429) when this geoparse request may not run."""
    svc = services()
    if not svc.settings.open_geoparsing:
        check_api_key()
    wait = svc.rate_limiter.hit(request.remote_addr or "unknown")
    if wait is not None:
        raise LimitError(
            f"too many geoparse requests: at most {svc.rate_limiter.per_minute} a minute per client "
            f"(GEOMAP_PARSE_RATE_LIMIT); retry in {wait} s",
            retry_after=wait,
        )


def geoparsing(view: F) -> F:
    """``geoparse_guard`` before the view."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        geoparse_guard()
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]

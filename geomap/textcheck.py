"""Whether text from outside can be stored and sent on: no NUL characters, no lone surrogates.

PostgreSQL refuses NUL in text, SQLite's LIKE stops at it, and a lone UTF-16
surrogate (``"\\ud800"``, which JSON may carry) cannot be encoded as UTF-8 at
all. Every text that enters geomap from a request, a feed or a file is checked
here once, so each backend and each endpoint sees the same verdict.
"""

from __future__ import annotations

__all__ = ["text_problem"]

_NUL = "\x00"


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be used as text (a short phrase), or None when it can."""
    if _NUL in value:
        return f"contains a NUL character at offset {value.index(_NUL)}"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        return f"is not valid Unicode (a lone surrogate at offset {exc.start})"
    return None

"""Reading request bodies: JSON objects for the API, form fields for CLIFF clients."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import request

from ..errors import InputError
from ..models import Article
from ..store import check_article
from ..textcheck import text_problem

__all__ = ["json_object", "article_from_json", "text_field"]


def json_object() -> dict[str, Any]:
    """The body as a JSON object; 415 for another content type, 400 for broken JSON."""
    if not request.is_json:
        raise InputError(
            f"send the body as JSON with 'Content-Type: application/json' (got {request.mimetype or 'none'!r})",
            status=415,
        )
    try:
        body = request.get_json(silent=True)
    except RecursionError:
        raise InputError("the JSON body is nested too deeply") from None
    if body is None:
        raise InputError("the body is not valid JSON")
    if not isinstance(body, dict):
        raise InputError('the body must be a JSON object such as {"text": "..."}', status=422)
    return body


def text_field(body: dict[str, Any], name: str, *, required: bool = False) -> str | None:
    """A string member; 422 when it has another type or a required one is missing or blank."""
    value = body.get(name)
    if value is None:
        if required:
            raise InputError(f"'{name}' is required", status=422)
        return None
    if not isinstance(value, str):
        raise InputError(f"'{name}' must be a string, not {type(value).__name__}", status=422)
    if required and not value.strip():
        raise InputError(f"'{name}' must not be empty", status=422)
    if problem := text_problem(value):
        raise InputError(f"'{name}' {problem}", status=422)
    return value


def article_from_json(body: dict[str, Any]) -> Article:
    """An ``Article`` from ``{title, text, url, published, source}`` that the store can take (else 422)."""
    published_raw = text_field(body, "published")
    published = None
    if published_raw is not None and not published_raw.strip():
        raise InputError("'published' is empty: give an ISO 8601 time, or null when it is not known", status=422)
    if published_raw:
        try:
            published = datetime.fromisoformat(published_raw.strip())
        except ValueError:
            raise InputError(
                f"'published' must be an ISO 8601 date or time such as 2024-05-31T09:30:00Z, not {published_raw!r}",
                status=422,
            ) from None
    article = Article(
        text=text_field(body, "text", required=True) or "",
        title=text_field(body, "title") or "",
        url=text_field(body, "url") or None,
        source=text_field(body, "source") or None,
        published=published,
    )
    check_article(article)  # refused before the geoparser is even loaded
    return article

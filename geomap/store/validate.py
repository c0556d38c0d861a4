"""The one check every article passes before it is written, on SQLite and PostgreSQL alike.

PostgreSQL refuses a ``source`` longer than its column, NUL characters and
times its driver cannot convert; SQLite would store some of them and fail on
others. Checking each record first means one bad record is reported and
skipped the same way on every backend, and never fails the batch it came in.
"""

from __future__ import annotations

from ..errors import InputError
from ..models import Article
from ..textcheck import text_problem
from .queries import to_utc
from .schema import articles

__all__ = ["MAX_ID", "MAX_SOURCE_CHARS", "check_article"]

MAX_SOURCE_CHARS: int = articles.c.source.type.length  # type: ignore[attr-defined]
MAX_ID = 2**31 - 1  # ids are SQL INTEGER columns: no stored row has a larger one


def check_article(article: Article) -> None:
    """Raise InputError (422) naming the field when ``article`` cannot be stored as given."""
    if not article.text or not article.text.strip():
        raise InputError("the article has no text to geoparse", status=422)
    fields = {"text": article.text, "title": article.title, "url": article.url, "source": article.source}
    for name, value in fields.items():
        if value is not None and (problem := text_problem(value)):
            raise InputError(f"the article's {name} {problem}", status=422)
    if article.source is not None and len(article.source) > MAX_SOURCE_CHARS:
        raise InputError(
            f"the article's source has {len(article.source)} characters; at most {MAX_SOURCE_CHARS} are allowed",
            status=422,
        )
    try:
        to_utc(article.published)
    except OverflowError:
        raise InputError(
            f"the article's publication time {article.published} lies outside the years 1..9999 in UTC", status=422
        ) from None

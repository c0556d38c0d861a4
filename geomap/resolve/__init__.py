"""Resolution: picking the place each found name refers to, and the document focus."""

from __future__ import annotations

from .resolver import Resolver, snippet

__all__ = ["Resolver", "snippet"]

"""The one way a URL's or a query's id becomes a primary key: a number, or a 404 (never a 500)."""

from __future__ import annotations

from typing import Any

from django.http import Http404

__all__ = ["pk_or_404"]


def pk_or_404(value: Any) -> int:
    """``value`` as an integer primary key; anything that is not one is a 404, like a row that is not there."""
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None

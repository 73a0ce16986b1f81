"""Template tags shared by every list page."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def page_url(context: dict[str, Any], number: int) -> str:
    """The current list's URL (its search, filters and sorting kept) at page ``number``."""
    query = context["request"].GET.copy()
    query.pop("format", None)
    query["page"] = str(number)
    return f"?{query.urlencode()}"


@register.simple_tag(takes_context=True)
def csv_url(context: dict[str, Any], dialect: str = "") -> str:
    """The current list's CSV export: the same search, filters and sorting, every page (no ``page``), in
    ``dialect`` (``excel-pl``: ``;`` and a decimal comma) or the default one."""
    query = context["request"].GET.copy()
    query.pop("page", None)
    query.pop("dialect", None)
    query["format"] = "csv"
    if dialect:
        query["dialect"] = dialect
    return f"?{query.urlencode()}"

"""Template tags shared by every list page, and amounts with their currency."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

from mesoclinic.money_text import format_money

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


@register.simple_tag(takes_context=True)
def money(context: dict[str, Any], amount: Decimal | None, currency: str | None = None) -> str:
    """An amount with its currency (the clinic's unless given): "450.00 PLN", "450,00 zł"; "" for none."""
    if amount is None:
        return ""
    if currency is None:
        clinic = context.get("clinic")
        currency = getattr(clinic, "currency", "") if clinic is not None else ""
    return format_money(amount, currency)

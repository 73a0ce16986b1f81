"""Template tags shared by every list page, and amounts with their currency."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils.formats import get_format_modules, number_format

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


def _money_style() -> tuple[bool, dict[str, str]]:
    """Whether amounts are grouped, and the currency symbols, in the active language's format module."""
    for module in get_format_modules():
        if hasattr(module, "CURRENCY_SYMBOLS") or hasattr(module, "MONEY_GROUPING"):
            return bool(getattr(module, "MONEY_GROUPING", False)), dict(
                getattr(module, "CURRENCY_SYMBOLS", {})
            )
    return False, {}


def format_money(amount: Decimal, currency: str) -> str:
    """An amount in the active language: "450.00 PLN" in English, "1 234,56 zł" in Polish."""
    grouping, symbols = _money_style()
    number = number_format(amount, decimal_pos=2, use_l10n=True, force_grouping=grouping)
    space = "\u00a0" if grouping else " "  # a no-break space where the number itself has them
    return f"{number}{space}{symbols.get(currency, currency)}" if currency else number


@register.simple_tag(takes_context=True)
def money(context: dict[str, Any], amount: Decimal | None, currency: str | None = None) -> str:
    """An amount with its currency (the clinic's unless given): "450.00 PLN", "450,00 zł"; "" for none."""
    if amount is None:
        return ""
    if currency is None:
        clinic = context.get("clinic")
        currency = getattr(clinic, "currency", "") if clinic is not None else ""
    return format_money(amount, currency)

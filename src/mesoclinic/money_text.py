"""Amounts as people read them, in the active language: "450.00 PLN" in English, "1 234,56 zł" in Polish.

A leaf (Django's formats only): the pages' ``{% money %}`` tag, the reports' charts and the messages use it.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.formats import get_format_modules, number_format


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

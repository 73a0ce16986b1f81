"""Template filters of the inventory pages."""

from __future__ import annotations

from decimal import Decimal

from django import template

from mesoclinic.inventory.selectors import format_quantity

register = template.Library()


@register.filter
def qty(value: Decimal | None, style: str = "") -> str:
    """A quantity as people write it (``1.5``, ``20``); ``"signed"`` adds ``+`` to receipts, ``"abs"`` drops signs."""
    if value is None:
        return "—"
    amount = abs(Decimal(value)) if style == "abs" else Decimal(value)
    text = format_quantity(amount)
    return f"+{text}" if style == "signed" and amount > 0 else text

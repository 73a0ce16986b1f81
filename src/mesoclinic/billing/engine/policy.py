"""The cancellation policy, pure: how much a deposit is, and whether a cancel is late.

A deposit is a fixed amount, or a percentage of the first session's price or of the package's (rounded half
up to the cent). A cancel is late when it comes less than ``late_cancel_hours`` before the start.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from mesoclinic.billing.engine.vat import round_half_up


def deposit_amount(kind: str, value: Decimal, base_price: Decimal) -> Decimal:
    """``kind``: ``none``, ``fixed`` (``value`` is the amount) or ``percent`` (``value`` % of ``base_price``)."""
    if kind == "fixed":
        return round_half_up(value)
    if kind == "percent":
        return round_half_up(base_price * value / 100)
    return Decimal("0.00")


def is_late_cancel(starts_at: datetime, cancelled_at: datetime, window_hours: int) -> bool:
    """Cancelled less than ``window_hours`` before the start (or after it)."""
    return cancelled_at > starts_at - timedelta(hours=window_hours)

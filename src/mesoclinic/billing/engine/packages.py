"""Prepaid packages, pure: when one expires, what its unused sessions are worth back, how it reads.

The refund rule (shown to the cashier beside the amount): the price paid × sessions left ÷ sessions sold,
rounded half up to the cent. ``3 of 6`` sessions left of a package sold for 2,400.00 give back 1,200.00.
"""

from __future__ import annotations

import calendar
from datetime import date
from decimal import Decimal

from mesoclinic.billing.engine.vat import round_half_up

REFUND_RULE = "price paid × sessions left ÷ sessions sold, rounded half up to the cent"


def add_months(day: date, months: int) -> date:
    """The same calendar day ``months`` later, clamped to the month's end (31 Aug + 6 → 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def pro_rata_refund(price: Decimal, sessions_total: int, sessions_left: int) -> Decimal:
    """What the unused sessions of a package are worth back (``REFUND_RULE``)."""
    if sessions_total < 1 or not 0 <= sessions_left <= sessions_total:
        raise ValueError("sessions left must be between 0 and the sessions sold")
    return round_half_up(price * sessions_left / sessions_total)


def session_value(price: Decimal, sessions_total: int) -> Decimal:
    """One session's share of the price paid (what a package session pays at checkout)."""
    return pro_rata_refund(price, sessions_total, 1)


def summary(sessions_left: int, sessions_total: int, expires_on: date) -> str:
    """How the chart and Today show a package: ``3 of 6 sessions left, expires 2027-06-30``."""
    noun = "session" if sessions_total == 1 else "sessions"
    return f"{sessions_left} of {sessions_total} {noun} left, expires {expires_on.isoformat()}"

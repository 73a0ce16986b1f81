"""Calendar rules shared across the clinic: a patient's age, the same day some months away, and the local
day an instant falls on."""

from __future__ import annotations

import calendar
from datetime import date, datetime, tzinfo
from zoneinfo import ZoneInfo

__all__ = ["add_months", "age_on", "local_day"]


def age_on(birth_date: date, on: date) -> int:
    """Return the age in whole years on the day ``on``.

    Parameters
    ----------
    birth_date, on : date
        Day of birth and day of interest.

    Returns
    -------
    int
        Completed years. Someone born on 29 February turns a year older on 1 March in common years (the
        convention of e.g. the UK and Hong Kong); for an age limit this is also the cautious choice.
    """
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


def add_months(day: date, months: int) -> date:
    """The same calendar day ``months`` later (earlier when negative), clamped to the month's end.

    31 Aug + 6 → 28/29 Feb; 31 Mar - 1 → 28/29 Feb.
    """
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def local_day(moment: datetime, zone: str | tzinfo) -> date:
    """The calendar day ``moment`` falls on in ``zone`` (a clinic's or location's ``timezone`` name, or a tzinfo).

    The one way an instant becomes a clinic's day: a screening's day, a lot's expiry check, a report's date.
    A naive ``moment`` is refused (``ValueError``): it names no instant.
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("Times must be timezone-aware.")
    return moment.astimezone(ZoneInfo(zone) if isinstance(zone, str) else zone).date()

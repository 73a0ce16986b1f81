"""Calendar rules shared across the clinic: a patient's age and the same day some months away."""

from __future__ import annotations

import calendar
from datetime import date

__all__ = ["add_months", "age_on"]


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

"""Public holidays by country and year, from the ``holidays`` package (python-holidays, MIT).

Why a library and not a list: public holidays move (Easter, substitute days) and change by law; the
package is maintained against each country's statutes, covers the countries a clinic may be in and works
offline. A location's closed days are still the clinic's own choice: the list only proposes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import holidays


class UnknownCountryError(ValueError):
    """The country has no public-holiday calendar in the package."""


@dataclass(frozen=True)
class PublicHoliday:
    date: date
    name: str


def supported_countries() -> list[str]:
    """ISO 3166-1 alpha-2 codes the package has a calendar for, sorted."""
    return sorted(holidays.list_supported_countries())


def public_holidays(country: str, year: int, *, language: str | None = None) -> list[PublicHoliday]:
    """The public holidays of ``country`` (ISO alpha-2) in ``year``, by date.

    Names are in ``language`` where the package has a translation (``"en"``, ``"pl"``...), else in the
    country's own language. Raises ``UnknownCountryError`` for a country without a calendar, ``ValueError``
    for a year outside 1900–2100.
    """
    code = country.strip().upper()
    if not 1900 <= year <= 2100:
        raise ValueError(f"{year} is not a year between 1900 and 2100.")
    if code not in holidays.list_supported_countries():
        raise UnknownCountryError(f"No public-holiday calendar for {country!r}.")
    calendar = holidays.country_holidays(code, years=year, language=language)
    if language and language not in (calendar.supported_languages or ()):
        calendar = holidays.country_holidays(code, years=year)
    return [PublicHoliday(day, str(name)[:100]) for day, name in sorted(calendar.items())]

"""Month arithmetic, both ways: maintenance recalls count forward, washouts count back."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mesoclinic.clinical_codes.dates import add_months


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
        (date(2024, 3, 31), -1, date(2024, 2, 29)),
        (date(2026, 1, 15), -6, date(2025, 7, 15)),
        (date(2026, 1, 31), -13, date(2024, 12, 31)),
        (date(2025, 8, 31), 6, date(2026, 2, 28)),
        (date(2026, 12, 1), 1, date(2027, 1, 1)),
        (date(2026, 5, 5), 0, date(2026, 5, 5)),
    ],
)
def test_it_moves_by_whole_months_clamped_to_the_month_end(day, months, expected):
    assert add_months(day, months) == expected


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)), st.integers(-600, 600))
def test_it_lands_in_the_right_month_on_the_same_day_or_the_month_end(day, months):
    moved = add_months(day, months)
    assert (moved.year * 12 + moved.month) - (day.year * 12 + day.month) == months
    clamped = moved.day < day.day and (moved + timedelta(days=1)).day == 1
    assert moved.day == day.day or clamped

"""The pure timing core: quiet hours (also across midnight), the reminder due now, the next session's
window and the complication checks; properties with hypothesis where they help."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mesoclinic.notifications import timing

WARSAW = ZoneInfo("Europe/Warsaw")


@pytest.mark.parametrize(
    ("moment", "quiet"),
    [
        (time(20, 59), False),
        (time(21), True),
        (time(23, 30), True),
        (time(0), True),
        (time(7, 59), True),
        (time(8), False),
    ],
)
def test_quiet_hours_span_midnight(moment, quiet):
    assert timing.in_quiet_hours(moment, time(21), time(8)) is quiet


def test_daytime_quiet_hours_and_none():
    assert timing.in_quiet_hours(time(13), time(12), time(14))
    assert not timing.in_quiet_hours(time(14), time(12), time(14))
    assert not timing.in_quiet_hours(time(3), time(8), time(8))


def test_quiet_hours_end_is_the_next_end_in_local_time():
    late = datetime(2026, 3, 28, 22, tzinfo=WARSAW)  # the night the clocks go forward
    assert timing.quiet_hours_end(late, WARSAW, time(21), time(8)) == datetime(2026, 3, 29, 8, tzinfo=WARSAW)
    early = datetime(2026, 3, 29, 6, tzinfo=WARSAW)
    assert timing.quiet_hours_end(early, WARSAW, time(21), time(8)) == datetime(2026, 3, 29, 8, tzinfo=WARSAW)
    assert timing.quiet_hours_end(datetime(2026, 3, 29, 12, tzinfo=WARSAW), WARSAW, time(21), time(8)) is None


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="now must be timezone-aware"):
        timing.reminder_due(datetime(2026, 1, 1, tzinfo=UTC), [2], datetime(2026, 1, 1))  # noqa: DTZ001


START = datetime(2026, 6, 12, 12, tzinfo=UTC)


def test_no_reminder_before_the_first_lead_or_after_the_start():
    assert timing.reminder_due(START, [48, 2], START - timedelta(hours=49)) is None
    assert timing.reminder_due(START, [48, 2], START) is None


def test_the_nearest_reached_lead_wins():
    assert timing.reminder_due(START, [48, 2], START - timedelta(hours=30)) == START - timedelta(hours=48)
    assert timing.reminder_due(START, [48, 2], START - timedelta(hours=1)) == START - timedelta(hours=2)


@given(
    leads=st.lists(st.integers(min_value=1, max_value=336), min_size=1, max_size=4),
    before=st.integers(min_value=0, max_value=400 * 60),
)
def test_a_due_reminder_is_never_in_the_future_nor_after_the_start(leads, before):
    now = START - timedelta(minutes=before)
    due = timing.reminder_due(START, leads, now)
    if due is not None:
        assert due <= now < START
        assert START - due in {timedelta(hours=h) for h in leads}


def test_the_continuation_window_follows_interval_and_tolerance():
    window = timing.continuation_window(date(2026, 6, 1), interval_days=14, tolerance_days=2, lead_days=7)
    assert (window.opens, window.closes, window.ask_on) == (
        date(2026, 6, 13),
        date(2026, 6, 17),
        date(2026, 6, 6),
    )


def test_the_patient_is_never_asked_on_the_day_of_the_last_session():
    window = timing.continuation_window(date(2026, 6, 1), interval_days=7, tolerance_days=1, lead_days=30)
    assert window.ask_on == date(2026, 6, 2)


def test_negative_intervals_are_refused():
    with pytest.raises(ValueError, match="must not be negative"):
        timing.continuation_window(date(2026, 6, 1), interval_days=-1, tolerance_days=0, lead_days=0)


@given(
    interval=st.integers(min_value=0, max_value=60),
    tolerance=st.integers(min_value=0, max_value=30),
    lead=st.integers(min_value=0, max_value=30),
)
def test_the_window_is_ordered(interval, tolerance, lead):
    last = date(2026, 6, 1)
    window = timing.continuation_window(
        last, interval_days=interval, tolerance_days=tolerance, lead_days=lead
    )
    assert last < window.ask_on <= window.opens <= window.closes


def test_complication_checks_at_4_and_8_weeks_for_a_week_each():
    performed = datetime(2026, 6, 1, 10, tzinfo=UTC)
    assert (
        timing.complication_checks_due(performed, performed + timedelta(weeks=4) - timedelta(seconds=1)) == []
    )
    assert timing.complication_checks_due(performed, performed + timedelta(weeks=4)) == [
        performed + timedelta(weeks=4)
    ]
    assert timing.complication_checks_due(performed, performed + timedelta(weeks=5)) == []
    assert timing.complication_checks_due(performed, performed + timedelta(weeks=8, days=6)) == [
        performed + timedelta(weeks=8)
    ]


def test_local_midnight_is_in_the_clinics_zone():
    assert timing.local_midnight(date(2026, 6, 6), WARSAW) == datetime(2026, 6, 5, 22, tzinfo=UTC)

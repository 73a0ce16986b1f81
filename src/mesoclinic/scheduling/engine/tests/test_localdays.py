from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mesoclinic.scheduling.engine import LocalDays, epoch_seconds

from .strategies import FALL_BACK, SPRING_FORWARD, WARSAW, at

# Zones with odd transitions: 1 h at 02:00 (Warsaw, New York), 30 min (Lord Howe), midnight skipped
# (Havana, Santiago), wall clock set back at 24:00 (Santiago), +05:45 (Kathmandu), none (UTC).
ZONES = [
    "Europe/Warsaw",
    "America/New_York",
    "Australia/Lord_Howe",
    "America/Havana",
    "America/Santiago",
    "Asia/Kathmandu",
    "UTC",
]
TRANSITION_DAYS = [
    date(2027, 3, 14),
    date(2027, 3, 28),
    date(2027, 4, 3),
    date(2027, 4, 4),
    date(2027, 9, 5),
    date(2027, 10, 3),
    date(2027, 10, 31),
    date(2027, 11, 7),
    date(2027, 6, 15),
]


def walls(days: LocalDays, points: list[int]) -> list[str]:
    return [days.local(t).strftime("%H:%M%z") for t in points]


def minute_scan(tz: ZoneInfo, day: date) -> list[tuple[int, datetime]]:
    """Every whole-minute instant whose wall clock shows ``day``, with its wall clock (independent model)."""
    lo = int(datetime.combine(day, datetime.min.time(), tzinfo=UTC).timestamp()) - 15 * 3600
    out = []
    for u in range(lo, lo + 54 * 3600, 60):
        wall = datetime.fromtimestamp(u, tz)
        if wall.date() == day:
            out.append((u, wall))
    return out


def test_spring_forward_day_is_23_hours_and_has_no_0200_to_0259_grid():
    days = LocalDays.build(WARSAW, SPRING_FORWARD, SPRING_FORWARD, slot_minutes=30)
    assert days.day_end(0) - days.day_start(0) == 23 * 3600
    grid = days.grid_points(days.lo, days.hi)
    assert len(grid) == 46
    assert walls(days, grid[2:6]) == ["01:00+0100", "01:30+0100", "03:00+0200", "03:30+0200"]
    assert days.local(days.day_start(0)) == at(SPRING_FORWARD, "00:00")


def test_fall_back_day_is_25_hours_and_repeats_0200_to_0259_on_the_grid():
    days = LocalDays.build(WARSAW, FALL_BACK, FALL_BACK, slot_minutes=30)
    assert days.day_end(0) - days.day_start(0) == 25 * 3600
    grid = days.grid_points(days.lo, days.hi)
    assert len(grid) == 50
    assert walls(days, grid[4:9]) == ["02:00+0200", "02:30+0200", "02:00+0100", "02:30+0100", "03:00+0100"]


def test_the_grid_counts_wall_clock_minutes_from_local_midnight():
    # 45-minute slots: 02:15 does not exist on the spring-forward day, 03:00 still does; 09:45 every day.
    days = LocalDays.build(WARSAW, SPRING_FORWARD - timedelta(days=1), SPRING_FORWARD, slot_minutes=45)
    sunday = walls(days, days.grid_points(days.day_start(1), days.day_end(1)))
    assert sunday[:4] == ["00:00+0100", "00:45+0100", "01:30+0100", "03:00+0200"]
    assert "09:45+0200" in sunday
    assert "09:45+0100" in walls(days, days.grid_points(days.day_start(0), days.day_end(0)))


def test_hours_across_the_gap_and_the_fold():
    days = LocalDays.build(WARSAW, SPRING_FORWARD, SPRING_FORWARD, slot_minutes=15)
    spans = days.wall_range(0, 3600, 4 * 3600)  # 01:00-04:00 lasts 2 hours
    assert sum(b - a for a, b in spans) == 2 * 3600
    days = LocalDays.build(WARSAW, FALL_BACK, FALL_BACK, slot_minutes=15)
    spans = days.wall_range(0, 3600, 9000)  # 01:00-02:30 is shown for 1.5 h, then 02:00-02:30 again
    assert [(days.local(a).isoformat(), days.local(b).isoformat()) for a, b in spans] == [
        ("2027-10-31T01:00:00+02:00", "2027-10-31T02:30:00+02:00"),
        ("2027-10-31T02:00:00+01:00", "2027-10-31T02:30:00+01:00"),
    ]


def test_a_skipped_wall_time_maps_to_the_moment_the_clocks_jump():
    # first_at_or_after takes naive wall-clock times on purpose.
    days = LocalDays.build(WARSAW, SPRING_FORWARD, FALL_BACK, slot_minutes=15)
    assert days.local(days.first_at_or_after(datetime(2027, 3, 28, 2, 30)))  # noqa: DTZ001 == at(SPRING_FORWARD, "03:00")
    repeated = days.local(days.first_at_or_after(datetime(2027, 10, 31, 2, 30)))  # noqa: DTZ001
    assert repeated.isoformat() == "2027-10-31T02:30:00+02:00"  # the first of the two


def test_a_skipped_midnight_starts_the_day_at_0100():
    havana = ZoneInfo("America/Havana")
    days = LocalDays.build(havana, date(2027, 3, 13), date(2027, 3, 15), slot_minutes=60)
    assert days.local(days.day_start(1)).isoformat() == "2027-03-14T01:00:00-04:00"
    assert walls(days, days.grid_points(days.day_start(1), days.day_start(1) + 7200)) == [
        "01:00-0400",
        "02:00-0400",
    ]


def test_grid_ceil_and_day_of_at_the_edges():
    days = LocalDays.build(WARSAW, date(2027, 1, 4), date(2027, 1, 5), slot_minutes=15)
    nine = epoch_seconds(at(date(2027, 1, 4), "09:00"))
    assert days.grid_ceil(nine) == nine
    assert days.grid_ceil(nine + 1) == nine + 900
    assert days.grid_ceil(days.lo - 10_000) == days.lo
    assert days.grid_ceil(days.hi) is None
    assert days.day_of(days.lo - 1) == -1
    assert days.day_of(days.hi) == days.n_days
    assert days.on_grid(nine) and not days.on_grid(nine + 60)


@settings(max_examples=60)
@given(st.sampled_from(ZONES), st.sampled_from(TRANSITION_DAYS), st.sampled_from([15, 25, 30, 45, 60, 90]))
def test_grid_and_day_bounds_match_a_minute_by_minute_scan(zone, day, slot):
    tz = ZoneInfo(zone)
    days = LocalDays.build(tz, day - timedelta(days=1), day + timedelta(days=1), slot_minutes=slot)
    scan = minute_scan(tz, day)
    assert days.day_start(1) == scan[0][0]
    assert days.day_end(1) == scan[-1][0] + 60
    expected = [u for u, wall in scan if (wall.hour * 60 + wall.minute) % slot == 0]
    assert days.grid_points(days.day_start(1), days.day_end(1)) == expected


@settings(max_examples=60)
@given(
    st.sampled_from(ZONES),
    st.sampled_from(TRANSITION_DAYS),
    st.integers(0, 1439).flatmap(lambda s: st.tuples(st.just(s), st.integers(s + 1, 1440))),
)
def test_wall_range_matches_a_minute_by_minute_scan(zone, day, span):
    tz = ZoneInfo(zone)
    days = LocalDays.build(tz, day, day, slot_minutes=15)
    start, end = span
    got = {u for a, b in days.wall_range(0, start * 60, end * 60) for u in range(a, b, 60)}
    assert got == {u for u, wall in minute_scan(tz, day) if start <= wall.hour * 60 + wall.minute < end}


def test_it_rejects_bad_arguments():
    with pytest.raises(ValueError, match="slot_minutes: expected 1 to 1440 minutes, got 0"):
        LocalDays.build(WARSAW, date(2027, 1, 1), date(2027, 1, 2), slot_minutes=0)
    with pytest.raises(ValueError, match="last: 2027-01-01 is before first 2027-01-02"):
        LocalDays.build(WARSAW, date(2027, 1, 2), date(2027, 1, 1), slot_minutes=15)
    with pytest.raises(ValueError, match="no time zone"):
        epoch_seconds(datetime(2027, 1, 1))  # noqa: DTZ001 - the naive datetime is the point

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mesoclinic.scheduling.engine import (
    Clinic,
    ClinicIndex,
    LocalDays,
    PlanRequest,
    Resource,
    ResourceKind,
    epoch_seconds,
    free_time,
)
from mesoclinic.scheduling.engine.synthetic import NEEDLE_FREE_MODALITIES, synthetic_clinic

from . import oracle
from .strategies import (
    ALL_WEEK,
    HALF_HOUR,
    MONDAY,
    SPRING_FORWARD,
    WARSAW,
    at,
    clinic,
    hours,
    instances,
    resource,
)

TUESDAY = MONDAY + timedelta(days=1)


def index_of(c, first=MONDAY, last=MONDAY + timedelta(days=6)) -> ClinicIndex:
    return ClinicIndex.build(c, first, last)


def texts(index: ClinicIndex, instants) -> list[str]:
    return [index.days.local(t).strftime("%a %H:%M") for t in instants]


def test_free_time_is_hours_minus_busy_with_half_open_edges():
    anna = resource(
        "anna",
        "practitioner",
        week=hours(mon=[("09:00", "13:00"), ("14:00", "18:00")], tue=[("09:00", "17:00")]),
        busy=[(at(TUESDAY, "10:00"), at(TUESDAY, "11:30")), (at(MONDAY, "13:00"), at(MONDAY, "14:00"))],
    )
    days = LocalDays.build(WARSAW, MONDAY, TUESDAY, slot_minutes=15)
    free = free_time(anna, days)
    local = [(days.local(a).strftime("%a %H:%M"), days.local(b).strftime("%a %H:%M")) for a, b in free]
    assert local == [
        ("Mon 09:00", "Mon 13:00"),
        ("Mon 14:00", "Mon 18:00"),
        ("Tue 09:00", "Tue 10:00"),
        ("Tue 11:30", "Tue 17:00"),
    ]


def test_busy_times_outside_the_window_are_ignored_and_offsets_are_honoured():
    early = (at(MONDAY - timedelta(days=30), "09:00"), at(MONDAY - timedelta(days=30), "10:00"))
    utc_busy = (at(MONDAY, "09:00").astimezone(oracle.UTC), at(MONDAY, "10:00").astimezone(oracle.UTC))
    days = LocalDays.build(WARSAW, MONDAY, MONDAY, slot_minutes=15)
    free = free_time(resource("anna", "practitioner", busy=[early, utc_busy]), days)
    assert days.local(free.bounds[0]) == at(MONDAY, "10:00")


def test_slots_need_duration_plus_buffer_inside_hours_and_outside_busy():
    c = clinic(
        resource("anna", "practitioner", busy=[(at(TUESDAY, "10:00"), at(TUESDAY, "11:30"))]),
        resource("room-1", "room"),
        resource("ep-1", "device", ["electroporation"]),
    )
    index = index_of(c)
    lo, hi = epoch_seconds(at(TUESDAY, "00:00")), epoch_seconds(at(TUESDAY, "23:59"))
    slots = texts(index, index.slot_starts("electroporation", 40 * 60, lo, hi))
    assert slots[:3] == ["Tue 09:00", "Tue 09:15", "Tue 11:30"]  # 09:15 + 40 min ends at 09:55
    assert slots[-1] == "Tue 16:15"  # 16:15 + 40 min = 16:55 <= 17:00
    assert len(slots) == 2 + (16 * 60 + 15 - (11 * 60 + 30)) // 15 + 1


def test_a_modality_needs_every_kind_of_resource_but_needle_needs_no_device():
    c = clinic(resource("anna", "practitioner"), resource("room-1", "room"))
    index = index_of(c)
    lo, hi = index.days.lo, index.days.hi
    assert index.slot_starts("needle", 1800, lo, hi)
    assert index.slot_starts("electroporation", 1800, lo, hi) == []
    assert index.next_start(index.groups(index.candidates("electroporation")), 1800, lo, hi) is None


def test_a_room_and_a_device_from_different_pools_combine():
    # Rooms: one free mornings, one afternoons; the device is free only 11:00-15:00: slots 11:00-14:30.
    c = clinic(
        resource("anna", "practitioner"),
        resource("room-a", "room", week=hours(mon=[("09:00", "12:00")])),
        resource("room-b", "room", week=hours(mon=[("12:00", "17:00")])),
        resource("ep-1", "device", ["electroporation"], week=hours(mon=[("11:00", "15:00")])),
    )
    index = index_of(c, MONDAY, MONDAY)
    slots = texts(index, index.slot_starts("electroporation", 1800, index.days.lo, index.days.hi))
    assert slots[0] == "Mon 11:00" and slots[-1] == "Mon 14:30"
    assert "Mon 11:45" not in slots  # 11:45-12:15 fits neither room: room-a closes, room-b opens at 12:00
    assert len(slots) == 15 - 1  # 11:00-14:30 every 15 minutes, less 11:45


def test_one_practitioner_can_be_asked_for_and_must_be_qualified():
    c = clinic(
        resource("anna", "practitioner", ["needle"]),
        resource("bob", "practitioner", busy=[(at(MONDAY, "00:00"), at(TUESDAY, "00:00"))]),
        resource("room-1", "room"),
    )
    index = index_of(c)
    slots = index.available_slots("needle", 30, at(MONDAY, "00:00"), at(TUESDAY, "23:00"), practitioner="bob")
    assert slots[0] == at(TUESDAY, "09:00")
    assert slots[0].isoformat() == "2027-01-05T09:00:00+01:00"
    with pytest.raises(
        ValueError, match="practitioner: 'anna' is not a practitioner qualified for electroporation"
    ):
        index.available_slots(
            "electroporation", 30, at(MONDAY, "00:00"), at(TUESDAY, "00:00"), practitioner="anna"
        )
    with pytest.raises(ValueError, match="length: expected a positive whole number"):
        index.available_slots("needle", 0, at(MONDAY, "00:00"), at(TUESDAY, "00:00"))


def test_slots_skip_the_spring_forward_gap_and_never_cross_midnight():
    c = clinic(
        resource("anna", "practitioner", week=ALL_WEEK),
        resource("room-1", "room", week=ALL_WEEK),
        slot_minutes=60,
    )
    index = index_of(c, SPRING_FORWARD - timedelta(days=1), SPRING_FORWARD)
    slots = index.available_slots(
        "needle", 90, at(SPRING_FORWARD, "00:00"), at(SPRING_FORWARD + timedelta(days=1), "00:00")
    )
    assert [s.strftime("%H:%M%z") for s in slots[:3]] == ["00:00+0100", "01:00+0100", "03:00+0200"]
    assert slots[-1].strftime("%H:%M") == "22:00"  # 23:00 + 90 min would cross midnight
    saturday = index.available_slots(
        "needle", 90, at(SPRING_FORWARD - timedelta(days=1), "20:00"), at(SPRING_FORWARD, "00:00")
    )
    assert [s.strftime("%H:%M") for s in saturday] == ["20:00", "21:00", "22:00"]


@settings(max_examples=60)
@given(instances())
def test_slot_starts_match_the_independent_rules_and_next_start(request: PlanRequest):
    c, s = request.clinic, request.series
    first = s.earliest.astimezone(c.timezone).date()
    index = ClinicIndex.build(c, first, first + timedelta(days=3))
    lo, hi = epoch_seconds(s.earliest), index.days.hi
    length = s.occupied_minutes * 60
    pools = [[r for r in c.resources if r.id in ids] for ids in index.candidates(s.modality)]
    expected = [
        u
        for u in range(lo, hi, HALF_HOUR)
        if oracle.on_grid(request, u)
        and all(any(oracle.block_free(request, r, u, length, HALF_HOUR) for r in pool) for pool in pools)
    ]
    assert index.slot_starts(s.modality, length, lo, hi) == expected
    groups = index.groups(index.candidates(s.modality))
    for x in [lo, *expected[:5]]:
        later = [u for u in expected if u >= x]
        assert index.next_start(groups, length, x, hi) == (later[0] if later else None)


def test_on_a_busy_synthetic_clinic_both_queries_agree():
    c = synthetic_clinic(
        practitioners=6, rooms=3, devices=5, first=date(2027, 3, 1), days=60, busy_total=4000
    )
    index = ClinicIndex.build(c, date(2027, 3, 1), date(2027, 4, 29))
    rng = random.Random(7)  # noqa: S311 - reproducible test data
    for _ in range(20):
        modality = rng.choice(["needle", *NEEDLE_FREE_MODALITIES])
        lo = index.days.lo + rng.randrange(50) * 86_400 + rng.randrange(86_400)
        hi = lo + 5 * 86_400
        ids = index.candidates(modality)
        if not all(ids):
            continue
        slots = index.slot_starts(modality, 2700, lo, hi)
        assert index.next_start(index.groups(ids), 2700, lo, hi) == (slots[0] if slots else None)
        for t in slots[:10]:
            assert all(index.first_free(kind_ids, t, 2700) for kind_ids in ids)


# -- extra hours, and patching an index after a booking ---------------------------------------------------

SATURDAY = MONDAY + timedelta(days=5)


def test_extra_hours_open_a_day_off_and_busy_time_still_wins():
    anna = Resource(
        "anna",
        ResourceKind.PRACTITIONER,
        frozenset({"needle"}),
        hours(mon=[("09:00", "17:00")]),
        busy=((at(SATURDAY, "10:00"), at(SATURDAY, "11:00")),),
        extra=((at(SATURDAY, "09:00"), at(SATURDAY, "13:00")), (at(MONDAY, "16:00"), at(MONDAY, "18:00"))),
    )
    days = LocalDays.build(WARSAW, MONDAY, SATURDAY, slot_minutes=15)
    local = [
        (days.local(a).strftime("%a %H:%M"), days.local(b).strftime("%a %H:%M"))
        for a, b in free_time(anna, days)
    ]
    assert local == [("Mon 09:00", "Mon 18:00"), ("Sat 09:00", "Sat 10:00"), ("Sat 11:00", "Sat 13:00")]


def test_extra_hours_are_checked_like_busy_time():
    with pytest.raises(ValueError, match=r"^extra\[0\]: end .* is not after start"):
        Resource(
            "anna",
            ResourceKind.PRACTITIONER,
            frozenset({"needle"}),
            hours(),
            extra=((at(SATURDAY, "13:00"), at(SATURDAY, "09:00")),),
        )


def _random_changes(rng: random.Random, c, first, n_days):
    """Up to three busy intervals added to and removed from random resources (removals are real ones)."""
    changes: dict[str, tuple[list, list]] = {}
    for r in rng.sample(c.resources, min(3, len(c.resources))):
        removed = rng.sample(r.busy, min(len(r.busy), rng.randint(0, 2)))
        added = []
        for _ in range(rng.randint(0, 2)):
            midnight = datetime.combine(first + timedelta(days=rng.randrange(-1, n_days + 1)), time())
            # In UTC: wall-clock arithmetic across a DST change can give an empty interval.
            begin = midnight.replace(tzinfo=c.timezone).astimezone(UTC) + timedelta(
                minutes=30 * rng.randrange(48)
            )
            added.append((begin, begin + timedelta(minutes=30 * rng.randint(1, 6))))
        changes[r.id] = (added, removed)
    return changes


@settings(max_examples=150)
@given(instances(), st.randoms(use_true_random=False))
def test_a_patched_index_equals_one_built_from_the_changed_resources(request: PlanRequest, rng):
    c = request.clinic
    first = request.series.earliest.astimezone(c.timezone).date()
    last = first + timedelta(days=6)
    index = ClinicIndex.build(c, first, last)
    changes = _random_changes(rng, c, first, 7)
    patched = index.with_busy(changes)
    changed = Clinic(
        c.timezone,
        c.slot_minutes,
        tuple(r.with_busy(*changes[r.id]) if r.id in changes else r for r in c.resources),
    )
    rebuilt = ClinicIndex.build(changed, first, last)
    assert dict(patched.free) == dict(rebuilt.free)
    bookings = {rid: (added, ()) for rid, (added, _) in changes.items()}
    once = index.with_busy(bookings)
    booked = Clinic(
        c.timezone,
        c.slot_minutes,
        tuple(r.with_busy(bookings[r.id][0]) if r.id in bookings else r for r in c.resources),
    )
    assert dict(once.free) == dict(ClinicIndex.build(booked, first, last).free)
    assert dict(once.with_busy(bookings).free) == dict(once.free)  # booked twice: no further change
    assert dict(index.free) == dict(ClinicIndex.build(c, first, last).free)  # the original is untouched


def test_freeing_one_of_two_equal_busy_intervals_keeps_the_resource_busy():
    leave = (at(MONDAY, "10:00"), at(MONDAY, "11:00"))
    c = clinic(resource("anna", "practitioner", busy=[leave, leave]), resource("room-1", "room"))
    index = index_of(c)
    freed = index.with_busy({"anna": ((), (leave,))})
    assert not freed.free["anna"].covers(epoch_seconds(leave[0]), epoch_seconds(leave[1]))
    twice = freed.with_busy({"anna": ((), (leave,))})
    assert twice.free["anna"].covers(epoch_seconds(leave[0]), epoch_seconds(leave[1]))
    assert dict(freed.with_busy({"nobody": ((leave,), ())}).free) == dict(freed.free)


def test_a_daily_window_keeps_whole_sessions_inside_that_part_of_every_day():
    c = clinic(
        resource("anna", "practitioner"),
        resource("room-1", "room"),
        resource("ep-1", "device", ["electroporation"]),
    )
    index = index_of(c).within_daily(12 * 60, 15 * 60)
    lo, hi = epoch_seconds(at(MONDAY, "00:00")), epoch_seconds(at(TUESDAY, "23:59"))
    slots = texts(index, index.slot_starts("electroporation", 40 * 60, lo, hi))
    assert slots[0] == "Mon 12:00" and "Mon 14:15" in slots and "Mon 14:30" not in slots
    assert slots[-1] == "Tue 14:15"  # 14:15 + 40 min = 14:55 <= 15:00
    assert index_of(c).free["room-1"] == index.free["room-1"]  # rooms and devices untouched


def test_a_daily_window_holds_its_wall_clock_across_the_spring_forward_night():
    c = clinic(resource("anna", "practitioner", week=ALL_WEEK), resource("room-1", "room", week=ALL_WEEK))
    index = index_of(c, SPRING_FORWARD - timedelta(days=1), SPRING_FORWARD).within_daily(0, 4 * 60)
    slots = index.available_slots(
        "needle", 60, at(SPRING_FORWARD, "00:00"), at(SPRING_FORWARD + timedelta(days=1), "00:00")
    )
    assert slots[0].strftime("%H:%M") == "00:00" and slots[-1].strftime("%H:%M") == "03:00"


@pytest.mark.parametrize("window", [(0, 0), (600, 500), (-1, 60), (0, 1441)])
def test_an_empty_or_impossible_daily_window_is_refused(window):
    c = clinic(resource("anna", "practitioner"), resource("room-1", "room"))
    with pytest.raises(ValueError, match="daily window"):
        index_of(c).within_daily(*window)

from __future__ import annotations

from datetime import datetime

import pytest

from mesoclinic.scheduling.engine import (
    Clinic,
    Plan,
    PlannedSession,
    PlanStatus,
    Resource,
    ResourceKind,
    WeeklyHours,
)

from .strategies import MONDAY, WARSAW, at, resource, series


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"sessions": 0}, "sessions: must be at least 1, got 0"),
        ({"sessions": 101}, "sessions: must be at most 100, got 101"),
        ({"sessions": True}, "sessions: expected a whole number, got True"),
        ({"interval_days": 0}, "interval_days: must be at least 1, got 0"),
        ({"tolerance_days": -1}, "tolerance_days: must be at least 0, got -1"),
        ({"tolerance_days": 14}, r"tolerance_days: must be less than interval_days \(14 >= 14\)"),
        ({"duration_minutes": 0}, "duration_minutes: must be at least 1, got 0"),
        ({"duration_minutes": 2.5}, "duration_minutes: expected a whole number, got 2.5"),
        ({"buffer_minutes": -5}, "buffer_minutes: must be at least 0, got -5"),
        (
            {"duration_minutes": 1400, "buffer_minutes": 41},
            "buffer_minutes: .* 1441 minutes, more than a day",
        ),
        ({"earliest": datetime(2027, 1, 4, 9)}, "earliest: 2027-01-04T09:00:00 has no time zone"),  # noqa: DTZ001
        ({"same_practitioner": "yes"}, "same_practitioner: expected true or false"),
        (
            {"earliest": at(MONDAY, "09:00").replace(year=9999)},
            "earliest: 9999-01-04T09:00:00.01:00 is outside the years 1900 to 9000",
        ),
        ({"horizon_days": 0}, "horizon_days: must be at least 1, got 0"),
        ({"modality": ""}, "modality: expected a non-empty modality code"),
    ],
)
def test_a_series_request_names_its_bad_field(overrides, message):
    with pytest.raises(ValueError, match=message):
        series(**overrides)


def test_a_day_long_session_is_allowed():
    assert series(duration_minutes=1430, buffer_minutes=10).occupied_minutes == 1440


def test_weekly_hours_merge_and_validate():
    week = WeeklyHours.from_mapping({"mon": [(600, 720), (540, 610), (720, 780)]})
    assert week.days[0] == ((540, 780),)
    assert week.days[1:] == ((),) * 6
    assert WeeklyHours.every_day(0, 1440).days == (((0, 1440),),) * 7
    with pytest.raises(ValueError, match=r"hours: unknown day 'monday'"):
        WeeklyHours.from_mapping({"monday": [(540, 600)]})
    with pytest.raises(ValueError, match=r"days\[0\]\[0\]: end 540 is not after start 600"):
        WeeklyHours.from_mapping({"mon": [(600, 540)]})
    with pytest.raises(ValueError, match=r"days\[0\]\[0\] end: must be at most 1440, got 1441"):
        WeeklyHours.from_mapping({"mon": [(600, 1441)]})
    with pytest.raises(ValueError, match="expected a tuple of 7 days"):
        WeeklyHours(((),))


def test_resources_and_clinics_validate():
    with pytest.raises(ValueError, match="id: expected a non-empty string"):
        resource("", "room")
    with pytest.raises(ValueError, match=r"kind: unknown kind 'nurse' \(kinds: practitioner, room, device\)"):
        Resource("x", "nurse", frozenset(), WeeklyHours())  # type: ignore[arg-type]  # a wrong kind on purpose: the test checks that it is refused
    with pytest.raises(ValueError, match=r"busy\[0\]: end .* is not after start"):
        resource("anna", "practitioner", busy=[(at(MONDAY, "10:00"), at(MONDAY, "09:00"))])
    with pytest.raises(ValueError, match=r"busy\[0\] start: .* has no time zone"):
        resource("anna", "practitioner", busy=[(datetime(2027, 1, 4), at(MONDAY, "09:00"))])  # noqa: DTZ001
    with pytest.raises(ValueError, match=r"resources\[1\]: duplicate id 'anna'"):
        Clinic(WARSAW, 15, (resource("anna", "practitioner"), resource("anna", "room")))
    with pytest.raises(ValueError, match="slot_minutes: must be at least 1, got 0"):
        Clinic(WARSAW, 0, ())
    assert resource("ep", "device", ["electroporation"]).kind is ResourceKind.DEVICE


def test_a_plan_has_its_json_form():
    start = at(MONDAY, "09:00")
    session = PlannedSession(1, start, at(MONDAY, "09:30"), "anna", "room-1", None)
    assert Plan(PlanStatus.PLANNED, (session,)).as_dict() == {
        "status": "planned",
        "sessions": [
            {
                "index": 1,
                "start": "2027-01-04T09:00:00+01:00",
                "end": "2027-01-04T09:30:00+01:00",
                "practitioner": "anna",
                "room": "room-1",
                "device": None,
            }
        ],
    }
    assert Plan.infeasible("no device for x").as_dict() == {
        "status": "infeasible",
        "reason": "no device for x",
    }

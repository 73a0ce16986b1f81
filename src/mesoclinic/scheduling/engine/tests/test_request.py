from __future__ import annotations

import copy
from datetime import date, timedelta

import pytest

from mesoclinic.scheduling.engine import (
    PlanInputError,
    ResourceKind,
    parse_local_datetime,
    parse_wall_time,
    plan_request_from_json,
)

from .examples import ISSUE_EXAMPLE
from .strategies import WARSAW, at

EXAMPLE = ISSUE_EXAMPLE


def example(**changes: object) -> dict:
    """A deep copy of EXAMPLE with dotted-path changes, e.g. ``{"request.sessions": 0}``; None deletes."""
    data = copy.deepcopy(EXAMPLE)
    for path, value in changes.items():
        *parents, last = path.split(".")
        target = data
        for key in parents:
            target = target[int(key)] if isinstance(target, list) else target[key]
        if value is None:
            del target[last]
        elif isinstance(target, list):
            target[int(last)] = value
        else:
            target[last] = value
    return data


def test_it_reads_the_project_example():
    request = plan_request_from_json(EXAMPLE)
    clinic, series = request.clinic, request.series
    assert str(clinic.timezone) == "Europe/Warsaw"
    assert clinic.slot_minutes == 15
    anna = clinic.resources[0]
    assert anna.kind is ResourceKind.PRACTITIONER
    assert anna.hours.days[0] == ((540, 780), (840, 1080))
    assert anna.hours.days[2] == ()
    assert anna.busy == ((at(date(2027, 1, 5), "10:00"), at(date(2027, 1, 5), "11:30")),)
    assert series.earliest == at(date(2027, 1, 4), "09:00")
    assert (series.sessions, series.min_gap, series.max_gap, series.occupied_minutes) == (4, 12, 16, 40)
    assert series.horizon_days == 120


def test_optional_fields_have_defaults():
    data = example(**{"slot_minutes": None, "horizon_days": None, "request.tolerance_days": None})
    data["request"].pop("buffer_minutes")
    data["request"].pop("same_practitioner")
    data["resources"][1].pop("busy")
    request = plan_request_from_json(data)
    assert request.clinic.slot_minutes == 15
    assert (request.series.horizon_days, request.series.tolerance_days, request.series.buffer_minutes) == (
        120,
        0,
        0,
    )
    assert request.series.same_practitioner is True


def test_24_00_ends_a_day_and_offsets_are_accepted():
    data = example(
        **{"resources.1.hours": {"sun": [["00:00", "24:00"]]}, "request.earliest": "2027-01-04T08:00:00Z"}
    )
    request = plan_request_from_json(data)
    assert request.clinic.resources[1].hours.days[6] == ((0, 1440),)
    assert request.series.earliest == at(date(2027, 1, 4), "09:00")


def test_a_repeated_local_time_means_its_first_occurrence():
    moment = parse_local_datetime("2027-10-31T02:30", WARSAW, "x")
    assert moment.utcoffset() == timedelta(hours=2)
    later = parse_local_datetime("2027-10-31T02:30+01:00", WARSAW, "x")
    assert later.timestamp() - moment.timestamp() == 3600


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "request file: expected a JSON object, got list"),
        (
            example(colour="red"),
            "unknown key 'colour' in request file (allowed: timezone, slot_minutes, horizon_days, resources, request)",
        ),
        (example(timezone=None), "timezone: missing (required)"),
        (example(timezone="Europe/Warsw"), "timezone: unknown time zone 'Europe/Warsw'"),
        (example(timezone="../../etc/passwd"), "timezone: unknown time zone '../../etc/passwd'"),
        (example(timezone=5), "timezone: expected an IANA time zone name (string), got number"),
        (example(slot_minutes=0), "slot_minutes: must be at least 1, got 0"),
        (example(slot_minutes=7.5), "slot_minutes: expected a whole number, got 7.5"),
        (example(horizon_days=-1), "horizon_days: must be at least 1, got -1"),
        (example(resources={}), "resources: expected a list, got object"),
        (
            example(**{"resources.0.kind": "nurse"}),
            "resources[0].kind: unknown kind 'nurse' (kinds: practitioner, room, device)",
        ),
        (example(**{"resources.0.id": ""}), "resources[0].id: expected a non-empty string, got ''"),
        (example(**{"resources.1.id": "anna"}), "resources[1].id: duplicate id 'anna' (also resources[0])"),
        (example(**{"resources.0.hours": None}), "resources[0].hours: missing (required)"),
        (example(**{"resources.0.shoe": 1}), "unknown key 'shoe' in resources[0]"),
        (
            example(**{"resources.0.modalities": "needle"}),
            "resources[0].modalities: expected a list, got string",
        ),
        (
            example(**{"resources.0.modalities": [3]}),
            "resources[0].modalities[0]: expected a modality code, got number",
        ),
        (
            example(**{"resources.0.hours": {"monday": []}}),
            "resources[0].hours: unknown day 'monday' (days: mon, tue, wed, thu, fri, sat, sun)",
        ),
        (
            example(**{"resources.0.hours": {"mon": [["25:00", "26:00"]]}}),
            "resources[0].hours.mon[0][0]: '25:00' is not a time (HH:MM, 00:00 to 24:00)",
        ),
        (
            example(**{"resources.0.hours": {"mon": [["09:60", "10:00"]]}}),
            "resources[0].hours.mon[0][0]: '09:60' is not a time",
        ),
        (
            example(**{"resources.0.hours": {"mon": [["9:00", "10:00"]]}}),
            "resources[0].hours.mon[0][0]: '9:00' is not a time",
        ),
        (
            example(**{"resources.0.hours": {"mon": [["24:00", "24:00"]]}}),
            "resources[0].hours.mon[0][0]: '24:00' can only end an interval",
        ),
        (
            example(**{"resources.0.hours": {"mon": [["13:00", "09:00"]]}}),
            "resources[0].hours.mon[0]: end 09:00 is not after start 13:00",
        ),
        (
            example(**{"resources.0.hours": {"mon": [["09:00"]]}}),
            "resources[0].hours.mon[0]: expected [start, end]",
        ),
        (
            example(**{"resources.0.hours": {"mon": "09:00-17:00"}}),
            "resources[0].hours.mon: expected a list of [start, end], got string",
        ),
        (
            example(**{"resources.0.busy": [["2027-01-05T11:30", "2027-01-05T10:00"]]}),
            "resources[0].busy[0]: end 2027-01-05T10:00 is not after start 2027-01-05T11:30",
        ),
        (
            example(**{"resources.0.busy": [["2027-01-05 10:00", "2027-01-05T11:00"]]}),
            "resources[0].busy[0][0]: '2027-01-05 10:00' is not a date and time",
        ),
        (
            example(**{"resources.0.busy": [["2027-02-30T10:00", "2027-03-01T11:00"]]}),
            "resources[0].busy[0][0]: '2027-02-30T10:00' is not a valid date and time",
        ),
        (
            example(**{"resources.0.busy": [["2027-03-28T02:30", "2027-03-28T04:00"]]}),
            "resources[0].busy[0][0]: '2027-03-28T02:30' does not exist in Europe/Warsaw (the clocks skip it); give a UTC offset",
        ),
        (
            example(**{"request.earliest": "2027-03-28T02:30"}),
            "request.earliest: '2027-03-28T02:30' does not exist in Europe/Warsaw",
        ),
        (example(**{"request.earliest": None}), "request.earliest: missing (required)"),
        (
            example(**{"request.earliest": "9999-12-30T09:00"}),
            "request.earliest: '9999-12-30T09:00' is outside the years 1900 to 9000",
        ),
        (example(**{"resources.0.kind": ["room"]}), "resources[0].kind: unknown kind list"),
        (example(**{"request.sessions": -4}), "request.sessions: must be at least 1, got -4"),
        (example(**{"request.sessions": "4"}), "request.sessions: expected a whole number, got '4'"),
        (example(**{"request.buffer_minutes": -10}), "request.buffer_minutes: must be at least 0, got -10"),
        (
            example(**{"request.tolerance_days": 14}),
            "request.tolerance_days: must be less than interval_days (14 >= 14)",
        ),
        (
            example(**{"request.duration_minutes": 1440}),
            "request.buffer_minutes: duration_minutes + buffer_minutes is 1450 minutes",
        ),
        (
            example(**{"request.same_practitioner": 1}),
            "request.same_practitioner: expected true or false, got 1",
        ),
        (example(**{"request.modality": ""}), "request.modality: expected a modality code, got ''"),
        (example(**{"request.when": "soon"}), "unknown key 'when' in request (allowed: modality, sessions,"),
        (example(request=[]), "request: expected a JSON object, got list"),
    ],
)
def test_it_names_what_is_wrong(data, message):
    with pytest.raises(PlanInputError) as info:
        plan_request_from_json(data)
    assert str(info.value).startswith(message)
    assert "\n" not in str(info.value)


def test_wall_times():
    assert parse_wall_time("00:00", "x") == 0
    assert parse_wall_time("23:59", "x") == 1439
    assert parse_wall_time("24:00", "x", end=True) == 1440
    with pytest.raises(PlanInputError, match="x: None is not a time"):
        parse_wall_time(None, "x")

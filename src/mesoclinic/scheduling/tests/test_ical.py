"""The pure iCalendar writer: plain events in, RFC 5545 bytes out that parse back to the same events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from mesoclinic.scheduling.ical import CalendarEvent, appointment_uid, calendar_bytes, initials

WARSAW = ZoneInfo("Europe/Warsaw")
NOW = datetime(2031, 3, 1, 12, 0, tzinfo=UTC)


def event(n, start, minutes=30, **extra):
    return CalendarEvent(
        uid=appointment_uid(n, "clinic.example"),
        start=start,
        end=start + timedelta(minutes=minutes),
        summary=f"Appointment {n}",
        **extra,
    )


def parse(body):
    return Calendar.from_ical(body)


def test_it_round_trips_events_in_utc():
    # 30 March 2031 is the spring DST change in Warsaw: 09:00 local is 07:00 UTC after it, 08:00 before.
    before, after = datetime(2031, 3, 29, 9, tzinfo=WARSAW), datetime(2031, 3, 31, 9, tzinfo=WARSAW)
    body = calendar_bytes([event(1, before), event(2, after)], name="Room 1", now=NOW)
    calendar = parse(body)
    found = calendar.walk("VEVENT")
    assert [str(e["uid"]) for e in found] == ["appointment-1@clinic.example", "appointment-2@clinic.example"]
    assert [e.decoded("dtstart") for e in found] == [before, after]
    assert b"DTSTART:20310329T080000Z" in body and b"DTSTART:20310331T070000Z" in body
    assert all(e.decoded("dtstamp") == NOW for e in found)
    assert str(calendar["version"]) == "2.0" and str(calendar["x-wr-calname"]) == "Room 1"


def test_an_empty_calendar_is_still_a_calendar():
    calendar = parse(calendar_bytes([], name="Nobody", now=NOW))
    assert calendar.walk("VEVENT") == []
    assert str(calendar["prodid"]) == "-//MesoClinic//Scheduling//EN"


def test_it_marks_cancelled_events_and_keeps_optional_fields_out_when_empty():
    start = datetime(2031, 3, 3, 9, tzinfo=WARSAW)
    body = calendar_bytes(
        [event(1, start, cancelled=True), event(2, start, location="Room 1, Main", description="Nina")],
        name="x",
        now=NOW,
    )
    first, second = parse(body).walk("VEVENT")
    assert str(first["status"]) == "CANCELLED" and "location" not in first
    assert str(second["status"]) == "CONFIRMED" and str(second["location"]) == "Room 1, Main"


def test_it_escapes_text_that_would_break_the_format():
    start = datetime(2031, 3, 3, 9, tzinfo=WARSAW)
    tricky = "Room; 1, \\ upstairs\nBEGIN:VEVENT"
    [found] = parse(calendar_bytes([event(1, start, location=tricky)], name="x", now=NOW)).walk("VEVENT")
    assert str(found["location"]) == tricky


@pytest.mark.parametrize("field", ["start", "end", "now"])
def test_it_refuses_naive_datetimes(field):
    aware = datetime(2031, 3, 3, 9, tzinfo=WARSAW)
    naive = datetime(2031, 3, 3, 9)  # noqa: DTZ001 — the point of the test
    item = CalendarEvent(
        uid="u",
        start=naive if field == "start" else aware,
        end=naive if field == "end" else aware + timedelta(minutes=30),
        summary="s",
    )
    with pytest.raises(ValueError, match=field):
        calendar_bytes([item], name="x", now=naive if field == "now" else NOW)


@pytest.mark.parametrize(
    ("given", "family", "expected"),
    [("Ada", "Lovelace", "A. L."), ("ada", " lovelace ", "A. L."), ("", "Lovelace", "L."), ("", "", "")],
)
def test_initials(given, family, expected):
    assert initials(given, family) == expected

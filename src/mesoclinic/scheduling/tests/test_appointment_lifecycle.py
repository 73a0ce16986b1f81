"""Rescheduling one session, check-in, no-show, cancellation, and completion with its maintenance recall."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from mesoclinic.catalog.models import Protocol
from mesoclinic.scheduling.models import AppointmentStatus
from mesoclinic.scheduling.selectors import propose_series
from mesoclinic.scheduling.services import (
    BookingError,
    book_series,
    cancel_appointment,
    check_in,
    complete_appointment,
    mark_no_show,
    reschedule_appointment,
)
from mesoclinic.testing import make_patient, make_schedulable
from mesoclinic.treatments.models import Course, MaintenanceRecall
from mesoclinic.treatments.services import add_months

pytestmark = pytest.mark.django_db
MONDAY = datetime(2031, 3, 3, 9, 0, tzinfo=ZoneInfo("Europe/Warsaw"))


@pytest.fixture
def course(clinic):
    setup = make_schedulable(clinic)
    ep = Protocol.objects.filter(clinic=clinic, modality__code="electroporation").first()
    sessions = propose_series(setup.location, ep, earliest=MONDAY).sessions
    return book_series(make_patient(clinic), ep, setup.location, sessions, actor=None)


def nth(course, n):
    return course.appointments.get(session_index=n)


def test_it_moves_a_session_within_the_tolerance(course):
    second = nth(course, 2)
    new_start = second.starts_at + timedelta(days=1, hours=2)
    reschedule_appointment(second, start=new_start, actor=None)
    second.refresh_from_db()
    assert second.starts_at == new_start
    assert second.blocked_until == new_start + timedelta(
        minutes=course.protocol.session_minutes + second.buffer_minutes
    )


def test_it_refuses_a_move_outside_the_tolerance_and_keeps_the_time(course):
    second = nth(course, 2)
    before = second.starts_at
    with pytest.raises(BookingError, match="days after session 1"):
        reschedule_appointment(second, start=before + timedelta(days=course.tolerance_days + 1), actor=None)
    second.refresh_from_db()
    assert second.starts_at == before


def test_it_refuses_a_move_onto_a_busy_slot(course, clinic):
    second = nth(course, 2)
    other = book_series(
        make_patient(clinic),
        course.protocol,
        second.location,
        propose_series(
            second.location, course.protocol, earliest=second.starts_at + timedelta(hours=1)
        ).sessions,
        actor=None,
    )
    target = other.appointments.get(session_index=1).starts_at
    assert target.date() == second.starts_at.date()
    with pytest.raises(BookingError, match="not free"):
        reschedule_appointment(second, start=target, actor=None)


def test_it_moves_a_session_onto_its_own_time_slot_shifted(course):
    first = nth(course, 1)
    reschedule_appointment(
        first, start=first.starts_at + timedelta(minutes=15), actor=None
    )  # overlaps itself
    first.refresh_from_db()
    assert first.starts_at == MONDAY + timedelta(minutes=15)


def test_check_in_no_show_and_cancel_follow_the_rules(course):
    first, second, third = nth(course, 1), nth(course, 2), nth(course, 3)
    check_in(first, actor=None)
    mark_no_show(second, actor=None)
    cancel_appointment(third, reason="moved abroad", actor=None)
    for appointment in (first, second, third):
        appointment.refresh_from_db()
    assert (first.status, second.status, third.status) == ("checked_in", "no_show", "cancelled")
    assert third.cancel_reason == "moved abroad"
    with pytest.raises(BookingError):
        check_in(third, actor=None)
    with pytest.raises(BookingError):
        reschedule_appointment(second, start=second.starts_at, actor=None)


def test_completing_the_last_session_creates_the_maintenance_recall(course):
    appointments = list(course.appointments.order_by("session_index"))
    for appointment in appointments[:-1]:
        complete_appointment(appointment, actor=None)
    assert not MaintenanceRecall.objects.exists()
    complete_appointment(appointments[-1], actor=None)
    course.refresh_from_db()
    recall = MaintenanceRecall.objects.get(course=course)
    last_day = appointments[-1].starts_at.astimezone(ZoneInfo("Europe/Warsaw")).date()
    assert course.status == Course.Status.COMPLETED
    assert recall.due_on == add_months(last_day, 6) and recall.status == "due"
    assert all(a.status == AppointmentStatus.COMPLETED for a in course.appointments.all())


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2027, 8, 31), 6, date(2028, 2, 29)),
        (date(2027, 1, 15), 6, date(2027, 7, 15)),
        (date(2027, 10, 31), 4, date(2028, 2, 29)),
        (date(2026, 12, 31), 2, date(2027, 2, 28)),
    ],
)
def test_add_months_clamps_to_the_month_end(day, months, expected):
    assert add_months(day, months) == expected

"""Rescheduling one session, check-in, no-show, cancellation, and completion with its maintenance recall.

Every status change goes through the one state machine (``engine.lifecycle``, tested there as a table);
these tests check that the services apply it with the clinic's clock and time zone, whoever calls.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from mesoclinic.audit.models import AuditEvent
from mesoclinic.catalog.models import Protocol
from mesoclinic.clinical_codes.dates import add_months
from mesoclinic.scheduling.models import AppointmentStatus, Course, MaintenanceRecall
from mesoclinic.scheduling.selectors import propose_series
from mesoclinic.scheduling.services import (
    BookingError,
    book_series,
    cancel_appointment,
    check_in,
    mark_no_show,
    record_treated_elsewhere,
    reschedule_appointment,
)
from mesoclinic.testing import make_patient, make_schedulable, make_staff

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


def at(moment):
    return time_machine.travel(moment, tick=False)


def test_check_in_no_show_and_cancel_follow_the_rules(course):
    first, second, third = nth(course, 1), nth(course, 2), nth(course, 3)
    with at(first.starts_at - timedelta(hours=1)):
        check_in(first, actor=None)
    with at(second.starts_at + timedelta(minutes=20)):
        mark_no_show(second, actor=None)
    cancel_appointment(third, reason="moved abroad", actor=None)
    for appointment in (first, second, third):
        appointment.refresh_from_db()
    assert (first.status, second.status, third.status) == ("checked_in", "no_show", "cancelled")
    assert third.cancel_reason == "moved abroad"
    with at(third.starts_at), pytest.raises(BookingError):
        check_in(third, actor=None)
    with pytest.raises(BookingError):
        reschedule_appointment(second, start=second.starts_at, actor=None)


@pytest.mark.parametrize("days", [-1, 1, -30])
def test_it_checks_a_patient_in_only_on_the_appointments_day(course, days):
    first = nth(course, 1)
    with at(first.starts_at + timedelta(days=days)), pytest.raises(BookingError, match="only on the day"):
        check_in(first, actor=None)
    first.refresh_from_db()
    assert first.status == AppointmentStatus.BOOKED
    assert not AuditEvent.objects.filter(action="appointment.checked_in").exists()


def test_its_day_is_the_clinics_day(course):
    first = nth(course, 1)  # Monday 9:00 in Warsaw
    late_sunday_utc = datetime(2031, 3, 2, 23, 30, tzinfo=ZoneInfo("UTC"))  # 00:30 Monday in Warsaw
    with at(late_sunday_utc):
        check_in(first, actor=None)
    first.refresh_from_db()
    assert first.status == AppointmentStatus.CHECKED_IN


def test_it_marks_a_no_show_only_after_the_start(course):
    first = nth(course, 1)
    with at(first.starts_at - timedelta(minutes=1)), pytest.raises(BookingError, match="after the"):
        mark_no_show(first, actor=None)
    with at(first.starts_at + timedelta(minutes=1)):
        mark_no_show(first, actor=None)
    first.refresh_from_db()
    assert first.status == AppointmentStatus.NO_SHOW


def test_the_services_offer_no_plain_completion():
    from mesoclinic.scheduling import services  # noqa: PLC0415 — the module itself is what is checked

    assert not hasattr(services, "complete_appointment")


@pytest.fixture
def doctor(clinic):
    return make_staff(clinic, "physician", name="Dr Ewa Lekarz", modalities=["electroporation"])


def test_a_physician_records_a_visit_treated_elsewhere_with_a_reason(course, doctor):
    first = nth(course, 1)
    with at(first.starts_at + timedelta(hours=2)):
        record_treated_elsewhere(first, reason="Power cut: recorded on paper, scanned.", actor=doctor.user)
    first.refresh_from_db()
    assert first.status == AppointmentStatus.COMPLETED
    assert first.completion == "elsewhere"
    assert first.completion_reason == "Power cut: recorded on paper, scanned."
    event = AuditEvent.objects.get(action="appointment.completed", object_id=str(first.pk))
    assert event.actor == doctor.user
    assert event.data == {"completion": "elsewhere", "reason": "Power cut: recorded on paper, scanned."}


@pytest.mark.parametrize("role", ["receptionist", "practitioner", "owner"])
def test_only_a_physician_may_record_a_visit_treated_elsewhere(course, clinic, role):
    first = nth(course, 1)
    member = make_staff(clinic, role, modalities=["electroporation"])
    with at(first.starts_at + timedelta(hours=2)), pytest.raises(BookingError, match="Only a physician"):
        record_treated_elsewhere(first, reason="paper", actor=member.user)
    first.refresh_from_db()
    assert first.status == AppointmentStatus.BOOKED


def test_treated_elsewhere_needs_a_reason_and_its_day(course, doctor):
    first, second = nth(course, 1), nth(course, 2)
    with at(first.starts_at + timedelta(hours=2)):
        with pytest.raises(BookingError, match="Say why"):
            record_treated_elsewhere(first, reason="  ", actor=doctor.user)
        with pytest.raises(BookingError, match="before its day"):
            record_treated_elsewhere(second, reason="paper", actor=doctor.user)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("booked", "booked")


def test_completing_the_last_session_creates_the_maintenance_recall(course, doctor):
    appointments = list(course.appointments.order_by("session_index"))
    with at(appointments[-1].starts_at + timedelta(days=1)):
        for appointment in appointments[:-1]:
            record_treated_elsewhere(appointment, reason="paper records", actor=doctor.user)
        assert not MaintenanceRecall.objects.exists()
        record_treated_elsewhere(appointments[-1], reason="paper records", actor=doctor.user)
    course.refresh_from_db()
    recall = MaintenanceRecall.objects.get(course=course)
    last_day = appointments[-1].starts_at.astimezone(ZoneInfo("Europe/Warsaw")).date()
    assert course.status == Course.Status.COMPLETED
    assert recall.due_on == add_months(last_day, 6) and recall.status == "due"
    assert all(a.status == AppointmentStatus.COMPLETED for a in course.appointments.all())


def test_completions_without_a_record_do_not_complete_the_course(course, doctor):
    appointments = list(course.appointments.order_by("session_index"))
    with at(appointments[-1].starts_at + timedelta(days=1)):
        for appointment in appointments[:-1]:
            record_treated_elsewhere(appointment, reason="paper records", actor=doctor.user)
    # The last one was marked completed before the rule: it does not count.
    course.appointments.filter(pk=appointments[-1].pk).update(status="completed", completion="unrecorded")
    with at(appointments[-1].starts_at + timedelta(days=2)), pytest.raises(BookingError, match="completed"):
        record_treated_elsewhere(appointments[-1], reason="paper", actor=doctor.user)
    course.refresh_from_db()
    assert course.status == Course.Status.ACTIVE
    assert not MaintenanceRecall.objects.exists()


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

"""``record_past_session``: a past visit of a course made as booking makes a session (the demo's history)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from mesoclinic import testing
from mesoclinic.audit.models import AuditEvent
from mesoclinic.scheduling.selectors import SessionChoice
from mesoclinic.scheduling.services import BookingError, record_past_session, start_course
from mesoclinic.testing.scheduling import book, protocol

pytestmark = pytest.mark.django_db

PAST = datetime(2024, 5, 6, 8, tzinfo=UTC)


@pytest.fixture
def setup(clinic):
    site = testing.make_schedulable(clinic)
    course = start_course(testing.make_patient(clinic), protocol(clinic), actor=None)
    return site, course


def record(setup, starts_at, index=1):
    site, course = setup
    session = SessionChoice(starts_at, site.practitioner, site.room)
    return record_past_session(course, site.location, session, index=index, actor=None)


def test_a_past_session_has_its_protocols_length_buffer_index_and_an_audit_row(setup):
    _, course = setup
    chosen = course.protocol
    appointment = record(setup, PAST, index=2)
    appointment.refresh_from_db()
    assert (appointment.patient, appointment.course, appointment.session_index) == (course.patient, course, 2)
    assert appointment.status == "booked"
    assert appointment.ends_at == PAST + timedelta(minutes=chosen.session_minutes)
    assert appointment.blocked_until == appointment.ends_at + timedelta(minutes=chosen.buffer_minutes)
    assert appointment.buffer_minutes == chosen.buffer_minutes
    assert AuditEvent.objects.filter(action="appointment.record_past", object_id=str(appointment.pk)).exists()


def test_it_is_made_as_a_booked_session_is(setup, clinic):
    """The same fields as ``book_series`` gives a session (one helper makes both: they cannot drift)."""
    site, _ = setup
    booked = book(clinic, site.location).appointments.order_by("session_index").first()
    past = record(setup, PAST)
    fields = ("session_index", "buffer_minutes", "status", "location_id", "clinic_id")
    assert [getattr(past, f) for f in fields] == [getattr(booked, f) for f in fields]
    assert past.ends_at - past.starts_at == booked.ends_at - booked.starts_at
    assert past.blocked_until - past.ends_at == booked.blocked_until - booked.ends_at


def test_it_refuses_a_future_session_an_index_outside_the_series_and_an_overlap(setup):
    with pytest.raises(BookingError, match="Only a past session"):
        record(setup, timezone.now() + timedelta(days=1))
    with pytest.raises(BookingError, match="has no session 9"):
        record(setup, PAST, index=9)
    record(setup, PAST)
    with pytest.raises(BookingError, match="was just taken"):
        record(setup, PAST + timedelta(minutes=5), index=2)

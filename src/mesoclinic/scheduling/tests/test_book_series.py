"""Booking a whole series: screening first, every session checked, all or nothing."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, transaction

from mesoclinic.accounts.models import Role
from mesoclinic.audit.models import AuditEvent
from mesoclinic.catalog.models import Protocol
from mesoclinic.scheduling.models import Appointment, Course
from mesoclinic.scheduling.selectors import SessionChoice, available_starts, propose_series
from mesoclinic.scheduling.services import (
    BookingError,
    ScreeningBlockedError,
    book_series,
    cancel_appointment,
)
from mesoclinic.testing import make_patient, make_staff

pytestmark = pytest.mark.django_db
WARSAW = ZoneInfo("Europe/Warsaw")
MONDAY = datetime(2031, 3, 3, 9, 0, tzinfo=WARSAW)


def protocol(clinic, modality="electroporation"):
    return Protocol.objects.filter(clinic=clinic, modality__code=modality).first()


def test_it_books_the_proposed_series(clinic, setup, practitioner):
    ep = protocol(clinic)
    patient = make_patient(clinic)
    proposal = propose_series(setup.location, ep, earliest=MONDAY)
    assert proposal.feasible and len(proposal.sessions) == ep.sessions
    course = book_series(patient, ep, setup.location, proposal.sessions, actor=practitioner.user)
    appointments = list(course.appointments.order_by("session_index"))
    assert [a.session_index for a in appointments] == list(range(1, ep.sessions + 1))
    assert appointments[0].starts_at == MONDAY
    assert all(a.device == setup.device and a.room == setup.room for a in appointments)
    first = appointments[0]
    assert first.blocked_until - first.ends_at == timedelta(minutes=ep.buffer_minutes)
    assert (course.sessions, course.interval_days) == (ep.sessions, ep.interval_days)


def test_a_block_stops_the_booking_and_creates_nothing(clinic, setup, practitioner):
    patient = make_patient(clinic, implants=["pacemaker"])
    sessions = propose_series(setup.location, protocol(clinic), earliest=MONDAY).sessions
    with pytest.raises(ScreeningBlockedError) as error:
        book_series(
            patient,
            protocol(clinic),
            setup.location,
            sessions,
            actor=practitioner.user,
            override_reason="I insist",
        )
    assert "pacemaker" in str(error.value).lower()
    assert not Appointment.objects.exists() and not Course.objects.exists()


def test_a_physician_may_override_a_block_with_a_reason(clinic, setup, physician):
    patient = make_patient(clinic, implants=["pacemaker"])
    sessions = propose_series(setup.location, protocol(clinic), earliest=MONDAY).sessions
    with pytest.raises(ScreeningBlockedError):
        book_series(patient, protocol(clinic), setup.location, sessions, actor=physician.user)
    book_series(
        patient,
        protocol(clinic),
        setup.location,
        sessions,
        actor=physician.user,
        override_reason="Cardiologist confirmed the pacemaker was removed in 2030.",
    )
    assert Appointment.objects.filter(patient=patient).count() == len(sessions)
    override = AuditEvent.objects.get(action="screening.override")
    assert "Cardiologist" in override.data["reason"]


def test_it_refuses_a_taken_slot_and_keeps_the_first_booking(clinic, setup, practitioner):
    ep = protocol(clinic)
    sessions = propose_series(setup.location, ep, earliest=MONDAY).sessions
    book_series(make_patient(clinic), ep, setup.location, sessions, actor=None)
    with pytest.raises(BookingError, match="not free"):
        book_series(make_patient(clinic), ep, setup.location, sessions, actor=None)
    assert Appointment.objects.count() == len(sessions)


def test_the_next_proposal_avoids_booked_time(clinic, setup):
    ep = protocol(clinic)
    first = propose_series(setup.location, ep, earliest=MONDAY).sessions
    book_series(make_patient(clinic), ep, setup.location, first, actor=None)
    second = propose_series(setup.location, ep, earliest=MONDAY).sessions
    occupied = ep.session_minutes + ep.buffer_minutes
    assert second[0].start >= first[0].start + timedelta(minutes=occupied)


def test_it_refuses_sessions_outside_the_series_tolerance(clinic, setup):
    ep = protocol(clinic)
    sessions = list(propose_series(setup.location, ep, earliest=MONDAY).sessions)
    late = sessions[1].start + timedelta(days=ep.tolerance_days + 1)
    sessions[1] = SessionChoice(late, sessions[1].practitioner, sessions[1].room, sessions[1].device)
    with pytest.raises(BookingError, match="days after session 1"):
        book_series(make_patient(clinic), ep, setup.location, sessions, actor=None)


def test_it_refuses_hours_when_the_practitioner_does_not_work(clinic, setup):
    needle = protocol(clinic, "needle")
    evening = MONDAY.replace(hour=18)
    sessions = [
        SessionChoice(evening + timedelta(days=needle.interval_days * i), setup.practitioner, setup.room)
        for i in range(needle.sessions)
    ]
    with pytest.raises(BookingError, match="Nina Nurse"):
        book_series(make_patient(clinic), needle, setup.location, sessions, actor=None)


def test_it_refuses_an_unqualified_practitioner(clinic, setup):
    needle = protocol(clinic, "needle")
    other = make_staff(clinic, Role.PRACTITIONER, name="Ionto Only", modalities=["iontophoresis"])
    proposal = propose_series(setup.location, needle, earliest=MONDAY).sessions
    sessions = [SessionChoice(s.start, other, s.room) for s in proposal]
    with pytest.raises(BookingError, match="not set up for"):
        book_series(make_patient(clinic), needle, setup.location, sessions, actor=None)


def test_the_database_refuses_overlaps_even_without_the_checks(clinic, setup):
    ep = protocol(clinic)
    patient = make_patient(clinic)
    book_series(
        patient, ep, setup.location, propose_series(setup.location, ep, earliest=MONDAY).sessions, actor=None
    )
    taken = Appointment.objects.order_by("starts_at").first()
    clash = Appointment(
        clinic=clinic,
        location=setup.location,
        patient=patient,
        protocol=ep,
        session_index=1,
        practitioner=make_staff(clinic, Role.PRACTITIONER),
        room=taken.room,
        device=None,
        starts_at=taken.starts_at + timedelta(minutes=15),
        ends_at=taken.ends_at + timedelta(minutes=15),
        blocked_until=taken.blocked_until + timedelta(minutes=15),
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        clash.save()
    cancel_appointment(taken, reason="patient called", actor=None)
    clash.save()  # a cancelled appointment no longer holds the room
    touching = Appointment(
        clinic=clinic,
        location=setup.location,
        patient=patient,
        protocol=ep,
        session_index=1,
        practitioner=taken.practitioner,
        room=taken.room,
        device=taken.device,
        starts_at=clash.blocked_until,
        ends_at=clash.blocked_until + timedelta(minutes=30),
        blocked_until=clash.blocked_until + timedelta(minutes=30),
    )
    touching.save()  # half-open: starting exactly when the other ends is fine


def test_it_says_why_no_series_fits(clinic, setup):
    sono = protocol(clinic, "sonophoresis")
    proposal = propose_series(setup.location, sono, earliest=MONDAY)
    assert not proposal.feasible
    assert "sonophoresis" in proposal.reason


def test_available_starts_skip_booked_time_and_name_the_resources(clinic, setup):
    ep = protocol(clinic)
    day_end = MONDAY.replace(hour=17)
    free = available_starts(setup.location, ep, MONDAY, day_end)
    occupied = ep.session_minutes + ep.buffer_minutes
    assert free[0].start == MONDAY and free[0].device == setup.device
    assert free[-1].start + timedelta(minutes=occupied) <= day_end
    assert all(f.start.minute % 15 == 0 for f in free)
    book_series(
        make_patient(clinic),
        ep,
        setup.location,
        propose_series(setup.location, ep, earliest=MONDAY).sessions,
        actor=None,
    )
    after = available_starts(setup.location, ep, MONDAY, day_end)
    assert all(
        not (MONDAY - timedelta(minutes=occupied) < f.start < MONDAY + timedelta(minutes=occupied))
        for f in after
    )
    assert len(after) < len(free)

"""``record_imported_appointment``: history recorded as it was, future bookings checked like any other."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from mesoclinic import testing
from mesoclinic.audit.models import AuditEvent
from mesoclinic.catalog.models import Protocol
from mesoclinic.scheduling.models import LONGEST_SESSION, Appointment
from mesoclinic.scheduling.services import BookingError, record_imported_appointment

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(clinic):
    site = testing.make_schedulable(clinic)
    protocol = Protocol.objects.filter(clinic=clinic, modality__code="needle").order_by("pk").first()
    return site, protocol, testing.make_patient(clinic)


def record(setup, starts_at, status, minutes=30, **extra):
    site, protocol, patient = setup
    return record_imported_appointment(
        patient, protocol, site.location, practitioner=site.practitioner, room=site.room, device=None,
        starts_at=starts_at, ends_at=starts_at + timedelta(minutes=minutes), status=status, actor=None, **extra,
    )  # fmt: skip


def test_a_past_appointment_is_recorded_with_its_status_and_audited(setup):
    appointment = record(setup, datetime(2024, 5, 6, 3, tzinfo=UTC), "no_show", notes="from the old system")
    appointment.refresh_from_db()
    assert (appointment.status, appointment.notes) == ("no_show", "from the old system")
    assert appointment.blocked_until == appointment.ends_at + timedelta(minutes=setup[1].buffer_minutes)
    assert AuditEvent.objects.filter(action="appointment.import", data__history=True).exists()


def test_a_future_appointment_must_be_booked_and_fit_the_hours(setup):
    sunday = timezone.now() + timedelta(days=(6 - timezone.now().weekday()) % 7 + 7)
    with pytest.raises(BookingError, match="only be imported as booked"):
        record(setup, sunday, "completed")
    with pytest.raises(BookingError, match="not free"):
        record(setup, sunday.replace(hour=10, minute=0, second=0, microsecond=0), "booked")


@pytest.mark.parametrize(("status", "message"), [("maybe", "Unknown status")])
def test_it_refuses_unknown_statuses(setup, status, message):
    with pytest.raises(BookingError, match=message):
        record(setup, datetime(2024, 5, 6, 8, tzinfo=UTC), status)


def test_it_refuses_a_patient_of_another_clinic(setup, other_clinic):
    site, protocol, _ = setup
    stranger = testing.make_patient(other_clinic)
    with pytest.raises(BookingError, match="same clinic"):
        record((site, protocol, stranger), datetime(2024, 5, 6, 8, tzinfo=UTC), "completed")


def test_it_refuses_an_appointment_longer_than_the_longest_session(setup):
    """The calendars read only the appointments starting up to ``LONGEST_HOLD`` before their window: a longer
    one would vanish from the days it spans, so it is refused (nothing saved), naming its length."""
    starts_at = datetime(2024, 5, 6, 6, tzinfo=UTC)
    with pytest.raises(BookingError, match=r"The end is 241 minutes after the start; .* at most 240 minutes"):
        record(setup, starts_at, "completed", minutes=241)
    assert not Appointment.objects.exists()
    assert record(setup, starts_at, "completed", minutes=240).ends_at == starts_at + LONGEST_SESSION

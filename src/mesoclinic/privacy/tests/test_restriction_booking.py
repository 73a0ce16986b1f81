"""A restricted patient keeps no future appointment and cannot be booked again."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from mesoclinic.catalog.models import Protocol
from mesoclinic.privacy.services import record_erasure_request
from mesoclinic.scheduling.models import Appointment, AppointmentStatus, MaintenanceRecall
from mesoclinic.scheduling.selectors import propose_series
from mesoclinic.scheduling.services import BookingError, book_series, complete_course, start_course
from mesoclinic.testing import make_patient, make_schedulable

pytestmark = pytest.mark.django_db
MONDAY = datetime(2031, 3, 3, 9, 0, tzinfo=ZoneInfo("Europe/Warsaw"))


def test_the_request_cancels_future_appointments_and_booking_is_refused(clinic, owner, practitioner):
    setup = make_schedulable(clinic)
    protocol = Protocol.objects.filter(clinic=clinic, modality__code="electroporation").first()
    patient = make_patient(clinic)
    sessions = propose_series(setup.location, protocol, earliest=MONDAY).sessions
    book_series(patient, protocol, setup.location, sessions, actor=practitioner.user)

    record_erasure_request(patient, requested_by="Patient", channel="email", actor=owner.user)

    statuses = set(Appointment.objects.filter(patient=patient).values_list("status", flat=True))
    assert statuses == {AppointmentStatus.CANCELLED}
    patient.refresh_from_db()
    with pytest.raises(BookingError, match="restricted"):
        book_series(patient, protocol, setup.location, sessions, actor=practitioner.user)


def test_the_request_dismisses_due_maintenance_recalls(clinic, owner):
    patient = make_patient(clinic)
    protocol = Protocol.objects.filter(clinic=clinic, modality__code="needle").first()
    course = start_course(patient, protocol, actor=None)
    recall = complete_course(course, last_session_on=date(2026, 6, 1), actor=None)
    assert recall.status == MaintenanceRecall.Status.DUE
    record_erasure_request(patient, requested_by="Patient", channel="email", actor=owner.user)
    recall.refresh_from_db()
    assert recall.status == MaintenanceRecall.Status.DISMISSED

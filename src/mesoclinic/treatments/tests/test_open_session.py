"""Opening a session record from its appointment."""

from __future__ import annotations

import pytest

from mesoclinic.audit.models import AuditEvent
from mesoclinic.testing.treatments import first_appointment
from mesoclinic.treatments.models import SessionRecord
from mesoclinic.treatments.services import DEFAULT_AFTERCARE, open_session

pytestmark = pytest.mark.django_db


def test_it_fills_the_draft_from_the_appointment(clinic, practitioner):
    appointment = first_appointment(clinic)
    record = open_session(appointment, actor=practitioner.user)
    record.refresh_from_db()
    assert record.status == SessionRecord.Status.DRAFT
    assert (record.patient_id, record.course_id, record.protocol_id) == (
        appointment.patient_id,
        appointment.course_id,
        appointment.protocol_id,
    )
    assert record.practitioner_id == appointment.practitioner_id
    assert record.modality == "needle"
    assert record.cocktail == appointment.protocol.cocktail
    assert record.performed_at == appointment.starts_at
    assert record.aftercare == DEFAULT_AFTERCARE


def test_it_returns_the_existing_record_when_opened_again(clinic):
    appointment = first_appointment(clinic)
    assert open_session(appointment, actor=None) == open_session(appointment, actor=None)
    assert SessionRecord.objects.filter(appointment=appointment).count() == 1


def test_it_audits_the_opening(clinic, practitioner):
    record = open_session(first_appointment(clinic), actor=practitioner.user)
    assert AuditEvent.objects.filter(action="session.open", object_id=str(record.pk)).exists()

"""A value the database refuses though the schema let it through is bad input (422), not a server error."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from mesoclinic.scheduling.models import AppointmentStatus
from mesoclinic.testing import client_for, make_patient, make_schedulable
from mesoclinic.testing.notifications import make_appointment

pytestmark = pytest.mark.django_db


def test_a_nul_character_is_refused_with_422_and_nothing_changes(clinic, receptionist):
    appointment = make_appointment(
        make_patient(clinic), make_schedulable(clinic), datetime(2027, 3, 1, 10, tzinfo=UTC)
    )
    response = client_for(receptionist).post(
        f"/api/v1/scheduling/appointments/{appointment.pk}/cancel",
        json.dumps({"reason": "ill\x00"}),
        content_type="application/json",
    )
    assert response.status_code == 422
    assert "NUL" in response.json()["errors"]["reason"][0]  # refused before PostgreSQL (or SQLite) sees it
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED

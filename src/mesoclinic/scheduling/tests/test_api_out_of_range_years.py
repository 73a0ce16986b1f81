"""Years a calendar cannot hold (0001, 1900, 9999) are refused with 422 in proposals, availability, series,
reschedules and working-time intervals, never a server error (issue 13, item 10)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mesoclinic.scheduling.models import Appointment
from mesoclinic.testing import client_for, make_patient
from mesoclinic.testing.scheduling import call, protocol_for_modality

pytestmark = pytest.mark.django_db

YEARS = ["0001-01-01T09:00:00+00:00", "1900-01-01T09:00:00+01:00", "9999-12-31T09:00:00+01:00"]


def make_appointment(patient, where, starts_at):
    """An appointment written straight to the table (the booking rules are not under test here)."""
    return Appointment.objects.create(
        clinic=patient.clinic,
        location=where.location,
        patient=patient,
        protocol=protocol_for_modality(patient.clinic, "needle"),
        session_index=1,
        practitioner=where.practitioner,
        room=where.room,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=30),
        blocked_until=starts_at + timedelta(minutes=40),
    )


def assert_refused(response, field):
    assert response.status_code == 422, response.content
    assert field in str(response.json()["detail"])
    assert "2000-01-01" in str(response.json()["detail"])


@pytest.mark.parametrize("when", YEARS)
def test_a_proposal_from_such_a_year_is_refused(clinic, setup, receptionist, when):
    body = {
        "patient_id": make_patient(clinic).pk,
        "protocol": protocol_for_modality(clinic).slug,
        "location_id": setup.location.pk,
        "earliest": when,
    }
    assert_refused(
        call(client_for(receptionist), "post", "/api/v1/scheduling/series/proposal", body), "earliest"
    )


@pytest.mark.parametrize("when", YEARS)
def test_availability_in_such_a_year_is_refused(clinic, setup, receptionist, when):
    query = {
        "location_id": setup.location.pk,
        "protocol": protocol_for_modality(clinic).slug,
        "start": when,
        "end": when.replace("T09", "T18"),
    }
    assert_refused(client_for(receptionist).get("/api/v1/scheduling/availability", query), "start")


@pytest.mark.parametrize("when", YEARS)
def test_a_series_in_such_a_year_is_refused_and_nothing_is_booked(clinic, setup, receptionist, when):
    body = {
        "patient_id": make_patient(clinic).pk,
        "protocol": protocol_for_modality(clinic).slug,
        "location_id": setup.location.pk,
        "sessions": [{"start": when, "practitioner_id": setup.practitioner.pk, "room_id": setup.room.pk}],
    }
    assert_refused(call(client_for(receptionist), "post", "/api/v1/scheduling/series", body), "start")
    assert not Appointment.objects.exists()


@pytest.mark.parametrize("when", YEARS)
def test_a_reschedule_to_such_a_year_is_refused_and_nothing_moves(clinic, setup, receptionist, when):
    start = datetime(2031, 3, 3, 9, tzinfo=UTC)
    appointment = make_appointment(make_patient(clinic), setup, start)
    url = f"/api/v1/scheduling/appointments/{appointment.pk}/reschedule"
    assert_refused(call(client_for(receptionist), "post", url, {"start": when}), "start")
    appointment.refresh_from_db()
    assert appointment.starts_at == start


@pytest.mark.parametrize("when", YEARS)
def test_time_off_in_such_a_year_is_refused(setup, owner, when):
    url = f"/api/v1/scheduling/practitioners/{setup.practitioner.pk}/time-off"
    body = {"starts_at": when, "ends_at": when.replace("T09", "T18")}
    assert_refused(call(client_for(owner), "post", url, body), "starts_at")

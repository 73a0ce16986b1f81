"""POST /api/v1/scheduling/series/proposal and /series: plan a whole series, then book it or get 409."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mesoclinic.audit.models import AuditEvent
from mesoclinic.safety.models import ScreeningRecord
from mesoclinic.scheduling.models import Appointment, Course
from mesoclinic.testing import client_for, make_patient, make_schedulable
from mesoclinic.testing.scheduling import MONDAY, call, protocol_for_modality

pytestmark = pytest.mark.django_db
PROPOSAL = "/api/v1/scheduling/series/proposal"
SERIES = "/api/v1/scheduling/series"


def proposal_request(setup, patient, **extra):
    return {
        "patient_id": patient.pk,
        "protocol": protocol_for_modality(setup.location.clinic).slug,
        "location_id": setup.location.pk,
        "earliest": MONDAY.isoformat(),
        **extra,
    }


def propose(client, setup, patient, **extra):
    response = call(client, "post", PROPOSAL, proposal_request(setup, patient, **extra))
    assert response.status_code == 200, response.content
    return response.json()


def series_request(setup, patient, sessions, **extra):
    return {
        "patient_id": patient.pk,
        "protocol": protocol_for_modality(setup.location.clinic).slug,
        "location_id": setup.location.pk,
        "sessions": sessions,
        **extra,
    }


def test_it_proposes_a_series_with_the_patients_screening(clinic, setup, receptionist):
    patient = make_patient(clinic)
    body = propose(client_for(receptionist), setup, patient)
    ep = protocol_for_modality(clinic)
    assert body["feasible"] and body["reason"] == ""
    assert len(body["sessions"]) == ep.sessions
    first = body["sessions"][0]
    assert datetime.fromisoformat(first["start"]) == MONDAY.astimezone(UTC)
    assert (first["practitioner_id"], first["room_id"], first["device_id"]) == (
        setup.practitioner.pk,
        setup.room.pk,
        setup.device.pk,
    )
    assert body["screening"] == {"decision": "ok", "findings": []}
    assert not ScreeningRecord.objects.exists(), "a proposal only previews the screening"


def test_it_shows_a_blocking_finding_in_the_proposal(clinic, setup, receptionist):
    patient = make_patient(clinic, implants=["pacemaker"])
    body = propose(client_for(receptionist), setup, patient)
    assert body["feasible"]
    assert body["screening"]["decision"] == "block"
    assert [f["factor"] for f in body["screening"]["findings"]] == ["pacemaker"]


def test_it_says_why_no_series_fits(clinic, setup, receptionist, physician):
    body = propose(client_for(receptionist), setup, make_patient(clinic), practitioner_id=physician.pk)
    assert body["feasible"] is False
    assert body["sessions"] == []
    assert body["reason"]


def test_it_books_the_proposed_series(clinic, setup, receptionist):
    patient = make_patient(clinic)
    client = client_for(receptionist)
    sessions = propose(client, setup, patient)["sessions"]
    response = call(client, "post", SERIES, series_request(setup, patient, sessions))
    assert response.status_code == 201, response.content
    body = response.json()
    course = Course.objects.get(pk=body["id"])
    assert course.patient == patient and course.created_by == receptionist.user
    stored = list(Appointment.objects.filter(course=course).order_by("session_index"))
    assert [a.pk for a in stored] == [a["id"] for a in body["appointments"]]
    assert [a.starts_at for a in stored] == [datetime.fromisoformat(s["start"]) for s in sessions]
    assert all(a.room == setup.room and a.device == setup.device for a in stored)
    assert body["appointments"][0]["patient"] == {"id": patient.pk, "name": patient.full_name}
    assert body["appointments"][0]["status"] == "booked"
    assert AuditEvent.objects.filter(action="series.book", actor=receptionist.user).exists()


def test_it_answers_409_when_a_slot_is_taken(clinic, setup, receptionist):
    client = client_for(receptionist)
    first = make_patient(clinic)
    sessions = propose(client, setup, first)["sessions"]
    assert call(client, "post", SERIES, series_request(setup, first, sessions)).status_code == 201
    response = call(client, "post", SERIES, series_request(setup, make_patient(clinic), sessions))
    assert response.status_code == 409
    assert "not free" in response.json()["detail"]
    assert Appointment.objects.count() == len(sessions)


def test_it_answers_409_with_the_findings_when_screening_blocks(clinic, setup, receptionist):
    patient = make_patient(clinic, implants=["pacemaker"])
    client = client_for(receptionist)
    sessions = propose(client, setup, patient)["sessions"]
    response = call(
        client, "post", SERIES, series_request(setup, patient, sessions, override_reason="I insist")
    )
    assert response.status_code == 409
    body = response.json()
    assert "pacemaker" in body["detail"].lower()
    assert [(f["severity"], f["factor"]) for f in body["findings"]] == [("block", "pacemaker")]
    assert not Appointment.objects.exists() and not Course.objects.exists()


def test_a_physician_may_book_despite_a_block_with_a_reason(clinic, setup, physician):
    patient = make_patient(clinic, implants=["pacemaker"])
    client = client_for(physician)
    sessions = propose(client, setup, patient)["sessions"]
    reason = "Cardiologist confirmed the pacemaker was removed."
    response = call(client, "post", SERIES, series_request(setup, patient, sessions, override_reason=reason))
    assert response.status_code == 201, response.content
    assert Appointment.objects.filter(patient=patient).count() == len(sessions)
    assert AuditEvent.objects.get(action="screening.override").data["reason"] == reason


@pytest.mark.parametrize(
    "change",
    [
        {"sessions": []},
        {"sessions": [{"start": "2031-03-03T09:00:00", "practitioner_id": 1, "room_id": 1}]},
        {"patient_id": "x"},
        {"override_reason": "x" * 501},
    ],
)
def test_it_rejects_bad_input(clinic, setup, receptionist, change):
    patient = make_patient(clinic)
    response = call(
        client_for(receptionist), "post", SERIES, {**series_request(setup, patient, []), **change}
    )
    assert response.status_code == 422, response.content
    assert not Appointment.objects.exists()


def test_it_refuses_resources_and_patients_of_another_clinic(clinic, other_clinic, setup, receptionist):
    theirs = make_schedulable(other_clinic)
    patient = make_patient(clinic)
    client = client_for(receptionist)
    sessions = propose(client, setup, patient)["sessions"]
    for field, foreign in (
        ("room_id", theirs.room.pk),
        ("device_id", theirs.device.pk),
        ("practitioner_id", theirs.practitioner.pk),
    ):
        tampered = [{**sessions[0], field: foreign}, *sessions[1:]]
        response = call(client, "post", SERIES, series_request(setup, patient, tampered))
        assert response.status_code == 404, field
    foreign_patient = make_patient(other_clinic)
    assert call(client, "post", SERIES, series_request(setup, foreign_patient, sessions)).status_code == 404
    assert call(client, "post", PROPOSAL, proposal_request(setup, foreign_patient)).status_code == 404
    foreign_location = series_request(setup, patient, sessions, location_id=theirs.location.pk)
    assert call(client, "post", SERIES, foreign_location).status_code == 404
    assert not Appointment.objects.exists()


def test_it_refuses_the_auditor_and_anonymous(clinic, setup, auditor, client):
    patient = make_patient(clinic)
    session = {
        "start": MONDAY.isoformat(),
        "practitioner_id": setup.practitioner.pk,
        "room_id": setup.room.pk,
    }
    booking = series_request(setup, patient, [session])
    assert call(client_for(auditor), "post", PROPOSAL, proposal_request(setup, patient)).status_code == 403
    assert call(client_for(auditor), "post", SERIES, booking).status_code == 403
    assert call(client, "post", PROPOSAL, proposal_request(setup, patient)).status_code == 401
    assert call(client, "post", SERIES, booking).status_code == 401
    assert not Appointment.objects.exists()


def test_it_only_allows_post(receptionist):
    assert client_for(receptionist).get(SERIES).status_code == 405
    assert client_for(receptionist).get(PROPOSAL).status_code == 405

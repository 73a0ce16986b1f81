"""A change of the history re-screens every future appointment at once; worse ones are flagged (issue 12, item 4)."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse

from mesoclinic.audit.models import AuditEvent
from mesoclinic.patients.services import patch_medical_history
from mesoclinic.scheduling.models import ScreeningAlert
from mesoclinic.scheduling.selectors import open_screening_alerts, propose_series
from mesoclinic.scheduling.services import book_series, cancel_appointment, resolve_screening_alert
from mesoclinic.testing import client_for, make_patient
from mesoclinic.testing.scheduling import MONDAY, call, protocol_for_modality

pytestmark = pytest.mark.django_db
BEFORE_THE_SERIES = MONDAY.replace(month=2)


@pytest.fixture
def booked(clinic, setup, practitioner):
    """A patient with an electroporation series (6 sessions) from MONDAY; the clock a month before it."""
    with time_machine.travel(BEFORE_THE_SERIES, tick=False):
        patient = make_patient(clinic)
        ep = protocol_for_modality(clinic, "electroporation")
        sessions = propose_series(setup.location, ep, earliest=MONDAY).sessions
        course = book_series(patient, ep, setup.location, sessions, actor=practitioner.user)
        yield patient, list(course.appointments.order_by("session_index"))


def test_a_new_pacemaker_flags_every_future_appointment_at_once(booked, physician):
    patient, appointments = booked
    patch_medical_history(patient, actor=physician.user, reason="Pacemaker fitted", implants=["pacemaker"])
    alerts = list(open_screening_alerts(patient.clinic))
    assert [a.appointment for a in alerts] == appointments
    assert {(a.decision_before, a.decision_after) for a in alerts} == {("ok", "block")}
    assert all(a.screening.findings[0]["factor"] == "pacemaker" for a in alerts)
    assert "Call the patient" in alerts[0].advice
    assert AuditEvent.objects.filter(action="screening_alert.raise").count() == len(appointments)


def test_a_cancelled_or_past_appointment_is_not_flagged(booked, physician):
    patient, appointments = booked
    cancel_appointment(appointments[-1], reason="moved away", actor=physician.user)
    with time_machine.travel(appointments[1].ends_at, tick=False):
        patch_medical_history(
            patient, actor=physician.user, reason="Pacemaker fitted", implants=["pacemaker"]
        )
    flagged = {a.appointment for a in open_screening_alerts(patient.clinic)}
    assert flagged == set(appointments[1:-1])


def test_a_change_that_is_no_worse_flags_nothing(booked, physician):
    patient, _appointments = booked
    patch_medical_history(patient, actor=physician.user, reason="Needle only", conditions=["keloid_tendency"])
    patch_medical_history(patient, actor=physician.user, reason="Typo", notes="Keloid on the chest")
    assert not ScreeningAlert.objects.exists()


def test_a_warning_is_flagged_with_what_to_do(booked, physician):
    patient, _appointments = booked
    patch_medical_history(patient, actor=physician.user, reason="Cardiology", conditions=["heart_disease"])
    alert = open_screening_alerts(patient.clinic).first()
    assert (alert.decision_before, alert.decision_after) == ("ok", "warn")
    assert "Tell the practitioner" in alert.advice


def test_undoing_the_change_resolves_the_alerts_by_themselves(booked, physician):
    patient, _appointments = booked
    patch_medical_history(patient, actor=physician.user, reason="Pacemaker?", implants=["pacemaker"])
    patch_medical_history(patient, actor=physician.user, reason="Wrong patient", implants=[])
    assert not open_screening_alerts(patient.clinic).exists()
    assert all("screening is ok again" in a.resolution for a in ScreeningAlert.objects.all())


def test_a_failed_history_write_flags_nothing(booked, physician):
    patient, _appointments = booked
    with pytest.raises(Exception):  # noqa: B017 — the vocabulary refuses it; what matters is nothing changed
        patch_medical_history(patient, actor=physician.user, reason="x", implants=["pacemaker", "bogus"])
    assert not ScreeningAlert.objects.exists()


def test_resolving_says_what_was_done_and_who(booked, physician, receptionist):
    patient, _appointments = booked
    patch_medical_history(patient, actor=physician.user, reason="Pacemaker fitted", implants=["pacemaker"])
    alert = open_screening_alerts(patient.clinic).first()
    resolve_screening_alert(alert, resolution="Called her, booked a consultation", actor=receptionist.user)
    alert.refresh_from_db()
    assert alert.resolved_by == receptionist.user
    assert alert.resolution == "Called her, booked a consultation"
    assert alert not in open_screening_alerts(patient.clinic)


def test_today_and_the_appointment_show_the_alert_with_what_to_do(booked, physician, receptionist):
    patient, appointments = booked
    patch_medical_history(patient, actor=physician.user, reason="Pacemaker fitted", implants=["pacemaker"])
    client = client_for(receptionist)
    today = client.get(reverse("web:home")).content.decode()
    assert "Screening changed: appointments to act on" in today
    assert patient.full_name in today
    assert "Call the patient before the visit" in today
    page = client.get(reverse("scheduling:appointment", args=[appointments[0].pk])).content.decode()
    assert "Screening changed after a history update" in page
    assert "Mark as handled" in page


def test_the_practitioner_sees_their_patient_first(booked, physician):
    patient, appointments = booked
    patch_medical_history(patient, actor=physician.user, reason="Pacemaker fitted", implants=["pacemaker"])
    today = client_for(appointments[0].practitioner).get(reverse("web:home")).content.decode()
    assert "your patient" in today


def test_the_resolve_view_needs_a_reason_and_resolves_every_open_alert(booked, physician, receptionist):
    patient, appointments = booked
    patch_medical_history(patient, actor=physician.user, reason="Pacemaker fitted", implants=["pacemaker"])
    client = client_for(receptionist)
    url = reverse("scheduling:resolve_screening_alerts", args=[appointments[0].pk])
    assert client.post(url, {"resolution": "  "}).status_code == 422
    assert open_screening_alerts(patient.clinic, appointment=appointments[0]).exists()
    assert client.post(url, {"resolution": "Called, cancelled"}).status_code == 302
    assert not open_screening_alerts(patient.clinic, appointment=appointments[0]).exists()
    assert open_screening_alerts(patient.clinic, appointment=appointments[1]).exists()


def test_the_api_lists_and_resolves_alerts(booked, physician, receptionist):
    patient, appointments = booked
    patch_medical_history(patient, actor=physician.user, reason="Pacemaker fitted", implants=["pacemaker"])
    client = client_for(receptionist)
    listed = call(client, "get", "/api/v1/scheduling/screening-alerts").json()
    assert [item["appointment_id"] for item in listed] == [a.pk for a in appointments]
    assert listed[0]["decision_before"] == "ok" and listed[0]["decision_after"] == "block"
    assert listed[0]["findings"][0]["factor"] == "pacemaker"
    assert "Call the patient" in listed[0]["advice"]
    url = f"/api/v1/scheduling/appointments/{appointments[0].pk}/screening-alerts/resolve"
    assert call(client, "post", url, {"resolution": ""}).status_code == 422
    response = call(client, "post", url, {"resolution": "Called her"})
    assert response.status_code == 200, response.content
    assert response.json()[0]["resolution"] == "Called her"
    assert len(call(client, "get", "/api/v1/scheduling/screening-alerts").json()) == len(appointments) - 1

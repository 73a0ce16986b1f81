"""Reads of a patient's chart, photos and exports write one event each, by URL, without the view's help."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mesoclinic.accounts.models import Clinic, StaffMember
from mesoclinic.audit.models import AuditEvent
from mesoclinic.patients.models import Patient
from mesoclinic.testing import client_for, make_patient, make_signed_session

pytestmark = pytest.mark.django_db
AGENT = "Tablet/1.0"


@pytest.fixture
def patient(clinic: Clinic) -> Patient:
    return make_patient(clinic)


def _reads() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action__in=["chart.read", "photo.read", "export"]))


def test_a_chart_page_writes_one_chart_read(patient: Patient, physician: StaffMember) -> None:
    url = reverse("patients:detail", args=[patient.pk])
    response = client_for(physician).get(f"{url}?tab=history", HTTP_USER_AGENT=AGENT, REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 200
    [event] = _reads()
    assert (event.action, event.object_type, event.object_id) == (
        "chart.read",
        "patients.patient",
        str(patient.pk),
    )
    assert (event.patient_id, event.clinic_id, event.actor_id) == (
        patient.pk,
        patient.clinic_id,
        physician.user_id,
    )
    assert (event.path, event.user_agent, str(event.ip)) == (url, AGENT, "10.1.2.3")
    assert event.data == {"view": "patients:detail"}


def test_an_api_read_writes_one_chart_read(patient: Patient, receptionist: StaffMember) -> None:
    response = client_for(receptionist).get(f"/api/v1/patients/{patient.pk}")
    assert response.status_code == 200
    [event] = _reads()
    assert (event.action, event.patient_id) == ("chart.read", patient.pk)


def test_a_record_read_names_its_patient(patient: Patient, practitioner: StaffMember) -> None:
    record = make_signed_session(patient, practitioner)
    client = client_for(practitioner)
    assert client.get(reverse("treatments:session", args=[record.pk])).status_code == 200
    assert client.get(f"/api/v1/sessions/{record.pk}").status_code == 200
    events = _reads()
    assert [(e.object_type, e.object_id, e.patient_id) for e in events] == [
        ("treatments.sessionrecord", str(record.pk), patient.pk)
    ] * 2


def test_an_export_is_audited_with_or_without_a_patient(owner: StaffMember) -> None:
    response = client_for(owner).get(reverse("reports:no_shows") + "?format=csv")
    assert response.status_code == 200
    [event] = _reads()  # one row: the view's own, naming the list and filters; the middleware adds none
    assert (event.action, event.patient_id, event.data["filename"][-4:]) == ("export", None, ".csv")


def test_the_patient_export_is_one_audit_row(patient: Patient, owner: StaffMember) -> None:
    response = client_for(owner).get(reverse("privacy:export", args=[patient.pk]))
    assert response.status_code == 200
    b"".join(response.streaming_content)
    [event] = AuditEvent.objects.filter(action__in=["chart.read", "photo.read", "export", "patient.export"])
    assert (event.action, event.object_id) == ("patient.export", str(patient.pk))


def test_another_clinics_patient_is_neither_shown_nor_logged(outsider: StaffMember, patient: Patient) -> None:
    response = client_for(outsider).get(reverse("patients:detail", args=[patient.pk]))
    assert response.status_code == 404
    assert _reads() == []


def test_a_refused_role_is_not_logged_as_a_read(patient: Patient, auditor: StaffMember) -> None:
    assert client_for(auditor).get(reverse("patients:detail", args=[patient.pk])).status_code == 403
    assert _reads() == []


def test_a_write_is_not_a_read(patient: Patient, physician: StaffMember) -> None:
    url = reverse("patients:edit", args=[patient.pk])
    client_for(physician).post(url, {"given_name": ""})
    assert _reads() == []


def test_pages_without_a_patient_are_not_logged(physician: StaffMember) -> None:
    assert client_for(physician).get(reverse("patients:list")).status_code == 200
    assert client_for(physician).get(reverse("catalog:index")).status_code == 200
    assert _reads() == []


def test_one_insert_per_read(patient: Patient, physician: StaffMember) -> None:
    """The audit costs the chain's head and the INSERT; the page's own queries are what they were."""
    client = client_for(physician)
    url = reverse("patients:detail", args=[patient.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    inserts = [q["sql"] for q in ctx.captured_queries if 'INSERT INTO "audit_auditevent"' in q["sql"]]
    assert len(inserts) == 1

"""A patient's adverse events (linked from the chart)."""

from __future__ import annotations

from django.urls import reverse

from mesoclinic.testing import client_for, make_patient
from mesoclinic.testing.vigilance import make_event


def _url(patient):
    return reverse("vigilance:patient_events", args=[patient.pk])


def test_it_lists_only_this_patients_events(clinic, physician):
    patient = make_patient(clinic)
    make_event(patient, category="granuloma")
    make_event(make_patient(clinic), category="necrosis")
    response = client_for(physician).get(_url(patient))
    assert "Granuloma" in response.text
    assert "Necrosis" not in response.text


def test_it_is_404_for_another_clinics_patient(clinic, other_clinic, physician):
    assert client_for(physician).get(_url(make_patient(other_clinic))).status_code == 404


def test_it_is_403_for_a_receptionist(clinic, receptionist):
    assert client_for(receptionist).get(_url(make_patient(clinic))).status_code == 403


def test_it_only_allows_get(clinic, physician):
    assert client_for(physician).post(_url(make_patient(clinic))).status_code == 405


def test_it_exports_this_patients_events_as_csv(clinic, physician):
    from mesoclinic.audit.models import AuditEvent  # noqa: PLC0415
    from mesoclinic.testing import csv_rows  # noqa: PLC0415

    patient = make_patient(clinic)
    event = make_event(patient, category="granuloma")
    make_event(make_patient(clinic), category="necrosis")
    rows = csv_rows(client_for(physician).get(_url(patient), {"format": "csv"}))
    assert rows[0][:2] == ["event_id", "patient_id"]
    assert [(r[0], r[3]) for r in rows[1:]] == [(str(event.pk), "Granuloma")]
    export = AuditEvent.objects.get(action="export")
    assert (export.object_id, export.data["list"]) == (str(patient.pk), "vigilance.patient_events")


def test_its_csv_is_404_for_another_clinics_patient(other_clinic, physician):
    response = client_for(physician).get(_url(make_patient(other_clinic)), {"format": "csv"})
    assert response.status_code == 404

"""/fhir/R4: metadata, a patient's $everything and the clinic's NDJSON export (roles, clinics, audit)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from django.urls import reverse

from mesoclinic import testing
from mesoclinic.audit.models import AuditEvent
from mesoclinic.interop.fhir.bundles import BULK_TYPES, validate
from mesoclinic.patients.services import update_medical_history
from mesoclinic.testing.outcomes import make_analysis, make_photo, make_scored_assessment

pytestmark = pytest.mark.django_db


@pytest.fixture
def chart(clinic, practitioner):
    patient = testing.make_patient(clinic, allergies=[], conditions=["epilepsy"])
    update_medical_history(
        patient, actor=None, conditions=["epilepsy"], implants=["pacemaker"], reason="intake"
    )
    lot = testing.make_lot(clinic, lot_number="HA-2291", expires_on=date(2027, 3, 31))
    record = testing.make_signed_session(patient, practitioner, uses=[(lot, "2.5")])
    photo = make_photo(patient, datetime(2026, 6, 1, 9, 30, tzinfo=UTC), session_id=record.pk)
    make_analysis(photo)
    make_scored_assessment(patient, date(2026, 6, 1), session_id=record.pk)
    return patient


def everything_url(patient):
    return reverse("fhir:everything", args=[patient.pk])


def test_metadata_is_a_valid_capability_statement(client):
    response = client.get(reverse("fhir:metadata"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+json"
    body = response.json()
    validate(body)
    assert body["fhirVersion"] == "4.0.1"


def test_everything_returns_the_patients_record_as_a_valid_bundle(owner, chart):
    response = testing.client_for(owner).get(everything_url(chart))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+json"
    bundle = response.json()
    validate(bundle)
    kinds = {e["resource"]["resourceType"] for e in bundle["entry"]}
    assert {
        "Patient",
        "Condition",
        "Device",
        "Procedure",
        "MedicationAdministration",
        "Media",
        "Observation",
        "Organization",
        "Location",
        "Practitioner",
    } <= kinds
    assert bundle["entry"][0]["resource"]["id"] == str(chart.pk)
    admin = next(
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "MedicationAdministration"
    )
    assert admin["contained"][0]["batch"] == {"lotNumber": "HA-2291", "expirationDate": "2027-03-31"}
    media = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Media")
    assert media["content"]["url"].endswith(reverse("outcomes:photo_file", args=[int(media["id"]), "image"]))
    assert "data" not in media["content"]


def test_everything_holds_nothing_of_another_patient(owner, chart, clinic):
    other = testing.make_patient(clinic, conditions=["pregnant"])
    bundle = testing.client_for(owner).get(everything_url(chart)).json()
    subjects = {
        json.dumps(e["resource"].get("subject") or e["resource"].get("patient") or {})
        for e in bundle["entry"]
    }
    assert not any(f'Patient/{other.pk}"' in s for s in subjects)


def test_everything_is_audited_as_an_export(physician, chart):
    testing.client_for(physician).get(everything_url(chart))
    event = AuditEvent.objects.get(action="export")
    assert (event.object_id, event.data["scope"], event.actor) == (str(chart.pk), "patient", physician.user)


@pytest.mark.parametrize("persona", ["practitioner", "receptionist", "auditor"])
def test_everything_needs_the_export_capability(request, persona, chart):
    staff = request.getfixturevalue(persona)
    assert testing.client_for(staff).get(everything_url(chart)).status_code == 403
    assert not AuditEvent.objects.filter(action="export").exists()


def test_everything_is_404_for_another_clinics_patient(outsider, chart):
    assert testing.client_for(outsider).get(everything_url(chart)).status_code == 404


def test_everything_refuses_post(owner, chart):
    assert testing.client_for(owner).post(everything_url(chart)).status_code == 405


def test_everything_answers_anonymous_callers_401_not_a_login_redirect(client, chart):
    response = client.get(everything_url(chart))
    assert response.status_code == 401
    assert response.json()["resourceType"] == "OperationOutcome"


def test_the_bulk_manifest_lists_one_ndjson_file_per_type(owner):
    response = testing.client_for(owner).get(reverse("fhir:bulk_export"))
    assert response.status_code == 200
    assert [o["type"] for o in response.json()["output"]] == list(BULK_TYPES)
    narrowed = testing.client_for(owner).get(reverse("fhir:bulk_export"), {"_type": "Patient,Consent"}).json()
    assert [o["type"] for o in narrowed["output"]] == ["Patient", "Consent"]


def test_the_bulk_manifest_refuses_unknown_types(owner):
    response = testing.client_for(owner).get(reverse("fhir:bulk_export"), {"_type": "Patient,Claim"})
    assert response.status_code == 400
    assert response.json()["resourceType"] == "OperationOutcome"


def test_a_bulk_file_streams_valid_ndjson_of_this_clinic_only(owner, chart, outsider):
    testing.make_patient(outsider.clinic)
    response = testing.client_for(owner).get(reverse("fhir:bulk_file", args=["Patient"]))
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "application/fhir+ndjson"
    lines = b"".join(response.streaming_content).decode().splitlines()
    resources = [validate(json.loads(line)) for line in lines]
    assert [r["id"] for r in resources] == [str(chart.pk)]
    event = AuditEvent.objects.get(action="export")
    assert event.data == {"format": "fhir", "scope": "clinic", "channel": "fhir-bulk", "types": ["Patient"]}


@pytest.mark.parametrize("kind", ["Procedure", "MedicationAdministration", "Observation", "Media", "Device"])
def test_bulk_files_validate_line_by_line(owner, chart, kind):
    """(Every type, from the demo clinic: test_fhir_export_validates.py.)"""
    response = testing.client_for(owner).get(reverse("fhir:bulk_file", args=[kind]))
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines, kind
    for line in lines:
        assert validate(json.loads(line))["resourceType"] == kind


def test_a_bulk_file_of_an_unknown_type_is_404(owner):
    assert testing.client_for(owner).get(reverse("fhir:bulk_file", args=["Claim"])).status_code == 404


@pytest.mark.parametrize("persona", ["practitioner", "receptionist"])
def test_the_bulk_export_needs_the_export_capability(request, persona):
    client = testing.client_for(request.getfixturevalue(persona))
    assert client.get(reverse("fhir:bulk_export")).status_code == 403
    assert client.get(reverse("fhir:bulk_file", args=["Patient"])).status_code == 403


def test_the_bulk_export_refuses_post(owner):
    assert testing.client_for(owner).post(reverse("fhir:bulk_file", args=["Patient"])).status_code == 405

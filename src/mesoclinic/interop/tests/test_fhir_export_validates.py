"""Everything the demo clinic exports as FHIR, checked from outside: HL7's official R4 JSON schema and R4's
required value sets (``r4_check``, with ``jsonschema``), and parsed back with ``fhir.resources`` R4B.

Resources: every type of the bulk export, each patient's ``$everything`` Bundle as the endpoint sends it,
the CapabilityStatement, the OperationOutcomes and the import's ``transaction-response``.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from mesoclinic.accounts.models import StaffMember
from mesoclinic.interop.fhir.bundles import BULK_TYPES, validate
from mesoclinic.interop.selectors import clinic_resources, export_context
from mesoclinic.interop.tests.r4_check import check
from mesoclinic.patients.models import Patient
from mesoclinic.scheduling.models import Appointment
from mesoclinic.scheduling.services import cancel_appointment, check_in, mark_no_show
from mesoclinic.testing import client_for
from mesoclinic.testing.outcomes import make_analysis, make_photo, make_scored_assessment
from mesoclinic.treatments.models import SessionRecord

# One worker builds the demo for all its readers (once for the whole group, see the root conftest; `--dist loadgroup`).
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("demo")]


@pytest.fixture
def demo(demo_clinic):
    """The demo clinic (loaded on ``DEMO_DAY``, built once for the demo group, see the root conftest), plus what a
    day at its desk adds: a check-in, a cancellation and a no-show (each on the appointment's own day), a
    photo with its analysis and a scales assessment."""
    clinic = demo_clinic
    booked = list(Appointment.objects.filter(clinic=clinic, status="booked").order_by("starts_at")[:3])
    for appointment, change, offset in (
        (booked[0], lambda a: check_in(a, actor=None), -10),
        (booked[1], lambda a: cancel_appointment(a, reason="Patient ill", actor=None), -600),
        (booked[2], lambda a: mark_no_show(a, actor=None), 45),
    ):
        with time_machine.travel(appointment.starts_at + timedelta(minutes=offset), tick=False):
            change(appointment)
    record = SessionRecord.objects.filter(clinic=clinic, status="signed").order_by("pk").first()
    photo = make_photo(record.patient, datetime(2026, 9, 1, 10, tzinfo=UTC), session_id=record.pk)
    make_analysis(photo)
    make_scored_assessment(record.patient, date(2026, 9, 1), session_id=record.pk)
    return clinic


def assert_valid(resource: dict) -> None:
    errors = check(resource)
    assert not errors, (resource.get("resourceType"), resource.get("id"), errors[:5])


def test_it_exports_every_type_from_the_demo_clinic_and_each_resource_validates(demo):
    ctx = export_context(demo)
    counts: Counter[str] = Counter()
    for kind in BULK_TYPES:
        for resource in clinic_resources(ctx, demo, kind):
            assert resource["resourceType"] == kind
            wire = json.loads(json.dumps(resource))
            assert_valid(wire)
            validate(wire)
            counts[kind] += 1
    assert set(counts) == set(BULK_TYPES), set(BULK_TYPES) - set(counts)
    assert counts["Patient"] == 60
    statuses = {r["status"] for r in clinic_resources(ctx, demo, "Appointment")}
    assert statuses == {"booked", "checked-in", "fulfilled", "cancelled", "noshow"}


def owner_of(clinic):
    return StaffMember.objects.filter(clinic=clinic, role="owner").order_by("pk").first()


def test_every_patients_everything_bundle_validates_as_sent(demo):
    client = client_for(owner_of(demo))
    for patient in Patient.objects.filter(clinic=demo).order_by("pk"):
        response = client.get(reverse("fhir:everything", args=[patient.pk]))
        assert response.status_code == 200
        bundle = response.json()
        assert_valid(bundle)
        assert bundle["entry"][0]["resource"]["id"] == str(patient.pk)


def test_the_capability_statement_validates(client):
    assert_valid(client.get(reverse("fhir:metadata")).json())


def test_the_operation_outcomes_validate(owner):
    client = client_for(owner)
    refused = client.post(
        reverse("fhir:patient_create"),
        {"resourceType": "Patient", "gender": "x"},
        content_type="application/json",
    )
    assert refused.status_code == 422
    assert_valid(refused.json())
    unknown = client.get(reverse("fhir:bulk_export"), {"_type": "Nothing"})
    assert unknown.status_code == 400
    assert_valid(unknown.json())
    created = client.post(
        reverse("fhir:patient_create"),
        {
            "resourceType": "Patient",
            "name": [{"family": "Wójcik", "given": ["Ewa"]}],
            "birthDate": "1990-05-06",
        },
        content_type="application/json",
    )
    assert created.status_code == 201
    assert_valid(created.json())


def test_the_imports_transaction_response_validates(owner):
    entry = {
        "resourceType": "Patient",
        "name": [{"family": "Wójcik", "given": ["Ewa"]}],
        "birthDate": "1990-05-06",
    }
    bundle = {"resourceType": "Bundle", "type": "transaction", "entry": [{"resource": entry}]}
    response = client_for(owner).post(reverse("fhir:transaction"), bundle, content_type="application/json")
    assert response.status_code == 200, response.content
    assert_valid(response.json())

"""Other systems reach the FHIR endpoints with an API token instead of a session: limited to its scopes,
refused when forged or revoked, and without a CSRF token (a session still needs one)."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from mesoclinic.accounts.services import create_api_token, revoke_api_token
from mesoclinic.patients.models import Patient
from mesoclinic.testing import client_for, make_patient

pytestmark = pytest.mark.django_db

NEW_PATIENT = {
    "resourceType": "Patient",
    "name": [{"family": "Nowak", "given": ["Ewa"]}],
    "gender": "female",
    "birthDate": "1990-05-01",
}


def _bearer(owner, *scopes: str) -> dict[str, str]:
    issued = create_api_token(owner, name="EHR link", scopes=scopes, actor=owner.user)
    return {"HTTP_AUTHORIZATION": f"Bearer {issued.secret}"}


def test_a_token_with_the_export_scope_reads_a_patients_everything(owner, clinic):
    patient = make_patient(clinic)
    response = Client().get(reverse("fhir:everything", args=[patient.pk]), **_bearer(owner, "export_data"))
    assert response.status_code == 200
    assert response.json()["resourceType"] == "Bundle"


def test_a_token_without_the_scope_is_refused(owner, clinic):
    patient = make_patient(clinic)
    response = Client().get(reverse("fhir:everything", args=[patient.pk]), **_bearer(owner, "view_patients"))
    assert response.status_code == 403


def test_a_forged_or_revoked_token_is_a_401(owner, clinic):
    url = reverse("fhir:bulk_export")
    assert Client().get(url, HTTP_AUTHORIZATION="Bearer mc_abc_forged").status_code == 401
    issued = create_api_token(owner, name="old", scopes=["export_data"], actor=owner.user)
    revoke_api_token(issued.token, actor=owner.user)
    assert Client().get(url, HTTP_AUTHORIZATION=f"Bearer {issued.secret}").status_code == 401


def test_a_token_imports_without_csrf_but_a_session_needs_it(owner, clinic):
    url = reverse("fhir:patient_create")
    body = json.dumps(NEW_PATIENT)
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(url, body, content_type="application/fhir+json", **_bearer(owner, "import_data"))
    assert response.status_code == 201
    session = client_for(owner)
    session.handler.enforce_csrf_checks = True
    assert session.post(url, body, content_type="application/fhir+json").status_code == 403
    assert Patient.objects.filter(family_name="Nowak").count() == 1


@pytest.mark.parametrize(
    ("name", "method", "args"),
    [
        ("fhir:everything", "get", [1]),
        ("fhir:bulk_export", "get", []),
        ("fhir:bulk_file", "get", ["Patient"]),
        ("fhir:patient_create", "post", []),
        ("fhir:transaction", "post", []),
    ],
)
def test_an_anonymous_fhir_call_is_a_401_operation_outcome_not_a_login_redirect(name, method, args):
    client = Client(enforce_csrf_checks=True)
    response = getattr(client, method)(reverse(name, args=args), content_type="application/fhir+json")
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/fhir+json")
    assert response["WWW-Authenticate"].startswith("Bearer")
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    assert body["issue"][0]["code"] == "login"
    assert "API token" in body["issue"][0]["diagnostics"]


def test_a_refused_scope_and_a_forged_token_answer_operation_outcomes(owner, clinic):
    patient = make_patient(clinic)
    url = reverse("fhir:everything", args=[patient.pk])
    refused = Client().get(url, **_bearer(owner, "view_patients"))
    assert refused.status_code == 403
    assert refused.json()["issue"][0]["code"] == "forbidden"
    forged = Client().get(url, HTTP_AUTHORIZATION="Bearer mc_abc_forged")
    assert forged.status_code == 401
    assert forged.json()["resourceType"] == "OperationOutcome"


def test_a_role_without_the_capability_gets_a_403_operation_outcome(receptionist, clinic):
    response = client_for(receptionist).get(reverse("fhir:bulk_export"))
    assert response.status_code == 403
    assert response.json()["resourceType"] == "OperationOutcome"

"""FHIR's OperationOutcome diagnostics follow the caller's language like the other API errors (issue 15); the
FHIR codes (``invalid``, ``structure``, ``informational``) and the element paths never change with it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from mesoclinic import testing
from mesoclinic.accounts.models import Role, StaffMember
from mesoclinic.interop.tests.test_fhir_import import bundle, patient, post

pytestmark = pytest.mark.django_db


def _polish(clinic):
    staff = testing.make_staff(clinic, Role.OWNER, name="Anna Nowak")
    StaffMember.objects.filter(pk=staff.pk).update(language="pl")
    staff.refresh_from_db()
    return staff


def test_an_entrys_refusal_reads_in_polish_with_its_fhir_code_and_path(clinic, owner):
    payload = bundle(patient(), patient(family="Nowak", birth="1990"))
    polish = post(_polish(clinic), "fhir:transaction", payload).json()["issue"]
    english = post(owner, "fhir:transaction", payload).json()["issue"]
    assert [(i["code"], i["expression"]) for i in polish] == [(i["code"], i["expression"]) for i in english]
    assert polish[0]["code"] == "invalid"
    assert english[0]["diagnostics"] == "A full date of birth (YYYY-MM-DD) is required."
    assert polish[0]["diagnostics"] == "Wymagana jest pełna data urodzenia (RRRR-MM-DD)."


def test_a_dry_run_and_a_body_that_is_not_json_answer_in_polish(clinic):
    staff = _polish(clinic)
    checked = post(staff, "fhir:transaction", bundle(patient(), patient(family="Nowak")), _dryRun="true")
    assert checked.json()["issue"][0] == {
        "severity": "information",
        "code": "informational",
        "diagnostics": "2 pacjentów zostałoby zaimportowanych; nic nie zapisano.",
    }
    refused = testing.client_for(staff).post(
        reverse("fhir:transaction"), "{", content_type="application/fhir+json"
    )
    assert refused.status_code == 400
    assert refused.json()["issue"][0]["code"] == "structure"
    assert refused.json()["issue"][0]["diagnostics"] == "Treść nie jest w formacie JSON."

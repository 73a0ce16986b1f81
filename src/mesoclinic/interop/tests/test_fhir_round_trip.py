"""Import what we export: a Patient exported by one clinic and imported by another comes out unchanged.

Only what is the receiving clinic's own differs: its id, its identifier and ``managingOrganization`` (the
sending clinic's identifier is kept beside it, as every imported identifier is).
"""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from mesoclinic import testing
from mesoclinic.accounts.models import Role
from mesoclinic.interop.fhir.codes import GENDERS
from mesoclinic.interop.tests.r4_check import check
from mesoclinic.patients.models import Patient, Sex
from mesoclinic.patients.services import register_patient

pytestmark = pytest.mark.django_db

THE_CLINICS_OWN = {"id", "identifier", "managingOrganization"}


def everything_patient(client, patient_id: int) -> dict:
    response = client.get(reverse("fhir:everything", args=[patient_id]))
    assert response.status_code == 200
    return response.json()["entry"][0]["resource"]


@pytest.mark.parametrize("sex", Sex.values)
def test_a_patient_exported_and_imported_elsewhere_is_unchanged(clinic, other_clinic, owner, sex):
    patient = register_patient(
        clinic, actor=None, given_name="Zofia Maria", family_name="Łęcka-Wójcik", birth_date=date(1985, 4, 2),
        sex=sex, email="zofia@example.org", phone="+48 600 100 200", address="ul. Długa 1/3\n31-147 Kraków",
        preferred_language="pl",
    )  # fmt: skip
    exported = everything_patient(testing.client_for(owner), patient.pk)
    assert not check(exported)
    assert exported["gender"] == GENDERS[sex]

    receiver = testing.client_for(testing.make_staff(other_clinic, Role.OWNER, name="Other Owner"))
    response = receiver.post(reverse("fhir:patient_create"), exported, content_type="application/json")
    assert response.status_code == 201, response.content
    imported = Patient.objects.get(clinic=other_clinic)
    again = everything_patient(receiver, imported.pk)

    assert {k: v for k, v in again.items() if k not in THE_CLINICS_OWN} == {
        k: v for k, v in exported.items() if k not in THE_CLINICS_OWN
    }
    assert exported["identifier"][0] in again["identifier"]
    fields = [
        "given_name",
        "family_name",
        "birth_date",
        "sex",
        "email",
        "phone",
        "address",
        "preferred_language",
    ]
    assert {f: getattr(imported, f) for f in fields} == {f: getattr(patient, f) for f in fields}


def test_a_gender_r4_does_not_have_is_refused_by_name(owner):
    body = {
        "resourceType": "Patient",
        "name": [{"family": "Nowak", "given": ["Ewa"]}],
        "birthDate": "1990-01-02",
    }
    response = testing.client_for(owner).post(
        reverse("fhir:patient_create"), body | {"gender": "femme"}, content_type="application/json"
    )
    assert response.status_code == 422
    issue = response.json()["issue"][0]
    assert issue["expression"] == ["Patient.gender"]
    assert "'femme' is not one of female, male, other, unknown" in issue["diagnostics"]
    assert not Patient.objects.filter(family_name="Nowak").exists()

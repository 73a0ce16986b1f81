"""POST /fhir/R4/Patient and POST /fhir/R4/ (a Bundle): Patients registered, all or none, errors per entry."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.urls import reverse

from mesoclinic import testing
from mesoclinic.interop.models import ExternalIdentifier
from mesoclinic.patients.models import MedicalHistory, Patient

pytestmark = pytest.mark.django_db


def patient(family="Kowalska", given="Zofia", birth="1985-03-14", **extra):
    """A Patient as another system sends it (``extra`` replaces or adds elements)."""
    return {
        "resourceType": "Patient",
        "identifier": [{"system": "urn:oid:1.2.3.4", "value": f"{family}-1"}],
        "name": [{"use": "official", "family": family, "given": [given]}],
        "gender": "female",
        "birthDate": birth,
        "telecom": [
            {"system": "email", "value": f"{family.lower()}@example.org"},
            {"system": "phone", "value": "+48 600 000 000"},
        ],
        "communication": [{"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": "pl"}]}}],
        **extra,
    }


def bundle(*resources):
    return {"resourceType": "Bundle", "type": "transaction", "entry": [{"resource": r} for r in resources]}


def post(staff, url_name, payload, **params):
    url = reverse(url_name)
    if params:
        url += "?" + "&".join(f"{k}={v}" for k, v in params.items())
    return testing.client_for(staff).post(url, json.dumps(payload), content_type="application/fhir+json")


def test_it_registers_a_single_patient_with_a_medical_history_and_the_identifier(owner, clinic):
    response = post(owner, "fhir:patient_create", patient())
    assert response.status_code == 201
    created = Patient.objects.get(clinic=clinic)
    assert response["Location"].endswith(f"/fhir/R4/Patient/{created.pk}")
    assert (created.given_name, created.birth_date, created.sex) == ("Zofia", date(1985, 3, 14), "female")
    assert (created.email, created.phone, created.preferred_language) == (
        "kowalska@example.org",
        "+48600000000",
        "pl",
    )
    assert MedicalHistory.objects.filter(patient=created).exists()
    assert ExternalIdentifier.objects.get(patient=created).value == "Kowalska-1"


def test_it_registers_every_patient_of_a_bundle(owner, clinic):
    response = post(owner, "fhir:transaction", bundle(patient(), patient("Nowak", "Jan", "1979-11-02")))
    assert response.status_code == 200
    body = response.json()
    assert body["type"] == "transaction-response"
    ids = [int(e["response"]["location"].split("/")[1]) for e in body["entry"]]
    assert sorted(Patient.objects.filter(clinic=clinic).values_list("pk", flat=True)) == sorted(ids)


def test_one_invalid_entry_means_none_is_registered_and_each_error_names_its_entry(owner, clinic):
    payload = bundle(
        patient(),
        patient("Nowak", "Jan", "1979-13-02"),  # no such month: fhir.resources refuses it
        {"resourceType": "Observation", "status": "final", "code": {"text": "x"}},
        patient("Lis", "Ewa", "1990-01-01", name=[{"given": ["Ewa"]}]),
        patient("Wrona", "", "1990-01-01"),
    )
    response = post(owner, "fhir:transaction", payload)
    assert response.status_code == 422
    issues = response.json()["issue"]
    where = [i["expression"][0] for i in issues]
    assert where == [
        "Bundle.entry[1].resource.birthDate",
        "Bundle.entry[2].resource.resourceType",
        "Bundle.entry[3].resource.name",
        "Bundle.entry[4].resource.name[0].given[0]",
    ]
    assert not Patient.objects.filter(clinic=clinic).exists()
    assert not ExternalIdentifier.objects.exists()


def test_an_identifier_already_held_is_a_duplicate(owner, clinic):
    post(owner, "fhir:patient_create", patient())
    response = post(
        owner, "fhir:patient_create", patient(family="Kowalska", given="Zofia", birth="1990-01-01")
    )
    assert response.status_code == 422
    assert "already imported" in response.json()["issue"][0]["diagnostics"]
    assert Patient.objects.filter(clinic=clinic).count() == 1


def test_a_dry_run_checks_without_saving(owner, clinic):
    response = post(owner, "fhir:transaction", bundle(patient()), _dryRun="true")
    assert response.status_code == 200
    assert "would be imported" in response.json()["issue"][0]["diagnostics"]
    assert not Patient.objects.filter(clinic=clinic).exists()


def test_a_body_that_is_not_json_is_a_400(owner):
    response = testing.client_for(owner).post(
        reverse("fhir:patient_create"), "nope", content_type="application/fhir+json"
    )
    assert response.status_code == 400


@pytest.mark.parametrize("persona", ["physician", "practitioner", "receptionist"])
def test_importing_needs_the_import_capability(request, persona, clinic):
    assert post(request.getfixturevalue(persona), "fhir:patient_create", patient()).status_code == 403
    assert not Patient.objects.filter(clinic=clinic).exists()


def test_imported_patients_land_in_the_importers_clinic(outsider, clinic, other_clinic):
    owner_elsewhere = testing.make_staff(other_clinic, "owner")
    post(owner_elsewhere, "fhir:patient_create", patient())
    assert not Patient.objects.filter(clinic=clinic).exists()
    assert Patient.objects.filter(clinic=other_clinic).count() == 1


def test_import_refuses_get(owner):
    assert testing.client_for(owner).get(reverse("fhir:patient_create")).status_code == 405


def _exported_patient(staff, patient_id):
    url = reverse("fhir:everything", args=[patient_id])
    body = testing.client_for(staff).get(url).json()
    return next(e["resource"] for e in body["entry"] if e["resource"]["resourceType"] == "Patient")


def test_a_patient_exported_and_imported_elsewhere_round_trips_unchanged(owner, clinic, other_clinic):
    """Import what you export: another MesoClinic reads our Patient and writes the same one back."""
    from mesoclinic.accounts.models import Role  # noqa: PLC0415
    from mesoclinic.patients.services import register_patient  # noqa: PLC0415

    original = register_patient(
        clinic,
        actor=None,
        given_name="Zofia Maria",
        family_name="Wójcik-Ząbek",
        birth_date=date(1979, 11, 2),
        sex="female",
        phone="+48 601 234 567",
        email="zofia@example.org",
        address="ul. Długa 5, 00-001 Warszawa",
        preferred_language="pl",
    )
    sent = _exported_patient(owner, original.pk)
    elsewhere = testing.make_staff(other_clinic, Role.OWNER, name="Ewa Elsewhere")
    assert post(elsewhere, "fhir:patient_create", sent).status_code == 201
    copy = Patient.objects.get(clinic=other_clinic)
    kept = (
        "given_name",
        "family_name",
        "birth_date",
        "sex",
        "phone",
        "email",
        "address",
        "preferred_language",
    )
    assert [getattr(copy, f) for f in kept] == [getattr(original, f) for f in kept]

    back = _exported_patient(elsewhere, copy.pk)
    same = ("name", "telecom", "gender", "birthDate", "address", "communication", "active")
    assert {k: back.get(k) for k in same} == {k: sent.get(k) for k in same}
    # the other system keeps our identifier beside its own
    assert sent["identifier"][0] in back["identifier"]


def test_a_body_between_2_5_and_10_mb_is_read_not_refused_as_html(owner, clinic):
    """Issue 13: Django's 2.5 MB form limit answered a FHIR client with an HTML 400."""
    padded = patient(text={"status": "generated", "div": "<div>" + "x" * 3_000_000 + "</div>"})
    response = post(owner, "fhir:patient_create", padded, _dryRun="true")
    assert response["Content-Type"].startswith("application/fhir+json")
    assert response.json()["resourceType"] == "OperationOutcome"
    assert response.status_code in {200, 422}


def test_a_body_over_10_mb_is_a_413_operation_outcome(owner, clinic):
    body = json.dumps(patient(text={"status": "generated", "div": "x" * (10 * 1024 * 1024)}))
    response = testing.client_for(owner).post(
        reverse("fhir:transaction"), body, content_type="application/fhir+json"
    )
    assert response.status_code == 413
    issue = response.json()["issue"][0]
    assert (issue["code"], issue["severity"]) == ("too-costly", "error")
    assert not Patient.objects.filter(clinic=clinic).exists()


@pytest.mark.parametrize("depth", [40, 100_000])
def test_deeply_nested_json_is_a_400_operation_outcome(owner, depth):
    body = '{"resourceType": "Bundle", "entry": ' + "[" * depth + "]" * depth + "}"
    response = testing.client_for(owner).post(
        reverse("fhir:transaction"), body, content_type="application/fhir+json"
    )
    assert response.status_code == 400
    assert "nested" in response.json()["issue"][0]["diagnostics"]


def test_control_characters_in_an_imported_name_are_refused_per_entry(owner, clinic):
    response = post(owner, "fhir:transaction", bundle(patient(), patient(family="Nowak", given="Ew\x1ba")))
    assert response.status_code == 422
    issue = response.json()["issue"][0]
    assert issue["expression"] == ["Bundle.entry[1].resource.given_name"]
    assert "control character" in issue["diagnostics"]
    assert not Patient.objects.filter(clinic=clinic).exists()

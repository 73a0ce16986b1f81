"""Writing the medical history over the API: a complete document (PUT) or named fields (PATCH), with a reason.

A malformed body must never wipe the history that screening relies on (issue 13, item 1).
"""

from __future__ import annotations

import json

import pytest

from mesoclinic.accounts.models import Role
from mesoclinic.patients.selectors import medical_history_versions
from mesoclinic.testing import client_for, make_patient, make_staff

pytestmark = pytest.mark.django_db

COMPLETE = {
    "conditions": [],
    "medications": [],
    "implants": ["pacemaker"],
    "allergies": ["lidocaine"],
    "other_allergies": ["latex"],
    "other_medications": [],
    "notes": "",
    "status": "confirmed",
    "reason": "intake",
}


def send(client, method, url, body):
    raw = body if isinstance(body, str) else json.dumps(body)
    return getattr(client, method)(url, data=raw, content_type="application/json")


@pytest.fixture
def patient(clinic):
    return make_patient(clinic, implants=["pacemaker"], allergies=["lidocaine"], notes="keep me")


def _state(patient):
    history = patient.medical_history
    history.refresh_from_db()
    return (history.conditions, history.medications, history.implants, history.allergies, history.notes)


MALFORMED = [
    "null",
    "123",
    '"x"',
    "[]",
    "[null,null]",
    "{}",
    "",
    # a document without its reason is refused
    {key: value for key, value in COMPLETE.items() if key != "reason"},
    {**COMPLETE, "reason": "   "},
    {**COMPLETE, "allergies": None},
    {**COMPLETE, "status": "not_taken"},
    {**COMPLETE, "implants": "pacemaker"},
    {**COMPLETE, "allergys": ["dmae"]},
]


@pytest.mark.parametrize("method", ["put", "patch"])
@pytest.mark.parametrize("body", MALFORMED, ids=repr)
def test_it_refuses_a_malformed_body_and_changes_nothing(patient, practitioner, method, body):
    before = _state(patient)
    versions = len(medical_history_versions(patient))
    response = send(client_for(practitioner), method, f"/api/v1/patients/{patient.pk}/history", body)
    assert response.status_code == 422, response.content
    assert response.json()["detail"]
    assert _state(patient) == before
    assert len(medical_history_versions(patient)) == versions


@pytest.mark.parametrize("missing", sorted(set(COMPLETE) - {"reason"}))
def test_a_put_without_every_field_changes_nothing(patient, practitioner, missing):
    body = {key: value for key, value in COMPLETE.items() if key != missing}
    before = _state(patient)
    response = send(client_for(practitioner), "put", f"/api/v1/patients/{patient.pk}/history", body)
    assert response.status_code == 422, response.content
    assert missing in str(response.json()["detail"])
    assert _state(patient) == before


def test_a_body_that_is_not_json_changes_nothing(patient, practitioner):
    before = _state(patient)
    response = send(client_for(practitioner), "put", f"/api/v1/patients/{patient.pk}/history", "{not json")
    assert response.status_code in (400, 422)
    assert _state(patient) == before


def test_it_replaces_the_history_with_a_complete_document(patient, practitioner):
    body = {**COMPLETE, "implants": [], "reason": "pacemaker removed"}
    response = send(client_for(practitioner), "put", f"/api/v1/patients/{patient.pk}/history", body)
    assert response.status_code == 200, response.content
    assert response.json()["implants"] == []
    assert response.json()["allergies"] == ["lidocaine"]
    assert _state(patient)[2:] == ([], ["lidocaine"], "")
    assert medical_history_versions(patient)[0].reason == "pacemaker removed"


def test_it_patches_only_the_named_fields(patient, practitioner):
    body = {"conditions": ["epilepsy"], "reason": "diagnosed"}
    response = send(client_for(practitioner), "patch", f"/api/v1/patients/{patient.pk}/history", body)
    assert response.status_code == 200, response.content
    assert _state(patient) == (["epilepsy"], [], ["pacemaker"], ["lidocaine"], "keep me")
    assert medical_history_versions(patient)[0].reason == "diagnosed"


def test_it_refuses_a_patch_that_names_no_field(patient, practitioner):
    response = send(
        client_for(practitioner), "patch", f"/api/v1/patients/{patient.pk}/history", {"reason": "why"}
    )
    assert response.status_code == 422
    assert _state(patient)[2] == ["pacemaker"]


def test_a_patch_is_validated_against_the_vocabulary(patient, practitioner):
    body = {"implants": ["pacemakr"], "reason": "typo"}
    response = send(client_for(practitioner), "patch", f"/api/v1/patients/{patient.pk}/history", body)
    assert response.status_code == 422
    assert "pacemakr" in response.json()["errors"]["implants"][0]
    assert _state(patient)[2] == ["pacemaker"]


def test_it_hides_other_clinics_histories_from_a_patch(clinic, other_clinic, patient):
    stranger = make_staff(other_clinic, Role.PRACTITIONER)
    body = {"implants": [], "reason": "x"}
    response = send(client_for(stranger), "patch", f"/api/v1/patients/{patient.pk}/history", body)
    assert response.status_code == 404
    assert _state(patient)[2] == ["pacemaker"]


def test_receptionists_may_not_patch_the_history(patient, receptionist):
    body = {"implants": [], "reason": "x"}
    response = send(client_for(receptionist), "patch", f"/api/v1/patients/{patient.pk}/history", body)
    assert response.status_code == 403
    assert _state(patient)[2] == ["pacemaker"]

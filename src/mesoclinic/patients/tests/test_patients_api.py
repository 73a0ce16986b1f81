"""The patients API: registration, identity, medical history with versions, consents, clinic isolation."""

from __future__ import annotations

import json

import pytest

from mesoclinic.catalog.models import Modality
from mesoclinic.patients.models import Patient
from mesoclinic.patients.services import publish_consent_template
from mesoclinic.testing import client_for, make_patient

pytestmark = pytest.mark.django_db

NEW = {
    "given_name": "Ada",
    "family_name": "Lovelace",
    "birth_date": "1985-12-10",
    "sex": "female",
    "email": "ada@example.com",
    "fitzpatrick": 2,
    "glogau": 2,
    "contact_consent": True,
    "contact_channels": ["email"],
}


COMPLETE_HISTORY = {
    "conditions": [],
    "medications": [],
    "implants": [],
    "allergies": [],
    "other_allergies": [],
    "other_medications": [],
    "notes": "",
    "status": "confirmed",
    "reason": "intake",
}


def post(client, url, data, method="post"):
    return getattr(client, method)(url, data=json.dumps(data), content_type="application/json")


def test_it_creates_a_patient_in_the_callers_clinic(receptionist):
    response = post(client_for(receptionist), "/api/v1/patients", NEW)
    assert response.status_code == 201, response.content
    patient = Patient.objects.get(pk=response.json()["id"])
    assert patient.clinic == receptionist.clinic
    assert patient.full_name == "Ada Lovelace"
    assert patient.medical_history.conditions == []


def test_it_asks_for_the_contact_answer_and_records_it(receptionist):
    unanswered = {k: v for k, v in NEW.items() if k not in ("contact_consent", "contact_channels")}
    response = post(client_for(receptionist), "/api/v1/patients", unanswered)
    assert response.status_code == 422
    assert "contact_consent" in {tuple(err["loc"])[-1] for err in response.json()["detail"]}
    response = post(client_for(receptionist), "/api/v1/patients", {**NEW, "contact_channels": ["sms"]})
    assert response.status_code == 422  # a text message needs a phone number
    assert not Patient.objects.exists()
    response = post(client_for(receptionist), "/api/v1/patients", NEW)
    preference = Patient.objects.get(pk=response.json()["id"]).contact_preference
    assert (preference.consent, preference.email, preference.sms) == (True, True, False)


def test_it_rejects_bad_input_with_field_errors(receptionist):
    response = post(
        client_for(receptionist), "/api/v1/patients", {**NEW, "birth_date": "1985-13-40", "fitzpatrick": 9}
    )
    assert response.status_code == 422
    fields = {tuple(err["loc"])[-1] for err in response.json()["detail"]}
    assert {"birth_date", "fitzpatrick"} <= fields
    assert not Patient.objects.exists()


def test_it_lists_and_searches_only_own_clinic(clinic, other_clinic, receptionist):
    mine = make_patient(clinic)
    make_patient(other_clinic)
    response = client_for(receptionist).get("/api/v1/patients", {"search": mine.family_name})
    assert response.status_code == 200
    assert [p["id"] for p in response.json()["items"]] == [mine.pk]
    everything = client_for(receptionist).get("/api/v1/patients").json()
    assert everything["count"] == 1


def test_it_hides_patients_of_other_clinics(clinic, outsider):
    patient = make_patient(clinic)
    client = client_for(outsider)
    assert client.get(f"/api/v1/patients/{patient.pk}").status_code == 404
    assert post(client, f"/api/v1/patients/{patient.pk}", {"phone": "1"}, "patch").status_code == 404
    assert client.get(f"/api/v1/patients/{patient.pk}/history").status_code == 404
    assert post(client, f"/api/v1/patients/{patient.pk}/history", COMPLETE_HISTORY, "put").status_code == 404
    assert client.get(f"/api/v1/patients/{patient.pk}/consents").status_code == 404


def test_it_updates_identity(clinic, receptionist):
    patient = make_patient(clinic)
    response = post(
        client_for(receptionist), f"/api/v1/patients/{patient.pk}", {"phone": "+48 600-111-222"}, "patch"
    )
    assert response.status_code == 200
    assert response.json()["phone"] == "+48600111222"
    patient.refresh_from_db()
    assert patient.phone == "+48600111222"
    assert patient.history.count() == 2


def test_it_refuses_an_invalid_phone_by_name(clinic, receptionist):
    patient = make_patient(clinic)
    response = post(client_for(receptionist), f"/api/v1/patients/{patient.pk}", {"phone": "+48 111"}, "patch")
    assert response.status_code == 422
    assert "not a valid phone number" in response.json()["errors"]["phone"][0]
    patient.refresh_from_db()
    assert patient.phone == ""


def test_it_answers_409_with_the_possible_duplicates_until_allowed(clinic, receptionist):
    client = client_for(receptionist)
    first = post(client, "/api/v1/patients", NEW).json()
    again = {**NEW, "given_name": "ADA", "email": "", "contact_consent": False, "contact_channels": []}
    response = post(client, "/api/v1/patients", again)
    assert response.status_code == 409
    body = response.json()
    assert "may already be registered" in body["detail"]
    assert body["duplicates"] == [
        {
            "id": first["id"],
            "given_name": "Ada",
            "family_name": "Lovelace",
            "birth_date": "1985-12-10",
            "reasons": ["same name and date of birth"],
        }
    ]
    assert Patient.objects.count() == 1
    assert post(client, "/api/v1/patients", {**again, "allow_duplicate": True}).status_code == 201
    assert Patient.objects.count() == 2


def test_an_edit_matching_another_patient_answers_409_until_allowed(clinic, receptionist):
    client = client_for(receptionist)
    post(client, "/api/v1/patients", NEW)
    other = make_patient(clinic)
    url = f"/api/v1/patients/{other.pk}"
    response = post(client, url, {"email": "Ada@Example.com"}, "patch")
    assert response.status_code == 409
    assert response.json()["duplicates"][0]["reasons"] == ["same e-mail"]
    other.refresh_from_db()
    assert other.email == ""
    assert (
        post(client, url, {"email": "Ada@Example.com", "allow_duplicate": True}, "patch").status_code == 200
    )


def test_the_openapi_document_declares_the_409_answer(client):
    document = client.get("/api/v1/openapi.json").json()
    for method in ("post", "patch"):
        path = "/api/v1/patients" if method == "post" else "/api/v1/patients/{patient_id}"
        answer = document["paths"][path][method]["responses"]["409"]
        schema = answer["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/PossibleDuplicatesOut"}
    assert document["components"]["schemas"]["PatientIn"]["properties"]["allow_duplicate"]["default"] is False


def test_it_keeps_every_version_of_the_medical_history(clinic, practitioner):
    patient = make_patient(clinic)
    client = client_for(practitioner)
    url = f"/api/v1/patients/{patient.pk}/history"
    first = {**COMPLETE_HISTORY, "implants": ["pacemaker"], "allergies": ["lidocaine"], "reason": "intake"}
    assert post(client, url, first, "put").status_code == 200
    second = {
        **COMPLETE_HISTORY,
        "implants": [],
        "medications": [{"code": "isotretinoin", "stopped": "2026-09-01"}],
        "notes": "x",
        "reason": "pacemaker removed",
    }
    response = post(client, url, second, "put")
    assert response.status_code == 200
    assert response.json()["medications"] == [{"code": "isotretinoin", "stopped": "2026-09-01"}]
    versions = client.get(f"{url}/versions").json()
    assert [v["reason"] for v in versions[:2]] == ["pacemaker removed", "intake"]
    assert versions[0]["changes"]["implants"] == [["pacemaker"], []]
    assert versions[0]["by"] == practitioner.display_name


def test_it_rejects_unknown_codes_and_keeps_the_history(clinic, practitioner):
    patient = make_patient(clinic, implants=["pacemaker"])
    response = post(
        client_for(practitioner),
        f"/api/v1/patients/{patient.pk}/history",
        {**COMPLETE_HISTORY, "conditions": ["pregant"]},
        "put",
    )
    assert response.status_code == 422
    assert "pregant" in response.json()["errors"]["conditions"][0]
    patient.medical_history.refresh_from_db()
    assert patient.medical_history.implants == ["pacemaker"]


def test_it_keeps_the_history_from_receptionists(clinic, receptionist):
    patient = make_patient(clinic, allergies=["dmae"])
    client = client_for(receptionist)
    assert client.get(f"/api/v1/patients/{patient.pk}/history").status_code == 403
    assert post(client, f"/api/v1/patients/{patient.pk}/history", COMPLETE_HISTORY, "put").status_code == 403


def test_it_refuses_the_auditor_and_anonymous(clinic, auditor, client):
    patient = make_patient(clinic)
    assert client_for(auditor).get(f"/api/v1/patients/{patient.pk}").status_code == 403
    assert client.get(f"/api/v1/patients/{patient.pk}").status_code == 401


def test_it_records_and_withdraws_consent(clinic, receptionist):
    template = publish_consent_template(
        clinic,
        modality=Modality.objects.get(clinic=clinic, code="needle"),
        title="Needle consent",
        body="Risks...",
        actor=None,
    )
    patient = make_patient(clinic)
    client = client_for(receptionist)
    url = f"/api/v1/patients/{patient.pk}/consents"
    response = post(
        client, url, {"template_id": template.pk, "signed_by": "Test Patient", "photo_use": ["marketing"]}
    )
    assert response.status_code == 201, response.content
    consent = response.json()
    assert consent["photo_use"] == ["clinical", "marketing"]
    assert consent["template_version"] == 1 and consent["is_valid"]
    withdrawn = post(client, f"{url}/{consent['id']}/withdraw", {"reason": "changed mind"})
    assert withdrawn.json()["is_valid"] is False
    assert client.get(url).json()[0]["withdrawn_at"] is not None


def test_it_refuses_a_consent_form_of_another_clinic(clinic, other_clinic, receptionist):
    foreign = publish_consent_template(
        other_clinic,
        modality=Modality.objects.get(clinic=other_clinic, code="needle"),
        title="Theirs",
        body="...",
        actor=None,
    )
    patient = make_patient(clinic)
    response = post(
        client_for(receptionist),
        f"/api/v1/patients/{patient.pk}/consents",
        {"template_id": foreign.pk, "signed_by": "X"},
    )
    assert response.status_code == 404
    assert not patient.consents.exists()

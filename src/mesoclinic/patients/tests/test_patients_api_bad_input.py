"""Values a client may send that the chart cannot hold: refused with 422 naming the field, nothing changed,
never a server error (issue 13, items 10 and 11)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import time_machine

from mesoclinic.patients.models import Patient
from mesoclinic.patients.services import update_patient
from mesoclinic.testing import client_for, make_patient

pytestmark = pytest.mark.django_db

NEW = {"given_name": "Ada", "family_name": "Lovelace", "birth_date": "1985-12-10"}


def send(client, method, url, body):
    return getattr(client, method)(url, data=json.dumps(body), content_type="application/json")


@pytest.mark.parametrize("field", ["phone", "address", "email", "given_name", "birth_date", "sex"])
def test_it_refuses_null_for_a_field_the_chart_always_has(clinic, receptionist, field):
    patient = update_patient(make_patient(clinic), actor=None, phone="+48 600 100 200")
    response = send(client_for(receptionist), "patch", f"/api/v1/patients/{patient.pk}", {field: None})
    assert response.status_code == 422, response.content
    patient.refresh_from_db()
    assert patient.phone == "+48 600 100 200"


def test_an_empty_string_still_clears_the_phone(clinic, receptionist):
    patient = update_patient(make_patient(clinic), actor=None, phone="+48 600 100 200")
    response = send(client_for(receptionist), "patch", f"/api/v1/patients/{patient.pk}", {"phone": ""})
    assert response.status_code == 200
    patient.refresh_from_db()
    assert patient.phone == ""


@time_machine.travel(datetime(2027, 3, 1, 12, tzinfo=UTC), tick=False)
def test_it_refuses_a_birth_date_in_the_future_at_registration_and_later(clinic, receptionist):
    client = client_for(receptionist)
    response = send(client, "post", "/api/v1/patients", {**NEW, "birth_date": "2027-03-02"})
    assert response.status_code == 422
    assert "future" in response.json()["errors"]["birth_date"][0]
    assert not Patient.objects.exists()
    patient = make_patient(clinic)
    response = send(client, "patch", f"/api/v1/patients/{patient.pk}", {"birth_date": "9999-12-31"})
    assert response.status_code == 422
    assert send(client, "post", "/api/v1/patients", {**NEW, "birth_date": "0001-01-01"}).status_code == 422


@pytest.mark.parametrize("bad", ["Ada\x1b[31m", "Ada\x01", "Ada\x7f"])
@pytest.mark.parametrize("field", ["given_name", "family_name", "phone"])
def test_it_refuses_control_characters_with_a_clear_message(receptionist, field, bad):
    response = send(client_for(receptionist), "post", "/api/v1/patients", {**NEW, field: bad})
    assert response.status_code == 422
    assert "control character" in response.json()["errors"][field][0]
    assert not Patient.objects.exists()


def test_it_refuses_a_lone_surrogate_in_history_notes(clinic, physician):
    patient = make_patient(clinic)
    body = '{"conditions": [], "notes": "ill \\ud800", "reason": "update"}'
    response = client_for(physician).put(
        f"/api/v1/patients/{patient.pk}/history", body, content_type="application/json"
    )
    assert response.status_code == 422
    assert "surrogate" in response.json()["errors"]["notes"][0]


def test_it_bounds_a_100000_character_note(clinic, physician):
    patient = make_patient(clinic)
    body = {"conditions": [], "notes": "x" * 100_000, "reason": "update"}
    response = send(client_for(physician), "put", f"/api/v1/patients/{patient.pk}/history", body)
    assert response.status_code == 422
    assert "At most 10,000 characters" in response.json()["errors"]["notes"][0]
    assert patient.medical_history.notes == ""


def test_it_refuses_deeply_nested_json_as_bad_input(receptionist):
    body = '{"given_name": ' + "[" * 50 + "]" * 50 + "}"
    response = client_for(receptionist).post("/api/v1/patients", body, content_type="application/json")
    assert response.status_code == 422
    assert "nested too deeply" in response.json()["errors"]["body"][0]


def test_the_receptionist_form_refuses_control_characters_too(receptionist):
    response = client_for(receptionist).post(
        "/patients/new/", {**NEW, "family_name": "Love\x1blace", "sex": "female", "preferred_language": "en"}
    )
    assert response.status_code == 200
    assert "control character" in response.content.decode()
    assert not Patient.objects.exists()


def test_the_openapi_document_says_what_text_is_accepted(client):
    schemas = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    notes = schemas["MedicalHistoryIn"]["properties"]["notes"]
    assert notes["maxLength"] == 10_000
    assert notes["pattern"].startswith("^[^\\x00")
    phone = schemas["PatientPatch"]["properties"]["phone"]
    assert phone["type"] == "string"
    assert phone["maxLength"] == 40

from __future__ import annotations

from django.urls import reverse

from mesoclinic.testing import client_for, make_patient


def _url(patient):
    return reverse("patients:edit", args=[patient.pk])


def _data(patient, **overrides):
    data = {
        "given_name": patient.given_name,
        "family_name": patient.family_name,
        "birth_date": patient.birth_date.isoformat(),
        "sex": patient.sex,
        "phone": patient.phone,
        "email": patient.email,
        "address": patient.address,
        "preferred_language": patient.preferred_language,
        "fitzpatrick": "",
        "glogau": "",
    }
    data.update(overrides)
    return data


def test_it_requires_login(client, clinic):
    patient = make_patient(clinic)
    assert client.get(_url(patient))["Location"].startswith(reverse("login"))


def test_it_refuses_an_auditor(clinic, auditor):
    patient = make_patient(clinic)
    assert client_for(auditor).get(_url(patient)).status_code == 403


def test_it_gives_404_for_another_clinics_patient(clinic, outsider):
    patient = make_patient(clinic)
    client = client_for(outsider)
    assert client.get(_url(patient)).status_code == 404
    assert client.post(_url(patient), _data(patient, family_name="Hacked")).status_code == 404
    patient.refresh_from_db()
    assert patient.family_name != "Hacked"


def test_it_only_allows_get_and_post(clinic, receptionist):
    patient = make_patient(clinic)
    assert client_for(receptionist).delete(_url(patient)).status_code == 405


def test_it_fills_the_form_with_the_current_details(clinic, receptionist):
    patient = make_patient(clinic)
    body = client_for(receptionist).get(_url(patient)).content.decode()
    assert f'value="{patient.family_name}"' in body
    assert f'value="{patient.birth_date.isoformat()}"' in body


def test_it_saves_changes(clinic, receptionist):
    patient = make_patient(clinic)
    response = client_for(receptionist).post(
        _url(patient), _data(patient, phone="+44 20 7946 0000", glogau="2")
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("patients:detail", args=[patient.pk])
    patient.refresh_from_db()
    assert patient.phone == "+442079460000"
    assert patient.glogau == 2


def test_it_shows_errors_and_keeps_what_was_typed(clinic, receptionist):
    patient = make_patient(clinic)
    response = client_for(receptionist).post(_url(patient), _data(patient, given_name="", phone="+44 1234"))
    body = response.content.decode()
    assert "This field is required." in body
    assert 'value="+44 1234"' in body
    patient.refresh_from_db()
    assert patient.given_name == "Test"
    assert patient.phone == ""


def test_it_shows_a_possible_duplicate_and_saves_once_confirmed(clinic, receptionist):
    """The edit warns as registration does (one path: ``_save_patient``), with the chart's name unchanged."""
    first = make_patient(clinic)
    patient = make_patient(clinic)
    client = client_for(receptionist)
    response = client.post(_url(patient), _data(patient, family_name=first.family_name))
    body = response.content.decode()
    assert response.status_code == 200
    assert "This patient may already be registered:" in body
    assert reverse("patients:detail", args=[first.pk]) in body
    assert f"Edit Test {patient.family_name}" in body
    assert 'name="allow_duplicate" value="1"' in body
    patient.refresh_from_db()
    assert patient.family_name != first.family_name
    response = client.post(_url(patient), _data(patient, family_name=first.family_name, allow_duplicate="1"))
    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.family_name == first.family_name

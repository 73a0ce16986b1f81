from __future__ import annotations

from django.urls import reverse

from mesoclinic.patients.models import Patient
from mesoclinic.testing import client_for

URL = reverse("patients:create")


def _data(**overrides):
    data = {
        "given_name": "Anna",
        "family_name": "Nowak",
        "birth_date": "1984-02-29",
        "sex": "female",
        "phone": "+48 600 100 200",
        "email": "anna@example.com",
        "address": "Kwiatowa 1",
        "preferred_language": "pl",
        "fitzpatrick": "3",
        "glogau": "",
    }
    data.update(overrides)
    return data


def test_it_requires_login(client):
    assert client.get(URL)["Location"].startswith(reverse("login"))


def test_it_refuses_an_auditor(auditor):
    assert client_for(auditor).get(URL).status_code == 403
    assert client_for(auditor).post(URL, _data()).status_code == 403
    assert not Patient.objects.exists()


def test_it_only_allows_get_and_post(receptionist):
    assert client_for(receptionist).put(URL).status_code == 405


def test_it_shows_an_empty_labelled_form(receptionist):
    body = client_for(receptionist).get(URL).content.decode()
    assert '<label for="id_given_name">' in body
    assert '<label for="id_birth_date">' in body
    assert 'type="date"' in body


def test_it_registers_the_patient_in_the_staff_members_clinic(clinic, receptionist):
    response = client_for(receptionist).post(URL, _data())
    patient = Patient.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("patients:detail", args=[patient.pk])
    patient.refresh_from_db()
    assert patient.clinic == clinic
    assert (patient.given_name, patient.family_name, str(patient.birth_date)) == (
        "Anna",
        "Nowak",
        "1984-02-29",
    )
    assert patient.fitzpatrick == 3
    assert patient.glogau is None
    assert patient.preferred_language == "pl"
    assert patient.medical_history.conditions == []


def test_it_says_the_patient_is_registered(receptionist):
    response = client_for(receptionist).post(URL, _data(), follow=True)
    assert "Anna Nowak is registered." in response.content.decode()


def test_it_shows_errors_next_to_fields_and_keeps_what_was_typed(receptionist):
    response = client_for(receptionist).post(
        URL, _data(family_name="", email="not-an-email", phone="+48 999")
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert not Patient.objects.exists()
    assert "This field is required." in body
    assert "Enter a valid email address." in body
    assert 'value="Anna"' in body
    assert 'value="+48 999"' in body
    assert "not a valid phone number" in body
    assert 'value="not-an-email"' in body
    assert 'aria-invalid="true"' in body


def test_it_stores_the_phone_in_international_form(receptionist):
    client_for(receptionist).post(URL, _data(phone="0048 600-100-200"))
    assert Patient.objects.get().phone == "+48600100200"


def test_it_shows_a_possible_duplicate_before_saving_and_registers_once_confirmed(receptionist):
    client = client_for(receptionist)
    client.post(URL, _data(family_name="Zając"))
    first = Patient.objects.get()
    response = client.post(URL, _data(family_name="ZAJAC", phone="", email=""))
    body = response.content.decode()
    assert response.status_code == 200
    assert Patient.objects.count() == 1
    assert "This patient may already be registered" in body
    assert reverse("patients:detail", args=[first.pk]) in body
    assert "same name and date of birth" in body
    assert 'value="ZAJAC"' in body
    assert 'name="allow_duplicate" value="1"' in body
    confirmed = client.post(URL, _data(family_name="ZAJAC", phone="", email="", allow_duplicate="1"))
    assert confirmed.status_code == 302
    assert Patient.objects.count() == 2


def test_it_rejects_a_birth_date_in_the_future(clinic, receptionist):
    future = clinic.today().replace(year=clinic.today().year + 1).isoformat()
    body = client_for(receptionist).post(URL, _data(birth_date=future)).content.decode()
    assert "cannot be in the future" in body
    assert not Patient.objects.exists()

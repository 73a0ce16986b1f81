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
        "contact_consent": "yes",
        "contact_channels": ["email"],
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
    response = client.post(URL, _data(family_name="ZAJAC", phone="", email="", contact_consent="no"))
    body = response.content.decode()
    assert response.status_code == 200
    assert Patient.objects.count() == 1
    assert "This patient may already be registered" in body
    assert reverse("patients:detail", args=[first.pk]) in body
    assert "same name and date of birth" in body
    assert 'value="ZAJAC"' in body
    assert 'name="allow_duplicate" value="1"' in body
    confirmed = client.post(
        URL, _data(family_name="ZAJAC", phone="", email="", contact_consent="no", allow_duplicate="1")
    )
    assert confirmed.status_code == 302
    assert Patient.objects.count() == 2


def test_it_rejects_a_birth_date_in_the_future(clinic, receptionist):
    future = clinic.today().replace(year=clinic.today().year + 1).isoformat()
    body = client_for(receptionist).post(URL, _data(birth_date=future)).content.decode()
    assert "cannot be in the future" in body
    assert not Patient.objects.exists()


def test_it_asks_whether_and_how_the_patient_may_be_contacted(receptionist):
    body = client_for(receptionist).get(URL).content.decode()
    assert "May we send reminders and recalls?" in body
    assert 'name="contact_consent"' in body
    assert "checked" not in body.split('name="contact_consent"')[1][:40]  # no answer chosen for them


def test_an_unanswered_contact_question_is_refused_and_nothing_is_lost(receptionist):
    data = _data()
    del data["contact_consent"]
    response = client_for(receptionist).post(URL, data)
    assert response.status_code in (200, 422)
    body = response.content.decode()
    assert "Ask the patient: yes or no." in body
    assert 'value="Nowak"' in body
    assert not Patient.objects.exists()


def test_the_answer_becomes_the_patients_contact_preference(receptionist):
    client_for(receptionist).post(URL, _data(contact_channels=["email", "sms"]))
    preference = Patient.objects.get().contact_preference
    assert (preference.consent, preference.email, preference.sms) == (True, True, True)
    assert preference.language == "pl"


def test_a_no_is_recorded_as_an_answer(receptionist):
    client_for(receptionist).post(URL, _data(contact_consent="no", contact_channels=["sms"]))
    preference = Patient.objects.get().contact_preference
    assert (preference.consent, preference.sms) == (False, False)


def test_a_yes_needs_a_channel_and_its_address(receptionist):
    client = client_for(receptionist)
    response = client.post(URL, _data(contact_channels=[]))
    assert "Choose how the patient wants to be contacted." in response.content.decode()
    response = client.post(URL, _data(contact_channels=["sms"], phone=""))
    assert "text messages at" in response.content.decode()
    assert not Patient.objects.exists()


def test_from_the_booking_wizard_it_goes_back_to_the_booking_with_the_new_patient(receptionist):
    wizard = f"{reverse('scheduling:book')}?location=1&step=protocol"
    client = client_for(receptionist)
    form = client.get(URL, {"next": wizard}).content.decode()
    assert 'name="next"' in form and "Back to the booking" in form
    response = client.post(URL, _data(next=wizard))
    patient = Patient.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{wizard}&patient={patient.pk}"


def test_it_keeps_the_booking_when_a_field_is_wrong(receptionist):
    wizard = f"{reverse('scheduling:book')}?location=1&step=protocol"
    body = client_for(receptionist).post(URL, _data(next=wizard, given_name="")).content.decode()
    assert f'name="next" value="{wizard.replace("&", "&amp;")}"' in body
    assert not Patient.objects.exists()


def test_it_goes_nowhere_but_the_booking_wizard_after_registering(receptionist):
    places = ("https://evil.example/schedule/book/?x=1", "/admin/?x=1", "//evil.example/")
    for n, elsewhere in enumerate(places):
        data = _data(next=elsewhere, family_name=f"Nowak{'ab'[n % 2] * (n + 1)}", email=f"a{n}@example.com")
        response = client_for(receptionist).post(URL, data)
        assert response["Location"].startswith("/patients/"), elsewhere


def test_a_name_searched_for_fills_in_the_names(receptionist):
    body = client_for(receptionist).get(URL, {"name": "Ewa  Zielińska-Nowak"}).content.decode()
    assert 'value="Ewa"' in body and 'value="Zielińska-Nowak"' in body

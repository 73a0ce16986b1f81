"""The portal's message preferences page: the signed-in patient chooses reminders and recalls by e-mail or
SMS and news and offers separately; a refusal is shown by the field; signed out, it asks to sign in."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from mesoclinic.notifications.models import ContactPreference, Kind
from mesoclinic.patients.services import update_patient
from mesoclinic.portal.views import SESSION_KEY
from mesoclinic.testing import make_patient
from mesoclinic.testing.notifications import contactable

pytestmark = pytest.mark.django_db


def portal_session(clinic, patient) -> Client:
    client = Client()
    session = client.session
    session[SESSION_KEY] = {
        "clinic": clinic.pk,
        "patient": patient.pk,
        "until": timezone.now().timestamp() + 1800,
    }
    session.save()
    return client


def url(clinic) -> str:
    return reverse("portal_messages", args=[clinic.slug])


def test_it_shows_what_the_patient_gets_now(clinic):
    patient = contactable(make_patient(clinic))
    page = portal_session(clinic, patient).get(url(clinic)).content.decode()
    assert 'name="reminder_email" checked' in page and 'name="recall_email" checked' in page
    assert 'name="reminder_sms" checked' not in page and 'name="marketing" checked' not in page


def test_the_patient_saves_sms_reminders_email_recalls_and_news(clinic):
    patient = make_patient(clinic)
    update_patient(patient, email="ola@example.org", phone="+48600100200", actor=None)
    client = portal_session(clinic, patient)
    response = client.post(url(clinic), {"reminder_sms": "on", "recall_email": "on", "marketing": "on"})
    assert response.status_code == 302 and response["Location"] == reverse(
        "portal:portal_home", args=[clinic.slug]
    )
    preference = ContactPreference.objects.get(patient=patient)
    assert preference.channels_for(Kind.REMINDER) == ["sms"]
    assert preference.channels_for(Kind.RECALL) == ["email"]
    assert preference.marketing and preference.consent
    assert "Your message preferences are saved." in client.get(response["Location"]).content.decode()


def test_sms_without_a_phone_is_refused_and_nothing_is_lost(clinic):
    patient = make_patient(clinic)
    response = portal_session(clinic, patient).post(url(clinic), {"reminder_sms": "on", "marketing": "on"})
    assert response.status_code == 422
    page = response.content.decode()
    assert "Add a phone number first" in page and 'name="marketing" checked' in page
    assert not ContactPreference.objects.filter(patient=patient).exists()


def test_signed_out_it_asks_to_sign_in_and_in_polish_it_speaks_polish(clinic):
    response = Client().get(url(clinic))
    assert response.status_code == 302 and "/portal/" in response["Location"]
    patient = make_patient(clinic)
    page = portal_session(clinic, patient).get(url(clinic), HTTP_ACCEPT_LANGUAGE="pl").content.decode()
    assert "Przypomnienia" in page

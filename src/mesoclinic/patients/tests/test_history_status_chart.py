"""The chart says whether the history was taken, by whom and when, and shows free-text allergies and medicines."""

from __future__ import annotations

import pytest
from django.urls import reverse

from mesoclinic.catalog.models import Protocol
from mesoclinic.patients.services import patch_medical_history
from mesoclinic.testing import client_for, make_patient

pytestmark = pytest.mark.django_db


def _chart(staff, patient, tab=""):
    url = reverse("patients:detail", args=[patient.pk]) + (f"?tab={tab}" if tab else "")
    return client_for(staff).get(url).content.decode()


def test_a_new_patient_shows_history_needed_to_everyone(clinic, receptionist, practitioner):
    patient = make_patient(clinic, history_taken=False)
    for_reception = _chart(receptionist, patient)
    assert "History needed." in for_reception
    assert "Ask a practitioner or physician to take it." in for_reception
    assert "Take the history" in _chart(practitioner, patient)


def test_a_confirmed_history_says_who_and_when(clinic, practitioner):
    patient = make_patient(clinic, history_taken=False)
    patch_medical_history(patient, actor=practitioner.user, reason="Intake", status="confirmed")
    assert f"History confirmed by {practitioner.display_name} on" in _chart(practitioner, patient)


def test_a_self_reported_history_is_marked_as_not_yet_confirmed(clinic, practitioner):
    patient = make_patient(clinic, history_taken=False)
    patch_medical_history(patient, actor=None, reason="Questionnaire", status="self_reported")
    page = _chart(practitioner, patient)
    assert "History self-reported." in page
    assert "not yet confirmed by staff" in page
    patient.medical_history.refresh_from_db()
    assert patient.medical_history.confirmed_by is None


def test_free_text_allergies_and_medicines_are_in_the_alert_bar(clinic, practitioner):
    patient = make_patient(clinic, other_allergies=["latex", "chlorhexidine"], other_medications=["Xarelto"])
    page = _chart(practitioner, patient)
    assert "Allergy (not in the list): latex" in page
    assert "Allergy (not in the list): chlorhexidine" in page
    assert "Medicine (not in the list): Xarelto" in page


def test_the_screening_tab_says_history_needed_not_ok(clinic, practitioner):
    patient = make_patient(clinic, history_taken=False)
    protocol = Protocol.objects.filter(clinic=clinic, modality__code="needle").first()
    client = client_for(practitioner)
    client.post(reverse("safety:screen_patient", args=[patient.pk]), {"protocol": protocol.slug})
    page = client.get(reverse("safety:patient_screening", args=[patient.pk])).content.decode()
    assert "History needed:" in page
    assert "OK:" not in page

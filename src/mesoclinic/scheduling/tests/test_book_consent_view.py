"""Recording the patient's signature inside the booking wizard, then on to the dates."""

from __future__ import annotations

import pytest
from django.urls import reverse

from mesoclinic.patients.models import Consent
from mesoclinic.testing import client_for, make_patient, make_schedulable
from mesoclinic.testing.scheduling import NEEDLE, consent_template

pytestmark = pytest.mark.django_db
URL = reverse("scheduling:book_consent")


@pytest.fixture
def setup(clinic):
    make_schedulable(clinic)
    return consent_template(clinic)


@pytest.fixture
def patient(clinic):
    return make_patient(clinic)


def form(patient, template, **extra):
    return {
        "patient": patient.pk,
        "protocol": NEEDLE,
        "template": template.pk,
        "signed_by": "Maria Kowalczyk",
        "photo_use": ["teaching"],
        **extra,
    }


def test_it_requires_login(client, setup, patient):
    assert client.post(URL, form(patient, setup)).status_code == 302
    assert not Consent.objects.exists()


def test_it_only_allows_post(receptionist):
    assert client_for(receptionist).get(URL).status_code == 405


def test_it_refuses_an_auditor(auditor, setup, patient):
    assert client_for(auditor).post(URL, form(patient, setup)).status_code == 403


def test_it_does_not_record_for_another_clinics_patient(outsider, setup, patient):
    assert client_for(outsider).post(URL, form(patient, setup)).status_code == 404
    assert not Consent.objects.exists()


def test_it_records_the_signature_and_goes_on_to_the_dates(receptionist, setup, patient):
    response = client_for(receptionist).post(URL, form(patient, setup))
    assert response.status_code == 302
    assert "step=dates" in response["Location"] and f"patient={patient.pk}" in response["Location"]
    consent = Consent.objects.get(patient=patient)
    assert consent.template == setup
    assert consent.signed_by == "Maria Kowalczyk"
    assert consent.photo_use == ["clinical", "teaching"]
    assert consent.recorded_by == receptionist.user


def test_it_keeps_the_step_and_says_what_is_missing(receptionist, setup, patient):
    response = client_for(receptionist).post(URL, form(patient, setup, signed_by=""))
    assert response.status_code == 200
    assert response.context["step"] == "consent"
    assert "The consent was not recorded" in response.content.decode()
    assert not Consent.objects.exists()


def test_it_refuses_a_consent_form_of_another_modality(receptionist, clinic, setup, patient):
    other = consent_template(clinic, modality="electroporation")
    response = client_for(receptionist).post(URL, form(patient, other))
    assert response.context["step"] == "consent"
    assert not Consent.objects.exists()

from __future__ import annotations

import pytest
from django.urls import reverse

from mesoclinic.catalog.models import Modality
from mesoclinic.patients.models import Consent
from mesoclinic.patients.services import publish_consent_template
from mesoclinic.testing import client_for, make_patient


@pytest.fixture
def template(clinic):
    modality = Modality.objects.get(clinic=clinic, code="needle")
    publish_consent_template(clinic, modality=modality, title="Needle consent", body="v1", actor=None)
    return publish_consent_template(clinic, modality=modality, title="Needle consent", body="v2", actor=None)


def _url(patient):
    return reverse("patients:consent_record", args=[patient.pk])


def test_it_requires_login(client, clinic, template):
    patient = make_patient(clinic)
    assert client.post(_url(patient), {"template": template.pk})["Location"].startswith(reverse("login"))


def test_it_only_allows_post(clinic, receptionist):
    patient = make_patient(clinic)
    assert client_for(receptionist).get(_url(patient)).status_code == 405


def test_it_refuses_an_auditor(clinic, auditor, template):
    patient = make_patient(clinic)
    data = {"template": template.pk, "signed_by": "Anna"}
    assert client_for(auditor).post(_url(patient), data).status_code == 403
    assert not Consent.objects.exists()


def test_it_gives_404_for_another_clinics_patient(clinic, outsider, template):
    patient = make_patient(clinic)
    data = {"template": template.pk, "signed_by": "Anna"}
    assert client_for(outsider).post(_url(patient), data).status_code == 404
    assert not Consent.objects.exists()


def test_it_offers_only_the_current_version(clinic, receptionist, template):
    patient = make_patient(clinic)
    response = client_for(receptionist).get(reverse("patients:detail", args=[patient.pk]) + "?tab=consents")
    body = response.content.decode()
    assert "Needle consent (version 2)" in body
    assert "version 1)" not in body
    assert f'value="{patient.full_name}"' in body  # the signer defaults to the patient


def test_it_records_the_consent_with_photo_use(clinic, receptionist, template):
    patient = make_patient(clinic)
    data = {"template": template.pk, "signed_by": "Anna Nowak", "photo_use": ["teaching"]}
    response = client_for(receptionist).post(_url(patient), data)
    assert response.status_code == 302
    assert response["Location"] == reverse("patients:detail", args=[patient.pk]) + "?tab=consents"
    consent = Consent.objects.get()
    consent.refresh_from_db()
    assert consent.patient == patient
    assert consent.template == template
    assert consent.signed_by == "Anna Nowak"
    assert consent.photo_use == ["clinical", "teaching"]
    assert consent.recorded_by == receptionist.user


def test_it_lists_the_recorded_consent(clinic, receptionist, template):
    patient = make_patient(clinic)
    client = client_for(receptionist)
    data = {"template": template.pk, "signed_by": "Anna Nowak", "photo_use": ["marketing"]}
    body = client.post(_url(patient), data, follow=True).content.decode()
    assert "Consent recorded" in body
    assert "Anna Nowak" in body
    assert "Clinical record only, Marketing" in body
    assert "Valid" in body


def test_it_shows_errors_and_keeps_what_was_typed(clinic, receptionist, template):
    patient = make_patient(clinic)
    response = client_for(receptionist).post(_url(patient), {"template": "", "signed_by": "Anna Nowak"})
    body = response.content.decode()
    assert "This field is required." in body
    assert 'value="Anna Nowak"' in body
    assert not Consent.objects.exists()


def test_it_refuses_another_clinics_consent_form(clinic, other_clinic, receptionist, template):
    modality = Modality.objects.get(clinic=other_clinic, code="needle")
    foreign = publish_consent_template(other_clinic, modality=modality, title="Foreign", body="x", actor=None)
    patient = make_patient(clinic)
    response = client_for(receptionist).post(_url(patient), {"template": foreign.pk, "signed_by": "Anna"})
    assert "Select a valid choice" in response.content.decode()
    assert not Consent.objects.exists()


def test_it_says_when_no_consent_form_is_published(clinic, receptionist):
    patient = make_patient(clinic)
    body = (
        client_for(receptionist)
        .get(reverse("patients:detail", args=[patient.pk]) + "?tab=consents")
        .content.decode()
    )
    assert "No consent forms have been published" in body

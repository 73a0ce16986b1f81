from __future__ import annotations

import pytest
from django.urls import reverse

from mesoclinic.catalog.models import Modality
from mesoclinic.patients.services import publish_consent_template, record_consent
from mesoclinic.testing import client_for, make_patient


@pytest.fixture
def consent(clinic):
    modality = Modality.objects.get(clinic=clinic, code="electroporation")
    template = publish_consent_template(
        clinic, modality=modality, title="Electroporation consent", body="x", actor=None
    )
    return record_consent(make_patient(clinic), template=template, signed_by="Anna", actor=None)


def _url(consent):
    return reverse("patients:consent_withdraw", args=[consent.patient_id, consent.pk])


def _data(consent, reason="Changed her mind"):
    return {f"withdraw-{consent.pk}-reason": reason}


def test_it_requires_login(client, consent):
    assert client.post(_url(consent), _data(consent))["Location"].startswith(reverse("login"))


def test_it_only_allows_post(receptionist, consent):
    assert client_for(receptionist).get(_url(consent)).status_code == 405


def test_it_refuses_an_auditor(auditor, consent):
    assert client_for(auditor).post(_url(consent), _data(consent)).status_code == 403
    consent.refresh_from_db()
    assert consent.withdrawn_at is None


def test_it_gives_404_for_another_clinics_patient(outsider, consent):
    assert client_for(outsider).post(_url(consent), _data(consent)).status_code == 404
    consent.refresh_from_db()
    assert consent.withdrawn_at is None


def test_it_gives_404_for_a_consent_of_another_patient(clinic, receptionist, consent):
    other = make_patient(clinic)
    url = reverse("patients:consent_withdraw", args=[other.pk, consent.pk])
    assert client_for(receptionist).post(url, _data(consent)).status_code == 404
    consent.refresh_from_db()
    assert consent.withdrawn_at is None


def test_it_withdraws_the_consent_with_the_reason(receptionist, consent):
    response = client_for(receptionist).post(_url(consent), _data(consent))
    assert response.status_code == 302
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None
    assert consent.withdrawal_reason == "Changed her mind"
    assert not consent.is_valid


def test_it_shows_the_consent_as_withdrawn(receptionist, consent):
    body = client_for(receptionist).post(_url(consent), _data(consent), follow=True).content.decode()
    assert "Consent withdrawn" in body
    assert "Withdrawn" in body
    assert "Changed her mind" in body


def test_it_requires_a_reason(receptionist, consent):
    response = client_for(receptionist).post(_url(consent), _data(consent, reason=""))
    assert "Say why the consent is withdrawn" in response.content.decode()
    consent.refresh_from_db()
    assert consent.withdrawn_at is None

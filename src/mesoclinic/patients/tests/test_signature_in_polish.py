"""A refused drawn signature in the reader's language (issue 15): the pure module's messages are marked ``N_``
and shown through ``gettext``; an English reader reads them as before."""

from __future__ import annotations

import base64
import json

import pytest
from django.utils import translation
from django.utils.translation import gettext

from mesoclinic.accounts.models import Role
from mesoclinic.patients.models import Consent
from mesoclinic.patients.signature import SignatureError, decode_data_url
from mesoclinic.patients.tests.test_consent_signature import blank_png, template  # noqa: F401 — the fixture
from mesoclinic.testing import client_for, make_patient, make_staff


def test_the_pure_modules_message_reads_in_polish_through_gettext():
    with pytest.raises(SignatureError) as caught:
        decode_data_url("data:image/jpeg;base64,AAAA")
    assert str(caught.value) == "The signature must be a PNG image."
    with translation.override("pl"):
        assert gettext(str(caught.value)) == "Podpis musi być obrazem PNG."


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "expected"), [("pl", "Podpis jest pusty"), ("en", "The signature is empty")]
)
def test_the_api_refuses_a_blank_signature_in_the_readers_language(clinic, template, language, expected):  # noqa: F811
    receptionist = make_staff(clinic, Role.RECEPTIONIST)
    receptionist.language = language
    receptionist.save(update_fields=["language"])
    body = {
        "template_id": template.pk,
        "signed_by": "Anna",
        "signature_png": base64.b64encode(blank_png()).decode(),
    }
    response = client_for(receptionist).post(
        f"/api/v1/patients/{make_patient(clinic).pk}/consents",
        json.dumps(body),
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["errors"]["signature"][0].startswith(expected)
    assert not Consent.objects.exists()

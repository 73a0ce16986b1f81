"""Photo analysis runs in the real worker (SQLite queue), never in the upload's request.

The upload answers while nothing consumes the queue, so the analysis cannot have run in the request; the
photo page says "Analysing…" and polls; once a consumer runs, the analysis lands and the polling stops.
"""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from mesoclinic.outcomes.models import AnalysisStatus, Photo
from mesoclinic.outcomes.services import analyze_photo, upload_photo
from mesoclinic.outcomes.tests.conftest import TAKEN, skin_jpeg
from mesoclinic.testing import client_for
from mesoclinic.worker.consumer import running_consumer
from mesoclinic.worker.models import Job, JobStatus
from mesoclinic.worker.tests.conftest import wait_for, worker_backend

pytestmark = pytest.mark.django_db(transaction=True)


def _analysis_done(photo: Photo) -> bool:
    photo.analysis.refresh_from_db()
    return photo.analysis.status != AnalysisStatus.PENDING


def test_the_upload_returns_before_the_analysis_which_lands_later(patient, practitioner, tmp_path):
    client = client_for(practitioner)
    with worker_backend("sqlite", tmp_path) as backend:
        response = client.post(
            reverse("outcomes:capture", args=[patient.pk]),
            {"view": "close_up", "file": SimpleUploadedFile("skin.jpg", skin_jpeg()), "lighting": "flash"},
        )
        assert response.status_code == 302
        photo = Photo.objects.get()
        assert photo.analysis.status == AnalysisStatus.PENDING
        job = Job.objects.get()
        assert (job.task_path, job.args, job.status) == (
            "mesoclinic.outcomes.services.analyze_photo",
            [photo.pk],
            JobStatus.QUEUED,
        )
        assert job.clinic == patient.clinic
        assert backend.huey.pending_count() == 1

        status_url = reverse("outcomes:analysis_status", args=[photo.pk])
        page = client.get(reverse("outcomes:patient_photos", args=[patient.pk])).content.decode()
        assert "Analysing…" in page
        assert f'hx-get="{status_url}" hx-trigger="every 2s"' in page

        with running_consumer():
            wait_for(lambda: _analysis_done(photo), timeout=60)
        job.refresh_from_db()

    assert photo.analysis.status == AnalysisStatus.DONE
    assert photo.analysis.metrics["whole"]["spot_count"] >= 1
    assert job.status == JobStatus.SUCCEEDED
    assert job.return_value == "done"
    assert job.started_at > job.enqueued_at
    partial = client.get(status_url).content.decode()
    assert "Analysed" in partial
    assert "hx-trigger" not in partial


def test_the_status_partial_shows_a_failure_in_words(
    patient, practitioner, django_capture_on_commit_callbacks
):
    photo = upload_photo(patient, skin_jpeg(), view="close_up", taken_at=TAKEN, conditions={}, actor=None)
    default_storage.delete(photo.image.name)
    analyze_photo.enqueue(photo.pk)  # the immediate backend of the ordinary tests
    body = client_for(practitioner).get(reverse("outcomes:analysis_status", args=[photo.pk])).content.decode()
    assert "Analysis failed" in body
    assert "its analysis could not be made" in body
    assert "hx-trigger" not in body


def test_the_status_partial_is_a_404_for_another_clinic_and_needs_photo_rights(
    patient, outsider, receptionist
):
    photo = upload_photo(patient, skin_jpeg(), view="close_up", taken_at=TAKEN, conditions={}, actor=None)
    url = reverse("outcomes:analysis_status", args=[photo.pk])
    assert client_for(outsider).get(url).status_code == 404
    assert client_for(receptionist).get(url).status_code == 403
    assert client_for(outsider).post(url).status_code == 405

"""Photo analysis runs in the real worker (SQLite queue), never in the upload's request.

The upload answers while nothing consumes the queue, so the analysis cannot have run in the request; the
photo page says "Analysing…" and polls; once a consumer runs, the analysis lands and the polling stops.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from mesoclinic.outcomes.models import AnalysisStatus, Photo
from mesoclinic.outcomes.selectors import ANALYSIS_TASK
from mesoclinic.outcomes.services import analyze_photo, upload_photo
from mesoclinic.outcomes.tests.conftest import TAKEN, skin_jpeg
from mesoclinic.testing import client_for
from mesoclinic.worker.consumer import running_consumer
from mesoclinic.worker.models import Job, JobStatus
from mesoclinic.worker.tests.conftest import queue_options, wait_for, worker_backend

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


def _upload(client, patient) -> Photo:
    response = client.post(
        reverse("outcomes:capture", args=[patient.pk]),
        {"view": "close_up", "file": SimpleUploadedFile("skin.jpg", skin_jpeg()), "lighting": "flash"},
    )
    assert response.status_code == 302
    return Photo.objects.get()


def test_the_photos_tab_says_when_the_queue_could_not_be_reached(patient, practitioner, tmp_path):
    options = queue_options("redis", tmp_path, url="redis://127.0.0.1:1/0")  # nothing listens there
    tasks_setting = {"default": {"BACKEND": "mesoclinic.worker.backend.HueyBackend", "OPTIONS": options}}
    client = client_for(practitioner)
    with override_settings(TASKS=tasks_setting):
        photo = _upload(client, patient)
        page = client.get(reverse("outcomes:patient_photos", args=[patient.pk])).content.decode()
        partial = client.get(reverse("outcomes:analysis_status", args=[photo.pk])).content.decode()
    assert Job.objects.get().status == JobStatus.FAILED
    for body in (page, partial):
        assert "Analysing…" not in body
        assert "Not queued" in body
        assert "queue could not be reached" in body
        assert "hx-trigger" not in body  # nothing will change by itself: no polling


def test_the_photos_tab_says_when_the_worker_stopped(patient, practitioner, tmp_path):
    client = client_for(practitioner)
    with worker_backend("sqlite", tmp_path) as backend:
        photo = _upload(client, patient)
        job = Job.objects.get()
        silent_since = timezone.now() - timedelta(seconds=backend.lease_seconds + 5)
        Job.objects.filter(pk=job.pk).update(
            status=JobStatus.RUNNING, attempts=1, started_at=silent_since, heartbeat_at=silent_since
        )
        status_url = reverse("outcomes:analysis_status", args=[photo.pk])
        lost = client.get(status_url).content.decode()
        assert "Retrying" in lost
        assert "The background worker stopped during the analysis; it will be tried again." in lost
        assert "hx-trigger" in lost  # the watchdog will retry it: keep looking

        Job.objects.filter(pk=job.pk).update(
            status=JobStatus.FAILED,
            attempts=3,
            last_error="Worker lost during attempt 3: no sign of life for 60 s.",
        )
        page = client.get(reverse("outcomes:patient_photos", args=[patient.pk])).content.decode()
    assert "Analysing…" not in page
    assert "Not analysed" in page
    assert "stopped during every attempt" in page
    assert "hx-trigger" not in page
    assert photo.analysis.status == AnalysisStatus.PENDING


def test_the_analysis_task_path_is_the_one_the_photos_tab_looks_for():
    assert analyze_photo.module_path == ANALYSIS_TASK

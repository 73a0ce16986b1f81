"""The owner's Background jobs page: failed first, paged, the retry button, and who may see what."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from mesoclinic.audit.models import AuditEvent
from mesoclinic.testing import client_for
from mesoclinic.worker.models import Job, JobStatus

URL = reverse("worker:jobs")


def make_job(clinic=None, *, status=JobStatus.SUCCEEDED, minutes_ago=0, **extra) -> Job:
    n = Job.objects.count()
    return Job.objects.create(
        result_id=f"r{n}-{status}-{minutes_ago}",
        clinic=clinic,
        task_path="mesoclinic.worker.tests.tasks.add",
        queue="default",
        status=status,
        attempts=3 if status == JobStatus.FAILED else 1,
        max_attempts=3,
        last_error="ValueError at mesoclinic/worker/tests/tasks.py:40 in add"
        if status == JobStatus.FAILED
        else "",
        enqueued_at=timezone.now() - timedelta(minutes=minutes_ago),
        **{"args": [1, 2], "args_summary": "1, 2", **extra},
    )


def _rows(body: str) -> list[str]:
    return [line for line in body.splitlines() if '<tr class="job ' in line]


def test_it_lists_failed_jobs_first_with_their_error(clinic, owner):
    make_job(clinic, minutes_ago=1)
    make_job(clinic, status=JobStatus.FAILED, minutes_ago=30)
    make_job(clinic, status=JobStatus.QUEUED, minutes_ago=2)
    body = client_for(owner).get(URL).content.decode()
    rows = _rows(body)
    assert [r.split("job--")[1].split('"')[0] for r in rows] == ["failed", "succeeded", "queued"]
    assert "ValueError at mesoclinic/worker/tests/tasks.py:40 in add" in body
    assert body.count("Run again") == 1


def test_it_shows_the_installation_jobs_but_not_another_clinics(clinic, other_clinic, owner):
    make_job(None, args_summary="4001")
    make_job(other_clinic, args_summary="4002")
    body = client_for(owner).get(URL).content.decode()
    assert "(4001)" in body
    assert "all clinics" in body
    assert "4002" not in body


def test_it_pages_and_filters_by_state(clinic, owner):
    for minutes in range(30):
        make_job(clinic, minutes_ago=minutes)
    make_job(clinic, status=JobStatus.FAILED)
    client = client_for(owner)
    first = client.get(URL).content.decode()
    assert len(_rows(first)) == 25
    assert "Page 1 of 2" in first
    assert len(_rows(client.get(URL, {"page": 2}).content.decode())) == 6
    failed = client.get(URL, {"status": "failed"}, headers={"HX-Request": "true"})
    assert len(_rows(failed.content.decode())) == 1
    assert "<html" not in failed.content.decode()


def test_a_retry_queues_a_failed_job_again_and_is_audited(
    clinic, owner, sqlite_backend, django_capture_on_commit_callbacks
):
    job = make_job(clinic, status=JobStatus.FAILED)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(owner).post(reverse("worker:retry", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED
    assert job.attempts == 0
    assert job.finished_at is None
    assert job.last_error  # kept until the next attempt tells otherwise
    assert sqlite_backend.huey.pending_count() == 1
    event = AuditEvent.objects.get(action="job.retry")
    assert event.actor == owner.user
    assert event.object_id == str(job.pk)


def test_only_a_failed_job_can_be_retried(clinic, owner, sqlite_backend):
    job = make_job(clinic, status=JobStatus.SUCCEEDED)
    response = client_for(owner).post(reverse("worker:retry", args=[job.pk]), follow=True)
    assert "Only a failed job, or one whose worker stopped, can be run again." in response.content.decode()
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    assert sqlite_backend.huey.pending_count() == 0


def test_a_job_whose_worker_stopped_says_so_and_can_be_run_again(
    clinic, owner, sqlite_backend, django_capture_on_commit_callbacks
):
    silent_since = timezone.now() - timedelta(minutes=10)
    lost = make_job(clinic, status=JobStatus.RUNNING, started_at=silent_since, heartbeat_at=silent_since)
    alive = make_job(clinic, status=JobStatus.RUNNING, started_at=silent_since, heartbeat_at=timezone.now())
    client = client_for(owner)
    body = client.get(URL).content.decode()
    assert body.count("Worker stopped (no sign of life since") == 1
    assert body.count("Run again") == 1
    assert reverse("worker:retry", args=[lost.pk]) in body
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("worker:retry", args=[lost.pk]))
    assert response.status_code == 302
    lost.refresh_from_db()
    assert (lost.status, lost.attempts, lost.heartbeat_at) == (JobStatus.QUEUED, 0, None)
    assert lost.last_error == "The worker stopped during the job."
    assert sqlite_backend.huey.pending_count() == 1
    response = client.post(reverse("worker:retry", args=[alive.pk]), follow=True)
    assert "Only a failed job, or one whose worker stopped, can be run again." in response.content.decode()
    alive.refresh_from_db()
    assert alive.status == JobStatus.RUNNING


def test_another_clinics_job_is_not_found(other_clinic, owner):
    job = make_job(other_clinic, status=JobStatus.FAILED)
    assert client_for(owner).post(reverse("worker:retry", args=[job.pk])).status_code == 404
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED


def test_retry_needs_post(clinic, owner):
    job = make_job(clinic, status=JobStatus.FAILED)
    assert client_for(owner).get(reverse("worker:retry", args=[job.pk])).status_code == 405
    assert client_for(owner).post(URL).status_code == 405


@pytest.mark.parametrize("persona", ["physician", "practitioner", "receptionist", "auditor"])
def test_only_the_owner_sees_the_jobs(request, clinic, persona):
    staff = request.getfixturevalue(persona)
    job = make_job(clinic, status=JobStatus.FAILED)
    client = client_for(staff)
    assert client.get(URL).status_code == 403
    assert client.post(reverse("worker:retry", args=[job.pk])).status_code == 403


def test_the_owner_finds_the_page_under_administration(owner, physician):
    assert URL in client_for(owner).get(reverse("web:admin")).content.decode()
    assert URL not in client_for(physician).get(reverse("web:admin")).content.decode()

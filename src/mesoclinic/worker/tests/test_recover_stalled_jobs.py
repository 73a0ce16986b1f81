"""The watchdog's decision on a running job: lease alive (left alone), lease expired with attempts left
(queued again, on the real queue), lease expired on the last attempt (failed); and a late worker's outcome
after the takeover is dropped, not written over the new attempt."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mesoclinic.worker.backend import run_job
from mesoclinic.worker.models import Job, JobStatus
from mesoclinic.worker.services import recover_stalled_jobs

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)


def running_job(
    backend, *, attempts=1, max_attempts=3, silent_for=timedelta(minutes=5), heartbeat=True
) -> Job:
    last_sign = NOW - silent_for
    return Job.objects.create(
        result_id=f"r-{Job.objects.count()}",
        task_path="mesoclinic.worker.tests.tasks.add",
        backend=backend.alias,
        queue="default",
        status=JobStatus.RUNNING,
        attempts=attempts,
        max_attempts=max_attempts,
        args=[1, 2],
        enqueued_at=last_sign - timedelta(seconds=1),
        started_at=last_sign,
        heartbeat_at=last_sign if heartbeat else None,
    )


def test_a_job_with_a_live_lease_is_left_alone(sqlite_backend, django_capture_on_commit_callbacks):
    job = running_job(sqlite_backend, silent_for=timedelta(seconds=sqlite_backend.lease_seconds - 1))
    with django_capture_on_commit_callbacks(execute=True):
        assert recover_stalled_jobs(sqlite_backend, now=NOW) == []
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING
    assert sqlite_backend.huey.pending_count() == 0


def test_a_lost_job_with_attempts_left_goes_back_to_the_queue(
    sqlite_backend, django_capture_on_commit_callbacks
):
    job = running_job(sqlite_backend)
    with django_capture_on_commit_callbacks(execute=True):
        [recovered] = recover_stalled_jobs(sqlite_backend, now=NOW)
    job.refresh_from_db()
    assert recovered == job
    assert (job.status, job.attempts, job.next_attempt_at, job.heartbeat_at) == (
        JobStatus.QUEUED,
        1,
        NOW,
        None,
    )
    assert job.last_error == "Worker lost during attempt 1: no sign of life for 60 s."
    assert sqlite_backend.huey.pending_count() == 1


def test_a_job_lost_before_this_release_is_found_by_its_start(
    sqlite_backend, django_capture_on_commit_callbacks
):
    job = running_job(sqlite_backend, heartbeat=False)
    with django_capture_on_commit_callbacks(execute=True):
        recover_stalled_jobs(sqlite_backend, now=NOW)
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED


def test_a_job_lost_on_its_last_attempt_is_marked_failed(sqlite_backend, django_capture_on_commit_callbacks):
    job = running_job(sqlite_backend, attempts=3, max_attempts=3)
    with django_capture_on_commit_callbacks(execute=True):
        recover_stalled_jobs(sqlite_backend, now=NOW)
    job.refresh_from_db()
    assert (job.status, job.finished_at) == (JobStatus.FAILED, NOW)
    assert job.last_error == "Worker lost during attempt 3: no sign of life for 60 s."
    assert sqlite_backend.huey.pending_count() == 0


def test_another_backends_jobs_are_not_its_business(sqlite_backend, django_capture_on_commit_callbacks):
    job = running_job(sqlite_backend)
    Job.objects.filter(pk=job.pk).update(backend="other")
    with django_capture_on_commit_callbacks(execute=True):
        assert recover_stalled_jobs(sqlite_backend, now=NOW) == []


@pytest.mark.django_db(transaction=True)  # the worker closes its connections, as it does between jobs
def test_a_delivery_of_a_job_that_is_not_queued_is_skipped(sqlite_backend):
    job = running_job(sqlite_backend, attempts=1)
    run_job(job.pk)  # a second delivery while the first attempt runs (or after the watchdog's takeover)
    job.refresh_from_db()
    assert (job.status, job.attempts, job.return_value) == (JobStatus.RUNNING, 1, None)


@pytest.mark.django_db(transaction=True)
def test_a_late_worker_does_not_overwrite_the_attempt_that_took_over(sqlite_backend):
    job = running_job(sqlite_backend, attempts=0)
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.QUEUED, task_path="mesoclinic.worker.tests.tasks.taken_over", args=[]
    )
    run_job(job.pk)
    job.refresh_from_db()
    assert (job.status, job.attempts, job.return_value) == (JobStatus.RUNNING, 2, None)

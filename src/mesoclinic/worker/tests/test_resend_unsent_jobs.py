"""A job logged ``queued`` whose message never reached the queue is sent again by the watchdog.

A job is written in the caller's transaction and handed to the queue after the commit; a process killed in
between (an app worker's SIGKILL, an OOM kill) leaves a job that looks queued and would never run, and so
does a consumer killed after taking the message off the queue and before claiming the job. The watchdog
sends such a job again once it has been due for ``resend_seconds``; a second message for a job that was in
the queue after all is skipped by the claim, so the job still runs once.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mesoclinic.worker.models import Job, JobStatus
from mesoclinic.worker.services import resend_unsent_jobs

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)


def queued_job(backend, *, due_ago: timedelta, **extra) -> Job:
    return Job.objects.create(
        result_id=f"r-{Job.objects.count()}",
        task_path="mesoclinic.worker.tests.tasks.add",
        backend=backend.alias,
        queue="default",
        status=JobStatus.QUEUED,
        max_attempts=3,
        args=[20, 22],
        enqueued_at=NOW - due_ago,
        **extra,
    )


@pytest.mark.django_db(transaction=True)  # the worker closes its connections, as it does between jobs
def test_a_job_never_sent_is_sent_once_it_has_been_due_for_the_period(
    sqlite_backend, django_capture_on_commit_callbacks
):
    period = timedelta(seconds=sqlite_backend.resend_seconds)
    fresh = queued_job(sqlite_backend, due_ago=period - timedelta(seconds=1))
    lost = queued_job(sqlite_backend, due_ago=period + timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert resend_unsent_jobs(sqlite_backend, now=NOW) == [lost]
    assert sqlite_backend.huey.pending_count() == 1
    lost.refresh_from_db()
    assert (lost.status, lost.next_attempt_at) == (JobStatus.QUEUED, NOW)  # not sent again for a period
    fresh.refresh_from_db()
    assert fresh.next_attempt_at is None
    # Almost a period later: the fresh one's turn; the lost one is not sent twice within its period.
    with django_capture_on_commit_callbacks(execute=True):
        assert resend_unsent_jobs(sqlite_backend, now=NOW + period - timedelta(seconds=1)) == [fresh]
    assert sqlite_backend.huey.pending_count() == 2

    while sqlite_backend.huey.pending_count():
        sqlite_backend.huey.execute(sqlite_backend.huey.dequeue())
    for job in (lost, fresh):
        job.refresh_from_db()
        assert (job.status, job.return_value, job.attempts) == (JobStatus.SUCCEEDED, 42, 1)


def test_a_job_due_later_or_waiting_for_its_retry_is_not_sent(
    sqlite_backend, django_capture_on_commit_callbacks
):
    period = timedelta(seconds=sqlite_backend.resend_seconds)
    queued_job(sqlite_backend, due_ago=2 * period, run_after=NOW + timedelta(hours=1))
    queued_job(sqlite_backend, due_ago=2 * period, attempts=1, next_attempt_at=NOW - period / 2)
    for status in (JobStatus.RUNNING, JobStatus.SUCCEEDED, JobStatus.FAILED):
        Job.objects.create(
            result_id=f"s-{status}",
            task_path="mesoclinic.worker.tests.tasks.add",
            backend=sqlite_backend.alias,
            queue="default",
            status=status,
            args=[1, 2],
            enqueued_at=NOW - 2 * period,
            heartbeat_at=NOW,
        )
    with django_capture_on_commit_callbacks(execute=True):
        assert resend_unsent_jobs(sqlite_backend, now=NOW) == []
    assert sqlite_backend.huey.pending_count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_job_that_was_in_the_queue_after_all_runs_once(sqlite_backend, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = queued_job(sqlite_backend, due_ago=timedelta(hours=1))
        sqlite_backend.send(job)  # the first message did reach the queue; the consumer was just slow
        resend_unsent_jobs(sqlite_backend, now=NOW)
    assert sqlite_backend.huey.pending_count() == 2
    while sqlite_backend.huey.pending_count():
        sqlite_backend.huey.execute(sqlite_backend.huey.dequeue())
    job.refresh_from_db()
    assert (job.status, job.attempts) == (JobStatus.SUCCEEDED, 1)

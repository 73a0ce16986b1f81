"""The real worker: a huey consumer (threads of this process) on a SQLite file and on the Redis server."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from django_tasks import TaskResultStatus

from mesoclinic.worker.consumer import running_consumer
from mesoclinic.worker.models import Job, JobStatus
from mesoclinic.worker.tests import tasks
from mesoclinic.worker.tests.conftest import queue_options, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def _finished(job: Job) -> Job | None:
    job.refresh_from_db()
    return job if job.status in (JobStatus.SUCCEEDED, JobStatus.FAILED) else None


def test_it_runs_a_queued_task_in_the_consumer(backend):
    result = tasks.add.enqueue(2, 3)
    job = Job.objects.get(result_id=result.id)
    assert result.status == TaskResultStatus.READY
    assert job.status == JobStatus.QUEUED
    assert backend.huey.pending_count() == 1
    with running_consumer():
        wait_for(lambda: _finished(job))
    assert job.status == JobStatus.SUCCEEDED
    assert job.attempts == 1
    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == 5
    assert job.started_at <= job.finished_at


def test_it_retries_a_failing_task_with_growing_delays(backend):
    key = f"flaky-{backend.huey.name}"
    result = tasks.flaky.enqueue(key, 2)
    job = Job.objects.get(result_id=result.id)
    with running_consumer():
        wait_for(lambda: _finished(job))
    assert job.status == JobStatus.SUCCEEDED
    assert job.attempts == 3
    first, second, third = tasks.CALLS[key]
    # retry_delay 1 s, backoff ×3: about 1 s, then about 3 s (the scheduler looks every second).
    assert 0.9 <= second - first < third - second
    assert third - second >= 2.9
    assert "RuntimeError" in job.last_error  # the earlier failure stays visible


def test_a_job_that_always_fails_ends_failed_with_its_error_and_no_personal_data(backend):
    key = f"fails-{backend.huey.name}"
    result = tasks.always_fails.enqueue(key)
    job = Job.objects.get(result_id=result.id)
    with running_consumer():
        wait_for(lambda: _finished(job))
    assert job.status == JobStatus.FAILED
    assert job.attempts == job.max_attempts == 3
    assert len(tasks.CALLS[key]) == 3
    assert job.last_error.startswith("ValueError at mesoclinic/worker/tests/tasks.py:")
    assert job.last_error.endswith("in always_fails")
    assert "nowak" not in job.last_error.lower()
    assert job.finished_at is not None
    result.refresh()
    assert result.status == TaskResultStatus.FAILED
    assert result.errors[0].exception_class_path == "ValueError"


def test_a_job_is_queued_only_when_the_transaction_commits(backend):
    with pytest.raises(RuntimeError), transaction.atomic():
        tasks.add.enqueue(1, 1)
        raise RuntimeError("rolled back")
    assert not Job.objects.exists()
    assert backend.huey.pending_count() == 0
    with transaction.atomic():
        tasks.add.enqueue(1, 1)
        assert backend.huey.pending_count() == 0
    assert backend.huey.pending_count() == 1


def test_a_deferred_job_waits_for_its_time(backend):
    result = tasks.add.using(run_after=timezone.now() + timedelta(seconds=2)).enqueue(1, 2)
    job = Job.objects.get(result_id=result.id)
    with running_consumer():
        job.refresh_from_db()
        assert job.status == JobStatus.QUEUED
        wait_for(lambda: _finished(job))
    assert job.status == JobStatus.SUCCEEDED
    assert job.started_at >= job.run_after


def test_a_queue_outage_marks_the_job_failed_instead_of_raising(tmp_path):
    options = queue_options("redis", tmp_path, url="redis://127.0.0.1:1/0")  # nothing listens there
    tasks_setting = {"default": {"BACKEND": "mesoclinic.worker.backend.HueyBackend", "OPTIONS": options}}
    with override_settings(TASKS=tasks_setting):
        result = tasks.add.enqueue(1, 2)
    job = Job.objects.get(result_id=result.id)
    assert job.status == JobStatus.FAILED
    assert job.last_error.startswith("Not queued: redis.exceptions.ConnectionError")

"""A worker killed mid-job (SIGKILL: no clean-up, no goodbye): its job is found by its expired lease and
retried by the next worker, on the SQLite queue and on the Redis server — real processes, nothing mocked."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from mesoclinic.worker.models import Job, JobStatus
from mesoclinic.worker.tests import tasks
from mesoclinic.worker.tests.conftest import start_worker, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

LEASE = {"WORKER_LEASE_SECONDS": "2"}


def _stop(worker) -> str:
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)
    output, _ = worker.communicate(timeout=30)
    return output


def test_a_job_whose_worker_is_killed_is_retried_by_the_next_worker(backend, tmp_path: Path):
    marker = tmp_path / "started"
    result = tasks.hang_once.enqueue(str(marker))
    job = Job.objects.get(result_id=result.id)

    first = start_worker(backend.options, env=LEASE)
    try:
        wait_for(marker.exists, timeout=180)
        job.refresh_from_db()
        assert (job.status, job.attempts) == (JobStatus.RUNNING, 1)
        assert job.heartbeat_at is not None
    finally:
        first.send_signal(signal.SIGKILL)
        first.communicate(timeout=30)
    assert first.returncode == -signal.SIGKILL
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING  # nobody is left to say otherwise, until the lease expires

    second = start_worker(backend.options, env=LEASE)
    try:
        wait_for(lambda: Job.objects.filter(pk=job.pk, status=JobStatus.SUCCEEDED).exists(), timeout=180)
    finally:
        output = _stop(second)
    job.refresh_from_db()
    assert job.return_value == "done"
    assert job.attempts == 2
    assert job.last_error == "Worker lost during attempt 1: no sign of life for 2 s."
    assert f"Job {job.pk} (hang_once): Worker lost during attempt 1" in output
    assert second.returncode == 0, output

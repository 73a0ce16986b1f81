"""The nightly purge keeps the job log to what someone may still need: recent and failed jobs."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from mesoclinic.worker.models import Job, JobStatus
from mesoclinic.worker.services import purge_job_log


def _job(status: str, days_ago: int) -> Job:
    at = timezone.now() - timedelta(days=days_ago)
    return Job.objects.create(
        result_id=f"{status}-{days_ago}",
        task_path="mesoclinic.worker.tests.tasks.add",
        queue="default",
        status=status,
        enqueued_at=at,
        finished_at=at if status in (JobStatus.SUCCEEDED, JobStatus.FAILED) else None,
    )


def test_it_deletes_old_successes_and_keeps_failures_and_recent_jobs(db):
    old_success = _job(JobStatus.SUCCEEDED, 31)
    kept = [_job(JobStatus.SUCCEEDED, 29), _job(JobStatus.FAILED, 400), _job(JobStatus.QUEUED, 0)]
    assert purge_job_log.enqueue().return_value == 1
    assert not Job.objects.filter(pk=old_success.pk).exists()
    assert set(Job.objects.all()) == set(kept)


def test_it_is_a_daily_periodic_job_by_default():
    entry = settings.PERIODIC_TASKS["job-log-purge"]
    assert entry["task"] == "mesoclinic.worker.services.purge_job_log"
    assert entry["crontab"] == {"minute": "17", "hour": "2"}

"""Writes on the job log: running a failed job again, forgetting old successes (the worker writes attempts)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_tasks import task, task_backends

from mesoclinic.audit.services import record_event
from mesoclinic.worker.backend import HueyBackend
from mesoclinic.worker.models import Job, JobStatus


@transaction.atomic
def retry_job(job: Job, *, actor: Any) -> Job:
    """Queue a failed job again with a fresh set of attempts; its earlier error stays until it runs."""
    job = Job.objects.select_for_update().get(pk=job.pk)
    if job.status != JobStatus.FAILED:
        raise ValidationError("Only a failed job can be run again.")
    backend = task_backends[job.backend]
    if not isinstance(backend, HueyBackend):
        raise ValidationError("This job's backend does not run jobs in the worker.")
    job.status = JobStatus.QUEUED
    job.attempts = 0
    job.max_attempts = backend.max_attempts
    job.enqueued_at = timezone.now()
    job.started_at = job.finished_at = job.next_attempt_at = job.run_after = None
    job.save(
        update_fields=[
            "status",
            "attempts",
            "max_attempts",
            "enqueued_at",
            "started_at",
            "finished_at",
            "next_attempt_at",
            "run_after",
        ]
    )
    record_event(
        "job.retry",
        job,
        actor=actor,
        clinic=job.clinic,
        data={"task": job.task_path, "last_error": job.last_error},
    )
    transaction.on_commit(lambda: backend.send_or_record(job))
    return job


@task()
def purge_job_log() -> int:
    """Delete succeeded jobs older than ``JOB_LOG_DAYS`` (a periodic job); failed ones stay until retried.

    Returns how many rows went. Succeeded rows say nothing a clinic needs after a month; keeping them
    would grow the table by every reminder ever sent.
    """
    cutoff = timezone.now() - timedelta(days=getattr(settings, "JOB_LOG_DAYS", 30))
    deleted, _ = Job.objects.filter(status=JobStatus.SUCCEEDED, finished_at__lt=cutoff).delete()
    return deleted

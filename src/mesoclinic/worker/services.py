"""Writes on the job log: running a failed job again (the worker itself writes the attempts)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_tasks import task_backends

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
    transaction.on_commit(lambda: backend.send(job))
    return job

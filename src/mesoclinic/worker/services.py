"""Writes on the job log: running a failed job again, recovering the jobs of a lost worker, forgetting old
successes (the worker writes attempts)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext
from django_tasks import task, task_backends

from mesoclinic.actors import Actor
from mesoclinic.audit.services import record_event
from mesoclinic.worker.backend import HueyBackend
from mesoclinic.worker.models import Job, JobStatus
from mesoclinic.worker.selectors import lease_seconds_of

logger = logging.getLogger(__name__)


@transaction.atomic
def retry_job(job: Job, *, actor: Actor) -> Job:
    """Queue a failed job (or one whose worker is gone) again with a fresh set of attempts.

    Its earlier error stays until it runs.
    """
    job = Job.objects.select_for_update().get(pk=job.pk)
    lost = job.lease_expired(lease_seconds_of(job.backend), timezone.now())
    if job.status != JobStatus.FAILED and not lost:
        raise ValidationError(gettext("Only a failed job, or one whose worker stopped, can be run again."))
    if lost and not job.last_error:
        job.last_error = "The worker stopped during the job."
    backend = task_backends[job.backend]
    if not isinstance(backend, HueyBackend):
        raise ValidationError(gettext("This job's backend does not run jobs in the worker."))
    job.status = JobStatus.QUEUED
    job.attempts = 0
    job.max_attempts = backend.max_attempts
    job.enqueued_at = timezone.now()
    job.started_at = job.finished_at = job.next_attempt_at = job.run_after = job.heartbeat_at = None
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
            "heartbeat_at",
            "last_error",
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


def lost_worker_error(attempt: int, lease_seconds: float) -> str:
    return f"Worker lost during attempt {attempt}: no sign of life for {lease_seconds:g} s."


@transaction.atomic
def recover_stalled_jobs(backend: HueyBackend, *, now: datetime | None = None) -> list[Job]:
    """Jobs of this backend whose worker stopped without a word (lease expired): retry or fail them.

    A job with attempts left goes back to the queue at once (the lost attempt counts); the last lost
    attempt marks it failed, where the owner sees it and may run it again. Every worker's watchdog calls
    this; the conditional update makes two watchdogs (or a late worker) agree on one outcome.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=backend.lease_seconds)
    stalled = Job.objects.filter(backend=backend.alias, status=JobStatus.RUNNING).filter(
        Q(heartbeat_at__lt=cutoff)
        | Q(heartbeat_at__isnull=True, started_at__lt=cutoff)
        | Q(heartbeat_at__isnull=True, started_at__isnull=True)
    )
    recovered = []
    for job in stalled.select_for_update(skip_locked=True):
        error = lost_worker_error(job.attempts, backend.lease_seconds)
        again = job.attempts < job.max_attempts
        fields: dict[str, Any] = (
            {"status": JobStatus.QUEUED, "next_attempt_at": now, "heartbeat_at": None}
            if again
            else {"status": JobStatus.FAILED, "finished_at": now, "heartbeat_at": None}
        )
        taken = Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING, attempts=job.attempts).update(
            last_error=error, **fields
        )
        if not taken:
            continue
        job.refresh_from_db()
        logger.warning(
            "Job %s (%s): %s %s", job.pk, job.task_name, error, "Queued again." if again else "Marked failed."
        )
        if again:
            transaction.on_commit(lambda job=job: backend.send_or_record(job))  # type: ignore[misc]  # the default argument binds this loop's job, the lambda takes none when called
        recovered.append(job)
    return recovered


@transaction.atomic
def resend_unsent_jobs(backend: HueyBackend, *, now: datetime | None = None, limit: int = 200) -> list[Job]:
    """Jobs of this backend logged ``queued`` that no queue holds any more: sent again.

    A job is logged in the caller's transaction and handed to the queue once it commits: a process killed in
    between (SIGKILL, out of memory) leaves a job that looks queued and never runs, and so does a consumer
    killed after taking the message and before claiming the job. A queued job due (its next attempt, its
    ``run_after`` or its logging) longer ago than ``resend_seconds`` is sent again and its next attempt set
    to now, so that it is sent at most once a period. Where the first message was in the queue after all
    (a backlog longer than the period), the second is skipped by ``run_job``'s claim: the job runs once.
    Every worker's watchdog calls this; ``skip_locked`` keeps two watchdogs from sending one job twice.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=backend.resend_seconds)
    unsent = (
        Job.objects.filter(backend=backend.alias, status=JobStatus.QUEUED)
        .annotate(due=Coalesce("next_attempt_at", "run_after", "enqueued_at"))
        .filter(due__lt=cutoff)
        .order_by("pk")
    )
    resent: list[Job] = []
    for job in unsent.select_for_update(skip_locked=True)[:limit]:
        Job.objects.filter(pk=job.pk, status=JobStatus.QUEUED).update(next_attempt_at=now)
        job.next_attempt_at = now
        logger.warning("Job %s (%s) was not in the queue; sent again.", job.pk, job.task_name)
        transaction.on_commit(lambda job=job: backend.send_or_record(job))  # type: ignore[misc]  # the default argument binds this loop's job, the lambda takes none when called
        resent.append(job)
    return resent


@task()
def purge_job_log() -> int:
    """Delete succeeded jobs older than ``JOB_LOG_DAYS`` (a periodic job); failed ones stay until retried.

    Returns how many rows went. Succeeded rows say nothing a clinic needs after a month; keeping them
    would grow the table by every reminder ever sent.
    """
    cutoff = timezone.now() - timedelta(days=getattr(settings, "JOB_LOG_DAYS", 30))
    deleted, _ = Job.objects.filter(status=JobStatus.SUCCEEDED, finished_at__lt=cutoff).delete()
    return deleted

"""The job log: one row per background job, written by the backend when it queues and by the consumer.

The queue itself (huey, in SQLite or Redis) forgets a job once it has run; this row is what staff see. It
never holds personal data in what it shows: the error is the exception's type and where it was raised (its
message may quote a patient), and the arguments are summarised by ids only.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import models
from django.utils.translation import gettext_lazy as _


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class Job(models.Model):
    """One run of a django-tasks task through the worker, with its attempts (retries included)."""

    result_id = models.CharField(max_length=64, unique=True, help_text=_("The django-tasks result id."))
    clinic = models.ForeignKey(
        "accounts.Clinic",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The clinic the job works for; empty for jobs of the whole installation."),
    )
    task_path = models.CharField(max_length=200)
    backend = models.CharField(max_length=40, default="default")
    queue = models.CharField(max_length=100)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    max_attempts = models.PositiveSmallIntegerField(default=1)
    last_error = models.CharField(max_length=300, blank=True)
    args_summary = models.CharField(max_length=200, blank=True)
    # The arguments themselves, to run the job again; tasks take ids by convention. Never shown.
    args = models.JSONField(default=list, blank=True)
    kwargs = models.JSONField(default=dict, blank=True)
    return_value = models.JSONField(null=True, blank=True)
    enqueued_at = models.DateTimeField()
    run_after = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # The running attempt's lease: the worker renews it while it works on the job. A running job whose
    # lease is older than the backend's ``lease_seconds`` lost its worker (killed, machine gone) and is
    # retried or marked failed by the next worker's watchdog.
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-enqueued_at", "-id"]
        indexes = [
            models.Index(fields=["status", "enqueued_at"]),
            models.Index(fields=["clinic", "status", "enqueued_at"]),
            # The Photos tab looks for the job of each photo still being analysed.
            models.Index(fields=["task_path", "clinic", "enqueued_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.task_path} ({self.status}, {self.attempts}/{self.max_attempts})"

    def lease_expired(self, lease_seconds: float, now: datetime) -> bool:
        """Running, with no sign of life from its worker for longer than the lease: the worker is gone."""
        if self.status != JobStatus.RUNNING:
            return False
        last_sign = self.heartbeat_at or self.started_at
        return last_sign is None or last_sign < now - timedelta(seconds=lease_seconds)

    @property
    def task_name(self) -> str:
        """The task's function name, for lists (the full path is on the row's title)."""
        return self.task_path.rsplit(".", 1)[-1]

"""Reads of the job log: a clinic's jobs and the installation's own (periodic) jobs, failed first.

``get_job_for_user`` is the only way to fetch a job by id: another clinic's job is a 404.
"""

from __future__ import annotations

import operator
from functools import reduce
from typing import Any

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone
from django_tasks import task_backends

from mesoclinic.accounts.models import StaffMember
from mesoclinic.worker.models import Job, JobStatus


def jobs_for_staff(staff: StaffMember) -> QuerySet[Job]:
    """The jobs a clinic's owner sees: the clinic's and the installation's (no clinic)."""
    return Job.objects.filter(Q(clinic=staff.clinic) | Q(clinic__isnull=True))


def jobs_page_order(jobs: QuerySet[Job], status: str = "") -> QuerySet[Job]:
    """Failed jobs first (what needs a decision), then the newest; optionally one status only."""
    if status in JobStatus.values:
        jobs = jobs.filter(status=status)
    failed_first = Case(
        When(status=JobStatus.FAILED, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return jobs.order_by(failed_first, "-enqueued_at", "-id")


def status_counts(jobs: QuerySet[Job]) -> dict[str, int]:
    """How many jobs are in each state (one query)."""
    counts = dict.fromkeys(JobStatus.values, 0)
    for status, n in jobs.order_by().values_list("status").annotate(n=Count("id")):
        counts[status] = n
    return counts


def get_job_for_user(staff: StaffMember | None, job_id: Any) -> Job:
    """The job with this id if the staff member's clinic may see it, or 404."""
    if staff is None:
        raise Http404
    try:
        return jobs_for_staff(staff).get(pk=int(job_id))
    except (TypeError, ValueError, Job.DoesNotExist):
        raise Http404 from None


DEFAULT_LEASE_SECONDS = 60.0
NOT_QUEUED = "Not queued:"  # how ``HueyBackend.send_or_record`` begins the error of a job the queue refused


def lease_seconds_of(alias: str) -> float:
    """How long a running job of this backend may go without a sign of life from its worker."""
    try:
        backend = task_backends[alias]
    except Exception:  # an alias no longer configured (django-tasks raises its own error)
        return DEFAULT_LEASE_SECONDS
    return float(getattr(backend, "lease_seconds", DEFAULT_LEASE_SECONDS))


def lost_job_ids(jobs: list[Job]) -> set[int]:
    """Which of these jobs are running without a sign of life from their worker (it is gone)."""
    now = timezone.now()
    return {job.pk for job in jobs if job.lease_expired(lease_seconds_of(job.backend), now)}


def latest_jobs_for(task_path: str, subject_ids: list[int], *, clinic_id: int | None) -> dict[int, Job]:
    """The newest job of a task that takes one id, for each of these ids (one query).

    Lets a page say what became of the background work on a record (a photo's analysis) without the
    record keeping a reference to the job log.
    """
    if not subject_ids:
        return {}
    by_subject = reduce(operator.or_, (Q(args=[pk]) for pk in subject_ids))
    found: dict[int, Job] = {}
    jobs = Job.objects.filter(task_path=task_path).filter(by_subject)
    jobs = jobs.filter(clinic__isnull=True) if clinic_id is None else jobs.filter(clinic_id=clinic_id)
    for job in jobs.order_by("enqueued_at", "id"):
        found[int(job.args[0])] = job
    return found


def job_hold_up(job: Job | None) -> str:
    """Why a job's work has not landed, in one word for the page that waits on it.

    ``not_queued`` (the queue could not be reached), ``failed`` (every attempt failed, or the worker was
    lost on the last one), ``lost`` (running, but its worker is gone: the watchdog will retry it) or ``""``
    (queued, running or done: nothing to say).
    """
    if job is None:
        return ""
    if job.status == JobStatus.FAILED:
        return "not_queued" if job.last_error.startswith(NOT_QUEUED) else "failed"
    if job.lease_expired(lease_seconds_of(job.backend), timezone.now()):
        return "lost"
    return ""

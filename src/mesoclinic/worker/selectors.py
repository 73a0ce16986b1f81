"""Reads of the job log: a clinic's jobs and the installation's own (periodic) jobs, failed first.

``get_job_for_user`` is the only way to fetch a job by id: another clinic's job is a 404.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.http import Http404

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

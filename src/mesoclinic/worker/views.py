"""The owner's "Background jobs" page: failed jobs first with a retry button, then the rest, paged."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from mesoclinic.accounts.decorators import staff_required
from mesoclinic.accounts.http import ClinicRequest
from mesoclinic.accounts.permissions import Capability
from mesoclinic.form_errors import run_and_flash
from mesoclinic.worker import selectors, services
from mesoclinic.worker.models import JobStatus

PAGE_SIZE = 25


@require_GET
@staff_required(Capability.MANAGE_JOBS)
def jobs(request: ClinicRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    visible = selectors.jobs_for_staff(request.staff)
    counts = selectors.status_counts(visible)
    page = Paginator(selectors.jobs_page_order(visible, status), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "lost": selectors.lost_job_ids(list(page.object_list)),
        "query": query.urlencode(),
        "status": status if status in JobStatus.values else "",
        "statuses": [(value, label, counts[value]) for value, label in JobStatus.choices],
    }
    partial = request.htmx and not request.htmx.history_restore_request
    response = render(request, "worker/partials/_job_rows.html" if partial else "worker/jobs.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_POST
@staff_required(Capability.MANAGE_JOBS)
def retry(request: ClinicRequest, job_id: int) -> HttpResponse:
    job = selectors.get_job_for_user(request.staff, job_id)
    run_and_flash(
        request, lambda: services.retry_job(job, actor=request.user), success=_("The job is queued again.")
    )
    return HttpResponseRedirect(reverse("worker:jobs"))

"""The auditor's view of the clinic's audit log: filters, pages and a streamed CSV export (itself audited,
as every download is, by the read-audit middleware). Read-only: nothing here writes but that export's event.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from django.core.paginator import Paginator
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_safe

from mesoclinic.accounts.decorators import staff_required
from mesoclinic.accounts.http import ClinicRequest
from mesoclinic.accounts.permissions import Capability
from mesoclinic.audit import selectors
from mesoclinic.audit.models import AuditEvent
from mesoclinic.audit_viewer.forms import AuditFilterForm
from mesoclinic.audit_viewer.selectors import actors_for_clinic
from mesoclinic.csv_writer import csv_response

PAGE_SIZE = 50
CSV_HEADER = [
    "seq",
    "id",
    "at",
    "actor_id",
    "actor",
    "action",
    "object_type",
    "object_id",
    "patient_id",
    "ip",
    "path",
    "user_agent",
    "data",
    "hash",
]


def _actor_name(event: AuditEvent) -> str:
    if event.actor is None:
        return ""
    staff = getattr(event.actor, "staff", None)
    return staff.display_name if staff is not None else event.actor.get_username()


def _asked_actor(request: ClinicRequest) -> int | None:
    """The user id the "who" filter asks for, if it is a number (the form judges the rest)."""
    value = request.GET.get("actor", "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 19 else None


def _csv_rows(events: Any) -> Iterator[list[Any]]:
    for e in events.iterator(chunk_size=2000):
        yield [
            e.seq,
            e.pk,
            e.at.isoformat(),
            e.actor_id or "",
            _actor_name(e),
            e.action,
            e.object_type,
            e.object_id,
            e.patient_id or "",
            e.ip or "",
            e.path,
            e.user_agent,
            json.dumps(e.data, ensure_ascii=False, sort_keys=True),
            e.hash,
        ]


@require_safe
@staff_required(Capability.VIEW_AUDIT)
def events(request: ClinicRequest) -> HttpResponseBase:
    """The clinic's events, newest first; ``?format=csv`` streams every matching event (no page)."""
    form = AuditFilterForm(
        request.GET,
        actors=actors_for_clinic(request.clinic, also=_asked_actor(request)),
        actions=selectors.actions_for_clinic(request.clinic),
        object_types=selectors.object_types_for_clinic(request.clinic),
    )
    found = selectors.events_for_clinic(request.clinic, form.filters())
    if request.GET.get("format") == "csv":
        # The shared writer (BOM, dialect, formula neutralisation: a user agent is whatever a caller sent);
        # no export row of its own: reading the audit log is the auditor's work, not data leaving a chart.
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        return csv_response(request, f"audit-{request.clinic.slug}-{stamp}.csv", CSV_HEADER, _csv_rows(found))
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "rows": [(e, _actor_name(e)) for e in page.object_list]}
    partial = request.htmx and not request.htmx.history_restore_request
    template = "audit/partials/_event_rows.html" if partial else "audit/events.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response

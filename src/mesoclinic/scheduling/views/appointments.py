"""One appointment: its page with the series and history, and the status changes (check in, no-show,
cancel, and a physician's "treated elsewhere"), each through its service.

There is no "mark as completed": a visit is completed by signing its session record. The page offers
only what the state machine (``engine.lifecycle``) allows now, and says why the rest waits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from mesoclinic.accounts.decorators import staff_required
from mesoclinic.accounts.http import ClinicRequest
from mesoclinic.accounts.permissions import Capability, role_has
from mesoclinic.audit.models import AuditEvent
from mesoclinic.scheduling import selectors
from mesoclinic.scheduling.engine.lifecycle import Action
from mesoclinic.scheduling.forms import CancelForm, ResolveScreeningAlertForm, TreatedElsewhereForm
from mesoclinic.scheduling.lifecycle import facts_for, may_record_treated_elsewhere, refusal
from mesoclinic.scheduling.models import Appointment
from mesoclinic.scheduling.services import (
    BookingError,
    cancel_appointment,
    check_in,
    mark_no_show,
    record_treated_elsewhere,
    resolve_screening_alert,
)
from mesoclinic.scheduling.views.common import (
    MANAGE_SCHEDULE,
    VIEW_SCHEDULE,
    _calendar_url,
    _detail_url,
    _local_day,
    _next_url,
    _when,
    appointment_ics_url,
)
from mesoclinic.scheduling.views.today import appointment_rows

ACTION_LABELS = {
    "appointment.checked_in": gettext_lazy("Checked in"),
    "appointment.completed": gettext_lazy("Completed"),
    "appointment.cancelled": gettext_lazy("Cancelled"),
    "appointment.no_show": gettext_lazy("Marked as no-show"),
    "appointment.booked": gettext_lazy("Booked"),
    "appointment.reschedule": gettext_lazy("Moved"),
}


@dataclass(frozen=True)
class HistoryItem:
    at: datetime
    what: str
    detail: str
    who: str


def _who(user: Any) -> str:
    if user is None:
        return _("system")
    staff = getattr(user, "staff", None)
    return staff.display_name if staff is not None else user.get_username()


def _history(appointment: Appointment, events: list[AuditEvent]) -> list[HistoryItem]:
    items = [
        HistoryItem(
            appointment.created_at, str(ACTION_LABELS["appointment.booked"]), "", _who(appointment.created_by)
        )
    ]
    for event in events:
        label = ACTION_LABELS.get(event.action)
        if label is None:
            continue
        detail = ""
        if event.action == "appointment.reschedule":
            try:
                before = datetime.fromisoformat(event.data["from"])
                after = datetime.fromisoformat(event.data["to"])
            except (KeyError, TypeError, ValueError):
                pass
            else:
                detail = _("from %(before)s to %(after)s") % {
                    "before": _when(before, appointment.location),
                    "after": _when(after, appointment.location),
                }
        elif event.action == "appointment.cancelled":
            detail = str(event.data.get("cancel_reason", ""))
        elif event.action == "appointment.completed":
            detail = _completion_detail(
                str(event.data.get("completion", "")), str(event.data.get("reason", ""))
            )
        items.append(HistoryItem(event.at, str(label), detail, _who(event.actor)))
    return items


def _completion_detail(completion: str, reason: str) -> str:
    if completion == "signed_record":
        return _("by signing the session record")
    if completion == "elsewhere":
        return _("as treated elsewhere / recorded on paper: %(reason)s") % {"reason": reason}
    return ""


def _refusals(request: ClinicRequest, appointment: Appointment) -> dict[str, str]:
    """Why each action the page may offer waits (empty: it can be done now), from the state machine."""
    facts = facts_for(appointment, actor=request.user, record_signed=True, reason="-")
    return {action.value: refusal(appointment, action, facts) for action in Action}


def _detail_context(request: ClinicRequest, appointment: Appointment, **extra: Any) -> dict[str, Any]:
    course = (
        selectors.course_appointments(request.clinic, appointment.course_id)
        if appointment.course_id
        else [appointment]
    )
    context: dict[str, Any] = {
        "appointment": appointment,
        "location": appointment.location,
        "course": course,
        "sessions_total": appointment.course.sessions if appointment.course else len(course),
        "history": _history(appointment, selectors.appointment_history(appointment)),
        "needs_consent": bool(selectors.appointments_needing_consent([appointment])),
        "ics_url": appointment_ics_url(appointment.pk),
        "may_manage": role_has(request.staff.role, MANAGE_SCHEDULE),
        "cancel_form": CancelForm(),
        "elsewhere_form": TreatedElsewhereForm(),
        "refusals": _refusals(request, appointment),
        "may_record_elsewhere": may_record_treated_elsewhere(request.user),
        "calendar_url": _calendar_url(
            appointment.location,
            _local_day(appointment.starts_at, appointment.location),
            "day",
            "practitioner",
            "",
        ),
        "now": timezone.now(),
        "screening_alerts": list(selectors.open_screening_alerts(request.clinic, appointment=appointment)),
        "resolve_form": ResolveScreeningAlertForm(),
    }
    context.update(extra)
    return context


@require_GET
@staff_required(VIEW_SCHEDULE)
def appointment_detail(request: ClinicRequest, appointment_id: int) -> HttpResponse:
    appointment = selectors.get_appointment_for_user(request.staff, appointment_id)
    return render(request, "scheduling/appointment.html", _detail_context(request, appointment))


def _change_status(
    request: ClinicRequest,
    appointment_id: int,
    change: Callable[..., Appointment],
    done: str,
) -> HttpResponse:
    appointment = selectors.get_appointment_for_user(request.staff, appointment_id)
    try:
        change(appointment, actor=request.user)
    except BookingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done % {"name": appointment.booked_patient.full_name})
    return HttpResponseRedirect(_next_url(request, _detail_url(appointment)))


@require_POST
@staff_required(MANAGE_SCHEDULE)
def appointment_check_in(request: ClinicRequest, appointment_id: int) -> HttpResponse:
    """Check a patient in. From htmx (the Today list) the answer is the updated row."""
    if not request.htmx:
        return _change_status(request, appointment_id, check_in, _("%(name)s is checked in."))
    appointment = selectors.get_appointment_for_user(request.staff, appointment_id)
    error = ""
    try:
        check_in(appointment, actor=request.user)
    except BookingError as exc:
        error = str(exc)
        appointment = selectors.get_appointment_for_user(request.staff, appointment_id)
    row = appointment_rows([appointment], now=timezone.now())[0]
    response = render(
        request,
        "scheduling/partials/_appointment_row.html",
        {"row": row, "fresh": True, "row_error": error, "next": _next_url(request, reverse("web:home"))},
    )
    if not error:
        response["HX-Trigger"] = "today-changed"  # Today's counters fetch themselves again
    return response


@require_POST
@staff_required(Capability.RECORD_TREATED_ELSEWHERE)
def appointment_treated_elsewhere(request: ClinicRequest, appointment_id: int) -> HttpResponse:
    """A physician completes a visit that has no session record here, saying why."""
    appointment = selectors.get_appointment_for_user(request.staff, appointment_id)
    form = TreatedElsewhereForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "scheduling/appointment.html",
            _detail_context(request, appointment, elsewhere_form=form),
            status=422,
        )
    try:
        record_treated_elsewhere(appointment, reason=form.cleaned_data["reason"], actor=request.user)
    except BookingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("The visit of %(name)s is recorded as treated elsewhere / on paper.")
            % {"name": appointment.booked_patient.full_name},
        )
    return HttpResponseRedirect(_next_url(request, _detail_url(appointment)))


@require_POST
@staff_required(MANAGE_SCHEDULE)
def appointment_no_show(request: ClinicRequest, appointment_id: int) -> HttpResponse:
    return _change_status(request, appointment_id, mark_no_show, _("%(name)s is marked as a no-show."))


@require_POST
@staff_required(MANAGE_SCHEDULE)
def appointment_cancel(request: ClinicRequest, appointment_id: int) -> HttpResponse:
    appointment = selectors.get_appointment_for_user(request.staff, appointment_id)
    form = CancelForm(request.POST)
    if not form.is_valid():
        return render(
            request, "scheduling/appointment.html", _detail_context(request, appointment, cancel_form=form)
        )
    try:
        cancel_appointment(appointment, reason=form.cleaned_data["reason"], actor=request.user)
    except BookingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("The appointment of %(name)s on %(when)s is cancelled.")
            % {
                "name": appointment.booked_patient.full_name,
                "when": _when(appointment.starts_at, appointment.location),
            },
        )
    return HttpResponseRedirect(_next_url(request, _detail_url(appointment)))


@require_POST
@staff_required(MANAGE_SCHEDULE)
def appointment_resolve_screening_alerts(request: ClinicRequest, appointment_id: int) -> HttpResponse:
    """Say what was done about the appointment's changed screening (every open alert on it)."""
    appointment = selectors.get_appointment_for_user(request.staff, appointment_id)
    form = ResolveScreeningAlertForm(request.POST)
    if not form.is_valid():
        context = _detail_context(request, appointment, resolve_form=form)
        return render(request, "scheduling/appointment.html", context, status=422)
    for alert in selectors.open_screening_alerts(request.clinic, appointment=appointment):
        resolve_screening_alert(alert, resolution=form.cleaned_data["resolution"], actor=request.user)
    messages.success(request, _("Marked as handled: %(what)s") % {"what": form.cleaned_data["resolution"]})
    return HttpResponseRedirect(_next_url(request, _detail_url(appointment)))

"""The signed-in patient's own sessions: move one (offers that keep the series within its tolerance) and
cancel one (what it costs under the clinic's policy shown before confirming). Another patient's session is
404; a signed-out visitor is sent to sign in."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from mesoclinic.accounts.models import Clinic
from mesoclinic.portal import selectors, services
from mesoclinic.portal.views import _context, _signed_in, public_page
from mesoclinic.scheduling.selectors import location_timezone


@require_http_methods(["GET", "POST"])
@public_page
def portal_reschedule(request: HttpRequest, clinic: Clinic, appointment_id: int) -> HttpResponse:
    patient = _signed_in(request, clinic)
    if patient is None:
        return redirect("portal:portal_sign_in", clinic.slug)
    appointment = selectors.get_patient_appointment(patient, appointment_id)
    now = timezone.now()
    error = ""
    if request.method == "POST":
        chosen = selectors.resolve_slots(appointment.location, [request.POST.get("slot", "")])
        if not chosen:
            error = _("That date is no longer offered; choose another one.")
        else:
            try:
                services.reschedule_by_patient(patient, appointment, chosen[0], now=now)
            except services.CancelRefusedError as exc:
                error = str(exc)
            else:
                when = chosen[0].start.astimezone(location_timezone(appointment.location))
                messages.success(
                    request,
                    _("Your session is moved to %(when)s.") % {"when": when.strftime("%d.%m.%Y %H:%M")},
                )
                return redirect("portal:portal_home", clinic.slug)
    tz = location_timezone(appointment.location)
    offers = selectors.reschedule_offers(appointment, now=now) if appointment.status == "booked" else []
    context = _context(
        request,
        clinic,
        appointment=appointment,
        start=appointment.starts_at.astimezone(tz),
        offers=[(o.token, o.choice.start.astimezone(tz)) for o in offers],
        window=selectors.reschedule_window(appointment, now=now),
        error=error,
    )
    return render(request, "portal/reschedule.html", context, status=409 if error else 200)


@require_http_methods(["GET", "POST"])
@public_page
def portal_cancel(request: HttpRequest, clinic: Clinic, appointment_id: int) -> HttpResponse:
    """GET: what cancelling this session costs now, to confirm; POST: cancel it."""
    patient = _signed_in(request, clinic)
    if patient is None:
        return redirect("portal:portal_sign_in", clinic.slug)
    appointment = selectors.get_patient_appointment(patient, appointment_id)
    if request.method == "GET":
        tz = location_timezone(appointment.location)
        context = _context(
            request,
            clinic,
            appointment=appointment,
            start=appointment.starts_at.astimezone(tz),
            cost=selectors.cancellation_cost(appointment, now=timezone.now()),
        )
        return render(request, "portal/cancel.html", context)
    try:
        services.cancel_by_patient(patient, appointment)
    except services.CancelRefusedError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Your session is cancelled."))
    return redirect("portal:portal_home", clinic.slug)

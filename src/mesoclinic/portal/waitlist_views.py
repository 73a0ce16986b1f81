"""The waiting list's pages: the patient's buttons in the portal (join, accept an offer, leave) and the staff
list of who is waiting (``/waitlist/``)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from mesoclinic.accounts.decorators import staff_required
from mesoclinic.accounts.http import ClinicRequest
from mesoclinic.accounts.models import Clinic
from mesoclinic.accounts.permissions import Capability
from mesoclinic.patients.models import Patient
from mesoclinic.portal import selectors, waitlist
from mesoclinic.portal.models import WaitlistEntry
from mesoclinic.portal.views import _signed_in, public_page
from mesoclinic.scheduling.selectors import location_timezone


def _entry(patient: Patient, entry_id: int) -> WaitlistEntry:
    found = next((e for e in waitlist.entries_for_patient(patient) if e.pk == entry_id), None)
    if found is None:
        raise Http404("No such entry.")
    return found


@require_POST
@public_page
def portal_waitlist_join(request: HttpRequest, clinic: Clinic, appointment_id: int) -> HttpResponse:
    patient = _signed_in(request, clinic)
    if patient is None:
        return redirect("portal:portal_sign_in", clinic.slug)
    appointment = selectors.get_patient_appointment(patient, appointment_id)
    try:
        waitlist.join(patient, appointment)
    except waitlist.WaitlistError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, _("You are on the waiting list: we will write if an earlier date frees up.")
        )
    return redirect("portal:portal_home", clinic.slug)


@require_POST
@public_page
def portal_waitlist_accept(request: HttpRequest, clinic: Clinic, entry_id: int) -> HttpResponse:
    patient = _signed_in(request, clinic)
    if patient is None:
        return redirect("portal:portal_sign_in", clinic.slug)
    entry = _entry(patient, entry_id)
    try:
        moved = waitlist.accept(patient, entry)
    except waitlist.WaitlistError as exc:
        messages.error(request, str(exc))
    else:
        when = moved.starts_at.astimezone(location_timezone(moved.location))
        messages.success(
            request,
            _("Your session is moved to the earlier date: %(when)s.")
            % {"when": date_format(when, "l j E Y, H:i")},
        )
    return redirect("portal:portal_home", clinic.slug)


@require_POST
@public_page
def portal_waitlist_leave(request: HttpRequest, clinic: Clinic, entry_id: int) -> HttpResponse:
    patient = _signed_in(request, clinic)
    if patient is None:
        return redirect("portal:portal_sign_in", clinic.slug)
    waitlist.leave(patient, _entry(patient, entry_id))
    messages.success(request, _("You left the waiting list."))
    return redirect("portal:portal_home", clinic.slug)


@require_GET
@staff_required(Capability.VIEW_SCHEDULE)
def staff_waitlist(request: ClinicRequest) -> HttpResponse:
    """Who waits for an earlier date, first joined first, and what was offered to them."""
    entries = list(waitlist.entries_for_clinic(request.clinic)[:200])
    rows = []
    for e in entries:
        tz = location_timezone(e.appointment.location)
        rows.append(
            (
                e,
                e.appointment.starts_at.astimezone(tz),
                e.offered_start.astimezone(tz) if e.offered_start else None,
                e.offer_expires_at.astimezone(tz) if e.offered_start and e.offer_expires_at else None,
            )
        )
    return render(request, "portal/staff_waitlist.html", {"rows": rows})

"""Moving one booked session: "pick to reschedule" (a day's free starts, works without JavaScript) and
"drag to move" on the calendar (the same slot token, posted by the calendar's script, answered in JSON).

Every move goes through ``_move`` and so through ``services.reschedule_appointment``, which checks the series
tolerance and every resource again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from mesoclinic.accounts.decorators import staff_required
from mesoclinic.accounts.http import ClinicRequest
from mesoclinic.accounts.models import StaffMember
from mesoclinic.scheduling import selectors
from mesoclinic.scheduling.forms import RescheduleForm, RescheduleSearchForm, encode_slot
from mesoclinic.scheduling.models import Appointment, AppointmentStatus
from mesoclinic.scheduling.selectors import SessionChoice
from mesoclinic.scheduling.services import BookingError, reschedule_appointment
from mesoclinic.scheduling.views.common import (
    MANAGE_SCHEDULE,
    _detail_url,
    _local_day,
    _resolve_slots,
    _when,
)


@dataclass(frozen=True)
class Offer:
    """A free start offered in a picker, with the token that books it."""

    choice: SessionChoice
    token: str
    current: bool = False


def _offers(
    appointment: Appointment, day: date, practitioner: StaffMember | None, *, now: datetime
) -> list[Offer]:
    """Every free start on ``day`` for this session (its own time counts as free), from now on."""
    start, end = selectors.day_bounds(appointment.location, day)
    if end <= now:
        return []
    choices = selectors.available_starts(
        appointment.location,
        appointment.protocol,
        max(start, now),
        end,
        practitioner=practitioner,
        exclude_appointments=[appointment.pk],
    )
    return [
        Offer(
            choice,
            encode_slot(choice),
            choice.start == appointment.starts_at
            and choice.practitioner.pk == appointment.practitioner_id
            and choice.room.pk == appointment.room_id,
        )
        for choice in choices
    ]


def _move(request: ClinicRequest, appointment: Appointment) -> tuple[Appointment, str]:
    """Apply the POSTed slot through the service; returns the appointment as stored and the error, if any."""
    form = RescheduleForm(request.POST)
    if not form.is_valid():
        return appointment, " ".join(map(str, form.errors.get("slot", [])))
    choice = _resolve_slots(appointment.location, [form.cleaned_data["slot"]])[0]
    if choice is None:
        return appointment, _("That time is no longer offered; choose another one.")
    before = appointment.starts_at
    try:
        reschedule_appointment(
            appointment,
            start=choice.start,
            actor=request.user,
            practitioner=choice.practitioner,
            room=choice.room,
            device=choice.device,
        )
    except BookingError as exc:
        # The service may have changed the object in memory before the database refused: read it again.
        return selectors.get_appointment_for_user(request.staff, appointment.pk), str(exc)
    messages.success(
        request,
        _("Moved from %(before)s to %(after)s with %(who)s.")
        % {
            "before": _when(before, appointment.location),
            "after": _when(choice.start, appointment.location),
            "who": choice.practitioner.display_name,
        },
    )
    return appointment, ""


@require_http_methods(["GET", "POST"])
@staff_required(MANAGE_SCHEDULE)
def appointment_reschedule(request: ClinicRequest, appointment_id: int) -> HttpResponse:
    """Pick to reschedule: a day's free starts for this session; choosing one moves it (POST)."""
    appointment = selectors.get_appointment_for_user(request.staff, appointment_id)
    location = appointment.location
    modality = appointment.protocol.modality.code
    people = [p for p in selectors.calendar_resources(location).practitioners if modality in p.modalities]
    now = timezone.now()
    today = _local_day(now, location)
    current_day = max(_local_day(appointment.starts_at, location), today)
    data = request.POST if request.method == "POST" else request.GET
    search = RescheduleSearchForm(
        data if "date" in data else {"date": current_day.isoformat()},
        current=appointment.practitioner,
        others=people,
    )
    valid = search.is_valid()
    day = search.cleaned_data["date"] if valid else current_day
    who = search.cleaned_data.get("practitioner", "") if valid else ""
    error = ""
    if request.method == "POST" and appointment.status == AppointmentStatus.BOOKED:
        appointment, error = _move(request, appointment)
        if not error:
            return HttpResponseRedirect(_detail_url(appointment))
    practitioner: StaffMember | None = appointment.practitioner
    if who == "any":
        practitioner = None
    elif who:
        practitioner = next((p for p in people if str(p.pk) == who), appointment.practitioner)
    booked = appointment.status == AppointmentStatus.BOOKED
    course = (
        selectors.course_appointments(request.clinic, appointment.course_id)
        if appointment.course_id
        else [appointment]
    )
    window = selectors.series_window(appointment, course)
    if window is not None:
        window = (max(window[0], today), window[1])
    url = reverse("scheduling:reschedule", args=[appointment.pk])
    context = {
        "appointment": appointment,
        "location": location,
        "search": search,
        "day": day,
        "who": who,
        "offers": _offers(appointment, day, practitioner, now=now) if booked else [],
        "error": error,
        "window": window,
        "window_ok": window is None or window[0] <= day <= window[1],
        "window_days": _window_days(window),
        "nav": [
            (d, f"{url}?{urlencode({'date': d.isoformat(), 'practitioner': who})}")
            for d in (day - timedelta(days=1), day + timedelta(days=1))
            if d >= today
        ],
        "reschedule_url": url,
    }
    return render(request, "scheduling/reschedule.html", context)


def _window_days(window: tuple[date, date] | None) -> list[date]:
    if window is None:
        return []
    lo, hi = window
    return [lo + timedelta(days=n) for n in range(max((hi - lo).days + 1, 0))][:15]


@require_POST
@staff_required(MANAGE_SCHEDULE)
def appointment_move(request: ClinicRequest, appointment_id: int) -> JsonResponse:
    """Drag to move: the slot a block was dropped on, as the same token the pick flow posts.

    The calendar's script builds the token from the column and the time under the pointer (the dropped
    column's practitioner, room or device, the appointment's own for the others). Answers
    ``{"ok": true}`` (the success message waits in the session for the reloaded calendar) or, with 400 for
    an unreadable token and 409 for a refusal, ``{"ok": false, "error": ...}`` in the reschedule page's words.
    Like the page, which offers only times from now on, it refuses a time that has passed.
    """
    appointment = selectors.get_appointment_for_user(request.staff, appointment_id)
    form = RescheduleForm(request.POST)
    if not form.is_valid():
        return _refused(" ".join(map(str, form.errors.get("slot", []))), status=400)
    if form.cleaned_data["slot"].start < timezone.now():
        return _refused(_("That time has passed; choose a later one."))
    _appointment, error = _move(request, appointment)
    if error:
        return _refused(error)
    return JsonResponse({"ok": True})


def _refused(error: str, *, status: int = 409) -> JsonResponse:
    return JsonResponse(
        {"ok": False, "summary": _("The appointment was not moved; nothing has changed."), "error": error},
        status=status,
    )

"""What every scheduling screen shares: who may see and change the diary, local times, safe links back,
and turning slot tokens from a form into rows without trusting them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from django.urls import NoReverseMatch, reverse
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme

from mesoclinic.accounts.http import ClinicRequest
from mesoclinic.accounts.models import Location
from mesoclinic.accounts.permissions import Capability
from mesoclinic.clinical_codes.dates import local_day
from mesoclinic.scheduling import selectors
from mesoclinic.scheduling.forms import SlotToken
from mesoclinic.scheduling.models import Appointment
from mesoclinic.scheduling.selectors import SessionChoice, location_timezone

# Seeing the diary (it names patients) and booking, moving or checking in: front desk and clinical staff.
VIEW_SCHEDULE = Capability.VIEW_SCHEDULE
MANAGE_SCHEDULE = Capability.BOOK


def _local(moment: datetime, location: Location) -> datetime:
    return moment.astimezone(location_timezone(location))


def _local_day(moment: datetime, location: Location) -> date:
    """The day ``moment`` falls on at ``location``."""
    return local_day(moment, location_timezone(location))


def _when(moment: datetime, location: Location) -> str:
    """``Mon 17 Mar 2031, 10:00`` in the location's time zone, in the active language."""
    return date_format(_local(moment, location), "D j M Y, H:i")


def _next_url(request: ClinicRequest, default: str) -> str:
    """Where to go after a POST: the form's ``next`` when it is a page of this site, else ``default``."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def appointment_ics_url(appointment_id: int) -> str | None:
    """The appointment's .ics download, once the calendar-file view is installed (None until then)."""
    for name in ("scheduling:appointment_ics", "calendar_feeds:appointment_ics"):
        try:
            return reverse(name, kwargs={"appointment_id": appointment_id})
        except NoReverseMatch:
            continue
    return None


def _calendar_url(location: Location, day: date, view: str, by: str, modality: str) -> str:
    query = {"location": location.pk, "date": day.isoformat(), "view": view, "by": by}
    if modality:
        query["modality"] = modality
    return f"{reverse('scheduling:calendar')}?{urlencode(query)}"


def _book_url(**params: Any) -> str:
    query = {k: v for k, v in params.items() if v not in (None, "")}
    return f"{reverse('scheduling:book')}?{urlencode(query)}"


def _detail_url(appointment: Appointment) -> str:
    return reverse("scheduling:appointment", args=[appointment.pk])


def _resolve_slots(location: Location, tokens: Sequence[SlotToken | None]) -> list[SessionChoice | None]:
    """Slot tokens as sessions, each None when its token names rows of another clinic or location."""
    valid = [t for t in tokens if t is not None]
    staff, rooms, devices = selectors.rows_for_slots(
        location,
        practitioner_ids=[t.practitioner_id for t in valid],
        room_ids=[t.room_id for t in valid],
        device_ids=[t.device_id for t in valid if t.device_id],
    )
    out: list[SessionChoice | None] = []
    for token in tokens:
        if (
            token is None
            or token.practitioner_id not in staff
            or token.room_id not in rooms
            or (token.device_id and token.device_id not in devices)
        ):
            out.append(None)
        else:
            out.append(
                SessionChoice(
                    start=token.start,
                    practitioner=staff[token.practitioner_id],
                    room=rooms[token.room_id],
                    device=devices.get(token.device_id) if token.device_id else None,
                )
            )
    return out

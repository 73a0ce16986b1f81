"""Reads for the staff screens: Today, the calendar, the booking wizard, the settings of resources."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import QuerySet

from mesoclinic.accounts.models import Location, Role, StaffMember
from mesoclinic.audit.models import AuditEvent
from mesoclinic.patients.models import Consent
from mesoclinic.scheduling.models import (
    Appointment,
    Device,
    Room,
    ScreeningAlert,
    WorkingHours,
)
from mesoclinic.scheduling.selectors.access import locations_for_clinic, practitioners_for_clinic
from mesoclinic.scheduling.selectors.availability import location_timezone


@dataclass(frozen=True)
class LocationResources:
    """A location with what can be booked there."""

    location: Location
    rooms: list[Room]
    devices: list[Device]
    practitioners: list[StaffMember]


def locations_with_resources(clinic: Any) -> list[LocationResources]:
    """Every location of the clinic with its rooms, devices and the practitioners who work there.

    Four queries whatever the number of locations.
    """
    locations = list(locations_for_clinic(clinic))
    rooms: dict[int, list[Room]] = defaultdict(list)
    for room in Room.objects.filter(clinic=clinic).order_by("name", "pk"):
        rooms[room.location_id].append(room)
    devices: dict[int, list[Device]] = defaultdict(list)
    for device in Device.objects.filter(clinic=clinic).order_by("name", "pk"):
        devices[device.location_id].append(device)
    working: dict[int, set[int]] = defaultdict(set)
    for location_id, staff_id in WorkingHours.objects.filter(location__clinic=clinic).values_list(
        "location_id", "staff_id"
    ):
        working[location_id].add(staff_id)
    people = list(practitioners_for_clinic(clinic))
    return [
        LocationResources(
            location,
            rooms[location.pk],
            devices[location.pk],
            [p for p in people if p.pk in working[location.pk]],
        )
        for location in locations
    ]


def staff_locations(staff: StaffMember) -> list[Location]:
    """The locations a staff member works at, or every location of the clinic when none is assigned."""
    mine = list(staff.locations.filter(clinic_id=staff.clinic_id).order_by("name"))
    return mine or list(locations_for_clinic(staff.clinic_id))


def appointments_needing_consent(appointments: Iterable[Appointment]) -> set[int]:
    """Ids of the appointments whose patient has no valid consent for the appointment's modality.

    One query for any number of appointments (they must have ``protocol__modality`` loaded).
    """
    rows = list(appointments)
    if not rows:
        return set()
    signed = set(
        Consent.objects.filter(
            patient_id__in={a.patient_id for a in rows}, withdrawn_at__isnull=True
        ).values_list("patient_id", "template__modality__code")
    )
    return {a.pk for a in rows if (a.patient_id, a.protocol.modality.code) not in signed}


def appointment_history(appointment: Appointment) -> list[AuditEvent]:
    """The audit trail of one appointment (status changes and moves), oldest first, with who did it."""
    return list(
        AuditEvent.objects.filter(
            clinic_id=appointment.clinic_id,
            object_type=Appointment._meta.label_lower,
            object_id=str(appointment.pk),
        )
        .select_related("actor__staff")
        .order_by("at", "id")
    )


@dataclass(frozen=True)
class CalendarResources:
    """The columns a location's calendar can show, by name."""

    practitioners: list[StaffMember]
    rooms: list[Room]
    devices: list[Device]


def calendar_resources(location: Location) -> CalendarResources:
    """Active physicians and practitioners with working hours at the location, its active rooms and devices.

    Three queries.
    """
    practitioners = list(
        StaffMember.objects.filter(
            clinic_id=location.clinic_id,
            is_active=True,
            role__in=[Role.PHYSICIAN, Role.PRACTITIONER],
            pk__in=WorkingHours.objects.filter(location=location).values("staff_id"),
        ).order_by("display_name", "pk")
    )
    rooms = list(Room.objects.filter(location=location, is_active=True).order_by("name", "pk"))
    devices = list(Device.objects.filter(location=location, is_active=True).order_by("name", "pk"))
    return CalendarResources(practitioners, rooms, devices)


def rows_for_slots(
    location: Location, *, practitioner_ids: Iterable[int], room_ids: Iterable[int], device_ids: Iterable[int]
) -> tuple[dict[int, StaffMember], dict[int, Room], dict[int, Device]]:
    """The clinic's staff and the location's rooms and devices with these ids (others are left out).

    Turns slot tokens from a form back into rows without trusting them: three queries.
    """
    staff = StaffMember.objects.filter(clinic_id=location.clinic_id, pk__in=set(practitioner_ids))
    rooms = Room.objects.filter(location=location, pk__in=set(room_ids))
    devices = Device.objects.filter(location=location, pk__in=set(device_ids))
    return (
        {m.pk: m for m in staff},
        {r.pk: r for r in rooms},
        {d.pk: d for d in devices},
    )


def open_screening_alerts(clinic: Any, *, appointment: Appointment | None = None) -> QuerySet[ScreeningAlert]:
    """Alerts nobody has handled yet (of one appointment, or of the clinic), soonest appointment first."""
    alerts = ScreeningAlert.objects.filter(clinic=clinic, resolved_at__isnull=True)
    if appointment is not None:
        alerts = alerts.filter(appointment=appointment)
    return alerts.select_related(
        "appointment__patient",
        "appointment__protocol__modality",
        "appointment__practitioner",
        "appointment__location",
        "screening",
    ).order_by("appointment__starts_at", "pk")


def series_window(appointment: Appointment, course: list[Appointment]) -> tuple[date, date] | None:
    """The local days this session may move to and keep the series within its tolerance (None: any day).

    ``course`` is every appointment of its course; the sessions that hold their time bound the window."""
    if appointment.course is None:
        return None
    tz = location_timezone(appointment.location)
    holding = [a for a in course if a.holds_resources and a.pk != appointment.pk]
    before = [a for a in holding if a.session_index < appointment.session_index]
    after = [a for a in holding if a.session_index > appointment.session_index]
    interval, tolerance = appointment.course.interval_days, appointment.course.tolerance_days
    lo, hi = date.min, date.max
    if before:
        prev = before[-1].starts_at.astimezone(tz).date()
        lo, hi = prev + timedelta(interval - tolerance), prev + timedelta(interval + tolerance)
    if after:
        nxt = after[0].starts_at.astimezone(tz).date()
        lo = max(lo, nxt - timedelta(interval + tolerance))
        hi = min(hi, nxt - timedelta(interval - tolerance))
    if lo == date.min and hi == date.max:
        return None
    return lo, hi

"""Reads for scheduling: the engine's view of a location, built with one query per kind of row.

Resource ids given to the engine are the names people see ("Dr Anna Nowak #3"), so the planner's
reasons read naturally; ``ResourceMap`` turns them back into rows.
"""

from __future__ import annotations

import zoneinfo
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from mesoclinic.accounts.models import Location, Role, StaffMember
from mesoclinic.catalog.models import Protocol
from mesoclinic.scheduling.engine import (
    Clinic,
    ClinicIndex,
    PlanStatus,
    Resource,
    ResourceKind,
    SeriesRequest,
    WeeklyHours,
    epoch_seconds,
    plan_series,
)
from mesoclinic.scheduling.models import (
    HOLDING_STATUSES,
    Appointment,
    Device,
    DeviceDowntime,
    Holiday,
    OpeningHours,
    Room,
    TimeOff,
    WorkingHours,
)

SLOT_MINUTES = 15


@dataclass(frozen=True)
class SessionChoice:
    """One session to book: when, and with which practitioner, room and device."""

    start: datetime
    practitioner: StaffMember
    room: Room
    device: Device | None = None


@dataclass(frozen=True)
class Proposal:
    """The planner's answer in rows: the sessions to book, or why there are none."""

    sessions: tuple[SessionChoice, ...]
    reason: str = ""

    @property
    def feasible(self) -> bool:
        return bool(self.sessions)


@dataclass
class ResourceMap:
    """Engine resource ids and the rows they stand for."""

    practitioners: dict[str, StaffMember] = field(default_factory=dict)
    rooms: dict[str, Room] = field(default_factory=dict)
    devices: dict[str, Device] = field(default_factory=dict)

    def practitioner_id(self, staff: StaffMember) -> str:
        return _rid(staff.display_name, staff.pk)

    def room_id(self, room: Room) -> str:
        return _rid(room.name, room.pk)

    def device_id(self, device: Device) -> str:
        return _rid(device.name, device.pk)


def _rid(name: str, pk: int) -> str:
    return f"{name} #{pk}"


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


def _weekly(spans: Iterable[OpeningHours | WorkingHours]) -> WeeklyHours:
    days: list[list[tuple[int, int]]] = [[] for _ in range(7)]
    for span in spans:
        days[span.weekday].append((_minutes(span.starts), _minutes(span.ends)))
    return WeeklyHours(tuple(tuple(d) for d in days))


def location_timezone(location: Location) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(location.timezone)


def engine_clinic(
    location: Location,
    modality: str,
    *,
    window: tuple[datetime, datetime],
    exclude_appointments: Iterable[int] = (),
    slot_minutes: int = SLOT_MINUTES,
) -> tuple[Clinic, ResourceMap]:
    """The location's resources qualified for ``modality``, with their hours and busy time in ``window``.

    Busy time: holding appointments (end plus buffer), time off, device downtime, and the location's
    holidays (whole local days). ``exclude_appointments`` leaves some out (the one being rescheduled).
    Seven queries whatever the size of the window or the number of resources.
    """
    tz = location_timezone(location)
    lo, hi = window
    resources = ResourceMap()
    staff = StaffMember.objects.filter(
        clinic_id=location.clinic_id, is_active=True, role__in=[Role.PHYSICIAN, Role.PRACTITIONER]
    )
    hours_by_staff: dict[int, list[WorkingHours]] = defaultdict(list)
    for span in WorkingHours.objects.filter(location=location, staff__in=staff):
        hours_by_staff[span.staff_id].append(span)
    for member in staff:
        if modality in member.modalities and hours_by_staff.get(member.pk):
            resources.practitioners[resources.practitioner_id(member)] = member
    for room in Room.objects.filter(location=location, is_active=True):
        if modality in room.modalities:
            resources.rooms[resources.room_id(room)] = room
    for device in Device.objects.filter(location=location, is_active=True, modality=modality):
        resources.devices[resources.device_id(device)] = device

    busy: dict[str, list[tuple[datetime, datetime]]] = defaultdict(list)
    overlapping = Q(starts_at__lt=hi, blocked_until__gt=lo, status__in=HOLDING_STATUSES)
    staff_ids = {m.pk: rid for rid, m in resources.practitioners.items()}
    room_ids = {r.pk: rid for rid, r in resources.rooms.items()}
    device_ids = {d.pk: rid for rid, d in resources.devices.items()}
    appointments = (
        Appointment.objects.filter(overlapping)
        .filter(
            Q(practitioner_id__in=list(staff_ids))
            | Q(room_id__in=list(room_ids))
            | Q(device_id__in=list(device_ids))
        )
        .exclude(pk__in=list(exclude_appointments))
        .values_list("practitioner_id", "room_id", "device_id", "starts_at", "blocked_until")
    )
    for practitioner_id, room_id, device_id, starts_at, blocked_until in appointments:
        for pk, ids in ((practitioner_id, staff_ids), (room_id, room_ids), (device_id, device_ids)):
            if pk in ids:
                busy[ids[pk]].append((starts_at, blocked_until))
    for off in TimeOff.objects.filter(staff_id__in=list(staff_ids), starts_at__lt=hi, ends_at__gt=lo):
        busy[staff_ids[off.staff_id]].append((off.starts_at, off.ends_at))
    for down in DeviceDowntime.objects.filter(
        device_id__in=list(device_ids), starts_at__lt=hi, ends_at__gt=lo
    ):
        busy[device_ids[down.device_id]].append((down.starts_at, down.ends_at))
    closed = [
        (datetime.combine(h.date, time(), tz), datetime.combine(h.date + timedelta(days=1), time(), tz))
        for h in Holiday.objects.filter(
            location=location,
            date__gte=lo.astimezone(tz).date() - timedelta(days=1),
            date__lte=hi.astimezone(tz).date(),
        )
    ]
    opening = _weekly(OpeningHours.objects.filter(location=location))

    def resource(rid: str, kind: ResourceKind, hours: WeeklyHours) -> Resource:
        return Resource(rid, kind, frozenset({modality}), hours, tuple(busy[rid] + closed))

    engine_resources = [
        *(
            resource(rid, ResourceKind.PRACTITIONER, _weekly(hours_by_staff[m.pk]))
            for rid, m in resources.practitioners.items()
        ),
        *(resource(rid, ResourceKind.ROOM, opening) for rid in resources.rooms),
        *(resource(rid, ResourceKind.DEVICE, opening) for rid in resources.devices),
    ]
    return Clinic(tz, slot_minutes, tuple(engine_resources)), resources


def locations_for_clinic(clinic: Any) -> QuerySet[Location]:
    return Location.objects.filter(clinic=clinic).order_by("name")


def get_location_for_user(staff: StaffMember | None, location_id: Any) -> Location:
    if staff is None:
        raise Http404
    try:
        return Location.objects.get(pk=int(location_id), clinic_id=staff.clinic_id)
    except (TypeError, ValueError, Location.DoesNotExist):
        raise Http404 from None


def get_appointment_for_user(staff: StaffMember | None, appointment_id: Any) -> Appointment:
    """The appointment in the staff member's clinic, or 404 (other clinics' appointments do not exist)."""
    if staff is None:
        raise Http404
    try:
        return appointments_for_clinic(staff.clinic).get(pk=int(appointment_id))
    except (TypeError, ValueError, Appointment.DoesNotExist):
        raise Http404 from None


def appointments_for_clinic(clinic: Any) -> QuerySet[Appointment]:
    return Appointment.objects.filter(clinic=clinic).select_related(
        "patient", "protocol__modality", "practitioner", "room", "device", "location", "course"
    )


def appointments_between(location: Location, start: datetime, end: datetime) -> QuerySet[Appointment]:
    """The location's appointments that overlap ``[start, end)``, cancelled ones included, by start."""
    return appointments_for_clinic(location.clinic_id).filter(
        location=location, starts_at__lt=end, ends_at__gt=start
    )


def day_bounds(location: Location, day: date, days: int = 1) -> tuple[datetime, datetime]:
    """Aware start and end of ``days`` local days from ``day`` at the location (DST-correct)."""
    tz = location_timezone(location)
    return datetime.combine(day, time(), tz), datetime.combine(day + timedelta(days=days), time(), tz)


def propose_series(
    location: Location,
    protocol: Protocol,
    *,
    earliest: datetime,
    same_practitioner: bool = True,
    horizon_days: int = 120,
    practitioner: StaffMember | None = None,
) -> Proposal:
    """The best series for ``protocol`` at ``location`` from ``earliest`` (the engine's choice rules).

    ``practitioner`` restricts the plan to one person (the patient's usual practitioner).
    """
    window = (earliest - timedelta(days=1), earliest + timedelta(days=horizon_days + 2))
    clinic, resources = engine_clinic(location, protocol.modality.code, window=window)
    if practitioner is not None:
        keep = resources.practitioner_id(practitioner)
        clinic = Clinic(
            clinic.timezone,
            clinic.slot_minutes,
            tuple(r for r in clinic.resources if r.kind is not ResourceKind.PRACTITIONER or r.id == keep),
        )
    series = SeriesRequest(
        modality=protocol.modality.code,
        sessions=protocol.sessions,
        interval_days=protocol.interval_days,
        tolerance_days=protocol.tolerance_days,
        duration_minutes=protocol.session_minutes,
        buffer_minutes=protocol.buffer_minutes,
        earliest=earliest,
        same_practitioner=same_practitioner,
        horizon_days=horizon_days,
    )
    plan = plan_series(clinic, series)
    if plan.status is not PlanStatus.PLANNED:
        return Proposal((), plan.reason or "")
    return Proposal(
        tuple(
            SessionChoice(
                start=s.start,
                practitioner=resources.practitioners[s.practitioner],
                room=resources.rooms[s.room],
                device=resources.devices[s.device] if s.device else None,
            )
            for s in plan.sessions
        )
    )


def available_starts(
    location: Location,
    protocol: Protocol,
    start: datetime,
    end: datetime,
    *,
    practitioner: StaffMember | None = None,
    exclude_appointments: Iterable[int] = (),
) -> list[SessionChoice]:
    """Every bookable start in ``[start, end)`` for one session of ``protocol``, with the resources it gets.

    Interval arithmetic over the whole window (one batch of queries), not a query per candidate slot.
    Resources are the first free in name order; ``practitioner`` restricts who performs it.
    """
    modality = protocol.modality.code
    length = (protocol.session_minutes + protocol.buffer_minutes) * 60
    clinic, resources = engine_clinic(
        location,
        modality,
        window=(start - timedelta(days=1), end + timedelta(days=1)),
        exclude_appointments=exclude_appointments,
    )
    tz = location_timezone(location)
    index = ClinicIndex.build(clinic, start.astimezone(tz).date(), end.astimezone(tz).date())
    who = resources.practitioner_id(practitioner) if practitioner is not None else None
    if who is not None and who not in resources.practitioners:
        return []
    kinds = index.candidates(modality, practitioner=who) if who else index.candidates(modality)
    if not all(kinds):
        return []
    choices = []
    for moment in index.available_slots(modality, length // 60, start, end, practitioner=who):
        t = epoch_seconds(moment)
        picked = [index.first_free(ids, t, length) for ids in kinds]
        practitioner_id, room_id, *device_id = picked
        choices.append(
            SessionChoice(
                start=moment,
                practitioner=resources.practitioners[practitioner_id],
                room=resources.rooms[room_id],
                device=resources.devices[device_id[0]] if device_id else None,
            )
        )
    return choices

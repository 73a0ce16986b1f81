"""The model → engine adapter: a location's rows as the scheduling engine's ``Clinic``.

Resource ids given to the engine are the names people see ("Dr Anna Nowak #3"), so the planner's
reasons read naturally; ``ResourceMap`` turns them back into rows. Ten queries whatever the window.
"""

from __future__ import annotations

import zoneinfo
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.db.models import Q

from mesoclinic.accounts.models import Location, Role, StaffMember
from mesoclinic.clinical_codes.dates import local_day
from mesoclinic.scheduling.engine import (
    Clinic,
    Resource,
    ResourceKind,
    WeeklyHours,
)
from mesoclinic.scheduling.models import (
    HOLDING_STATUSES,
    LONGEST_HOLD,
    Appointment,
    Device,
    DeviceDowntime,
    ExtraHours,
    Holiday,
    OpeningHours,
    Room,
    TimeOff,
    WorkingHours,
    overlapping,
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

    Hours: a practitioner's weekly hours at the location plus their extra hours there in ``window``
    (``models.ExtraHours``); rooms and devices, the location's opening hours. Busy time: holding
    appointments (end plus buffer), time off, device downtime, and the location's holidays (whole local
    days). ``exclude_appointments`` leaves some out (the one being rescheduled). Ten queries whatever the
    size of the window or the number of resources.
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
    extra_by_staff: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    for staff_id, starts_at, ends_at in ExtraHours.objects.filter(
        location=location, staff__in=staff, starts_at__lt=hi, ends_at__gt=lo
    ).values_list("staff_id", "starts_at", "ends_at"):
        extra_by_staff[staff_id].append((starts_at, ends_at))
    for member in staff:
        if modality in member.modalities and (hours_by_staff.get(member.pk) or extra_by_staff.get(member.pk)):
            resources.practitioners[resources.practitioner_id(member)] = member
    for room in Room.objects.filter(location=location, is_active=True):
        if modality in room.modalities:
            resources.rooms[resources.room_id(room)] = room
    for device in Device.objects.filter(location=location, is_active=True, modality=modality):
        resources.devices[resources.device_id(device)] = device

    busy: dict[str, list[tuple[datetime, datetime]]] = defaultdict(list)
    # Bounded on both sides of the (resource, blocked_until) index: nothing holds a resource for longer
    # than ``LONGEST_HOLD``, so an overlapping row ends before ``hi`` + ``LONGEST_HOLD``.
    holding = overlapping(lo, hi, until="blocked_until") & Q(
        blocked_until__lt=hi + LONGEST_HOLD, status__in=HOLDING_STATUSES
    )
    staff_ids = {m.pk: rid for rid, m in resources.practitioners.items()}
    room_ids = {r.pk: rid for rid, r in resources.rooms.items()}
    device_ids = {d.pk: rid for rid, d in resources.devices.items()}
    appointments = (
        Appointment.objects.filter(holding)
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
            date__gte=local_day(lo, tz) - timedelta(days=1),
            date__lte=local_day(hi, tz),
        )
    ]
    opening = _weekly(OpeningHours.objects.filter(location=location))

    def resource(
        rid: str, kind: ResourceKind, hours: WeeklyHours, extra: Iterable[tuple[datetime, datetime]] = ()
    ) -> Resource:
        return Resource(rid, kind, frozenset({modality}), hours, tuple(busy[rid] + closed), tuple(extra))

    engine_resources = [
        *(
            resource(
                rid, ResourceKind.PRACTITIONER, _weekly(hours_by_staff[m.pk]), extra_by_staff.get(m.pk, ())
            )
            for rid, m in resources.practitioners.items()
        ),
        *(resource(rid, ResourceKind.ROOM, opening) for rid in resources.rooms),
        *(resource(rid, ResourceKind.DEVICE, opening) for rid in resources.devices),
    ]
    return Clinic(tz, slot_minutes, tuple(engine_resources)), resources

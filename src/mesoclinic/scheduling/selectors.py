"""Reads for scheduling: the engine's view of a location, built with one query per kind of row.

Resource ids given to the engine are the names people see ("Dr Anna Nowak #3"), so the planner's
reasons read naturally; ``ResourceMap`` turns them back into rows.
"""

from __future__ import annotations

import threading
import zoneinfo
from collections import OrderedDict, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from types import MappingProxyType
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from mesoclinic.accounts.models import Location, Role, StaffMember
from mesoclinic.audit.models import AuditEvent
from mesoclinic.catalog.models import Protocol
from mesoclinic.patients.models import Consent
from mesoclinic.scheduling.engine import (
    Clinic,
    ClinicIndex,
    PlanStatus,
    Resource,
    ResourceKind,
    SeriesRequest,
    WeeklyHours,
    epoch_seconds,
    plan_series_in,
)
from mesoclinic.scheduling.models import (
    HOLDING_STATUSES,
    Appointment,
    CalendarFeed,
    CalendarFeedKind,
    Course,
    Device,
    DeviceDowntime,
    ExtraHours,
    Holiday,
    OpeningHours,
    Room,
    ScheduleVersion,
    ScreeningAlert,
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
    # Bounded on both sides of the (resource, blocked_until) index: nothing holds a resource for more
    # than a day (the engine's limit), so an overlapping row ends before ``hi`` + 1 day.
    overlapping = Q(
        starts_at__lt=hi,
        blocked_until__gt=lo,
        blocked_until__lt=hi + timedelta(days=1),
        status__in=HOLDING_STATUSES,
    )
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


# --- Each location's free-time index, kept per process while its schedule version is unchanged ----------

#: An index asked for days it does not cover, at the same version, is rebuilt over both its days and the
#: new ones while that spans at most this many days (else over the new ones alone).
INDEX_DAYS_MAX = 400
INDEX_CACHE_SIZE = 32


@dataclass(frozen=True)
class _Indexed:
    token: tuple[int, int]  # the location's (version, stamp) the index was built at
    first: date
    last: date
    clinic: Clinic
    resources: ResourceMap
    index: ClinicIndex


class _IndexCache:
    """A small LRU of built indexes, shared by the threads of one process."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[tuple[int, str, int], _Indexed] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[int, str, int], token: tuple[int, int]) -> _Indexed | None:
        """The entry for ``key`` built at ``token``, whatever days it covers, or None."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry.token != token:
                return None
            self._entries.move_to_end(key)
            return entry

    def put(self, key: tuple[int, str, int], entry: _Indexed) -> None:
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def kept_at(
        self, location_id: int, token: tuple[int, int]
    ) -> list[tuple[tuple[int, str, int], _Indexed]]:
        """The location's entries built at (or patched up to) ``token``."""
        with self._lock:
            return [(k, e) for k, e in self._entries.items() if k[0] == location_id and e.token == token]

    def replace(self, key: tuple[int, str, int], old: _Indexed, new: _Indexed) -> bool:
        """Put ``new`` in place of ``old`` unless another thread replaced ``old`` meanwhile."""
        with self._lock:
            if self._entries.get(key) is not old:
                return False
            self._entries[key] = new
            return True


index_cache = _IndexCache(INDEX_CACHE_SIZE)


def schedule_token(location: Location) -> tuple[int, int] | None:
    """The location's schedule ``(version, stamp)``; one query. None if it has no version row yet."""
    return location_schedule_token(location.pk)


def location_schedule_token(location_id: int) -> tuple[int, int] | None:
    """``schedule_token`` by the location's id."""
    row = ScheduleVersion.objects.filter(location_id=location_id).values_list("version", "stamp").first()
    return (row[0], row[1]) if row is not None else None


def replaced_token(location_id: int) -> tuple[int, int] | None:
    """Right after a bump of the location's version in this transaction: the token that bump replaced.

    A writer calls it after its first bump (which holds the version row's lock until commit), so the
    answer is exactly the schedule its write starts from. None if the location has no version row.
    """
    row = (
        ScheduleVersion.objects.filter(location_id=location_id)
        .values_list("version", "previous_stamp")
        .first()
    )
    return (row[0] - 1, row[1]) if row is not None and row[0] > 0 else None


@dataclass(frozen=True)
class Hold:
    """The time one appointment holds its practitioner, room and device: ``start .. end`` (the end of the
    session plus its cleaning buffer, ``blocked_until``)."""

    practitioner_id: int
    room_id: int
    device_id: int | None
    start: datetime
    end: datetime

    @classmethod
    def of(cls, appointment: Appointment) -> Hold:
        return cls(
            appointment.practitioner_id,
            appointment.room_id,
            appointment.device_id,
            appointment.starts_at,
            appointment.blocked_until,
        )


def patch_kept_indexes(
    location_id: int,
    before: tuple[int, int],
    after: tuple[int, int],
    *,
    added: Iterable[Hold] = (),
    removed: Iterable[Hold] = (),
) -> int:
    """After a committed write of this process: patch the location's kept indexes instead of dropping them.

    The write took the location's schedule from ``before`` to ``after`` and did nothing to it but book
    ``added`` and free ``removed``. Only entries kept at exactly ``before`` are patched (the appointments'
    intervals taken out of or given back to their resources' free time, ``ClinicIndex.with_busy``) and
    moved to ``after``. An entry at any other version missed someone else's write (another process, or a
    write this one made that changed hours or resources): it is left alone, so the next call sees a
    version it was not built at and rebuilds it. Called by ``transaction.on_commit``, never before the
    commit: an index must never hold a write that may still roll back under a committed version.

    Returns the number of entries patched.
    """
    added, removed = tuple(added), tuple(removed)
    patched = 0
    for key, entry in index_cache.kept_at(location_id, before):
        if index_cache.replace(key, entry, _patched(entry, after, added, removed)):
            patched += 1
    return patched


def _patched(
    entry: _Indexed, token: tuple[int, int], added: tuple[Hold, ...], removed: tuple[Hold, ...]
) -> _Indexed:
    resources = entry.resources
    ids: tuple[dict[int | None, str], ...] = (
        {m.pk: rid for rid, m in resources.practitioners.items()},
        {r.pk: rid for rid, r in resources.rooms.items()},
        {d.pk: rid for rid, d in resources.devices.items()},
    )
    changes: dict[str, tuple[list[tuple[datetime, datetime]], list[tuple[datetime, datetime]]]] = {}
    for side, holds in enumerate((added, removed)):
        for hold in holds:
            for pk, table in zip((hold.practitioner_id, hold.room_id, hold.device_id), ids, strict=True):
                rid = table.get(pk)
                if rid is not None:
                    changes.setdefault(rid, ([], []))[side].append((hold.start, hold.end))
    index = entry.index.with_busy(changes)
    return _Indexed(token, entry.first, entry.last, index.clinic, resources, index)


def _grown(kept: _Indexed, first: date, last: date) -> tuple[date, date]:
    """The days to rebuild over when ``kept`` misses ``first .. last`` at its own version.

    Both, grown on the missing side by the kept span (doubling, so a walk through the months costs a few
    rebuilds, not one a month), within ``INDEX_DAYS_MAX``; else both; else the new days alone.
    """
    span = kept.last - kept.first + timedelta(days=1)
    lo = min(first, kept.first - span) if first < kept.first else kept.first
    hi = max(last, kept.last + span) if last > kept.last else kept.last
    for lo_, hi_ in ((lo, hi), (min(first, kept.first), max(last, kept.last))):
        if (hi_ - lo_).days <= INDEX_DAYS_MAX:
            return lo_, hi_
    return first, last


def location_index(
    location: Location, modality: str, first: date, last: date
) -> tuple[Clinic, ResourceMap, ClinicIndex]:
    """``engine_clinic`` for ``modality`` indexed over at least the local dates ``first .. last``.

    Reused from this process's cache while the location's schedule version is the one it was built at
    (one query), else built and kept. After a write the first call builds just the days it asks for, so
    it costs what an uncached call did; later calls at the same version that ask for other days rebuild
    over those and the kept ones together, with room to grow (``_grown``), so the kept index comes to
    cover what is being asked.

    Bookings, cancellations, moves and no-shows made by *this* process do not cost a rebuild: on commit
    they patch the kept entries with the appointments they booked or freed and move them to the new
    version, provided the entries were at exactly the version the write started from
    (``patch_kept_indexes``). Writes by other processes, and changes of hours, holidays or resources, move
    the version without a patch, so the next call rebuilds.

    The version is read before the rows, so an index may hold writes newer than the version it is kept
    at (it is then rebuilt on the next call), never older ones: every answer includes all the writes
    committed before the call began. Booking trusts none of it anyway: ``services.check_sessions_fit``
    reads the database, and the database's no-overlap constraint settles races.
    """
    token = schedule_token(location)
    key = (location.pk, modality, SLOT_MINUTES)
    if token is not None:
        kept = index_cache.get(key, token)
        if kept is not None and kept.first <= first and last <= kept.last:
            return kept.clinic, kept.resources, kept.index
        if kept is not None:  # same version, other days: cover both while that stays within the limit
            first, last = _grown(kept, first, last)
    else:  # a location made without one (bulk_create): create it; this first answer is not kept
        ScheduleVersion.objects.get_or_create(location=location)
    tz = location_timezone(location)
    window = (
        datetime.combine(first - timedelta(days=1), time(), tz),
        datetime.combine(last + timedelta(days=2), time(), tz),
    )
    clinic, resources = engine_clinic(location, modality, window=window)
    index = ClinicIndex.build(clinic, first, last)
    if token is not None:
        index_cache.put(key, _Indexed(token, first, last, clinic, resources, index))
    return clinic, resources, index


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


def appointments_for_patient(patient: Any) -> QuerySet[Appointment]:
    """Every appointment of the patient (cancelled and no-shows too), latest start first, with its series."""
    return (
        appointments_for_clinic(patient.clinic_id)
        .filter(patient=patient)
        .select_related("session_record")
        .order_by("-starts_at", "-id")
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
    daily_window: tuple[int, int] | None = None,
) -> Proposal:
    """The best series for ``protocol`` at ``location`` from ``earliest`` (the engine's choice rules).

    ``practitioner`` restricts the plan to one person (the patient's usual practitioner); ``daily_window``
    (wall-clock minutes after midnight, start and end) keeps every session inside that part of its day.
    """
    local = earliest.astimezone(location_timezone(location)).replace(tzinfo=None)
    first, last = local.date(), (local + timedelta(days=horizon_days)).date()  # ``planning_window``'s days
    clinic, resources, index = location_index(location, protocol.modality.code, first, last)
    if practitioner is not None:
        keep = resources.practitioner_id(practitioner)
        clinic = Clinic(
            clinic.timezone,
            clinic.slot_minutes,
            tuple(r for r in clinic.resources if r.kind is not ResourceKind.PRACTITIONER or r.id == keep),
        )
        index = ClinicIndex(
            clinic, index.days, MappingProxyType({r.id: index.free[r.id] for r in clinic.resources})
        )
    if daily_window is not None:
        index = index.within_daily(*daily_window)
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
    plan = plan_series_in(index, series)
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
    tz = location_timezone(location)
    first, last = start.astimezone(tz).date(), end.astimezone(tz).date()
    exclude = list(exclude_appointments)
    if exclude:  # a reschedule's own view, not the location's: built for this request only
        clinic, resources = engine_clinic(
            location,
            modality,
            window=(start - timedelta(days=1), end + timedelta(days=1)),
            exclude_appointments=exclude,
        )
        index = ClinicIndex.build(clinic, first, last)
    else:
        clinic, resources, index = location_index(location, modality, first, last)
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


# --- Access helpers for the API and the calendar feeds: the only way they fetch these rows by id. -------


def practitioners_for_clinic(clinic: Any) -> QuerySet[StaffMember]:
    """Active staff who perform treatments (physicians and practitioners), by name."""
    return StaffMember.objects.filter(
        clinic=clinic, is_active=True, role__in=[Role.PHYSICIAN, Role.PRACTITIONER]
    ).order_by("display_name", "pk")


def _pk(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


def get_practitioner_for_user(staff: StaffMember | None, practitioner_id: Any) -> StaffMember:
    """An active physician or practitioner of the caller's clinic, or 404."""
    if staff is None:
        raise Http404
    found = practitioners_for_clinic(staff.clinic_id).filter(pk=_pk(practitioner_id)).first()
    if found is None:
        raise Http404
    return found


def extra_hours_of(practitioner: StaffMember, *, ends_after: datetime | None = None) -> QuerySet[ExtraHours]:
    """A practitioner's extra hours at every location, by start (those ending after ``ends_after``)."""
    found = ExtraHours.objects.filter(staff=practitioner).order_by("starts_at", "pk")
    return found.filter(ends_at__gt=ends_after) if ends_after is not None else found


def time_off_of(practitioner: StaffMember, *, ends_after: datetime | None = None) -> QuerySet[TimeOff]:
    """A practitioner's time off, by start (those ending after ``ends_after``)."""
    found = TimeOff.objects.filter(staff=practitioner).order_by("starts_at", "pk")
    return found.filter(ends_at__gt=ends_after) if ends_after is not None else found


def get_extra_hours_for_user(
    staff: StaffMember | None, practitioner: StaffMember, extra_id: Any
) -> ExtraHours:
    """Extra hours of ``practitioner`` (already fetched for ``staff``'s clinic), or 404."""
    if staff is None:
        raise Http404
    if practitioner.clinic_id != staff.clinic_id:
        raise Http404
    found = extra_hours_of(practitioner).filter(pk=_pk(extra_id)).select_related("staff", "location").first()
    if found is None:
        raise Http404
    return found


def get_time_off_for_user(staff: StaffMember | None, practitioner: StaffMember, off_id: Any) -> TimeOff:
    """Time off of ``practitioner`` (already fetched for ``staff``'s clinic), or 404."""
    if staff is None:
        raise Http404
    if practitioner.clinic_id != staff.clinic_id:
        raise Http404
    found = time_off_of(practitioner).filter(pk=_pk(off_id)).select_related("staff").first()
    if found is None:
        raise Http404
    return found


def get_room_for_user(staff: StaffMember | None, room_id: Any) -> Room:
    """A room of the caller's clinic, or 404 (another clinic's room does not exist for this one)."""
    if staff is None:
        raise Http404
    found = Room.objects.filter(clinic_id=staff.clinic_id, pk=_pk(room_id)).first()
    if found is None:
        raise Http404
    return found


def get_device_for_user(staff: StaffMember | None, device_id: Any) -> Device:
    """A device of the caller's clinic, or 404."""
    if staff is None:
        raise Http404
    found = Device.objects.filter(clinic_id=staff.clinic_id, pk=_pk(device_id)).first()
    if found is None:
        raise Http404
    return found


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


# --- Private calendar feeds ------------------------------------------------------------------------------

FEED_PAST = timedelta(days=30)
FEED_AHEAD = timedelta(days=365)


def calendar_feed_for_token(token: str) -> CalendarFeed | None:
    """The active feed this URL token opens, or None (unknown and revoked tokens look the same).

    A practitioner's feed also stops when they leave the clinic (their staff membership is deactivated):
    a former colleague's phone keeps no view of the diary, whether or not someone remembered to revoke it.
    """
    feed = (
        CalendarFeed.objects.filter(token_hash=CalendarFeed.hash_token(token), revoked_at__isnull=True)
        .select_related("clinic")
        .first()
    )
    if feed is None:
        return None
    if (
        feed.kind == CalendarFeedKind.PRACTITIONER
        and not practitioners_for_clinic(feed.clinic_id).filter(pk=feed.object_id).exists()
    ):
        return None
    return feed


def calendar_feeds_for_user(staff: StaffMember) -> QuerySet[CalendarFeed]:
    """Feeds the caller may see and revoke: every feed of the clinic for its owner, else their own."""
    feeds = CalendarFeed.objects.filter(clinic_id=staff.clinic_id)
    if staff.role == Role.OWNER:
        return feeds
    return feeds.filter(kind=CalendarFeedKind.PRACTITIONER, object_id=staff.pk)


def get_calendar_feed_for_user(staff: StaffMember | None, feed_id: Any) -> CalendarFeed:
    """A feed of the caller's clinic, or 404. Whether they may manage it is ``may_manage_calendar_feed``."""
    if staff is None:
        raise Http404
    found = CalendarFeed.objects.filter(clinic_id=staff.clinic_id, pk=_pk(feed_id)).first()
    if found is None:
        raise Http404
    return found


def may_manage_calendar_feed(staff: StaffMember, kind: str, object_id: int) -> bool:
    """The owner manages every feed; a physician or practitioner manages the feed of their own diary."""
    if staff.role == Role.OWNER:
        return True
    if staff.role not in (Role.PHYSICIAN, Role.PRACTITIONER):
        return False
    return kind == CalendarFeedKind.PRACTITIONER and object_id == staff.pk


def get_feed_resource_for_user(
    staff: StaffMember | None, kind: str, object_id: Any
) -> StaffMember | Room | Device:
    """The practitioner, room or device a feed would show, in the caller's clinic, or 404."""
    if kind == CalendarFeedKind.PRACTITIONER:
        return get_practitioner_for_user(staff, object_id)
    if kind == CalendarFeedKind.ROOM:
        return get_room_for_user(staff, object_id)
    if kind == CalendarFeedKind.DEVICE:
        return get_device_for_user(staff, object_id)
    raise Http404


def feed_resource_names(feeds: Iterable[CalendarFeed]) -> dict[tuple[str, int], str]:
    """``(kind, object_id) -> name`` for the resources behind ``feeds`` (three queries at most)."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for feed in feeds:
        wanted[feed.kind].add(feed.object_id)
    names: dict[tuple[str, int], str] = {}
    models: dict[str, tuple[Any, str]] = {
        CalendarFeedKind.PRACTITIONER: (StaffMember, "display_name"),
        CalendarFeedKind.ROOM: (Room, "name"),
        CalendarFeedKind.DEVICE: (Device, "name"),
    }
    for kind, ids in wanted.items():
        model, field_name = models[kind]
        for pk, name in model.objects.filter(pk__in=ids).values_list("pk", field_name):
            names[(kind, pk)] = name
    return names


def feed_appointments(feed: CalendarFeed, *, now: datetime) -> QuerySet[Appointment]:
    """The feed resource's appointments from 30 days before ``now`` to 365 days after, in every status: a
    cancelled one (or a no-show) stays, as ``STATUS:CANCELLED`` with a higher ``SEQUENCE``, so that calendars
    that copied it mark it cancelled rather than keep it (scheduling/ical.py)."""
    resource = {
        CalendarFeedKind.PRACTITIONER: "practitioner_id",
        CalendarFeedKind.ROOM: "room_id",
        CalendarFeedKind.DEVICE: "device_id",
    }[CalendarFeedKind(feed.kind)]
    return (
        Appointment.objects.filter(
            clinic_id=feed.clinic_id,
            starts_at__gte=now - FEED_PAST,
            starts_at__lt=now + FEED_AHEAD,
            **{resource: feed.object_id},
        )
        .select_related("protocol__modality", "practitioner", "room", "device", "location")
        .order_by("starts_at", "pk")
    )


# --- Reads for the staff screens: Today, the calendar, the booking wizard ---------------------------------


def staff_locations(staff: StaffMember) -> list[Location]:
    """The locations a staff member works at, or every location of the clinic when none is assigned."""
    mine = list(staff.locations.filter(clinic_id=staff.clinic_id).order_by("name"))
    return mine or list(locations_for_clinic(staff.clinic_id))


Span = tuple[time, time]


@dataclass(frozen=True)
class LocationHours:
    """What the calendar shades: opening hours and each practitioner's hours by weekday, holidays by date,
    and per practitioner and local date the extra hours and the time off (minutes after local midnight)."""

    opening: dict[int, list[Span]]
    working: dict[int, dict[int, list[Span]]]
    holidays: dict[date, str]
    extra: dict[int, dict[date, list[tuple[int, int]]]] = field(default_factory=dict)
    time_off: dict[int, dict[date, list[tuple[int, int]]]] = field(default_factory=dict)


def _day_minutes(
    rows: Iterable[tuple[int, datetime, datetime]], tz: zoneinfo.ZoneInfo, first: date, last: date
) -> dict[int, dict[date, list[tuple[int, int]]]]:
    """``(staff, start, end)`` rows cut at local midnights into minutes of each day ``first .. last``."""
    out: dict[int, dict[date, list[tuple[int, int]]]] = defaultdict(lambda: defaultdict(list))
    for staff_id, starts_at, ends_at in rows:
        start, end = starts_at.astimezone(tz), ends_at.astimezone(tz)
        day = max(start.date(), first)
        while day <= min(end.date(), last):
            midnight = datetime.combine(day, time(), tz)
            a = 0 if start.date() < day else (start - midnight).seconds // 60
            b = 24 * 60 if end.date() > day else (end - midnight).seconds // 60
            if a < b:
                out[staff_id][day].append((a, b))
            day += timedelta(days=1)
    return {k: dict(v) for k, v in out.items()}


def location_hours(location: Location, first: date, last: date) -> LocationHours:
    """Opening hours, working hours (staff pk → weekday → spans), the holidays ``first .. last``, and the
    extra hours and time off of the location's staff on those days.

    Five queries.
    """
    opening: dict[int, list[Span]] = defaultdict(list)
    for span in OpeningHours.objects.filter(location=location).order_by("weekday", "starts"):
        opening[span.weekday].append((span.starts, span.ends))
    working: dict[int, dict[int, list[Span]]] = defaultdict(lambda: defaultdict(list))
    for hours in WorkingHours.objects.filter(location=location).order_by("weekday", "starts"):
        working[hours.staff_id][hours.weekday].append((hours.starts, hours.ends))
    holidays = dict(
        Holiday.objects.filter(location=location, date__gte=first, date__lte=last).values_list("date", "name")
    )
    tz = location_timezone(location)
    lo = datetime.combine(first, time(), tz)
    hi = datetime.combine(last + timedelta(days=1), time(), tz)
    extra = ExtraHours.objects.filter(location=location, starts_at__lt=hi, ends_at__gt=lo)
    off = TimeOff.objects.filter(staff__locations=location, starts_at__lt=hi, ends_at__gt=lo)
    return LocationHours(
        dict(opening),
        {k: dict(v) for k, v in working.items()},
        holidays,
        extra=_day_minutes(extra.values_list("staff_id", "starts_at", "ends_at"), tz, first, last),
        time_off=_day_minutes(off.values_list("staff_id", "starts_at", "ends_at"), tz, first, last),
    )


def _session_choices(
    index: ClinicIndex,
    resources: ResourceMap,
    *,
    modality: str,
    occupied_minutes: int,
    start: datetime,
    end: datetime,
    who: str | None,
) -> list[SessionChoice]:
    """``available_starts``' answer for one window of an index that is already built."""
    kinds = index.candidates(modality, practitioner=who) if who else index.candidates(modality)
    if not all(kinds):
        return []
    length = occupied_minutes * 60
    choices = []
    for moment in index.available_slots(modality, occupied_minutes, start, end, practitioner=who):
        t = epoch_seconds(moment)
        practitioner_id, room_id, *device_id = [index.first_free(ids, t, length) for ids in kinds]
        choices.append(
            SessionChoice(
                start=moment,
                practitioner=resources.practitioners[practitioner_id],
                room=resources.rooms[room_id],
                device=resources.devices[device_id[0]] if device_id else None,
            )
        )
    return choices


def available_starts_in_windows(
    location: Location,
    protocol: Protocol,
    windows: list[tuple[datetime, datetime]],
    *,
    practitioner: StaffMember | None = None,
) -> list[list[SessionChoice]]:
    """``available_starts`` for several windows at once (one per session of a series), one batch of queries.

    Returns one list per window, in the order given.
    """
    if not windows:
        return []
    lo = min(w[0] for w in windows)
    hi = max(w[1] for w in windows)
    modality = protocol.modality.code
    tz = location_timezone(location)
    _, resources, index = location_index(
        location, modality, lo.astimezone(tz).date(), hi.astimezone(tz).date()
    )
    who = resources.practitioner_id(practitioner) if practitioner is not None else None
    if who is not None and who not in resources.practitioners:
        return [[] for _ in windows]
    occupied = protocol.session_minutes + protocol.buffer_minutes
    return [
        _session_choices(
            index, resources, modality=modality, occupied_minutes=occupied, start=start, end=end, who=who
        )
        if start < end
        else []
        for start, end in windows
    ]


def free_starts_by_resource(
    location: Location, protocol: Protocol, start: datetime, end: datetime, *, kind: str
) -> dict[int, list[datetime]]:
    """For each practitioner, room or device (``kind``) set up for the protocol's modality at the location,
    the slot starts in ``[start, end)`` at which a session of ``protocol`` could be booked with it.

    Keyed by the row's pk; one batch of queries whatever the number of resources.
    """
    resource_kind = ResourceKind(kind)
    modality = protocol.modality.code
    clinic, resources = engine_clinic(
        location, modality, window=(start - timedelta(days=1), end + timedelta(days=1))
    )
    rows: dict[str, Any] = {
        ResourceKind.PRACTITIONER: resources.practitioners,
        ResourceKind.ROOM: resources.rooms,
        ResourceKind.DEVICE: resources.devices,
    }[resource_kind]
    tz = location_timezone(location)
    first, last = start.astimezone(tz).date(), end.astimezone(tz).date()
    occupied = protocol.session_minutes + protocol.buffer_minutes
    out: dict[int, list[datetime]] = {}
    for rid, row in rows.items():
        narrowed = Clinic(
            clinic.timezone,
            clinic.slot_minutes,
            tuple(r for r in clinic.resources if r.kind is not resource_kind or r.id == rid),
        )
        index = ClinicIndex.build(narrowed, first, last)
        if all(index.candidates(modality)):
            out[row.pk] = list(index.available_slots(modality, occupied, start, end))
    return out


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


def get_course_for_user(staff: StaffMember | None, course_id: Any) -> Course:
    """The course ``course_id`` of the staff member's clinic, with its patient, protocol and recall; else 404."""
    if staff is None:
        raise Http404
    course = (
        Course.objects.filter(pk=_pk(course_id), clinic_id=staff.clinic_id)
        .select_related("patient", "protocol__modality", "recall")
        .first()
    )
    if course is None:
        raise Http404
    return course


def course_appointments(clinic: Any, course_id: Any) -> list[Appointment]:
    """Every appointment of a course in the clinic (cancelled ones too), by session; empty if none."""
    try:
        pk = int(course_id)
    except (TypeError, ValueError):
        return []
    return list(appointments_for_clinic(clinic).filter(course_id=pk).order_by("session_index", "starts_at"))


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


# --- The owner's Settings ----------------------------------------------------------------------------------


def holidays_of(location: Location, *, year: int | None = None) -> QuerySet[Holiday]:
    found = Holiday.objects.filter(location=location).order_by("date")
    return found.filter(date__year=year) if year is not None else found


def get_holiday_for_user(staff: StaffMember | None, location: Location, holiday_id: Any) -> Holiday:
    """A holiday of ``location`` (already fetched for ``staff``'s clinic), or 404."""
    if staff is None:
        raise Http404
    if location.clinic_id != staff.clinic_id:
        raise Http404
    found = holidays_of(location).filter(pk=_pk(holiday_id)).select_related("location__clinic").first()
    if found is None:
        raise Http404
    return found


def rooms_of_clinic(clinic: Any) -> QuerySet[Room]:
    """Every room of the clinic, in use or not, by location and name."""
    return Room.objects.filter(clinic=clinic).select_related("location").order_by("location__name", "name")


def devices_of_clinic(clinic: Any) -> QuerySet[Device]:
    return Device.objects.filter(clinic=clinic).select_related("location").order_by("location__name", "name")


def downtime_of(device: Device, *, ends_after: datetime | None = None) -> QuerySet[DeviceDowntime]:
    found = DeviceDowntime.objects.filter(device=device).order_by("starts_at", "pk")
    return found.filter(ends_at__gt=ends_after) if ends_after is not None else found


def get_downtime_for_user(staff: StaffMember | None, device: Device, downtime_id: Any) -> DeviceDowntime:
    """Downtime of ``device`` (already fetched for ``staff``'s clinic), or 404."""
    if staff is None:
        raise Http404
    if device.clinic_id != staff.clinic_id:
        raise Http404
    found = downtime_of(device).filter(pk=_pk(downtime_id)).select_related("device__clinic").first()
    if found is None:
        raise Http404
    return found


def weekly_hours_of(member: StaffMember) -> QuerySet[WorkingHours]:
    """A practitioner's weekly hours at every location, by location, day and start."""
    return (
        WorkingHours.objects.filter(staff=member)
        .select_related("location")
        .order_by("location__name", "weekday", "starts")
    )


def get_clinic_practitioner_for_user(staff: StaffMember | None, member_id: Any) -> StaffMember:
    """A physician or practitioner of the caller's clinic, active or not (Settings edits both), or 404."""
    if staff is None:
        raise Http404
    found = (
        StaffMember.objects.filter(
            clinic_id=staff.clinic_id, role__in=[Role.PHYSICIAN, Role.PRACTITIONER], pk=_pk(member_id)
        )
        .select_related("clinic")
        .first()
    )
    if found is None:
        raise Http404
    return found

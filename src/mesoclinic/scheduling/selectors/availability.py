"""Free time: proposals for a whole series, the starts free for one session, per resource and per day."""

from __future__ import annotations

import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from types import MappingProxyType
from typing import Any

from django.db.models import QuerySet

from mesoclinic.accounts.models import Location, StaffMember
from mesoclinic.catalog.models import Protocol
from mesoclinic.clinical_codes.dates import local_day
from mesoclinic.scheduling.engine import (
    Clinic,
    ClinicIndex,
    PlanStatus,
    ResourceKind,
    SeriesRequest,
    epoch_seconds,
    plan_series_in,
)
from mesoclinic.scheduling.models import (
    Appointment,
    AppointmentStatus,
    ExtraHours,
    Holiday,
    OpeningHours,
    TimeOff,
    WorkingHours,
    overlapping,
)
from mesoclinic.scheduling.selectors.access import appointments_for_clinic
from mesoclinic.scheduling.selectors.engine_adapter import (
    Proposal,
    ResourceMap,
    SessionChoice,
    engine_clinic,
    location_timezone,
)
from mesoclinic.scheduling.selectors.index_cache import location_index


def appointments_between(location: Location, start: datetime, end: datetime) -> QuerySet[Appointment]:
    """The location's appointments that overlap ``[start, end)``, cancelled ones included, by start."""
    return appointments_for_clinic(location.clinic_id).filter(overlapping(start, end), location=location)


def holds_between(
    location: Location, start: datetime, end: datetime, *, now: datetime
) -> QuerySet[Appointment]:
    """The location's live online holds (a visitor's chosen dates waiting for their e-mailed code, not run
    out at ``now``) that overlap ``[start, end)``, by start: for staff screens, marked as holds, never as
    bookings (they have no patient yet)."""
    return (
        Appointment.objects.filter(
            overlapping(start, end),
            location=location,
            status=AppointmentStatus.HELD,
            hold_expires_at__gt=now,
        )
        .select_related("protocol__modality", "practitioner", "room", "device", "location")
        .order_by("starts_at", "pk")
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
    first, last = local_day(start, tz), local_day(end, tz)
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
    return _session_choices(
        index, resources, modality=modality, occupied_minutes=length // 60, start=start, end=end, who=who
    )


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


def _offered(resource_id: str | None) -> str:
    """A resource ``available_slots`` offered a start for: one of each kind is free then, by its contract."""
    if resource_id is None:
        raise AssertionError("available_slots offered a start without a free resource of each kind")
    return resource_id


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
        practitioner_id, room_id, *device_id = [_offered(index.first_free(ids, t, length)) for ids in kinds]
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
    _, resources, index = location_index(location, modality, local_day(lo, tz), local_day(hi, tz))
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
    by_kind: dict[ResourceKind, Mapping[str, Any]] = {
        ResourceKind.PRACTITIONER: resources.practitioners,
        ResourceKind.ROOM: resources.rooms,
        ResourceKind.DEVICE: resources.devices,
    }
    rows = by_kind[resource_kind]
    tz = location_timezone(location)
    first, last = local_day(start, tz), local_day(end, tz)
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

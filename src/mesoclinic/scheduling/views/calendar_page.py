"""The calendar page: day and week views, columns by practitioner, room or device, free bands and shading.

Rows come from the selectors in a fixed number of queries; the geometry is ``calendar_grid``'s.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, get_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from mesoclinic.accounts.decorators import staff_required
from mesoclinic.accounts.http import ClinicRequest
from mesoclinic.accounts.models import Location
from mesoclinic.catalog.models import Protocol
from mesoclinic.catalog.selectors import modalities, protocols
from mesoclinic.csv_export import csv_export, wants_csv
from mesoclinic.scheduling import selectors
from mesoclinic.scheduling.forms import CalendarForm
from mesoclinic.scheduling.models import Appointment, AppointmentStatus
from mesoclinic.scheduling.selectors import SLOT_MINUTES, location_timezone
from mesoclinic.scheduling.views.calendar_grid import (
    Block,
    Column,
    Grid,
    _assign_lanes,
    _complement,
    _free_runs,
    _minutes,
)
from mesoclinic.scheduling.views.common import VIEW_SCHEDULE, _book_url, _calendar_url, _local, _local_day


def _default_location(request: ClinicRequest) -> Location | None:
    raw = request.GET.get("location")
    if raw:
        return selectors.get_location_for_user(request.staff, raw)
    mine = selectors.staff_locations(request.staff)
    return mine[0] if mine else None


def _protocol_for_free_time(clinic: Any, modality: str) -> Protocol | None:
    """The modality's shortest active protocol: free bands show where at least that session fits."""
    candidates = [p for p in protocols(clinic) if p.modality.code == modality]
    return min(candidates, key=lambda p: (p.session_minutes + p.buffer_minutes, p.name), default=None)


@dataclass(frozen=True)
class CalendarSpec:
    """What one calendar page shows: where, which days, which columns and which treatment type."""

    location: Location
    days: list[date]
    view: str
    by: str
    modality: str
    hours: selectors.LocationHours
    grid: Grid

    def day_start(self, day: date) -> datetime:
        return datetime.combine(day, time(), location_timezone(self.location))


@require_GET
@staff_required(VIEW_SCHEDULE)
def calendar(request: ClinicRequest) -> HttpResponseBase:
    location = _default_location(request)
    if location is None:
        return render(request, "scheduling/calendar.html", {"location": None})
    modality_names = {c: _(n) for c, n in modalities(request.clinic).values_list("code", "name")}
    locations = list(selectors.locations_for_clinic(request.clinic))
    form = CalendarForm(request.GET or None, locations=locations, modalities=modality_names.items())
    now = timezone.now()
    today = _local_day(now, location)
    day: date = form.value("date", today)
    view: str = form.value("view", "day")
    by: str = form.value("by", "practitioner")
    modality: str = form.value("modality", "")
    form = CalendarForm(
        initial={"location": location.pk, "date": day, "view": view, "by": by, "modality": modality},
        locations=locations,
        modalities=modality_names.items(),
    )

    # The week starts on the language's first day (FIRST_DAY_OF_WEEK: 0 Sunday, 1 Monday; both languages: Monday).
    into_week = (day.weekday() + 1 - int(get_format("FIRST_DAY_OF_WEEK"))) % 7
    days = [day] if view == "day" else [day - timedelta(days=into_week - n) for n in range(7)]
    every = list(
        selectors.appointments_between(location, *selectors.day_bounds(location, days[0], len(days)))
    )
    cancelled = [a for a in every if a.status == AppointmentStatus.CANCELLED]
    shown = [
        a
        for a in every
        if a.status != AppointmentStatus.CANCELLED and (not modality or a.protocol.modality.code == modality)
    ]
    if wants_csv(request):
        listed = [a for a in every if not modality or a.protocol.modality.code == modality]
        return _appointments_csv(request, location, listed, days[0])
    # Online holds (a visitor's chosen dates waiting for their code) take their time like a booking: shown,
    # marked as holds, so the desk does not promise that time to someone else meanwhile.
    held = [
        a
        for a in selectors.holds_between(
            location, *selectors.day_bounds(location, days[0], len(days)), now=now
        )
        if not modality or a.protocol.modality.code == modality
    ]
    shown = sorted([*shown, *held], key=lambda a: (a.starts_at, a.pk))
    hours = selectors.location_hours(location, days[0], days[-1])
    if view == "week":
        busy_days = {_local_day(a.starts_at, location) for a in shown}
        days = [d for d in days if hours.opening.get(d.weekday()) or d in busy_days] or days
    spec = CalendarSpec(location, days, view, by, modality, hours, _grid(location, days, shown, hours))
    columns = _columns(spec, shown, selectors.calendar_resources(location))
    protocol = _protocol_for_free_time(request.clinic, modality) if modality else None
    if protocol is not None:
        _add_free_bands(spec, protocol, columns, now=now)
    step = timedelta(days=1 if view == "day" else 7)
    context = {
        "location": location,
        "form": form,
        "day": day,
        "days": days,
        "view": view,
        "by": by,
        "modality": modality,
        "modality_name": modality_names.get(modality, ""),
        "grid": spec.grid,
        "slot_minutes": SLOT_MINUTES,
        "hours": spec.grid.hours(),
        "columns": columns,
        "cancelled": cancelled,
        "legend": sorted({a.protocol.modality.code: a.protocol.modality.name for a in shown}.items()),
        "free_protocol": protocol,
        "today": today,
        "prev_url": _calendar_url(location, day - step, view, by, modality),
        "next_url": _calendar_url(location, day + step, view, by, modality),
        "today_url": _calendar_url(location, today, view, by, modality),
        "view_urls": [
            (v, str(label), _calendar_url(location, day, v, by, modality))
            for v, label in (("day", gettext_lazy("Day")), ("week", gettext_lazy("Week")))
        ],
        "by_urls": [
            (b, str(label), _calendar_url(location, day, view, b, modality))
            for b, label in (
                ("practitioner", gettext_lazy("Practitioners")),
                ("room", gettext_lazy("Rooms")),
                ("device", gettext_lazy("Devices")),
            )
        ],
        "book_url": _book_url(location=location.pk, earliest=max(day, today).isoformat()),
    }
    return render(request, "scheduling/calendar.html", context)


APPOINTMENT_CSV_HEADER = [
    "appointment_id",
    "starts_at",
    "ends_at",
    "status",
    "patient_id",
    "patient",
    "protocol",
    "modality",
    "session",
    "practitioner",
    "room",
    "device",
    "location",
]


def _appointments_csv(
    request: ClinicRequest, location: Location, appointments: list[Appointment], first: date
) -> HttpResponseBase:
    """The days shown (day or week), cancelled appointments included with their status, in local time."""
    rows = (
        [
            a.pk,
            _local(a.starts_at, location),
            _local(a.ends_at, location),
            a.status,
            a.patient_id,
            a.booked_patient.full_name,
            a.protocol.name,
            a.protocol.modality.code,
            a.session_index,
            a.practitioner.display_name,
            a.room.name,
            a.device.name if a.device is not None else "",
            location.name,
        ]
        for a in appointments
    )
    filename = f"appointments-{first.isoformat()}.csv"
    return csv_export(request, filename, APPOINTMENT_CSV_HEADER, rows, list_name="appointments")


def _grid(
    location: Location, days: list[date], shown: list[Appointment], hours: selectors.LocationHours
) -> Grid:
    """From the earliest opening (or appointment) to the latest, in whole hours; 08–18 when nothing is known."""
    lows, highs = [], []
    for d in days:
        for a, b in hours.opening.get(d.weekday(), []):
            lows.append(_minutes(a))
            highs.append(_minutes(b))
    for appointment in shown:
        local_start = _local(appointment.starts_at, location)
        local_end = _local(appointment.ends_at, location)
        lows.append(_minutes(local_start.time()))
        highs.append(24 * 60 if local_end.date() > local_start.date() else _minutes(local_end.time()))
    first = min(lows, default=8 * 60) // 60 * 60
    last = min(24 * 60, math.ceil(max(highs, default=18 * 60) / 60) * 60)
    return Grid(first, max(last, first + 60))


def _keep(modality: str, qualified: bool, used: bool) -> bool:
    """A resource column stays when no treatment type is chosen, it is set up for it, or it has one booked."""
    return not modality or qualified or used


def _resource_columns(
    spec: CalendarSpec, shown: list[Appointment], resources: selectors.CalendarResources
) -> tuple[list[Column], Callable[[Appointment], str]]:
    """The day view's columns (one per practitioner, room or device) and which column holds an appointment."""
    day, modality = spec.days[0], spec.modality
    columns: list[Column] = []
    if spec.by == "room":
        rooms = list(dict.fromkeys([*resources.rooms, *(a.room for a in shown)]))
        used = {a.room_id for a in shown}
        columns = [
            Column(f"room-{r.pk}", r.name, "", day)
            for r in rooms
            if _keep(modality, modality in r.modalities, r.pk in used)
        ]
        return columns, lambda a: f"room-{a.room_id}"
    if spec.by == "device":
        devices = list(dict.fromkeys([*resources.devices, *(a.device for a in shown if a.device)]))
        used_devices = {a.device_id for a in shown}  # None: a needle session, with no device
        columns = [
            Column(f"device-{d.pk}", d.name, "", day)
            for d in devices
            if _keep(modality, d.modality == modality, d.pk in used_devices)
        ]
        if None in used_devices:
            columns.append(Column("device-none", _("No device"), _("needle sessions"), day))
        return columns, lambda a: f"device-{a.device_id}" if a.device_id else "device-none"
    people = list(dict.fromkeys([*resources.practitioners, *(a.practitioner for a in shown)]))
    used = {a.practitioner_id for a in shown}
    columns = [
        Column(f"practitioner-{p.pk}", p.display_name, p.title, day)
        for p in people
        if _keep(modality, modality in p.modalities, p.pk in used)
    ]
    return columns, lambda a: f"practitioner-{a.practitioner_id}"


def _columns(
    spec: CalendarSpec, shown: list[Appointment], resources: selectors.CalendarResources
) -> list[Column]:
    """The calendar's columns with their appointments placed, side by side where they overlap, and shading."""
    key_of: Callable[[Appointment], str]
    if spec.view == "week":
        columns = [Column(d.isoformat(), date_format(d, "D j M"), "", d) for d in spec.days]

        def key_of(a: Appointment) -> str:
            return _local_day(a.starts_at, spec.location).isoformat()

    else:
        columns, key_of = _resource_columns(spec, shown, resources)
    by_key = {c.key: c for c in columns}
    for appointment in shown:
        column = by_key.get(key_of(appointment))
        placed = (
            spec.grid.place(appointment.starts_at, appointment.ends_at, spec.day_start(column.day))
            if column
            else None
        )
        if column is None or placed is None:
            continue
        held = appointment.status == AppointmentStatus.HELD
        column.blocks.append(
            Block(
                "hold" if held else "appointment",
                *placed,
                start=appointment.starts_at,
                end=appointment.ends_at,
                appointment=appointment,
                url="" if held else reverse("scheduling:appointment", args=[appointment.pk]),
            )
        )
    for column in columns:
        column.day_start = spec.day_start(column.day)
        column.lanes = _assign_lanes(column.blocks)
        _shade(column, spec)
    return columns


def _shade(column: Column, spec: CalendarSpec) -> None:
    """Closed hours of the location (and, per practitioner, hours they do not work: weekly hours plus
    extra hours, minus time off) as shaded bands."""
    day_start = spec.day_start(column.day)
    holiday = spec.hours.holidays.get(column.day)
    opening = (
        []
        if holiday
        else [(_minutes(a), _minutes(b)) for a, b in spec.hours.opening.get(column.day.weekday(), [])]
    )
    if holiday:
        column.closed = _("Closed: %(holiday)s") % {"holiday": holiday}
    elif not opening:
        column.closed = _("Closed")

    def add(kind: str, label: str, spans: list[tuple[int, int]]) -> None:
        for a, b in spans:
            start, end = day_start + timedelta(minutes=a), day_start + timedelta(minutes=b)
            placed = spec.grid.place(start, end, day_start)
            if placed:
                column.shading.append(Block(kind, *placed, start=start, end=end, label=label))

    add("closed", _("Closed"), _complement(opening, spec.grid.first, spec.grid.last))
    if spec.view == "day" and column.key.startswith("practitioner-") and opening:
        staff_id = int(column.key.removeprefix("practitioner-"))
        weekly = spec.hours.working.get(staff_id, {}).get(column.day.weekday(), [])
        extra = spec.hours.extra.get(staff_id, {}).get(column.day, [])
        working = [(_minutes(a), _minutes(b)) for a, b in weekly] + extra
        away = spec.hours.time_off.get(staff_id, {}).get(column.day, [])
        if away:  # working time minus time off: the complement of (not working ∪ time off)
            working = _complement(_complement(working, 0, 24 * 60) + away, 0, 24 * 60)
        off = [
            (max(a, oa), min(b, ob))
            for a, b in _complement(working, spec.grid.first, spec.grid.last)
            for oa, ob in opening
            if max(a, oa) < min(b, ob)
        ]
        add("off", _("Not working"), off)


def _add_free_bands(spec: CalendarSpec, protocol: Protocol, columns: list[Column], *, now: datetime) -> None:
    """Light bands where a session of ``protocol`` could start, from the engine's free starts."""
    if not columns:
        return
    location = spec.location
    start = max(spec.day_start(columns[0].day), now)
    end = spec.day_start(max(c.day for c in columns) + timedelta(days=1))
    if end <= start:
        return
    starts: dict[str, list[datetime]] = defaultdict(list)
    if spec.view == "week":
        for choice in selectors.available_starts(location, protocol, start, end):
            starts[_local_day(choice.start, location).isoformat()].append(choice.start)
    else:
        for pk, moments in selectors.free_starts_by_resource(
            location, protocol, start, end, kind=spec.by
        ).items():
            starts[f"{spec.by}-{pk}"] = moments
    length = timedelta(minutes=protocol.session_minutes)
    for column in columns:
        for first, last in _free_runs(starts.get(column.key, [])):
            placed = spec.grid.place(first, last + length, spec.day_start(column.day))
            if placed is None:
                continue
            local_first, local_last = _local(first, location), _local(last, location)
            params: dict[str, Any] = {"location": location.pk, "earliest": f"{local_first:%Y-%m-%dT%H:%M}"}
            if column.key.startswith("practitioner-"):
                params["practitioner"] = column.key.removeprefix("practitioner-")
            column.free.append(
                Block(
                    "free",
                    *placed,
                    start=first,
                    end=last + length,
                    label=_("Free: a %(minutes)d-minute session can start from %(first)s to %(last)s")
                    % {
                        "minutes": protocol.session_minutes,
                        "first": f"{local_first:%H:%M}",
                        "last": f"{local_last:%H:%M}",
                    },
                    url=_book_url(**params),
                )
            )

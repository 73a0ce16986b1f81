"""Scheduling screens: the calendar, one appointment and what can happen to it, and "Book a series".

Every view parses its input, fetches rows through the selectors' access helpers (404 across clinics),
calls a service for any change and renders. Times are shown in the location's time zone.

The booking wizard keeps its whole state in the query string (patient, protocol, location, earliest day,
the chosen slot of each session as a token), so every step is a plain link or GET form that works without
JavaScript and survives a reload; only recording a consent and the final booking are POSTs. A physician's
override reason is typed on the confirm step and travels only in that POST, never in a URL.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mesoclinic.accounts.decorators import staff_required
from mesoclinic.accounts.http import ClinicRequest
from mesoclinic.accounts.models import Location, StaffMember
from mesoclinic.accounts.permissions import Capability, role_has
from mesoclinic.audit.models import AuditEvent
from mesoclinic.catalog.models import Protocol
from mesoclinic.catalog.selectors import get_protocol_for_clinic, modalities, protocols
from mesoclinic.patients.forms import ConsentForm, add_service_errors
from mesoclinic.patients.models import ConsentTemplate, Patient, PhotoUse
from mesoclinic.patients.selectors import (
    current_consent_templates,
    get_patient_for_user,
    has_valid_consent,
    patients_for_clinic,
)
from mesoclinic.patients.services import record_consent
from mesoclinic.safety.rules import screen
from mesoclinic.safety.rules.vocabulary import FACTORS
from mesoclinic.safety.selectors import patient_history, protocol_spec, rule_table_for_clinic
from mesoclinic.scheduling import selectors
from mesoclinic.scheduling.forms import (
    CalendarForm,
    CancelForm,
    PlanForm,
    RescheduleForm,
    RescheduleSearchForm,
    SlotToken,
    decode_slot,
    encode_slot,
)
from mesoclinic.scheduling.models import Appointment, AppointmentStatus
from mesoclinic.scheduling.selectors import SLOT_MINUTES, SessionChoice, location_timezone
from mesoclinic.scheduling.services import (
    BookingError,
    ScreeningBlockedError,
    book_series,
    cancel_appointment,
    check_in,
    complete_appointment,
    mark_no_show,
    reschedule_appointment,
)

# Seeing the diary (it names patients) and booking, moving or checking in: front desk and clinical staff.
VIEW_SCHEDULE = Capability.VIEW_SCHEDULE
MANAGE_SCHEDULE = Capability.BOOK

MAX_ALTERNATIVES = 6
SAME_DAY_ALTERNATIVES = 3
PATIENT_RESULTS = 20
MAX_LANES = 6


# ---------------------------------------------------------------------------------------------------------
# Shared pieces


def _local(moment: datetime, location: Location) -> datetime:
    return moment.astimezone(location_timezone(location))


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


def _duration_text(minutes: int) -> str:
    if minutes < 60:
        return _("%(minutes)d min") % {"minutes": minutes}
    return _("%(hours)d h %(minutes)02d min") % {"hours": minutes // 60, "minutes": minutes % 60}


@dataclass(frozen=True)
class AppointmentRow:
    """One line of the Today list: the appointment, whether the patient is late, and consent."""

    appointment: Appointment
    late_minutes: int
    needs_consent: bool

    @property
    def late(self) -> bool:
        return self.late_minutes > 0

    @property
    def late_text(self) -> str:
        return _duration_text(self.late_minutes)


def appointment_rows(appointments: Iterable[Appointment], *, now: datetime) -> list[AppointmentRow]:
    """Rows for the Today list; consent is looked up for all of them at once."""
    rows = list(appointments)
    missing = selectors.appointments_needing_consent(rows)
    return [
        AppointmentRow(
            a,
            int((now - a.starts_at).total_seconds() // 60)
            if a.status == AppointmentStatus.BOOKED and a.starts_at < now
            else 0,
            a.pk in missing,
        )
        for a in rows
    ]


# ---------------------------------------------------------------------------------------------------------
# Calendar


@dataclass
class Block:
    """Something placed on a calendar column: an appointment, a free band, or closed/off shading."""

    kind: str
    row: int
    span: int
    start: datetime
    end: datetime
    lane: int = 1
    appointment: Appointment | None = None
    label: str = ""
    url: str = ""


@dataclass
class Column:
    key: str
    title: str
    subtitle: str
    day: date
    blocks: list[Block] = field(default_factory=list)
    shading: list[Block] = field(default_factory=list)
    free: list[Block] = field(default_factory=list)
    closed: str = ""
    lanes: int = 1


@dataclass(frozen=True)
class Grid:
    """The rows of the calendar: 15-minute slots from ``first`` to ``last`` minutes after midnight."""

    first: int
    last: int

    @property
    def rows(self) -> int:
        return (self.last - self.first) // SLOT_MINUTES

    def place(self, start: datetime, end: datetime, day_start: datetime) -> tuple[int, int] | None:
        """Grid row and span of ``[start, end)`` on the day that starts at ``day_start``; None if outside."""
        lo = (start - day_start).total_seconds() / 60
        hi = (end - day_start).total_seconds() / 60
        lo, hi = max(lo, self.first), min(hi, self.last)
        if hi <= lo:
            return None
        row = int((lo - self.first) // SLOT_MINUTES) + 1
        span = max(1, math.ceil((hi - self.first) / SLOT_MINUTES) - row + 1)
        return row, span

    def hours(self) -> list[tuple[int, str]]:
        """(grid row, "09:00") for each full hour shown."""
        return [
            ((m - self.first) // SLOT_MINUTES + 1, f"{m // 60:02d}:00")
            for m in range(self.first, self.last, 60)
            if m % 60 == 0
        ]


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


def _complement(spans: Sequence[tuple[int, int]], lo: int, hi: int) -> list[tuple[int, int]]:
    """The parts of ``[lo, hi)`` not covered by ``spans`` (minutes)."""
    out, cursor = [], lo
    for a, b in sorted(spans):
        if a > cursor:
            out.append((cursor, min(a, hi)))
        cursor = max(cursor, b)
    if cursor < hi:
        out.append((cursor, hi))
    return [(a, b) for a, b in out if a < b]


def _assign_lanes(blocks: list[Block]) -> int:
    """Put overlapping blocks side by side; returns the number of lanes the column needs.

    A block that overlaps nothing gets lane 0: the whole width.
    """
    ends: list[datetime] = []
    cluster: list[Block] = []
    cluster_end: datetime | None = None
    for block in sorted(blocks, key=lambda b: (b.start, b.end)):
        if cluster_end is not None and block.start >= cluster_end:
            if len(cluster) == 1:
                cluster[0].lane = 0
            cluster = []
        cluster.append(block)
        cluster_end = block.end if cluster_end is None or len(cluster) == 1 else max(cluster_end, block.end)
        for lane, end in enumerate(ends):
            if end <= block.start:
                ends[lane] = block.end
                block.lane = lane + 1
                break
        else:
            ends.append(block.end)
            block.lane = len(ends)
    if len(cluster) == 1:
        cluster[0].lane = 0
    for block in blocks:
        block.lane = min(block.lane, MAX_LANES)
    return min(max(len(ends), 1), MAX_LANES)


def _free_runs(starts: Sequence[datetime]) -> list[tuple[datetime, datetime]]:
    """Consecutive slot starts merged into runs ``(first start, last start)``."""
    runs: list[tuple[datetime, datetime]] = []
    step = timedelta(minutes=SLOT_MINUTES)
    for moment in sorted(starts):
        if runs and moment - runs[-1][1] == step:
            runs[-1] = (runs[-1][0], moment)
        else:
            runs.append((moment, moment))
    return runs


def _calendar_url(location: Location, day: date, view: str, by: str, modality: str) -> str:
    query = {"location": location.pk, "date": day.isoformat(), "view": view, "by": by}
    if modality:
        query["modality"] = modality
    return f"{reverse('scheduling:calendar')}?{urlencode(query)}"


def _book_url(**params: Any) -> str:
    query = {k: v for k, v in params.items() if v not in (None, "")}
    return f"{reverse('scheduling:book')}?{urlencode(query)}"


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
def calendar(request: ClinicRequest) -> HttpResponse:
    location = _default_location(request)
    if location is None:
        return render(request, "scheduling/calendar.html", {"location": None})
    modality_names = dict(modalities(request.clinic).values_list("code", "name"))
    locations = list(selectors.locations_for_clinic(request.clinic))
    form = CalendarForm(request.GET or None, locations=locations, modalities=modality_names.items())
    now = timezone.now()
    today = _local(now, location).date()
    day: date = form.value("date", today)
    view: str = form.value("view", "day")
    by: str = form.value("by", "practitioner")
    modality: str = form.value("modality", "")
    form = CalendarForm(
        initial={"location": location.pk, "date": day, "view": view, "by": by, "modality": modality},
        locations=locations,
        modalities=modality_names.items(),
    )

    days = [day] if view == "day" else [day - timedelta(days=day.weekday() - n) for n in range(7)]
    every = list(
        selectors.appointments_between(location, *selectors.day_bounds(location, days[0], len(days)))
    )
    cancelled = [a for a in every if a.status == AppointmentStatus.CANCELLED]
    shown = [
        a
        for a in every
        if a.status != AppointmentStatus.CANCELLED and (not modality or a.protocol.modality.code == modality)
    ]
    hours = selectors.location_hours(location, days[0], days[-1])
    if view == "week":
        busy_days = {_local(a.starts_at, location).date() for a in shown}
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
        used = {a.device_id for a in shown}
        columns = [
            Column(f"device-{d.pk}", d.name, "", day)
            for d in devices
            if _keep(modality, d.modality == modality, d.pk in used)
        ]
        if None in used:
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
    if spec.view == "week":
        columns = [Column(d.isoformat(), date_format(d, "D j M"), "", d) for d in spec.days]

        def key_of(a: Appointment) -> str:
            return _local(a.starts_at, spec.location).date().isoformat()

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
        column.blocks.append(
            Block(
                "appointment",
                *placed,
                start=appointment.starts_at,
                end=appointment.ends_at,
                appointment=appointment,
                url=reverse("scheduling:appointment", args=[appointment.pk]),
            )
        )
    for column in columns:
        column.lanes = _assign_lanes(column.blocks)
        _shade(column, spec)
    return columns


def _shade(column: Column, spec: CalendarSpec) -> None:
    """Closed hours of the location (and, per practitioner, hours they do not work) as shaded bands."""
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
        working = [(_minutes(a), _minutes(b)) for a, b in weekly]
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
            starts[_local(choice.start, location).date().isoformat()].append(choice.start)
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


# ---------------------------------------------------------------------------------------------------------
# One appointment


ACTION_LABELS = {
    "appointment.checked_in": gettext_lazy("Checked in"),
    "appointment.completed": gettext_lazy("Completed"),
    "appointment.cancelled": gettext_lazy("Cancelled"),
    "appointment.no_show": gettext_lazy("Marked as no-show"),
    "appointment.booked": gettext_lazy("Booked"),
    "appointment.reschedule": gettext_lazy("Moved"),
}


@dataclass(frozen=True)
class HistoryItem:
    at: datetime
    what: str
    detail: str
    who: str


def _who(user: Any) -> str:
    if user is None:
        return _("system")
    staff = getattr(user, "staff", None)
    return staff.display_name if staff is not None else user.get_username()


def _history(appointment: Appointment, events: list[AuditEvent]) -> list[HistoryItem]:
    items = [
        HistoryItem(
            appointment.created_at, str(ACTION_LABELS["appointment.booked"]), "", _who(appointment.created_by)
        )
    ]
    for event in events:
        label = ACTION_LABELS.get(event.action)
        if label is None:
            continue
        detail = ""
        if event.action == "appointment.reschedule":
            try:
                before = datetime.fromisoformat(event.data["from"])
                after = datetime.fromisoformat(event.data["to"])
            except (KeyError, TypeError, ValueError):
                pass
            else:
                detail = _("from %(before)s to %(after)s") % {
                    "before": _when(before, appointment.location),
                    "after": _when(after, appointment.location),
                }
        elif event.action == "appointment.cancelled":
            detail = str(event.data.get("cancel_reason", ""))
        items.append(HistoryItem(event.at, str(label), detail, _who(event.actor)))
    return items


def _detail_context(request: ClinicRequest, appointment: Appointment, **extra: Any) -> dict[str, Any]:
    course = (
        selectors.course_appointments(request.clinic, appointment.course_id)
        if appointment.course_id
        else [appointment]
    )
    context: dict[str, Any] = {
        "appointment": appointment,
        "location": appointment.location,
        "course": course,
        "sessions_total": appointment.course.sessions if appointment.course else len(course),
        "history": _history(appointment, selectors.appointment_history(appointment)),
        "needs_consent": bool(selectors.appointments_needing_consent([appointment])),
        "ics_url": appointment_ics_url(appointment.pk),
        "may_manage": role_has(request.staff.role, MANAGE_SCHEDULE),
        "cancel_form": CancelForm(),
        "calendar_url": _calendar_url(
            appointment.location,
            _local(appointment.starts_at, appointment.location).date(),
            "day",
            "practitioner",
            "",
        ),
        "now": timezone.now(),
    }
    context.update(extra)
    return context


@require_GET
@staff_required(VIEW_SCHEDULE)
def appointment_detail(request: ClinicRequest, appointment_id: int) -> HttpResponse:
    appointment = selectors.get_appointment_for_user(request.staff, appointment_id)
    return render(request, "scheduling/appointment.html", _detail_context(request, appointment))


def _detail_url(appointment: Appointment) -> str:
    return reverse("scheduling:appointment", args=[appointment.pk])


def _change_status(
    request: ClinicRequest,
    appointment_id: int,
    change: Callable[..., Appointment],
    done: str,
) -> HttpResponse:
    appointment = selectors.get_appointment_for_user(request.staff, appointment_id)
    try:
        change(appointment, actor=request.user)
    except BookingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done % {"name": appointment.patient.full_name})
    return HttpResponseRedirect(_next_url(request, _detail_url(appointment)))


@require_POST
@staff_required(MANAGE_SCHEDULE)
def appointment_check_in(request: ClinicRequest, appointment_id: int) -> HttpResponse:
    """Check a patient in. From htmx (the Today list) the answer is the updated row."""
    if not request.htmx:
        return _change_status(request, appointment_id, check_in, _("%(name)s is checked in."))
    appointment = selectors.get_appointment_for_user(request.staff, appointment_id)
    error = ""
    try:
        check_in(appointment, actor=request.user)
    except BookingError as exc:
        error = str(exc)
        appointment = selectors.get_appointment_for_user(request.staff, appointment_id)
    row = appointment_rows([appointment], now=timezone.now())[0]
    return render(
        request,
        "scheduling/partials/_appointment_row.html",
        {"row": row, "fresh": True, "row_error": error, "next": _next_url(request, reverse("web:home"))},
    )


@require_POST
@staff_required(MANAGE_SCHEDULE)
def appointment_complete(request: ClinicRequest, appointment_id: int) -> HttpResponse:
    return _change_status(
        request, appointment_id, complete_appointment, _("The session of %(name)s is completed.")
    )


@require_POST
@staff_required(MANAGE_SCHEDULE)
def appointment_no_show(request: ClinicRequest, appointment_id: int) -> HttpResponse:
    return _change_status(request, appointment_id, mark_no_show, _("%(name)s is marked as a no-show."))


@require_POST
@staff_required(MANAGE_SCHEDULE)
def appointment_cancel(request: ClinicRequest, appointment_id: int) -> HttpResponse:
    appointment = selectors.get_appointment_for_user(request.staff, appointment_id)
    form = CancelForm(request.POST)
    if not form.is_valid():
        return render(
            request, "scheduling/appointment.html", _detail_context(request, appointment, cancel_form=form)
        )
    try:
        cancel_appointment(appointment, reason=form.cleaned_data["reason"], actor=request.user)
    except BookingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("The appointment of %(name)s on %(when)s is cancelled.")
            % {
                "name": appointment.patient.full_name,
                "when": _when(appointment.starts_at, appointment.location),
            },
        )
    return HttpResponseRedirect(_next_url(request, _detail_url(appointment)))


# ---------------------------------------------------------------------------------------------------------
# Reschedule ("pick to reschedule")


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


@dataclass(frozen=True)
class Offer:
    """A free start offered in a picker, with the token that books it."""

    choice: SessionChoice
    token: str
    current: bool = False


def _series_window(appointment: Appointment, course: list[Appointment]) -> tuple[date, date] | None:
    """The local days this session may move to and keep the series within its tolerance."""
    if appointment.course is None:
        return None
    holding = [a for a in course if a.holds_resources and a.pk != appointment.pk]
    before = [a for a in holding if a.session_index < appointment.session_index]
    after = [a for a in holding if a.session_index > appointment.session_index]
    interval, tolerance = appointment.course.interval_days, appointment.course.tolerance_days
    lo, hi = date.min, date.max
    if before:
        prev = _local(before[-1].starts_at, appointment.location).date()
        lo, hi = prev + timedelta(interval - tolerance), prev + timedelta(interval + tolerance)
    if after:
        nxt = _local(after[0].starts_at, appointment.location).date()
        lo = max(lo, nxt - timedelta(interval + tolerance))
        hi = min(hi, nxt - timedelta(interval - tolerance))
    if lo == date.min and hi == date.max:
        return None
    return lo, hi


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
        return appointment, " ".join(form.errors.get("slot", []))
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
    today = _local(now, location).date()
    current_day = max(_local(appointment.starts_at, location).date(), today)
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
    window = _series_window(appointment, course)
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


# ---------------------------------------------------------------------------------------------------------
# Book a series


STEPS = (
    ("patient", gettext_lazy("Patient")),
    ("protocol", gettext_lazy("Treatment")),
    ("screening", gettext_lazy("Screening")),
    ("consent", gettext_lazy("Consent")),
    ("dates", gettext_lazy("Dates")),
    ("confirm", gettext_lazy("Confirm")),
)


@dataclass
class Wizard:
    """The wizard's state, read from the query string (or a POST's hidden fields)."""

    patient: Patient | None = None
    protocol: Protocol | None = None
    location: Location | None = None
    earliest: date | None = None
    earliest_time: time | None = None
    same: bool = True
    practitioner_id: int | None = None
    override: bool = False
    consent_later: bool = False
    query: str = ""
    tokens: dict[int, str] = field(default_factory=dict)
    raw: dict[str, str] = field(default_factory=dict)

    def params(self, *, tokens: dict[int, str] | None = None, **changes: Any) -> dict[str, str]:
        """The state as query parameters; ``tokens`` replaces the chosen slots (``{}`` drops them)."""
        out: dict[str, str] = {}
        if self.patient is not None:
            out["patient"] = str(self.patient.pk)
        if self.protocol is not None:
            out["protocol"] = self.protocol.slug
        if self.location is not None:
            out["location"] = str(self.location.pk)
        if self.earliest is not None:
            out["earliest"] = self.earliest.isoformat()
            if self.earliest_time is not None:
                out["earliest"] += f"T{self.earliest_time:%H:%M}"
        if not self.same:
            out["same"] = "0"
        if self.practitioner_id:
            out["practitioner"] = str(self.practitioner_id)
        if self.override:
            out["override"] = "1"
        if self.consent_later:
            out["consent"] = "later"
        for n, token in sorted((self.tokens if tokens is None else tokens).items()):
            out[f"s{n}"] = token
        out.update({k: str(v) for k, v in changes.items() if v is not None})
        return {k: v for k, v in out.items() if v != ""}

    def url(self, step: str, *, tokens: dict[int, str] | None = None, **changes: Any) -> str:
        return f"{reverse('scheduling:book')}?{urlencode({**self.params(tokens=tokens, **changes), 'step': step})}"


def _parse_earliest(raw: str) -> tuple[date | None, time | None]:
    raw = (raw or "").strip()
    try:
        if "T" in raw:
            moment = datetime.fromisoformat(raw)
            return moment.date(), moment.time().replace(second=0, microsecond=0)
        return date.fromisoformat(raw), None
    except ValueError:
        return None, None


def _read_wizard(request: ClinicRequest, data: QueryDict) -> Wizard:
    """Parse the state; ids of another clinic's patient or location give 404, like everywhere else."""
    w = Wizard(
        raw={
            k: data.get(k, "")
            for k in ("patient", "protocol", "location", "earliest", "same", "practitioner")
        }
    )
    if data.get("patient"):
        w.patient = get_patient_for_user(request.staff, data["patient"])
    if data.get("protocol"):
        w.protocol = get_protocol_for_clinic(request.clinic, data["protocol"])
    if data.get("location"):
        w.location = selectors.get_location_for_user(request.staff, data["location"])
    else:
        mine = selectors.staff_locations(request.staff)
        w.location = mine[0] if mine else None
    w.earliest, w.earliest_time = _parse_earliest(data.get("earliest", ""))
    w.same = data.get("same", "1") != "0"
    try:
        w.practitioner_id = int(data.get("practitioner") or 0) or None
    except ValueError:
        w.practitioner_id = None
    w.override = data.get("override") == "1"
    w.consent_later = data.get("consent") == "later"
    w.query = data.get("q", "").strip()
    if w.protocol is not None:
        for n in range(1, w.protocol.sessions + 1):
            token = data.get(f"s{n}", "")
            if token:
                w.tokens[n] = token
    return w


@dataclass(frozen=True)
class FindingView:
    severity: str
    label: str
    message: str


@dataclass(frozen=True)
class ScreeningPreview:
    """What screening says about the planned treatment; read-only (booking screens again and records it)."""

    decision: str
    findings: list[FindingView]
    on: date


def _screening_preview(
    request: ClinicRequest, patient: Patient, protocol: Protocol, on: date
) -> ScreeningPreview:
    result = screen(
        patient_history(patient), protocol_spec(protocol), on=on, rules=rule_table_for_clinic(request.clinic)
    )
    names = (
        dict(
            ingredient
            for ingredient in protocol.cocktail.composition.values_list(
                "ingredient__code", "ingredient__name"
            )
        )
        if protocol.cocktail
        else {}
    )
    findings = [
        FindingView(
            str(f.severity),
            FACTORS.get(f.factor)
            or _("Allergy to %(ingredient)s") % {"ingredient": names.get(f.factor, f.factor)},
            f.message,
        )
        for f in result.findings
    ]
    return ScreeningPreview(str(result.decision), findings, on)


def _consent_template(request: ClinicRequest, protocol: Protocol) -> ConsentTemplate | None:
    return next(
        (t for t in current_consent_templates(request.clinic) if t.modality_id == protocol.modality_id), None
    )


@dataclass(frozen=True)
class SessionView:
    """One proposed session with its gap to the one before and the alternatives that keep the series."""

    number: int
    choice: SessionChoice
    token: str
    gap_days: int | None
    alternatives: list[tuple[SessionChoice, str]]


def _earliest_moment(w: Wizard, location: Location, now: datetime) -> datetime:
    tz = location_timezone(location)
    day = w.earliest or _local(now, location).date()
    moment = datetime.combine(day, w.earliest_time or time(), tz)
    return max(moment, now)


def _candidate_days(n: int, days: list[date], protocol: Protocol, floor: date) -> tuple[date, date]:
    """Local days session ``n`` (0-based) may move to while its neighbours stay where they are."""
    interval, tolerance = protocol.interval_days, protocol.tolerance_days
    lo, hi = days[n] - timedelta(days=3), days[n] + timedelta(days=3)
    if n > 0:
        lo, hi = days[n - 1] + timedelta(interval - tolerance), days[n - 1] + timedelta(interval + tolerance)
    if n + 1 < len(days):
        nxt_lo, nxt_hi = (
            days[n + 1] - timedelta(interval + tolerance),
            days[n + 1] - timedelta(interval - tolerance),
        )
        lo, hi = (nxt_lo, nxt_hi) if n == 0 else (max(lo, nxt_lo), min(hi, nxt_hi))
    return max(lo, floor), hi


def _pick_alternatives(
    current: SessionChoice, options: list[SessionChoice], location: Location
) -> list[SessionChoice]:
    """Up to six other starts: the nearest on the same day, then the closest time on each nearby day."""
    here = _local(current.start, location)
    minute = here.hour * 60 + here.minute

    def distance(choice: SessionChoice) -> int:
        local = _local(choice.start, location)
        return abs(local.hour * 60 + local.minute - minute)

    others = [o for o in options if o.start != current.start]
    same_day = sorted((o for o in others if _local(o.start, location).date() == here.date()), key=distance)
    by_day: dict[date, list[SessionChoice]] = defaultdict(list)
    for option in others:
        d = _local(option.start, location).date()
        if d != here.date():
            by_day[d].append(option)
    picks = same_day[:SAME_DAY_ALTERNATIVES]
    for d in sorted(by_day, key=lambda d: (abs((d - here.date()).days), d)):
        if len(picks) >= MAX_ALTERNATIVES:
            break
        picks.append(min(by_day[d], key=distance))
    picks += same_day[SAME_DAY_ALTERNATIVES:][: MAX_ALTERNATIVES - len(picks)]
    return sorted(picks[:MAX_ALTERNATIVES], key=lambda c: c.start)


def _chosen_sessions(w: Wizard) -> list[SessionChoice] | None:
    """The sessions named by the state's tokens, or None unless every session has a usable one."""
    assert w.protocol is not None and w.location is not None  # noqa: S101 — the dates step has both
    if len(w.tokens) != w.protocol.sessions:
        return None
    resolved = _resolve_slots(w.location, [decode_slot(w.tokens[n]) for n in sorted(w.tokens)])
    if any(s is None for s in resolved):
        return None
    return [s for s in resolved if s is not None]


def _dates_context(request: ClinicRequest, w: Wizard) -> dict[str, Any]:
    assert w.protocol is not None and w.location is not None  # noqa: S101 — the dates step has both
    location, protocol = w.location, w.protocol
    now = timezone.now()
    today = _local(now, location).date()
    people = [
        p
        for p in selectors.calendar_resources(location).practitioners
        if protocol.modality.code in p.modalities
    ]
    bound = bool(w.raw.get("earliest"))
    plan_form = PlanForm(
        {
            "location": location.pk,
            "earliest": w.raw.get("earliest", "").split("T")[0],
            "same": w.raw.get("same") or "1",
            "practitioner": w.raw.get("practitioner", ""),
        }
        if bound
        else None,
        initial={"location": location.pk, "earliest": today, "same": "1"},
        locations=selectors.locations_for_clinic(request.clinic),
        practitioners=people,
        today=today,
    )
    context: dict[str, Any] = {"plan_form": plan_form, "sessions": [], "reason": "", "stale": False}
    if bound and not plan_form.is_valid():
        return context
    preferred = next((p for p in people if p.pk == w.practitioner_id), None)
    earliest = _earliest_moment(w, location, now)
    sessions = _chosen_sessions(w) if w.tokens else None
    if w.tokens and sessions is None:
        context["stale"] = True
    if sessions is None:
        proposal = selectors.propose_series(
            location, protocol, earliest=earliest, same_practitioner=w.same, practitioner=preferred
        )
        if not proposal.feasible:
            context["reason"] = proposal.reason
            return context
        sessions = list(proposal.sessions)
    sessions.sort(key=lambda s: s.start)
    days = [_local(s.start, location).date() for s in sessions]
    windows = []
    for n in range(len(sessions)):
        lo, hi = _candidate_days(
            n, days, protocol, max(earliest.astimezone(location_timezone(location)).date(), today)
        )
        start, _ignored = selectors.day_bounds(location, lo)
        _ignored, end = selectors.day_bounds(location, hi)
        windows.append((max(start, earliest if n == 0 else now), end))
    who = preferred or (sessions[0].practitioner if w.same else None)
    options = selectors.available_starts_in_windows(location, protocol, windows, practitioner=who)
    tokens = {n: encode_slot(s) for n, s in enumerate(sessions, start=1)}
    views = []
    for n, (session, offered) in enumerate(zip(sessions, options, strict=True), start=1):
        alternatives = [
            (alt, w.url("dates", tokens={**tokens, n: encode_slot(alt)}))
            for alt in _pick_alternatives(session, offered, location)
        ]
        gap = (days[n - 1] - days[n - 2]).days if n > 1 else None
        views.append(SessionView(n, session, tokens[n], gap, alternatives))
    context.update(
        sessions=views,
        confirm_url=w.url("confirm", tokens=tokens),
        low=protocol.interval_days - protocol.tolerance_days,
        high=protocol.interval_days + protocol.tolerance_days,
    )
    return context


def _steps(current: str, w: Wizard, done: set[str]) -> list[dict[str, Any]]:
    out = []
    for key, label in STEPS:
        url = ""
        if key in done and key != current:
            url = w.url(key)
        out.append({"key": key, "label": label, "current": key == current, "done": key in done, "url": url})
    return out


def _render_wizard(request: ClinicRequest, w: Wizard, requested: str, **extra: Any) -> HttpResponse:
    """Work out which step the state allows and render it."""
    may_override = role_has(request.staff.role, Capability.OVERRIDE_SCREENING)
    context: dict[str, Any] = {"w": w, "may_override": may_override, **extra}
    done: set[str] = set()
    if w.patient is None or requested == "patient":
        step = "patient"
        found = patients_for_clinic(request.clinic, search=w.query).order_by(
            "family_name", "given_name", "pk"
        )
        after = "screening" if w.protocol else "protocol"
        context.update(
            patients=[(p, w.url(after, tokens={}, patient=p.pk)) for p in found[:PATIENT_RESULTS]]
            if w.query
            else [],
            more=found.count() > PATIENT_RESULTS if w.query else False,
            hidden=[(k, v) for k, v in w.params(tokens={}).items() if k != "patient"],
        )
        if w.patient is not None:
            done.add("patient")
        return _wizard_page(request, step, w, done, context)
    done.add("patient")
    if w.protocol is None or requested == "protocol":
        context["protocols"] = [
            (p, w.url("screening", tokens={}, protocol=p.slug, override=""))
            for p in protocols(request.clinic)
        ]
        if w.protocol is not None:
            done.add("protocol")
        return _wizard_page(request, "protocol", w, done, context)
    done.add("protocol")
    assert w.location is not None  # noqa: S101 — every clinic has a location
    today = _local(timezone.now(), w.location).date()
    on = max(w.earliest or today, today)
    preview = _screening_preview(request, w.patient, w.protocol, on)
    blocked = preview.decision == "block"
    overridden = blocked and w.override and may_override
    context.update(screening=preview, blocked=blocked, overridden=overridden)
    if requested in ("", "screening") or (blocked and not overridden):
        if not blocked or overridden:
            done.add("screening")
        return _wizard_page(request, "screening", w, done, context)
    done.add("screening")
    consented = has_valid_consent(w.patient, w.protocol.modality.code)
    template = _consent_template(request, w.protocol)
    context.update(consented=consented, consent_template=template)
    if not consented and (not w.consent_later or requested == "consent"):
        if template is not None:
            context.setdefault(
                "consent_form",
                ConsentForm(
                    templates=[template], initial={"template": template.pk, "signed_by": w.patient.full_name}
                ),
            )
        return _wizard_page(request, "consent", w, done, context)
    done.add("consent")
    context.update(_dates_context(request, w))
    if (
        requested == "confirm"
        and context["sessions"]
        and not context["stale"]
        and _chosen_sessions(w) is not None
    ):
        done.add("dates")
        first = context["sessions"][0].choice.start
        context["screening"] = _screening_preview(
            request, w.patient, w.protocol, _local(first, w.location).date()
        )
        context["blocked"] = context["screening"].decision == "block"
        context["overridden"] = context["blocked"] and w.override and may_override
        context["hidden"] = list(w.params().items())
        return _wizard_page(request, "confirm", w, done, context)
    return _wizard_page(request, "dates", w, done, context)


def _wizard_page(
    request: ClinicRequest, step: str, w: Wizard, done: set[str], context: dict[str, Any]
) -> HttpResponse:
    urls = {key: w.url(key) for key, _label in STEPS}
    urls["dates_fresh"] = w.url("dates", tokens={})
    context.update(
        step=step,
        steps=_steps(step, w, done),
        urls=urls,
        consent_later_url=w.url("dates", tokens={}, consent="later"),
    )
    return render(request, "scheduling/book.html", context)


@require_GET
@staff_required(MANAGE_SCHEDULE, Capability.SCREEN)
def book(request: ClinicRequest) -> HttpResponse:
    w = _read_wizard(request, request.GET)
    if w.location is None:
        raise Http404
    return _render_wizard(request, w, request.GET.get("step", ""))


@require_POST
@staff_required(MANAGE_SCHEDULE, Capability.RECORD_CONSENT)
def book_consent(request: ClinicRequest) -> HttpResponse:
    w = _read_wizard(request, request.POST)
    if w.patient is None or w.protocol is None or w.location is None:
        return HttpResponseRedirect(w.url("patient") if w.location else reverse("scheduling:book"))
    template = _consent_template(request, w.protocol)
    form = ConsentForm(request.POST, templates=[template] if template else [])
    if template is not None and form.is_valid():
        try:
            record_consent(
                w.patient,
                template=template,
                signed_by=form.cleaned_data["signed_by"],
                photo_use=[PhotoUse.CLINICAL.value, *form.cleaned_data["photo_use"]],
                actor=request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Consent recorded: %(form)s.") % {"form": template.title})
            return HttpResponseRedirect(w.url("dates"))
    return _render_wizard(request, w, "consent", consent_form=form)


@require_POST
@staff_required(MANAGE_SCHEDULE, Capability.SCREEN)
def book_confirm(request: ClinicRequest) -> HttpResponse:
    w = _read_wizard(request, request.POST)
    if w.patient is None or w.protocol is None or w.location is None:
        return HttpResponseRedirect(reverse("scheduling:book"))
    sessions = _chosen_sessions(w)
    if sessions is None:
        messages.error(request, _("Some of the chosen times could not be used. Here is a fresh proposal."))
        return HttpResponseRedirect(w.url("dates", tokens={}))
    may_override = role_has(request.staff.role, Capability.OVERRIDE_SCREENING)
    reason = request.POST.get("override_reason", "").strip() if may_override else ""
    first_day = _local(min(s.start for s in sessions), w.location).date()
    blocked = _screening_preview(request, w.patient, w.protocol, first_day).decision == "block"
    error, findings = "", []
    if blocked and may_override and w.override and not reason:
        error = _("Write why you override the screening block; it is kept in the audit log.")
    else:
        try:
            course = book_series(
                w.patient, w.protocol, w.location, sessions, actor=request.user, override_reason=reason
            )
        except ScreeningBlockedError as exc:
            error, findings = str(exc), exc.findings
        except BookingError as exc:
            error = str(exc)
        else:
            messages.success(
                request,
                ngettext(
                    "%(count)d session booked for %(name)s.",
                    "%(count)d sessions booked for %(name)s.",
                    len(sessions),
                )
                % {"count": len(sessions), "name": w.patient.full_name},
            )
            return HttpResponseRedirect(reverse("scheduling:booked", args=[course.pk]))
    return _render_wizard(
        request, w, "confirm", booking_error=error, blocked_findings=findings, override_reason=reason
    )


@dataclass(frozen=True)
class BookedSession:
    appointment: Appointment
    ics_url: str | None
    calendar_url: str


@require_GET
@staff_required(VIEW_SCHEDULE)
def booked(request: ClinicRequest, course_id: int) -> HttpResponse:
    appointments = selectors.course_appointments(request.clinic, course_id)
    if not appointments:
        raise Http404
    first = appointments[0]
    sessions = [
        BookedSession(
            a,
            appointment_ics_url(a.pk),
            _calendar_url(a.location, _local(a.starts_at, a.location).date(), "day", "practitioner", ""),
        )
        for a in appointments
    ]
    context = {
        "course": first.course,
        "patient": first.patient,
        "protocol": first.protocol,
        "location": first.location,
        "sessions": sessions,
        "book_again_url": _book_url(patient=first.patient.pk),
    }
    return render(request, "scheduling/booked.html", context)

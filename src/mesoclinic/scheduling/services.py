"""Every write about scheduling: rooms and devices, courses and their recalls, booking a whole series, and
each appointment's life.

Booking re-checks everything the planner promised (screening, series spacing, qualifications, hours,
busy time) because time passes between a proposal and its confirmation; the database's no-overlap
constraint settles races between two receptionists confirming at the same moment.

Services that only the screens and the API call (entry points) open a *durable* transaction: calling one
inside another transaction is a bug that raises at once, instead of a commit that silently is not one.
Those that other services, the importer or the demo call inside their own transaction (booking, starting
and completing courses, cancelling) stay plain ``atomic``.
"""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django_tasks import task

from mesoclinic.accounts.models import Location, StaffMember
from mesoclinic.accounts.permissions import Capability, role_has
from mesoclinic.actors import Actor
from mesoclinic.audit.services import acting_user, record_event, save_changes
from mesoclinic.catalog.models import Protocol
from mesoclinic.clinical_codes.dates import add_months, local_day
from mesoclinic.clinical_codes.vocabulary import HISTORY_NEEDED
from mesoclinic.patients.models import Patient
from mesoclinic.safety.rules import Decision, patient_from_json, screen
from mesoclinic.safety.selectors import protocol_spec, rule_table_for_clinic
from mesoclinic.safety.services import screen_patient
from mesoclinic.scheduling.engine import NEEDLE, ClinicIndex, epoch_seconds
from mesoclinic.scheduling.engine.lifecycle import COUNTED_COMPLETIONS, Action
from mesoclinic.scheduling.events import appointment_moved
from mesoclinic.scheduling.lifecycle import (
    BookingError,
    bump_first,
    change_status,
    decide_for,
    facts_for,
    patch_on_commit,
)
from mesoclinic.scheduling.models import (
    HOLDING_STATUSES,
    LONGEST_HOLD,
    LONGEST_SESSION,
    Appointment,
    AppointmentCompletion,
    AppointmentSource,
    AppointmentStatus,
    CalendarFeed,
    CalendarFeedKind,
    Course,
    Device,
    DeviceDowntime,
    ExtraHours,
    Holiday,
    Interval,
    MaintenanceRecall,
    OpeningHours,
    Room,
    ScheduleChange,
    ScheduleVersion,
    ScreeningAlert,
    TimeOff,
    WorkingHours,
    bump_schedule_versions,
)
from mesoclinic.scheduling.public_holidays import public_holidays
from mesoclinic.scheduling.selectors import (
    SLOT_MINUTES,
    Hold,
    SessionChoice,
    engine_clinic,
    location_timezone,
)

__all__ = ["BookingError", "ScreeningBlockedError"]  # BookingError lives in lifecycle; callers import it here


class ScreeningBlockedError(BookingError):
    """Screening found a contraindication that blocks the treatment.

    ``overridable``: a physician's written reason would let it through (a ``block``); an untaken history
    before an invasive treatment is not.
    """

    def __init__(self, message: str, findings: list[dict[str, str]], *, overridable: bool = False) -> None:
        super().__init__(message)
        self.findings = findings
        self.overridable = overridable


@transaction.atomic
def add_room(location: Location, *, name: str, modalities: Iterable[str], actor: Actor) -> Room:
    room = Room(clinic=location.clinic, location=location, name=name, modalities=sorted(set(modalities)))
    room.full_clean()
    room.save()
    record_event("room.create", room, actor=actor)
    return room


@transaction.atomic
def add_device(
    location: Location,
    *,
    name: str,
    modality: str,
    manufacturer: str = "",
    model_name: str = "",
    serial_number: str = "",
    actor: Actor,
) -> Device:
    device = Device(
        clinic=location.clinic,
        location=location,
        name=name,
        modality=modality,
        manufacturer=manufacturer,
        model_name=model_name,
        serial_number=serial_number,
    )
    device.full_clean()
    device.save()
    record_event("device.create", device, actor=actor)
    return device


# --- A practitioner's hours: extra hours and time off ----------------------------------------------------
# These change hours, not appointments: the kept indexes are rebuilt after them, never patched.


def _check_practitioner(member: StaffMember, clinic_id: int) -> None:
    if member.clinic_id != clinic_id:
        raise ValidationError({"staff": _("This practitioner belongs to another clinic.")})


def _add_interval(
    interval: Interval, action: str, *, owner: dict[str, Any], clinic: Any, actor: Actor
) -> None:
    """The one way time off, extra hours and downtime are saved: checked (``ValidationError`` naming the
    field), saved and audited with whose time it is (``owner``) and its span. The caller bumps the schedule
    versions it changes first (the version row's lock, as bookings take it)."""
    interval.full_clean()
    interval.save()
    record_event(action, interval, actor=actor, clinic=clinic, data={**owner, **interval.audit_span()})


def _remove_interval(
    interval: Interval, action: str, *, owner: dict[str, Any], clinic: Any, actor: Actor
) -> None:
    """Audit and delete time off, extra hours or downtime; sessions already booked then stay booked."""
    record_event(action, interval, actor=actor, clinic=clinic, data={**owner, **interval.audit_span()})
    interval.delete()


@transaction.atomic(durable=True)
def add_extra_hours(
    member: StaffMember,
    location: Location,
    *,
    starts_at: datetime,
    ends_at: datetime,
    reason: str = "",
    actor: Actor,
) -> ExtraHours:
    """Let ``member`` be booked at ``location`` from ``starts_at`` to ``ends_at`` besides their weekly hours.

    Raises ``ValidationError`` for an empty or inverted interval, one longer than a day, or a location of
    another clinic.
    """
    _check_practitioner(member, location.clinic_id)
    bump_schedule_versions(location_id=location.pk)  # first: the version row's lock, as bookings take it
    extra = ExtraHours(
        staff=member, location=location, starts_at=starts_at, ends_at=ends_at, reason=reason.strip()
    )
    owner = {"staff": member.pk, "location": location.pk}
    _add_interval(extra, "extra_hours.create", owner=owner, clinic=location.clinic, actor=actor)
    return extra


@transaction.atomic(durable=True)
def remove_extra_hours(extra: ExtraHours, *, actor: Actor) -> None:
    """Delete extra hours; sessions already booked in them stay booked (cancel or move them separately)."""
    bump_schedule_versions(location_id=extra.location_id)
    owner = {"staff": extra.staff_id}
    _remove_interval(extra, "extra_hours.delete", owner=owner, clinic=extra.staff.clinic, actor=actor)


@transaction.atomic(durable=True)
def add_time_off(
    member: StaffMember, *, starts_at: datetime, ends_at: datetime, reason: str = "", actor: Actor
) -> TimeOff:
    """Make ``member`` unbookable from ``starts_at`` to ``ends_at`` at every location (leave, training).

    Sessions already booked in that time stay booked: the diary shows them, and the desk moves them.
    Raises ``ValidationError`` for an empty or inverted interval.
    """
    bump_schedule_versions(location__clinic_id=member.clinic_id)
    off = TimeOff(staff=member, starts_at=starts_at, ends_at=ends_at, reason=reason.strip())
    _add_interval(off, "time_off.create", owner={"staff": member.pk}, clinic=member.clinic, actor=actor)
    return off


@transaction.atomic(durable=True)
def remove_time_off(off: TimeOff, *, actor: Actor) -> None:
    bump_schedule_versions(location__clinic_id=off.staff.clinic_id)
    _remove_interval(
        off, "time_off.delete", owner={"staff": off.staff_id}, clinic=off.staff.clinic, actor=actor
    )


def _when(moment: datetime, location: Location) -> str:
    return f"{moment.astimezone(location_timezone(location)):%a %d %b %Y %H:%M}"


def check_sessions_fit(
    location: Location,
    protocol: Protocol,
    sessions: Sequence[SessionChoice],
    *,
    exclude: Iterable[int] = (),
) -> None:
    """Raise ``BookingError`` unless every session fits its resources' hours and free time.

    Checks the slot grid, qualifications (modality, working hours at this location), and that practitioner,
    room and device are free for the session plus its cleaning buffer.
    """
    modality = protocol.modality.code
    length = (protocol.session_minutes + protocol.buffer_minutes) * 60
    first = min(s.start for s in sessions) - timedelta(days=1)
    last = max(s.start for s in sessions) + timedelta(days=2)
    clinic, resources = engine_clinic(location, modality, window=(first, last), exclude_appointments=exclude)
    index = ClinicIndex.build(clinic, local_day(first, location.timezone), local_day(last, location.timezone))
    for n, session in enumerate(sessions, start=1):
        local = session.start.astimezone(location_timezone(location))
        if (local.hour * 60 + local.minute) % SLOT_MINUTES or local.second or local.microsecond:
            raise BookingError(
                _("Session %(n)s must start on the %(minutes)s-minute grid (%(time)s).")
                % {"n": n, "minutes": SLOT_MINUTES, "time": f"{local:%H:%M}"}
            )
        if session.room.location_id != location.pk:
            raise BookingError(
                _("Session %(n)s: %(room)s is at another location.") % {"n": n, "room": session.room}
            )
        if (session.device is None) != (modality == NEEDLE):
            needs = (
                _("Session %(n)s: %(modality)s needs no device.")
                if modality == NEEDLE
                else _("Session %(n)s: %(modality)s needs a device.")
            )
            raise BookingError(needs % {"n": n, "modality": protocol.modality.name})
        wanted: list[tuple[str, Mapping[str, Any], Any]] = [
            (resources.practitioner_id(session.practitioner), resources.practitioners, session.practitioner),
            (resources.room_id(session.room), resources.rooms, session.room),
        ]
        if session.device is not None:
            wanted.append((resources.device_id(session.device), resources.devices, session.device))
        start = epoch_seconds(session.start)
        for rid, known, row in wanted:
            if rid not in known:
                raise BookingError(
                    _("Session %(n)s: %(what)s is not set up for %(modality)s here.")
                    % {"n": n, "what": row, "modality": protocol.modality.name}
                )
            if not index.free[rid].covers(start, start + length):
                raise BookingError(
                    _(
                        "Session %(n)s: %(what)s is not free on %(when)s for %(minutes)s + %(buffer)s minutes "
                        "(booked, off or closed)."
                    )
                    % {
                        "n": n,
                        "what": row,
                        "when": _when(session.start, location),
                        "minutes": protocol.session_minutes,
                        "buffer": protocol.buffer_minutes,
                    }
                )


def _check_spacing(location: Location, course_like: Any, starts: Sequence[datetime]) -> None:
    """Consecutive sessions must be ``interval_days ± tolerance_days`` local calendar days apart."""
    low = course_like.interval_days - course_like.tolerance_days
    high = course_like.interval_days + course_like.tolerance_days
    days = [local_day(s, location.timezone) for s in starts]
    for n, (before, after) in enumerate(itertools.pairwise(days), start=2):
        gap = (after - before).days
        if not low <= gap <= high:
            raise BookingError(
                _(
                    "Session %(n)s is %(gap)s days after session %(previous)s; this protocol needs %(low)s–%(high)s days."
                )
                % {"n": n, "gap": gap, "previous": n - 1, "low": low, "high": high}
            )


def _may_override(actor: Actor) -> bool:
    staff = getattr(actor, "staff", None)
    return staff is not None and role_has(staff.role, Capability.OVERRIDE_SCREENING)


def _create(appointment: Appointment) -> Appointment:
    try:
        with transaction.atomic():
            appointment.save()
    except IntegrityError:
        raise BookingError(
            f"{_when(appointment.starts_at, appointment.location)} was just taken by another booking; "
            "choose another time."
        ) from None
    return appointment


# --- Courses and their maintenance recall -----------------------------------------------------------------


@transaction.atomic
def start_course(patient: Patient, protocol: Protocol, *, actor: Actor) -> Course:
    """A new course of ``protocol``, its series parameters copied from the protocol as they are now."""
    course = Course.objects.create(
        clinic=patient.clinic,
        patient=patient,
        protocol=protocol,
        modality=protocol.modality.code,
        sessions=protocol.sessions,
        interval_days=protocol.interval_days,
        tolerance_days=protocol.tolerance_days,
        maintenance_interval_months=protocol.maintenance_interval_months,
        created_by=acting_user(actor),
    )
    record_event("course.start", course, actor=actor, data={"protocol": protocol.slug})
    return course


@transaction.atomic
def complete_course(course: Course, *, last_session_on: date, actor: Actor) -> MaintenanceRecall:
    """Mark the series done and schedule its maintenance recall (idempotent)."""
    if course.status != Course.Status.COMPLETED:
        course.status = Course.Status.COMPLETED
        course.save(update_fields=["status"])
        record_event("course.complete", course, actor=actor)
    recall, created = MaintenanceRecall.objects.get_or_create(
        course=course,
        defaults={
            "clinic": course.clinic,
            "patient": course.patient,
            "due_on": add_months(last_session_on, course.maintenance_interval_months),
        },
    )
    if created:
        record_event("recall.create", recall, actor=actor, data={"due_on": recall.due_on.isoformat()})
    return recall


def complete_course_if_done(course: Course, *, actor: Actor) -> MaintenanceRecall | None:
    """Complete ``course`` (and create its maintenance recall) once it has as many sessions done as planned.

    A session is done when its appointment was completed by signing its record, or by a physician's
    audited "treated elsewhere"; an appointment marked completed any other way (before the rule, or
    imported) does not count.
    """
    done = course.appointments.filter(
        status=AppointmentStatus.COMPLETED, completion__in=[str(c) for c in COUNTED_COMPLETIONS]
    ).select_related("location")
    if done.count() < course.sessions:
        return None
    last = done.order_by("-starts_at").first()
    assert last is not None  # noqa: S101 — course.sessions >= 1
    last_on = local_day(last.starts_at, last.location.timezone)
    return complete_course(course, last_session_on=last_on, actor=actor)


# --- Booking --------------------------------------------------------------------------------------------


@transaction.atomic
def book_series(
    patient: Patient,
    protocol: Protocol,
    location: Location,
    sessions: Sequence[SessionChoice],
    *,
    actor: Actor,
    override_reason: str = "",
    source: str = AppointmentSource.DESK,
) -> Course:
    """Book every session of a course at once, or nothing (``source``: ``online`` when the patient booked it).

    Screening runs first, for the day of the first session: a ``block`` stops the booking unless a
    physician gives ``override_reason`` (kept in the audit log). Raises ``BookingError`` with the reason.
    """
    if not (patient.clinic_id == protocol.clinic_id == location.clinic_id):
        raise BookingError("The patient, protocol and location must belong to the same clinic.")
    if patient.is_restricted:
        raise BookingError("This patient's data is restricted (erasure requested): no new bookings.")
    if len(sessions) != protocol.sessions:
        raise BookingError(
            f"{protocol.name} is a series of {protocol.sessions} sessions, not {len(sessions)}."
        )
    sessions = sorted(sessions, key=lambda s: s.start)
    if sessions[0].start < timezone.now() - timedelta(minutes=5):
        raise BookingError("The first session is in the past.")
    # First write of all: takes the location's version row's lock before any appointment row, so two
    # bookings at one location take their turn (and the second one's check sees the first's rows), and
    # before screening appends to the clinic's audit chain (its lock): cancelling and moving take the two
    # in this order too, and the opposite order deadlocked on PostgreSQL (a booking and a cancellation at
    # once, found by the change feed's several-process test).
    now = timezone.now()
    before = bump_first(location.pk, [*_planned(protocol, sessions), *_expired_holds(location.pk, now)])
    _screen_for_booking(
        patient, protocol, location, sessions[0].start, actor=actor, override_reason=override_reason
    )
    _check_spacing(location, protocol, [s.start for s in sessions])
    released = _release_expired_holds_at(location.pk, now)
    check_sessions_fit(location, protocol, sessions)
    course = start_course(patient, protocol, actor=actor)
    booked = _create_series(
        location,
        protocol,
        sessions,
        patient=patient,
        course=course,
        created_by=acting_user(actor),
        source=source,
    )
    record_event(
        "series.book",
        course,
        actor=actor,
        data={"sessions": [s.start.isoformat() for s in sessions], "location": location.pk},
    )
    patch_on_commit(before, added=[Hold.of(a) for a in booked], removed=released)
    return course


def _screen_for_booking(
    patient: Patient,
    protocol: Protocol,
    location: Location,
    first_start: datetime,
    *,
    actor: Actor,
    override_reason: str = "",
) -> None:
    """Screening for the day of the first session: history needed for an invasive treatment, or a block
    without a physician's ``override_reason``, raises ``ScreeningBlockedError``."""
    result, record = screen_patient(
        patient, protocol=protocol, on=local_day(first_start, location.timezone), actor=actor
    )
    if result.history_needed and protocol.modality.invasive:
        raise ScreeningBlockedError(
            _(
                "History needed: %(patient)s's medical history has not been taken, so %(modality)s (an invasive "
                "treatment) cannot be booked. Take the history on the chart first; a physician's override does not "
                "replace it."
            )
            % {"patient": patient.full_name, "modality": protocol.modality.name},
            [f for f in record.findings if f["factor"] == HISTORY_NEEDED],
        )
    if result.decision == "block":
        reasons = " ".join(f.message for f in result.findings if f.severity == "block")
        if not (override_reason.strip() and _may_override(actor)):
            raise ScreeningBlockedError(
                _("Screening blocks this treatment: %(reasons)s") % {"reasons": reasons},
                record.findings,
                overridable=True,
            )
        record_event(
            "screening.override",
            patient,
            actor=actor,
            data={"screening": record.pk, "reason": override_reason.strip()[:500]},
        )


def move_refusal(appointment: Appointment, start: datetime) -> str:
    """Why moving ``appointment`` to ``start`` would take its series out of its spacing (empty: it would
    not). What ``reschedule_appointment`` checks first, for offering a freed time only to whom it fits."""
    if appointment.course is None:
        return ""
    siblings = list(
        appointment.course.appointments.filter(status__in=HOLDING_STATUSES)
        .exclude(pk=appointment.pk)
        .order_by("session_index")
    )
    starts = [a.starts_at for a in siblings if a.session_index < appointment.session_index]
    starts += [start] + [a.starts_at for a in siblings if a.session_index > appointment.session_index]
    try:
        _check_spacing(appointment.location, appointment.course, starts)
    except BookingError as exc:
        return str(exc)
    return ""


# --- Holds: an online visitor's chosen series, held while the e-mailed code is awaited ----------------------

HOLD_MINUTES = 10


class HoldExpiredError(BookingError):
    """The hold ran out before it was confirmed (its slots were released, or are released now)."""


def _release_expired_holds_at(location_id: int, now: datetime | None = None) -> list[Hold]:
    """Delete the location's held appointments whose time ran out (inside a write that bumped first);
    returns what they held, for ``patch_on_commit``'s ``removed``."""
    expired = list(
        Appointment.objects.filter(
            location_id=location_id,
            status=AppointmentStatus.HELD,
            hold_expires_at__lte=now or timezone.now(),
        )
    )
    if not expired:
        return []
    Appointment.objects.filter(pk__in=[a.pk for a in expired], status=AppointmentStatus.HELD).delete()
    record_event(
        "hold.expire",
        None,
        actor=None,
        clinic=expired[0].clinic_id,
        data={"location": location_id, "appointments": [a.pk for a in expired]},
    )
    return [Hold.of(a) for a in expired]


def _expired_holds(location_id: int, now: datetime) -> list[Hold]:
    """What ``_release_expired_holds_at(location_id, now)`` is about to free, read before the write's first
    bump (unlocked) so that the bump covers their practitioners' other locations too (``bump_first``)."""
    return [
        Hold.of(a)
        for a in Appointment.objects.filter(
            location_id=location_id, status=AppointmentStatus.HELD, hold_expires_at__lte=now
        )
    ]


def _planned(protocol: Protocol, sessions: Iterable[SessionChoice]) -> list[Hold]:
    """The time the sessions about to be booked will hold (their ``blocked_until``), for ``bump_first``."""
    length = timedelta(minutes=protocol.session_minutes + protocol.buffer_minutes)
    return [
        Hold(
            s.practitioner.pk,
            s.room.pk,
            s.device.pk if s.device is not None else None,
            s.start,
            s.start + length,
        )
        for s in sessions
    ]


def _session_appointment(
    location: Location, protocol: Protocol, session: SessionChoice, index: int, **fields: Any
) -> Appointment:
    """The unsaved appointment of a series' ``index``-th session: the protocol's length and buffer;
    ``fields`` say whose, in which course and status."""
    ends_at = session.start + timedelta(minutes=protocol.session_minutes)
    return Appointment(
        clinic_id=location.clinic_id,
        location=location,
        protocol=protocol,
        session_index=index,
        practitioner=session.practitioner,
        room=session.room,
        device=session.device,
        starts_at=session.start,
        ends_at=ends_at,
        buffer_minutes=protocol.buffer_minutes,
        blocked_until=ends_at + timedelta(minutes=protocol.buffer_minutes),
        **fields,
    )


@transaction.atomic
def _create_series(
    location: Location, protocol: Protocol, sessions: Sequence[SessionChoice], **fields: Any
) -> list[Appointment]:
    """One appointment per session (index from 1), each saved through ``_create`` (the database's no-overlap
    checks)."""
    return [
        _create(_session_appointment(location, protocol, session, index, **fields))
        for index, session in enumerate(sessions, start=1)
    ]


@transaction.atomic
def record_past_session(
    course: Course, location: Location, session: SessionChoice, *, index: int, actor: Actor
) -> Appointment:
    """The ``index``-th session of ``course``, at a time already past, as the booked appointment a visit is
    then recorded on (the demo's history of treatments). Made as booking makes one (the protocol's length and
    buffer, the database's no-overlap checks) but without booking's checks of what is ahead (hours,
    screening, spacing), which a past visit no longer answers to. Raises ``BookingError`` with the reason."""
    if course.clinic_id != location.clinic_id:
        raise BookingError("The course and location must belong to the same clinic.")
    if session.start >= timezone.now():
        raise BookingError("Only a past session is recorded here; a future one is booked.")
    if not 1 <= index <= course.sessions:
        raise BookingError(f"A series of {course.sessions} sessions has no session {index}.")
    before = bump_first(location.pk, _planned(course.protocol, [session]))
    fields = {"patient": course.patient, "course": course, "created_by": acting_user(actor)}
    appointment = _create(_session_appointment(location, course.protocol, session, index, **fields))
    record_event(
        "appointment.record_past",
        appointment,
        actor=actor,
        data={"course": course.pk, "session_index": index, "starts_at": session.start.isoformat()},
    )
    patch_on_commit(before, added=[Hold.of(appointment)])
    return appointment


def hold_series(
    location: Location,
    protocol: Protocol,
    sessions: Sequence[SessionChoice],
    *,
    minutes: int = HOLD_MINUTES,
    actor: Actor = None,
) -> list[Appointment]:
    """Hold every session of a series for ``minutes`` (held appointments, no patient yet), or nothing.

    The held rows take their practitioner, room and device in the database's no-overlap checks like booked
    ones, so two visitors cannot hold (nor a desk book) the same time; expired holds at the location are
    released first. Raises ``BookingError`` when a session no longer fits (taken meanwhile).
    """
    if protocol.clinic_id != location.clinic_id:
        raise BookingError("The protocol and location must belong to the same clinic.")
    if len(sessions) != protocol.sessions:
        raise BookingError(
            f"{protocol.name} is a series of {protocol.sessions} sessions, not {len(sessions)}."
        )
    sessions = sorted(sessions, key=lambda s: s.start)
    now = timezone.now()
    if sessions[0].start < now:
        raise BookingError("The first session is in the past.")
    _check_spacing(location, protocol, [s.start for s in sessions])
    before = bump_first(location.pk, [*_planned(protocol, sessions), *_expired_holds(location.pk, now)])
    released = _release_expired_holds_at(location.pk, now)
    check_sessions_fit(location, protocol, sessions)
    expires = now + timedelta(minutes=minutes)
    held = _create_series(
        location,
        protocol,
        sessions,
        patient=None,
        status=AppointmentStatus.HELD,
        source=AppointmentSource.ONLINE,  # only the patient's door holds
        hold_expires_at=expires,
        created_by=acting_user(actor),
    )
    record_event(
        "series.hold",
        None,
        actor=actor,
        clinic=location.clinic_id,
        data={"appointments": [a.pk for a in held], "location": location.pk, "until": expires.isoformat()},
    )
    patch_on_commit(before, added=[Hold.of(a) for a in held], removed=released)
    return held


@transaction.atomic
def confirm_held_series(
    patient: Patient, held_ids: Sequence[int], *, actor: Actor, now: datetime | None = None
) -> Course:
    """Turn a series' held appointments into the patient's booked course (screened as any booking).

    Raises ``HoldExpiredError`` when the hold ran out (its rows are released if still there),
    ``ScreeningBlockedError`` when screening blocks (the caller releases the hold) and ``BookingError``
    for anything else that is wrong.
    """
    now = now or timezone.now()
    rows = list(
        Appointment.objects.select_for_update(of=("self",))
        .filter(pk__in=list(held_ids), status=AppointmentStatus.HELD, clinic_id=patient.clinic_id)
        .select_related("protocol__modality", "location")
        .order_by("session_index")
    )
    if len(rows) != len(held_ids) or not rows:
        raise HoldExpiredError("The held dates were released; choose dates again.")
    if any(a.hold_expires_at is None or a.hold_expires_at <= now for a in rows):
        raise HoldExpiredError("The ten minutes to confirm ran out; choose dates again.")
    if patient.is_restricted:
        raise BookingError("This patient's data is restricted (erasure requested): no new bookings.")
    protocol, location = rows[0].protocol, rows[0].location
    _screen_for_booking(patient, protocol, location, rows[0].starts_at, actor=actor)
    course = start_course(patient, protocol, actor=actor)
    # Held to booked keeps the time held: no new schedule version, the kept indexes stay right.
    Appointment.objects.filter(pk__in=[a.pk for a in rows]).update(
        patient=patient,
        course=course,
        status=AppointmentStatus.BOOKED,
        hold_expires_at=None,
        created_by=acting_user(actor),
    )
    record_event(
        "series.book",
        course,
        actor=actor,
        data={"sessions": [a.starts_at.isoformat() for a in rows], "location": location.pk, "held": True},
    )
    return course


@transaction.atomic
def release_held(held_ids: Sequence[int], *, actor: Actor = None) -> int:
    """Release a series' held appointments now (screening blocked, or the visitor gave up); returns how many."""
    rows = list(Appointment.objects.filter(pk__in=list(held_ids), status=AppointmentStatus.HELD))
    if not rows:
        return 0
    location_id = rows[0].location_id
    before = bump_first(location_id, [Hold.of(a) for a in rows])
    Appointment.objects.filter(pk__in=[a.pk for a in rows], status=AppointmentStatus.HELD).delete()
    record_event(
        "hold.release",
        None,
        actor=actor,
        clinic=rows[0].clinic_id,
        data={"location": location_id, "appointments": [a.pk for a in rows]},
    )
    patch_on_commit(before, removed=[Hold.of(a) for a in rows])
    return len(rows)


def release_expired_holds(*, location_id: int | None = None, now: datetime | None = None) -> int:
    """Release every expired hold (of one location, or all): the worker's sweep, and the lazy one before an
    offer is computed. One short transaction per location; returns the appointments released."""
    now = now or timezone.now()
    due = Appointment.objects.filter(status=AppointmentStatus.HELD, hold_expires_at__lte=now)
    if location_id is not None:
        due = due.filter(location_id=location_id)
    total = 0
    for loc in sorted(set(due.values_list("location_id", flat=True))):
        with transaction.atomic():
            before = bump_first(loc, _expired_holds(loc, now))
            released = _release_expired_holds_at(loc, now)
            patch_on_commit(before, removed=released)
            total += len(released)
    return total


@transaction.atomic
def record_imported_appointment(
    patient: Patient,
    protocol: Protocol,
    location: Location,
    *,
    practitioner: StaffMember,
    room: Room,
    device: Device | None,
    starts_at: datetime,
    ends_at: datetime,
    status: str,
    notes: str = "",
    actor: Actor,
) -> Appointment:
    """One appointment brought over from another system (``mesoclinic import-csv``, the import screen).

    A past appointment is history: it is recorded with the status it had, and today's hours are not
    applied to it (they may have changed since). A future one is booked like any other: it must be
    ``booked`` and fit the practitioner's, room's and device's hours and free time (``check_sessions_fit``).
    Either way the database refuses one that overlaps another appointment holding the same practitioner,
    room or device, and one longer than ``LONGEST_SESSION`` is refused (the calendars' queries rely on that
    bound). Raises ``BookingError`` with the reason.
    """
    if not (patient.clinic_id == protocol.clinic_id == location.clinic_id == practitioner.clinic_id):
        raise BookingError("The patient, protocol, location and practitioner must belong to the same clinic.")
    if ends_at <= starts_at:
        raise BookingError("The end must be after the start.")
    if ends_at - starts_at > LONGEST_SESSION:
        raise BookingError(
            f"The end is {(ends_at - starts_at) // timedelta(minutes=1)} minutes after the start; an "
            f"appointment lasts at most {LONGEST_SESSION // timedelta(minutes=1)} minutes (the longest "
            "session a protocol may have)."
        )
    if status not in AppointmentStatus.values or status == AppointmentStatus.HELD:
        raise BookingError(_("Unknown status “%(status)s”.") % {"status": status})
    future = starts_at > timezone.now()
    if future and status != AppointmentStatus.BOOKED:
        raise BookingError("A future appointment can only be imported as booked.")
    buffer = timedelta(minutes=protocol.buffer_minutes)
    device_id = device.pk if device is not None else None
    before = bump_first(location.pk, [Hold(practitioner.pk, room.pk, device_id, starts_at, ends_at + buffer)])
    if future:
        check_sessions_fit(location, protocol, [SessionChoice(starts_at, practitioner, room, device)])
    appointment = Appointment(
        clinic=patient.clinic,
        location=location,
        patient=patient,
        protocol=protocol,
        practitioner=practitioner,
        room=room,
        device=device,
        starts_at=starts_at,
        ends_at=ends_at,
        buffer_minutes=protocol.buffer_minutes,
        blocked_until=ends_at + buffer,
        status=status,
        # Its completion happened in the other system: history, shown as such, never a session done here.
        completion=AppointmentCompletion.IMPORTED if status == AppointmentStatus.COMPLETED else "",
        notes=notes[:500],
        created_by=acting_user(actor),
        status_changed_at=None if status == AppointmentStatus.BOOKED else timezone.now(),
    )
    try:
        with transaction.atomic():
            appointment.save()
    except IntegrityError:
        raise BookingError(
            f"{_when(starts_at, location)} overlaps another appointment of the same practitioner, room or device."
        ) from None
    record_event(
        "appointment.import",
        appointment,
        actor=actor,
        data={"starts_at": starts_at.isoformat(), "status": status, "history": not future},
    )
    if appointment.holds_resources:
        patch_on_commit(before, added=[Hold.of(appointment)])
    return appointment


@transaction.atomic
def cancel_appointment(appointment: Appointment, *, reason: str, actor: Actor) -> Appointment:
    """Cancel a booked or checked-in appointment, keeping the reason; its time is freed."""
    return change_status(appointment, Action.CANCEL, reason=reason, actor=actor)


@transaction.atomic
def transfer_course(course: Course, patient: Patient, *, actor: Actor) -> Course:
    """Move a course booked on the wrong chart (a patient who booked online with a mistyped date of birth)
    to ``patient``'s chart, with its appointments: only while nothing of it has been done yet. Audited."""
    if course.clinic_id != patient.clinic_id:
        raise BookingError("The chart belongs to another clinic.")
    appointments = list(Appointment.objects.select_for_update().filter(course=course))
    if any(a.status not in (AppointmentStatus.BOOKED, AppointmentStatus.CANCELLED) for a in appointments):
        raise BookingError("Sessions of this course have started: it stays on its chart.")
    before = course.patient_id
    Appointment.objects.filter(course=course).update(patient=patient)
    course.patient = patient
    course.save(update_fields=["patient"])
    record_event(
        "course.transfer", course, actor=actor, data={"from_patient": before, "to_patient": patient.pk}
    )
    return course


@transaction.atomic(durable=True)
def check_in(appointment: Appointment, *, actor: Actor) -> Appointment:
    """Check the patient in: only a booked appointment, and only on its day in the clinic's time zone."""
    return change_status(appointment, Action.CHECK_IN, actor=actor)


@transaction.atomic(durable=True)
def mark_no_show(appointment: Appointment, *, actor: Actor) -> Appointment:
    """Record that the patient did not come: only once the appointment's start has passed."""
    return change_status(appointment, Action.NO_SHOW, actor=actor)


@transaction.atomic(durable=True)
def record_treated_elsewhere(appointment: Appointment, *, reason: str, actor: Actor) -> Appointment:
    """A physician completes a visit that has no session record here (treated elsewhere, or recorded on
    paper while the system was down), saying why. It counts as a session done, is audited and is shown
    as such wherever completions are (the appointment, the course, adherence). Signing the session record
    is the only other way an appointment is completed. The course's last session creates its recall.
    """
    change_status(appointment, Action.TREATED_ELSEWHERE, reason=reason, actor=actor)
    if appointment.course is not None:
        complete_course_if_done(appointment.course, actor=actor)
    return appointment


@transaction.atomic(durable=True)
def reschedule_appointment(
    appointment: Appointment,
    *,
    start: datetime,
    actor: Actor,
    practitioner: Any = None,
    room: Room | None = None,
    device: Device | None = None,
) -> Appointment:
    """Move one booked session (and optionally change its resources), keeping the series within tolerance."""
    return move_session(
        appointment, start=start, actor=actor, practitioner=practitioner, room=room, device=device
    )


def lock_schedule(location_id: int) -> None:
    """Take the location's schedule lock (its version row, as every schedule write does first) without moving
    the version: for a service that must lock rows of its own before it writes the schedule in the same
    transaction, so that it takes the locks in the writers' order (the schedule first)."""
    list(ScheduleVersion.objects.select_for_update().filter(location_id=location_id).values_list("pk"))


@transaction.atomic
def move_session(
    appointment: Appointment,
    *,
    start: datetime,
    actor: Actor,
    practitioner: Any = None,
    room: Room | None = None,
    device: Device | None = None,
) -> Appointment:
    """``reschedule_appointment`` inside the caller's transaction: for a service whose own writes must stand
    or fall with the move (the waiting list's accept)."""
    decide_for(appointment, Action.RESCHEDULE, facts_for(appointment, actor=actor))
    location, protocol = appointment.location, appointment.protocol
    choice = SessionChoice(
        start=start,
        practitioner=practitioner or appointment.practitioner,
        room=room or appointment.room,
        device=device if device is not None else appointment.device,
    )
    if appointment.course is not None:
        siblings = list(
            appointment.course.appointments.filter(
                status__in=[
                    AppointmentStatus.BOOKED,
                    AppointmentStatus.CHECKED_IN,
                    AppointmentStatus.COMPLETED,
                ]
            )
            .exclude(pk=appointment.pk)
            .order_by("session_index")
        )
        starts = [a.starts_at for a in siblings if a.session_index < appointment.session_index]
        starts += [start] + [a.starts_at for a in siblings if a.session_index > appointment.session_index]
        _check_spacing(location, appointment.course, starts)
    now = timezone.now()
    moving = [Hold.of(appointment), *_planned(protocol, [choice]), *_expired_holds(location.pk, now)]
    token = bump_first(location.pk, moving)  # before the row: same lock order as booking
    released = _release_expired_holds_at(location.pk, now)
    check_sessions_fit(location, protocol, [choice], exclude=[appointment.pk])
    freed = Hold.of(appointment)
    before = appointment.starts_at
    left = SessionChoice(before, appointment.practitioner, appointment.room, appointment.device)
    appointment.starts_at = start
    appointment.ends_at = start + timedelta(minutes=protocol.session_minutes)
    appointment.blocked_until = appointment.ends_at + timedelta(minutes=appointment.buffer_minutes)
    appointment.practitioner, appointment.room, appointment.device = (
        choice.practitioner,
        choice.room,
        choice.device,
    )
    appointment.sequence += 1  # calendars that hold the event update it only when SEQUENCE rises
    try:
        with transaction.atomic():
            appointment.save(
                update_fields=[
                    "starts_at", "ends_at", "blocked_until", "practitioner", "room", "device", "sequence"
                ]
            )  # fmt: skip
    except IntegrityError:
        raise BookingError(
            f"{_when(start, location)} was just taken by another booking; choose another time."
        ) from None
    record_event(
        "appointment.reschedule",
        appointment,
        actor=actor,
        data={"from": before.isoformat(), "to": start.isoformat()},
    )
    patch_on_commit(token, added=[Hold.of(appointment)], removed=[freed, *released])
    appointment_moved.send(sender=Appointment, appointment=appointment, freed=left)
    return appointment


@transaction.atomic(durable=True)
def create_calendar_feed(
    clinic: Any, *, kind: CalendarFeedKind | str, object_id: int, actor: Actor
) -> tuple[CalendarFeed, str]:
    """Create a private feed of one practitioner's, room's or device's appointments.

    Returns the feed and its token. The token is the feed URL's credential and is not stored (only its
    hash is), so this is the one moment it can be shown. The caller has checked that the resource is the
    clinic's and that the actor may publish its diary.
    """
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed(
        clinic=clinic,
        kind=str(kind),
        object_id=object_id,
        token_hash=CalendarFeed.hash_token(token),
        created_by=acting_user(actor),
    )
    feed.full_clean()
    feed.save()
    record_event("calendar_feed.create", feed, actor=actor, data={"kind": str(kind), "object_id": object_id})
    return feed, token


@transaction.atomic(durable=True)
def revoke_calendar_feed(feed: CalendarFeed, *, actor: Actor) -> CalendarFeed:
    """Stop a feed: its URL answers 404 from now on. Revoking a revoked feed changes nothing."""
    if feed.revoked_at is not None:
        return feed
    feed.revoked_at = timezone.now()
    feed.save(update_fields=["revoked_at"])
    record_event(
        "calendar_feed.revoke", feed, actor=actor, data={"kind": feed.kind, "object_id": feed.object_id}
    )
    return feed


# --- Re-screening when a history changes ------------------------------------------------------------------

RESCREEN_HORIZON = timedelta(days=3 * 366)
"""How far ahead a history change re-screens appointments (a long series plus its maintenance visit)."""


@transaction.atomic
def rescreen_future_appointments(
    patient: Patient, *, before: Mapping[str, Any], after: Mapping[str, Any], actor: Actor
) -> list[ScreeningAlert]:
    """Screen every future appointment of ``patient`` against the history as it is now, at once.

    ``before`` and ``after`` are the history as it was and as it is (their PATIENT.json form). Where an appointment's decision is now
    worse than it was (``ok < warn < history_needed < block``), the new screening is recorded and a
    ``ScreeningAlert`` raised (Today, the appointment and its practitioner show it, with what to do).
    Where the change made it no worse than an open alert's starting point (an allergy recorded by mistake
    and removed), that alert is resolved by itself, saying so. Returns the new alerts.
    """
    now = timezone.now()
    appointments = (
        Appointment.objects.filter(patient=patient, ends_at__gte=now, starts_at__lte=now + RESCREEN_HORIZON)
        .filter(starts_at__gt=now - LONGEST_HOLD)  # the index's range: none lasts longer
        .filter(status__in=(AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN))
        .select_related("protocol__modality", "location")
        .order_by("starts_at", "pk")
    )
    rules = rule_table_for_clinic(patient.clinic)
    old = patient_from_json(dict(before), known_ingredients=None)
    new = patient_from_json(dict(after), known_ingredients=None)
    alerts = []
    for appointment in appointments:
        spec = protocol_spec(appointment.protocol)
        on = local_day(appointment.starts_at, appointment.location.timezone)
        was, now_is = screen(old, spec, on=on, rules=rules), screen(new, spec, on=on, rules=rules)
        for alert in appointment.screening_alerts.filter(resolved_at__isnull=True):
            if now_is.decision.rank <= Decision(alert.decision_before).rank:
                alert.resolved_at = timezone.now()
                alert.resolution = f"The history changed again: screening is {now_is.decision} again."[:300]
                alert.save(update_fields=["resolved_at", "resolution"])
                record_event("screening_alert.resolve", alert, actor=actor, data={"automatic": True})
        if now_is.decision.rank <= was.decision.rank:
            continue
        _result, record = screen_patient(
            patient, protocol=appointment.protocol, on=on, actor=actor, history=new
        )
        alert = ScreeningAlert.objects.create(
            clinic=patient.clinic,
            appointment=appointment,
            screening=record,
            decision_before=str(was.decision),
            decision_after=record.decision,
            created_by=acting_user(actor),
        )
        record_event(
            "screening_alert.raise",
            alert,
            actor=actor,
            data={
                "appointment": appointment.pk,
                "before": alert.decision_before,
                "after": alert.decision_after,
            },
        )
        alerts.append(alert)
    return alerts


@transaction.atomic(durable=True)
def resolve_screening_alert(alert: ScreeningAlert, *, resolution: str, actor: Actor) -> ScreeningAlert:
    """Say what was done about an alert (called the patient, booked a consultation, told the practitioner)."""
    text = " ".join(resolution.split())
    if not text:
        raise ValidationError({"resolution": _("Say what was done (e.g. called the patient, cancelled).")})
    if len(text) > 300:
        raise ValidationError({"resolution": _("Keep it under 300 characters.")})
    alert = ScreeningAlert.objects.select_for_update().get(pk=alert.pk)
    if alert.resolved_at is not None:
        return alert
    alert.resolved_at = timezone.now()
    alert.resolved_by = acting_user(actor)
    alert.resolution = text
    alert.save(update_fields=["resolved_at", "resolved_by", "resolution"])
    record_event("screening_alert.resolve", alert, actor=actor, data={"resolution": text})
    return alert


# --- The owner's Settings: opening hours, holidays, weekly hours, rooms, devices and their downtime ---------
# Every write bumps the location's schedule version first (the lock order bookings use), so proposals made
# before the change are refused at confirmation instead of booking into a now-closed hour.

Span = tuple[int, time, time]
"""(weekday 0=Monday..6, starts, ends): one weekly span of wall-clock time."""


def _check_spans(spans: Iterable[Span]) -> list[Span]:
    """Sorted spans, each with its end after its start and none overlapping another on the same day."""
    ordered = sorted(spans)
    for weekday, starts, ends in ordered:
        if not 0 <= weekday <= 6:
            raise ValidationError({"hours": _("A weekday is 0 (Monday) to 6 (Sunday).")})
        if ends <= starts:
            raise ValidationError({"hours": _("Each span must end after it starts.")})
    for (day_a, _starts_a, ends_a), (day_b, starts_b, _ends_b) in itertools.pairwise(ordered):
        if day_a == day_b and starts_b < ends_a:
            raise ValidationError({"hours": _("Two spans on the same day overlap.")})
    return ordered


def _span_text(spans: Iterable[Span]) -> list[str]:
    return [f"{d} {s:%H:%M}-{e:%H:%M}" for d, s, e in spans]


@transaction.atomic(durable=True)
def set_opening_hours(location: Location, spans: Iterable[Span], *, actor: Actor) -> list[OpeningHours]:
    """Replace the location's weekly opening hours. Appointments already booked stay (the desk moves them)."""
    wanted = _check_spans(spans)
    bump_schedule_versions(location_id=location.pk)
    existing = list(location.opening_hours.order_by("weekday", "starts"))
    before = _span_text((h.weekday, h.starts, h.ends) for h in existing)
    location.opening_hours.all().delete()
    rows = [OpeningHours(location=location, weekday=d, starts=s, ends=e) for d, s, e in wanted]
    OpeningHours.objects.bulk_create(rows)
    after = _span_text(wanted)
    if before != after:
        record_event(
            "opening_hours.set",
            location,
            actor=actor,
            clinic=location.clinic,
            data={"before": before, "after": after},
        )
    return rows


@transaction.atomic(durable=True)
def set_working_hours(
    member: StaffMember, location: Location, spans: Iterable[Span], *, actor: Actor
) -> list[WorkingHours]:
    """Replace a practitioner's weekly hours at one location."""
    _check_practitioner(member, location.clinic_id)
    wanted = _check_spans(spans)
    bump_schedule_versions(location_id=location.pk)
    current = WorkingHours.objects.filter(staff=member, location=location)
    before = _span_text((h.weekday, h.starts, h.ends) for h in current.order_by("weekday", "starts"))
    current.delete()
    rows = [WorkingHours(staff=member, location=location, weekday=d, starts=s, ends=e) for d, s, e in wanted]
    WorkingHours.objects.bulk_create(rows)
    after = _span_text(wanted)
    if before != after:
        record_event(
            "working_hours.set",
            member,
            actor=actor,
            clinic=location.clinic,
            data={"location": location.pk, "before": before, "after": after},
        )
    return rows


@transaction.atomic(durable=True)
def add_holiday(location: Location, *, day: date, name: str, actor: Actor) -> Holiday:
    """Close the location on ``day``. Raises ``ValidationError`` if that day is already a holiday there."""
    bump_schedule_versions(location_id=location.pk)
    if location.holidays.filter(date=day).exists():
        raise ValidationError(
            {
                "date": _("%(day)s is already a holiday at %(location)s.")
                % {"day": date_format(day, "SHORT_DATE_FORMAT"), "location": location.name}
            }
        )
    holiday = Holiday(location=location, date=day, name=name.strip())
    holiday.full_clean()
    holiday.save()
    record_event(
        "holiday.create",
        holiday,
        actor=actor,
        clinic=location.clinic,
        data={"location": location.pk, "date": day.isoformat(), "name": holiday.name},
    )
    return holiday


@transaction.atomic(durable=True)
def add_public_holidays(
    location: Location, *, country: str, year: int, days: Iterable[date] | None = None, actor: Actor
) -> list[Holiday]:
    """Close the location on the public holidays of ``country`` in ``year`` (only ``days`` of them, if given).

    Days that are already holidays there are left as they are. Raises ``ValidationError`` for a country
    without a calendar or a date that is not one of its public holidays that year.
    """
    try:
        listed = {h.date: h.name for h in public_holidays(country, year, language=location.clinic.language)}
    except ValueError as exc:
        raise ValidationError({"country": str(exc)}) from exc
    chosen = sorted(set(days)) if days is not None else sorted(listed)
    if stray := [d for d in chosen if d not in listed]:
        raise ValidationError(
            {
                "days": _("Not a public holiday in %(country)s: %(days)s.")
                % {"country": country.upper(), "days": ", ".join(d.isoformat() for d in stray)}
            }
        )
    bump_schedule_versions(location_id=location.pk)
    taken = set(location.holidays.filter(date__in=chosen).values_list("date", flat=True))
    rows = [Holiday(location=location, date=d, name=listed[d]) for d in chosen if d not in taken]
    Holiday.objects.bulk_create(rows)
    if rows:
        record_event(
            "holiday.import",
            location,
            actor=actor,
            clinic=location.clinic,
            data={"country": country.upper(), "year": year, "dates": [h.date.isoformat() for h in rows]},
        )
    return rows


@transaction.atomic(durable=True)
def remove_holiday(holiday: Holiday, *, actor: Actor) -> None:
    """Open the location again that day (its weekly opening hours apply)."""
    location = holiday.location
    bump_schedule_versions(location_id=location.pk)
    record_event(
        "holiday.delete",
        holiday,
        actor=actor,
        clinic=location.clinic,
        data={"location": location.pk, "date": holiday.date.isoformat(), "name": holiday.name},
    )
    holiday.delete()


@transaction.atomic(durable=True)
def update_room(room: Room, *, name: str, modalities: Iterable[str], is_active: bool, actor: Actor) -> Room:
    """Rename a room, change what it is equipped for, or take it out of use (its bookings stay)."""
    bump_schedule_versions(location_id=room.location_id)
    values: dict[str, Any] = {
        "name": name.strip(),
        "modalities": sorted(set(modalities)),
        "is_active": is_active,
    }
    save_changes(room, values, "room.update", actor=actor)
    return room


@transaction.atomic(durable=True)
def update_device(
    device: Device,
    *,
    name: str,
    modality: str,
    manufacturer: str = "",
    model_name: str = "",
    serial_number: str = "",
    is_active: bool = True,
    actor: Actor,
) -> Device:
    """Change a device's details, or take it out of use (its bookings stay)."""
    bump_schedule_versions(location_id=device.location_id)
    values: dict[str, Any] = {
        "name": name.strip(),
        "modality": modality,
        "manufacturer": manufacturer.strip(),
        "model_name": model_name.strip(),
        "serial_number": serial_number.strip(),
        "is_active": is_active,
    }
    save_changes(device, values, "device.update", actor=actor)
    return device


@transaction.atomic(durable=True)
def add_device_downtime(
    device: Device, *, starts_at: datetime, ends_at: datetime, reason: str = "", actor: Actor
) -> DeviceDowntime:
    """Make a device unbookable (maintenance, repair). Sessions already booked then stay: the desk moves them."""
    bump_schedule_versions(location_id=device.location_id)
    downtime = DeviceDowntime(device=device, starts_at=starts_at, ends_at=ends_at, reason=reason.strip())
    owner = {"device": device.pk}
    _add_interval(downtime, "device_downtime.create", owner=owner, clinic=device.clinic, actor=actor)
    return downtime


@transaction.atomic(durable=True)
def remove_device_downtime(downtime: DeviceDowntime, *, actor: Actor) -> None:
    device = downtime.device
    bump_schedule_versions(location_id=device.location_id)
    owner = {"device": device.pk}
    _remove_interval(downtime, "device_downtime.delete", owner=owner, clinic=device.clinic, actor=actor)


@task()
def prune_schedule_changes() -> int:
    """Delete the change feed's rows older than ``SCHEDULE_CHANGES_KEEP_HOURS`` (a periodic job).

    A process reads the feed only from the version its kept index is at; one whose index is older than
    what is left finds a gap and rebuilds, so pruning never makes an answer wrong. Returns how many went.
    """
    cutoff = timezone.now() - timedelta(hours=getattr(settings, "SCHEDULE_CHANGES_KEEP_HOURS", 24))
    return ScheduleChange.objects.filter(created_at__lt=cutoff).delete()[0]

"""Scheduling API: locations and resources, free starts, series proposals and bookings, appointments and
their life (cancel, check-in, no-show, complete, reschedule), practitioners' extra hours and time off,
private calendar feeds.

Every id in a request is fetched through a clinic-scoped access helper: another clinic's patient, room,
device or practitioner is a 404 and is never used. ``BookingError`` (a taken slot, a blocking screening
finding, a transition that is not allowed) becomes 409 in the project's ``api.py``.
"""
# No "from __future__ import annotations" here: django-ninja reads the handlers' annotations at runtime.

from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext
from ninja import Query, Router, Status
from ninja.pagination import paginate

from mesoclinic.accounts.api_auth import require
from mesoclinic.accounts.models import StaffMember
from mesoclinic.accounts.permissions import Capability
from mesoclinic.catalog.models import Protocol
from mesoclinic.catalog.selectors import get_protocol_for_clinic
from mesoclinic.clinical_codes.dates import local_day
from mesoclinic.pagination import LimitOffsetPagination
from mesoclinic.patients.selectors import get_patient_for_user
from mesoclinic.safety.rules import screen
from mesoclinic.safety.selectors import allergen_names, patient_history, protocol_spec, rule_table_for_clinic
from mesoclinic.scheduling import selectors, services
from mesoclinic.scheduling.models import CalendarFeed, Device, Room, ScreeningAlert
from mesoclinic.scheduling.schemas import (
    AppointmentFilter,
    AppointmentOut,
    AvailabilityFilter,
    BookableSessionOut,
    BookingErrorOut,
    CalendarFeedCreatedOut,
    CalendarFeedIn,
    CalendarFeedOut,
    CancelIn,
    CourseOut,
    ExtraHoursIn,
    ExtraHoursOut,
    IntervalFilter,
    LocationOut,
    ProposalIn,
    ProposalOut,
    RescheduleIn,
    ResolveScreeningAlertIn,
    ScreeningAlertOut,
    SeriesIn,
    TimeOffIn,
    TimeOffOut,
    TreatedElsewhereIn,
)
from mesoclinic.scheduling.selectors import SessionChoice

router = Router()
CONFLICT = {409: BookingErrorOut}


# --- Output helpers ---------------------------------------------------------------------------------------


def session_out(choice: SessionChoice, protocol: Protocol) -> dict[str, Any]:
    return {
        "start": choice.start,
        "end": choice.start + timedelta(minutes=protocol.session_minutes),
        "practitioner_id": choice.practitioner.pk,
        "practitioner": choice.practitioner.display_name,
        "room_id": choice.room.pk,
        "room": choice.room.name,
        "device_id": choice.device.pk if choice.device else None,
        "device": choice.device.name if choice.device else None,
    }


def feed_out(feed: CalendarFeed, names: dict[tuple[str, int], str]) -> dict[str, Any]:
    return {
        "id": feed.pk,
        "kind": feed.kind,
        "object_id": feed.object_id,
        "name": names.get((feed.kind, feed.object_id), ""),
        "created_at": feed.created_at,
        "revoked_at": feed.revoked_at,
    }


class _Resources:
    """Clinic-scoped lookups of the practitioners, rooms and devices named in one request (each once)."""

    def __init__(self, staff: StaffMember) -> None:
        self.staff = staff
        self._practitioners: dict[int, StaffMember] = {}
        self._rooms: dict[int, Room] = {}
        self._devices: dict[int, Device] = {}

    def practitioner(self, pk: int) -> StaffMember:
        if pk not in self._practitioners:
            self._practitioners[pk] = selectors.get_practitioner_for_user(self.staff, pk)
        return self._practitioners[pk]

    def room(self, pk: int) -> Room:
        if pk not in self._rooms:
            self._rooms[pk] = selectors.get_room_for_user(self.staff, pk)
        return self._rooms[pk]

    def device(self, pk: int | None) -> Device | None:
        if pk is None:
            return None
        if pk not in self._devices:
            self._devices[pk] = selectors.get_device_for_user(self.staff, pk)
        return self._devices[pk]


# --- Locations and availability ---------------------------------------------------------------------------


@router.get("/locations", response={200: list[LocationOut]})
def list_locations(request: HttpRequest) -> Any:
    staff = require(request, Capability.VIEW_SCHEDULE)
    return [
        {
            "id": entry.location.pk,
            "name": entry.location.name,
            "timezone": entry.location.timezone,
            "address": entry.location.address,
            "rooms": entry.rooms,
            "devices": entry.devices,
            "practitioners": entry.practitioners,
        }
        for entry in selectors.locations_with_resources(staff.clinic)
    ]


@router.get("/availability", response={200: list[BookableSessionOut]})
def availability(request: HttpRequest, filters: Query[AvailabilityFilter]) -> Any:
    """Every bookable start of one session of ``protocol`` in ``[start, end)`` with the resources it gets."""
    staff = require(request, Capability.VIEW_SCHEDULE)
    location = selectors.get_location_for_user(staff, filters.location_id)
    protocol = get_protocol_for_clinic(staff.clinic, filters.protocol)
    practitioner = (
        selectors.get_practitioner_for_user(staff, filters.practitioner_id)
        if filters.practitioner_id is not None
        else None
    )
    choices = selectors.available_starts(
        location, protocol, filters.start, filters.end, practitioner=practitioner
    )
    return [session_out(choice, protocol) for choice in choices]


# --- Series -----------------------------------------------------------------------------------------------


@router.post("/series/proposal", response={200: ProposalOut})
def propose_series(request: HttpRequest, payload: ProposalIn) -> Any:
    """The planner's best series from ``earliest``, and the patient's screening for it (not stored)."""
    staff = require(request, Capability.VIEW_SCHEDULE, Capability.SCREEN)
    patient = get_patient_for_user(staff, payload.patient_id)
    location = selectors.get_location_for_user(staff, payload.location_id)
    protocol = get_protocol_for_clinic(staff.clinic, payload.protocol)
    practitioner = (
        selectors.get_practitioner_for_user(staff, payload.practitioner_id)
        if payload.practitioner_id is not None
        else None
    )
    proposal = selectors.propose_series(
        location,
        protocol,
        earliest=payload.earliest,
        same_practitioner=payload.same_practitioner,
        practitioner=practitioner,
    )
    first: datetime = proposal.sessions[0].start if proposal.feasible else payload.earliest
    day = local_day(first, location.timezone)
    history, spec = patient_history(patient), protocol_spec(protocol)
    screening = screen(
        history,
        spec,
        on=day,
        rules=rule_table_for_clinic(staff.clinic),
        translate=gettext,
        ingredient_names=allergen_names(staff.clinic, history, spec),
    )
    return {
        "feasible": proposal.feasible,
        "reason": proposal.reason,
        "sessions": [session_out(s, protocol) for s in proposal.sessions],
        "screening": screening.as_dict(),
    }


@router.post("/series", response={201: CourseOut, **CONFLICT})
def book_series(request: HttpRequest, payload: SeriesIn) -> Any:
    """Book every session of a course at once (screening first), or nothing: 409 says why."""
    staff = require(request, Capability.BOOK, Capability.SCREEN)
    patient = get_patient_for_user(staff, payload.patient_id)
    location = selectors.get_location_for_user(staff, payload.location_id)
    protocol = get_protocol_for_clinic(staff.clinic, payload.protocol)
    resources = _Resources(staff)
    sessions = [
        SessionChoice(
            start=s.start,
            practitioner=resources.practitioner(s.practitioner_id),
            room=resources.room(s.room_id),
            device=resources.device(s.device_id),
        )
        for s in payload.sessions
    ]
    course = services.book_series(
        patient,
        protocol,
        location,
        sessions,
        actor=request.user,
        override_reason=payload.override_reason,
    )
    appointments = selectors.appointments_for_clinic(staff.clinic).filter(course=course)
    return Status(
        201,
        {
            "id": course.pk,
            "patient_id": course.patient_id,
            "protocol": protocol.slug,
            "modality": course.modality,
            "sessions": course.sessions,
            "interval_days": course.interval_days,
            "tolerance_days": course.tolerance_days,
            "status": course.status,
            "appointments": list(appointments.order_by("session_index")),
        },
    )


# --- Appointments -----------------------------------------------------------------------------------------


@router.get("/appointments", response={200: list[AppointmentOut]})
@paginate(LimitOffsetPagination)
def list_appointments(request: HttpRequest, filters: Query[AppointmentFilter]) -> Any:
    """The location's appointments overlapping ``[start, end)``, by start; cancelled ones included."""
    staff = require(request, Capability.VIEW_SCHEDULE)
    location = selectors.get_location_for_user(staff, filters.location_id)
    appointments = selectors.appointments_between(location, filters.start, filters.end)
    if filters.status is not None:
        appointments = appointments.filter(status=filters.status)
    return appointments


@router.get("/patients/{patient_id}/appointments", response={200: list[AppointmentOut]})
@paginate(LimitOffsetPagination)
def list_patient_appointments(request: HttpRequest, patient_id: int) -> Any:
    """Every appointment of one patient (cancelled ones and no-shows too), latest start first."""
    staff = require(request, Capability.VIEW_SCHEDULE)
    return selectors.appointments_for_patient(get_patient_for_user(staff, patient_id))


@router.get("/appointments/{appointment_id}", response={200: AppointmentOut})
def get_appointment(request: HttpRequest, appointment_id: int) -> Any:
    staff = require(request, Capability.VIEW_SCHEDULE)
    return selectors.get_appointment_for_user(staff, appointment_id)


@router.post("/appointments/{appointment_id}/cancel", response={200: AppointmentOut, **CONFLICT})
def cancel_appointment(request: HttpRequest, appointment_id: int, payload: CancelIn) -> Any:
    staff = require(request, Capability.BOOK)
    appointment = selectors.get_appointment_for_user(staff, appointment_id)
    services.cancel_appointment(appointment, reason=payload.reason, actor=request.user)
    return appointment


@router.post("/appointments/{appointment_id}/check-in", response={200: AppointmentOut, **CONFLICT})
def check_in(request: HttpRequest, appointment_id: int) -> Any:
    staff = require(request, Capability.BOOK)
    appointment = selectors.get_appointment_for_user(staff, appointment_id)
    services.check_in(appointment, actor=request.user)
    return appointment


@router.post("/appointments/{appointment_id}/no-show", response={200: AppointmentOut, **CONFLICT})
def mark_no_show(request: HttpRequest, appointment_id: int) -> Any:
    staff = require(request, Capability.BOOK)
    appointment = selectors.get_appointment_for_user(staff, appointment_id)
    services.mark_no_show(appointment, actor=request.user)
    return appointment


@router.post("/appointments/{appointment_id}/treated-elsewhere", response={200: AppointmentOut, **CONFLICT})
def record_treated_elsewhere(request: HttpRequest, appointment_id: int, payload: TreatedElsewhereIn) -> Any:
    """A physician completes a visit that has no session record here, with the reason (audited).

    Otherwise an appointment is completed only by signing its session record (``/sessions/{id}/sign``).
    """
    staff = require(request, Capability.RECORD_TREATED_ELSEWHERE)
    appointment = selectors.get_appointment_for_user(staff, appointment_id)
    services.record_treated_elsewhere(appointment, reason=payload.reason, actor=request.user)
    return appointment


@router.post("/appointments/{appointment_id}/reschedule", response={200: AppointmentOut, **CONFLICT})
def reschedule_appointment(request: HttpRequest, appointment_id: int, payload: RescheduleIn) -> Any:
    """Move one booked session, optionally to another practitioner, room or device of the clinic."""
    staff = require(request, Capability.BOOK)
    appointment = selectors.get_appointment_for_user(staff, appointment_id)
    resources = _Resources(staff)
    services.reschedule_appointment(
        appointment,
        start=payload.start,
        actor=request.user,
        practitioner=(
            resources.practitioner(payload.practitioner_id) if payload.practitioner_id is not None else None
        ),
        room=resources.room(payload.room_id) if payload.room_id is not None else None,
        device=resources.device(payload.device_id),
    )
    return appointment


# --- A practitioner's extra hours and time off --------------------------------------------------------------
# Read with view_schedule; written by whoever keeps the diary (book). A practitioner or location of another
# clinic is a 404; an empty, inverted or overlong interval is a 422.


@router.get("/practitioners/{practitioner_id}/extra-hours", response={200: list[ExtraHoursOut]})
@paginate(LimitOffsetPagination)
def list_extra_hours(request: HttpRequest, practitioner_id: int, filters: Query[IntervalFilter]) -> Any:
    """The practitioner's extra hours at every location, by start."""
    staff = require(request, Capability.VIEW_SCHEDULE)
    practitioner = selectors.get_practitioner_for_user(staff, practitioner_id)
    return selectors.extra_hours_of(practitioner, ends_after=filters.ends_after)


@router.post("/practitioners/{practitioner_id}/extra-hours", response={201: ExtraHoursOut})
def add_extra_hours(request: HttpRequest, practitioner_id: int, payload: ExtraHoursIn) -> Any:
    """Let the practitioner be booked at a location besides their weekly hours (a Saturday clinic).

    Sessions still need the location open (its opening hours, no holiday) and a free room and device.
    """
    staff = require(request, Capability.BOOK)
    practitioner = selectors.get_practitioner_for_user(staff, practitioner_id)
    location = selectors.get_location_for_user(staff, payload.location_id)
    extra = services.add_extra_hours(
        practitioner,
        location,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        reason=payload.reason,
        actor=request.user,
    )
    return Status(201, extra)


@router.delete("/practitioners/{practitioner_id}/extra-hours/{extra_hours_id}", response={204: None})
def remove_extra_hours(request: HttpRequest, practitioner_id: int, extra_hours_id: int) -> Any:
    """Delete extra hours. Sessions already booked in them stay booked."""
    staff = require(request, Capability.BOOK)
    practitioner = selectors.get_practitioner_for_user(staff, practitioner_id)
    extra = selectors.get_extra_hours_for_user(staff, practitioner, extra_hours_id)
    services.remove_extra_hours(extra, actor=request.user)
    return Status(204, None)


@router.get("/practitioners/{practitioner_id}/time-off", response={200: list[TimeOffOut]})
@paginate(LimitOffsetPagination)
def list_time_off(request: HttpRequest, practitioner_id: int, filters: Query[IntervalFilter]) -> Any:
    """The practitioner's time off, by start."""
    staff = require(request, Capability.VIEW_SCHEDULE)
    practitioner = selectors.get_practitioner_for_user(staff, practitioner_id)
    return selectors.time_off_of(practitioner, ends_after=filters.ends_after)


@router.post("/practitioners/{practitioner_id}/time-off", response={201: TimeOffOut})
def add_time_off(request: HttpRequest, practitioner_id: int, payload: TimeOffIn) -> Any:
    """Make the practitioner unbookable at every location for a while. Booked sessions stay booked."""
    staff = require(request, Capability.BOOK)
    practitioner = selectors.get_practitioner_for_user(staff, practitioner_id)
    off = services.add_time_off(
        practitioner,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        reason=payload.reason,
        actor=request.user,
    )
    return Status(201, off)


@router.delete("/practitioners/{practitioner_id}/time-off/{time_off_id}", response={204: None})
def remove_time_off(request: HttpRequest, practitioner_id: int, time_off_id: int) -> Any:
    staff = require(request, Capability.BOOK)
    practitioner = selectors.get_practitioner_for_user(staff, practitioner_id)
    off = selectors.get_time_off_for_user(staff, practitioner, time_off_id)
    services.remove_time_off(off, actor=request.user)
    return Status(204, None)


# --- Private calendar feeds -------------------------------------------------------------------------------

_MAY_NOT_PUBLISH = "Only the clinic owner publishes the diaries of rooms, devices and other people."


@router.get("/feeds", response={200: list[CalendarFeedOut]})
def list_feeds(request: HttpRequest) -> Any:
    """The clinic's feeds for its owner; a practitioner's own feeds for them. Never their URLs."""
    staff = require(request, Capability.VIEW_SCHEDULE)
    feeds = list(selectors.calendar_feeds_for_user(staff))
    names = selectors.feed_resource_names(feeds)
    return [feed_out(feed, names) for feed in feeds]


@router.post("/feeds", response={201: CalendarFeedCreatedOut})
def create_feed(request: HttpRequest, payload: CalendarFeedIn) -> Any:
    """A private iCalendar feed URL for a practitioner, room or device. The URL is shown this once."""
    staff = require(request, Capability.VIEW_SCHEDULE)
    resource = selectors.get_feed_resource_for_user(staff, payload.kind, payload.object_id)
    if not selectors.may_manage_calendar_feed(staff, payload.kind, resource.pk):
        raise PermissionDenied(_MAY_NOT_PUBLISH)
    feed, token = services.create_calendar_feed(
        staff.clinic, kind=payload.kind, object_id=resource.pk, actor=request.user
    )
    url = request.build_absolute_uri(reverse("calendar_feeds:feed", kwargs={"token": token}))
    return Status(201, {**feed_out(feed, selectors.feed_resource_names([feed])), "url": url})


@router.delete("/feeds/{feed_id}", response={204: None})
def revoke_feed(request: HttpRequest, feed_id: int) -> Any:
    """Revoke a feed: its URL answers 404 from now on."""
    staff = require(request, Capability.VIEW_SCHEDULE)
    feed = selectors.get_calendar_feed_for_user(staff, feed_id)
    if not selectors.may_manage_calendar_feed(staff, feed.kind, feed.object_id):
        raise PermissionDenied(_MAY_NOT_PUBLISH)
    services.revoke_calendar_feed(feed, actor=request.user)
    return Status(204, None)


def _alert_out(alert: ScreeningAlert) -> dict[str, Any]:
    return {
        "id": alert.pk,
        "appointment_id": alert.appointment_id,
        "patient_id": alert.appointment.patient_id,
        "practitioner_id": alert.appointment.practitioner_id,
        "starts_at": alert.appointment.starts_at,
        "decision_before": alert.decision_before,
        "decision_after": alert.decision_after,
        "findings": alert.findings,
        "advice": alert.advice,
        "created_at": alert.created_at,
        "resolved_at": alert.resolved_at,
        "resolution": alert.resolution,
    }


@router.get("/screening-alerts", response={200: list[ScreeningAlertOut]})
def screening_alerts(request: HttpRequest) -> Any:
    """Booked appointments whose screening got worse after a history change, not yet handled."""
    staff = require(request, Capability.VIEW_SCHEDULE)
    return [_alert_out(alert) for alert in selectors.open_screening_alerts(staff.clinic)[:200]]


@router.post(
    "/appointments/{appointment_id}/screening-alerts/resolve", response={200: list[ScreeningAlertOut]}
)
def resolve_screening_alerts(
    request: HttpRequest, appointment_id: int, payload: ResolveScreeningAlertIn
) -> Any:
    """Say what was done about the appointment's changed screening; answers the alerts it resolved."""
    staff = require(request, Capability.BOOK)
    appointment = selectors.get_appointment_for_user(staff, appointment_id)
    return [
        _alert_out(services.resolve_screening_alert(alert, resolution=payload.resolution, actor=request.user))
        for alert in selectors.open_screening_alerts(staff.clinic, appointment=appointment)
    ]

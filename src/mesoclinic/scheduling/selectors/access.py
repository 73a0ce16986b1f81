"""Access helpers: the only way the screens, the API and the feeds fetch scheduling rows by id.

Each is scoped to the staff member's clinic; another clinic's row is a 404, indistinguishable from one
that does not exist. Also the plain lists of a clinic's rows (rooms, devices, holidays, hours).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from mesoclinic.accounts.models import Location, Role, StaffMember
from mesoclinic.ids import pk_or_404
from mesoclinic.scheduling.models import (
    Appointment,
    AppointmentStatus,
    Course,
    Device,
    DeviceDowntime,
    ExtraHours,
    Holiday,
    Room,
    TimeOff,
    WorkingHours,
)


def _one_or_404(staff: StaffMember | None, rows: Any, row_id: Any) -> Any:
    """The row ``row_id`` of ``rows(clinic_id)`` (a queryset already scoped to the caller's clinic), or 404:
    no caller, a malformed id and another clinic's row all look like a row that does not exist."""
    if staff is None:
        raise Http404
    found = rows(staff.clinic_id).filter(pk=pk_or_404(row_id)).first()
    if found is None:
        raise Http404
    return found


def _owned_or_404(staff: StaffMember | None, owner: Any, rows: QuerySet[Any], row_id: Any) -> Any:
    """The row ``row_id`` of ``rows`` (the time off, extra hours, downtime or holidays of ``owner``, a
    practitioner, device or location already fetched for ``staff``'s clinic), or 404."""
    if staff is None or owner.clinic_id != staff.clinic_id:
        raise Http404
    found = rows.filter(pk=pk_or_404(row_id)).first()
    if found is None:
        raise Http404
    return found


def _by_start(rows: QuerySet[Any], ends_after: datetime | None) -> QuerySet[Any]:
    """Time off, extra hours or downtime by start (only those ending after ``ends_after``, if given)."""
    found = rows.order_by("starts_at", "pk")
    return found.filter(ends_at__gt=ends_after) if ends_after is not None else found


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
    """The clinic's appointments as staff see them: held ones (an online visitor's hold, no patient yet) are
    not bookings and never shown."""
    return (
        Appointment.objects.filter(clinic=clinic)
        .exclude(status=AppointmentStatus.HELD)
        .select_related(
            "patient", "protocol__modality", "practitioner", "room", "device", "location", "course"
        )
    )


def held_appointments(clinic_id: int, ids: Any) -> QuerySet[Appointment]:
    """Held appointments (an online visitor's hold) among ``ids``, of the clinic."""
    return Appointment.objects.filter(clinic_id=clinic_id, pk__in=list(ids), status=AppointmentStatus.HELD)


def appointments_for_patient(patient: Any) -> QuerySet[Appointment]:
    """Every appointment of the patient (cancelled and no-shows too), latest start first, with its series."""
    return (
        appointments_for_clinic(patient.clinic_id)
        .filter(patient=patient)
        .select_related("session_record")
        .order_by("-starts_at", "-id")
    )


def practitioners_for_clinic(clinic: Any) -> QuerySet[StaffMember]:
    """Active staff who perform treatments (physicians and practitioners), by name."""
    return StaffMember.objects.filter(
        clinic=clinic, is_active=True, role__in=[Role.PHYSICIAN, Role.PRACTITIONER]
    ).order_by("display_name", "pk")


def get_practitioner_for_user(staff: StaffMember | None, practitioner_id: Any) -> StaffMember:
    """An active physician or practitioner of the caller's clinic, or 404."""
    found: StaffMember = _one_or_404(staff, practitioners_for_clinic, practitioner_id)
    return found


def extra_hours_of(practitioner: StaffMember, *, ends_after: datetime | None = None) -> QuerySet[ExtraHours]:
    """A practitioner's extra hours at every location, by start (those ending after ``ends_after``)."""
    return _by_start(ExtraHours.objects.filter(staff=practitioner), ends_after)


def time_off_of(practitioner: StaffMember, *, ends_after: datetime | None = None) -> QuerySet[TimeOff]:
    """A practitioner's time off, by start (those ending after ``ends_after``)."""
    return _by_start(TimeOff.objects.filter(staff=practitioner), ends_after)


def get_extra_hours_for_user(
    staff: StaffMember | None, practitioner: StaffMember, extra_id: Any
) -> ExtraHours:
    """Extra hours of ``practitioner`` (already fetched for ``staff``'s clinic), or 404."""
    rows = extra_hours_of(practitioner).select_related("staff", "location")
    found: ExtraHours = _owned_or_404(staff, practitioner, rows, extra_id)
    return found


def get_time_off_for_user(staff: StaffMember | None, practitioner: StaffMember, off_id: Any) -> TimeOff:
    """Time off of ``practitioner`` (already fetched for ``staff``'s clinic), or 404."""
    found: TimeOff = _owned_or_404(
        staff, practitioner, time_off_of(practitioner).select_related("staff"), off_id
    )
    return found


def get_room_for_user(staff: StaffMember | None, room_id: Any) -> Room:
    """A room of the caller's clinic, or 404 (another clinic's room does not exist for this one)."""
    found: Room = _one_or_404(staff, lambda clinic_id: Room.objects.filter(clinic_id=clinic_id), room_id)
    return found


def get_device_for_user(staff: StaffMember | None, device_id: Any) -> Device:
    """A device of the caller's clinic, or 404."""
    found: Device = _one_or_404(
        staff, lambda clinic_id: Device.objects.filter(clinic_id=clinic_id), device_id
    )
    return found


def get_course_for_user(staff: StaffMember | None, course_id: Any) -> Course:
    """The course ``course_id`` of the staff member's clinic, with its patient, protocol and recall; else 404."""
    course: Course = _one_or_404(
        staff,
        lambda clinic_id: Course.objects.filter(clinic_id=clinic_id).select_related(
            "patient", "protocol__modality", "recall"
        ),
        course_id,
    )
    return course


def course_appointments(clinic: Any, course_id: Any) -> list[Appointment]:
    """Every appointment of a course in the clinic (cancelled ones too), by session; empty if none."""
    try:
        pk = int(course_id)
    except (TypeError, ValueError):
        return []
    return list(appointments_for_clinic(clinic).filter(course_id=pk).order_by("session_index", "starts_at"))


def holidays_of(location: Location, *, year: int | None = None) -> QuerySet[Holiday]:
    found = Holiday.objects.filter(location=location).order_by("date")
    return found.filter(date__year=year) if year is not None else found


def get_holiday_for_user(staff: StaffMember | None, location: Location, holiday_id: Any) -> Holiday:
    """A holiday of ``location`` (already fetched for ``staff``'s clinic), or 404."""
    rows = holidays_of(location).select_related("location__clinic")
    found: Holiday = _owned_or_404(staff, location, rows, holiday_id)
    return found


def rooms_of_clinic(clinic: Any) -> QuerySet[Room]:
    """Every room of the clinic, in use or not, by location and name."""
    return Room.objects.filter(clinic=clinic).select_related("location").order_by("location__name", "name")


def devices_of_clinic(clinic: Any) -> QuerySet[Device]:
    return Device.objects.filter(clinic=clinic).select_related("location").order_by("location__name", "name")


def downtime_of(device: Device, *, ends_after: datetime | None = None) -> QuerySet[DeviceDowntime]:
    return _by_start(DeviceDowntime.objects.filter(device=device), ends_after)


def get_downtime_for_user(staff: StaffMember | None, device: Device, downtime_id: Any) -> DeviceDowntime:
    """Downtime of ``device`` (already fetched for ``staff``'s clinic), or 404."""
    rows = downtime_of(device).select_related("device__clinic")
    found: DeviceDowntime = _owned_or_404(staff, device, rows, downtime_id)
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
            clinic_id=staff.clinic_id, role__in=[Role.PHYSICIAN, Role.PRACTITIONER], pk=pk_or_404(member_id)
        )
        .select_related("clinic")
        .first()
    )
    if found is None:
        raise Http404
    return found

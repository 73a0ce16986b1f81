"""Scheduling API schemas: locations and their resources, free starts, series proposals and bookings,
appointments and their life, private calendar feeds.

Every datetime sent to the API must carry its UTC offset (``2031-03-03T09:00:00+01:00``): a naive time
is ambiguous around DST changes and is refused with 422. Answers are in UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, ClassVar, Literal

from ninja import Schema
from pydantic import AfterValidator, AwareDatetime, Field, model_validator

from mesoclinic.safety.schemas import FindingOut

MAX_AVAILABILITY_DAYS = 62
MAX_LIST_DAYS = 366

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)


def _schedulable(value: datetime) -> datetime:
    """In UTC, and within the years a clinic's calendar can hold: a year such as 0001 or 9999 overflows the
    arithmetic of days and time zones, and 1900 falls before the zones' modern offsets."""
    if not EARLIEST <= value < LATEST:
        raise ValueError("must be between 2000-01-01 and 2099-12-31")
    return value.astimezone(UTC)


#: A moment the schedule can hold: with its UTC offset, between 2000-01-01 and 2099-12-31.
When = Annotated[
    AwareDatetime,
    AfterValidator(_schedulable),
    Field(description="With its UTC offset; between 2000-01-01 and 2099-12-31."),
]

AppointmentStatusCode = Literal["booked", "checked_in", "completed", "cancelled", "no_show"]
AppointmentCompletionCode = Literal["signed_record", "elsewhere", "imported", "unrecorded"]
FeedKind = Literal["practitioner", "room", "device"]


class RoomOut(Schema):
    id: int
    name: str
    modalities: list[str]
    is_active: bool


class DeviceOut(Schema):
    id: int
    name: str
    modality: str
    manufacturer: str
    model_name: str
    is_active: bool


class PractitionerOut(Schema):
    id: int
    display_name: str
    title: str
    role: str
    modalities: list[str]


class LocationOut(Schema):
    id: int
    name: str
    timezone: str
    address: str
    rooms: list[RoomOut]
    devices: list[DeviceOut]
    practitioners: list[PractitionerOut] = Field(
        description="Physicians and practitioners with working hours at this location."
    )


class _Window(Schema):
    start: When
    end: When

    max_days: ClassVar[int] = MAX_LIST_DAYS

    @model_validator(mode="after")
    def ordered_and_bounded(self) -> _Window:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        if self.end - self.start > timedelta(days=self.max_days):
            raise ValueError(f"the window may span at most {self.max_days} days")
        return self


class AvailabilityFilter(_Window):
    location_id: int
    protocol: str = Field(description="Protocol slug, e.g. electroporation-glow.")
    practitioner_id: int | None = None

    max_days: ClassVar[int] = MAX_AVAILABILITY_DAYS


class AppointmentFilter(_Window):
    location_id: int
    status: AppointmentStatusCode | None = None


class BookableSessionOut(Schema):
    """One bookable session: when, and who/where/which device. Post it back as a ``SessionIn``."""

    start: datetime
    end: datetime
    practitioner_id: int
    practitioner: str
    room_id: int
    room: str
    device_id: int | None
    device: str | None


class ScreeningPreviewOut(Schema):
    decision: Literal["ok", "warn", "history_needed", "block"]
    findings: list[FindingOut]


class ProposalIn(Schema):
    patient_id: int
    protocol: str = Field(description="Protocol slug.")
    location_id: int
    earliest: When
    same_practitioner: bool = True
    practitioner_id: int | None = None


class ProposalOut(Schema):
    feasible: bool
    reason: str = Field(description="Why no series fits, when none does.")
    sessions: list[BookableSessionOut]
    screening: ScreeningPreviewOut = Field(
        description="The patient screened for the first session's day (or the earliest day); not stored."
    )


class SessionIn(Schema):
    start: When
    practitioner_id: int
    room_id: int
    device_id: int | None = None


class SeriesIn(Schema):
    patient_id: int
    protocol: str = Field(description="Protocol slug.")
    location_id: int
    sessions: list[SessionIn] = Field(min_length=1, max_length=20)
    override_reason: str = Field(
        "", max_length=500, description="A physician's reason to book despite a blocking screening finding."
    )


class RefOut(Schema):
    id: int
    name: str


class AppointmentOut(Schema):
    id: int
    location_id: int
    patient: RefOut
    protocol: str
    modality: str
    course_id: int | None
    session_index: int
    practitioner: RefOut
    room: RefOut
    device: RefOut | None
    starts_at: datetime
    ends_at: datetime
    blocked_until: datetime
    status: AppointmentStatusCode
    status_changed_at: datetime | None
    cancel_reason: str
    completion: AppointmentCompletionCode | Literal[""] = Field(
        description="How a completed appointment was completed: signed_record (its session record was "
        "signed), elsewhere (a physician recorded it as treated elsewhere or on paper, with "
        "completion_reason), imported (from another system), unrecorded (marked completed before a signed "
        "record was required; not counted as a session done). Empty unless completed."
    )
    completion_reason: str
    notes: str

    # Read from an ``Appointment`` fetched by ``appointments_for_clinic`` (its relations are selected).
    @staticmethod
    def resolve_patient(obj: Any) -> dict[str, Any]:
        return {"id": obj.patient_id, "name": obj.patient.full_name}

    @staticmethod
    def resolve_protocol(obj: Any) -> str:
        return str(obj.protocol.slug)

    @staticmethod
    def resolve_modality(obj: Any) -> str:
        return str(obj.protocol.modality.code)

    @staticmethod
    def resolve_practitioner(obj: Any) -> dict[str, Any]:
        return {"id": obj.practitioner_id, "name": obj.practitioner.display_name}

    @staticmethod
    def resolve_room(obj: Any) -> dict[str, Any]:
        return {"id": obj.room_id, "name": obj.room.name}

    @staticmethod
    def resolve_device(obj: Any) -> dict[str, Any] | None:
        return {"id": obj.device_id, "name": obj.device.name} if obj.device_id else None


class CourseOut(Schema):
    id: int
    patient_id: int
    protocol: str
    modality: str
    sessions: int
    interval_days: int
    tolerance_days: int
    status: str
    appointments: list[AppointmentOut]


class CancelIn(Schema):
    reason: str = Field(min_length=1, max_length=200)


class TreatedElsewhereIn(Schema):
    reason: str = Field(
        min_length=1,
        max_length=500,
        description="Why the visit has no session record here: treated elsewhere, recorded on paper...",
    )


class RescheduleIn(Schema):
    start: When
    practitioner_id: int | None = None
    room_id: int | None = None
    device_id: int | None = None


class BookingErrorOut(Schema):
    detail: str
    findings: list[FindingOut] = []


class CalendarFeedIn(Schema):
    kind: FeedKind
    object_id: int


class CalendarFeedOut(Schema):
    id: int
    kind: FeedKind
    object_id: int
    name: str = Field(description="The practitioner's, room's or device's name.")
    created_at: datetime
    revoked_at: datetime | None


class CalendarFeedCreatedOut(CalendarFeedOut):
    url: str = Field(description="The private feed URL. Shown once: only its hash is stored.")


# --- A practitioner's extra hours and time off ------------------------------------------------------------

MAX_EXTRA_HOURS = 24  # models.ExtraHours.MAX_LENGTH_HOURS
MAX_TIME_OFF_DAYS = 366


class _Interval(Schema):
    starts_at: When
    ends_at: When
    reason: str = Field("", max_length=200)

    max_length: ClassVar[timedelta] = timedelta(days=MAX_TIME_OFF_DAYS)

    @model_validator(mode="after")
    def ordered_and_bounded(self) -> _Interval:
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        if self.ends_at - self.starts_at > self.max_length:
            raise ValueError(f"the interval may last at most {_words(self.max_length)}")
        return self


def _words(span: timedelta) -> str:
    return f"{span.days} days" if span.days else f"{span.seconds // 3600} hours"


class ExtraHoursIn(_Interval):
    """Time a practitioner works at a location besides their weekly hours (the location must be open)."""

    location_id: int

    max_length: ClassVar[timedelta] = timedelta(hours=MAX_EXTRA_HOURS)


class TimeOffIn(_Interval):
    """Time a practitioner cannot be booked anywhere: leave, training, an appointment of their own."""


class IntervalFilter(Schema):
    # In UTC: PostgreSQL refuses offsets beyond ±16 h that Python accepts (schemathesis found the 500).
    ends_after: When | None = Field(None, description="Only those ending after this moment.")


class TimeOffOut(Schema):
    id: int
    practitioner_id: int
    starts_at: datetime
    ends_at: datetime
    reason: str

    @staticmethod
    def resolve_practitioner_id(obj: Any) -> int:
        return int(obj.staff_id)


class ExtraHoursOut(TimeOffOut):
    """Time off's fields and the location the extra hours are at."""

    location_id: int


class ScreeningAlertOut(Schema):
    """A booked appointment whose screening got worse when the patient's history changed."""

    id: int
    appointment_id: int
    patient_id: int
    practitioner_id: int
    starts_at: datetime
    decision_before: Literal["ok", "warn", "history_needed", "block"]
    decision_after: Literal["ok", "warn", "history_needed", "block"]
    findings: list[FindingOut] = Field(description="The findings that made it worse.")
    advice: str = Field(description="What the receptionist should do, in plain words.")
    created_at: datetime
    resolved_at: datetime | None
    resolution: str


class ResolveScreeningAlertIn(Schema):
    resolution: str = Field(
        min_length=1,
        max_length=300,
        pattern=r"\S",
        description="What was done (called the patient, booked a consultation, told the practitioner).",
    )

"""Bookable resources and appointments.

Practitioners are staff members (``accounts.StaffMember``) with weekly working hours per location, plus
extra hours on given dates; rooms and devices follow their location's opening hours. Time off, holidays
and device downtime make them busy.
An appointment holds its practitioner, room and device from ``starts_at`` to ``blocked_until`` (the end
plus the cleaning buffer); the database itself refuses two active appointments that overlap on any of
them (see migration ``0003``).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mesoclinic.catalog.models import MAX_BUFFER_MINUTES, MAX_SESSION_MINUTES

if TYPE_CHECKING:
    from mesoclinic.patients.models import Patient


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class WeeklySpan(models.Model):
    """A span of wall-clock time on one weekday, half-open ``[starts, ends)``."""

    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    starts = models.TimeField()
    ends = models.TimeField()

    class Meta:
        abstract = True
        ordering = ["weekday", "starts"]

    def clean(self) -> None:
        if self.starts is not None and self.ends is not None and self.ends <= self.starts:
            raise ValidationError({"ends": _("The end must be after the start.")})


class OpeningHours(WeeklySpan):
    """When a location is open; rooms and devices there can be booked in these hours."""

    location = models.ForeignKey("accounts.Location", on_delete=models.CASCADE, related_name="opening_hours")

    class Meta(WeeklySpan.Meta):
        verbose_name_plural = "opening hours"
        constraints = [
            models.CheckConstraint(condition=Q(ends__gt=F("starts")), name="opening_hours_positive")
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.starts:%H:%M}-{self.ends:%H:%M}"


class Holiday(models.Model):
    """A day the location is closed."""

    location = models.ForeignKey("accounts.Location", on_delete=models.CASCADE, related_name="holidays")
    date = models.DateField()
    name = models.CharField(max_length=100)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["location", "date"], name="holiday_once_per_day")]
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"

    def unique_error_message(
        self, model_class: type[models.Model], unique_check: Sequence[str]
    ) -> ValidationError:
        """Django's own message names the model and fields in English ("Holiday with this ...")."""
        return ValidationError(_("This location already has a holiday on that day."), code="unique_together")


class WorkingHours(WeeklySpan):
    """When a practitioner works at a location, each week."""

    staff = models.ForeignKey("accounts.StaffMember", on_delete=models.CASCADE, related_name="working_hours")
    location = models.ForeignKey("accounts.Location", on_delete=models.CASCADE, related_name="working_hours")

    class Meta(WeeklySpan.Meta):
        verbose_name_plural = "working hours"
        constraints = [
            models.CheckConstraint(condition=Q(ends__gt=F("starts")), name="working_hours_positive")
        ]

    def __str__(self) -> str:
        return f"{self.staff} {self.get_weekday_display()} {self.starts:%H:%M}-{self.ends:%H:%M}"


class Interval(models.Model):
    """A span of time with a reason, the one shape of time off, extra hours and a device's downtime: each
    adds whose time it is and a check constraint that the end is after the start (named per table)."""

    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        abstract = True

    def clean(self) -> None:
        if self.starts_at is not None and self.ends_at is not None and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("The end must be after the start.")})

    def audit_span(self) -> dict[str, str]:
        """Its start and end as an audit row records them."""
        return {"starts_at": self.starts_at.isoformat(), "ends_at": self.ends_at.isoformat()}


class TimeOff(Interval):
    """An exception to a practitioner's weekly hours: leave, training, a long lunch."""

    staff = models.ForeignKey("accounts.StaffMember", on_delete=models.CASCADE, related_name="time_off")

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="time_off_positive")
        ]
        indexes = [models.Index(fields=["staff", "ends_at"])]

    def __str__(self) -> str:
        return f"{self.staff} off {self.starts_at:%Y-%m-%d %H:%M}"


class ExtraHours(Interval):
    """An exception the other way: a practitioner works this time at this location besides their weekly
    hours (a Saturday clinic, an evening list).

    What can be booked with them is ``weekly hours + extra hours − time off``. Extra hours are the
    practitioner's only: rooms and devices keep the location's opening hours, and holidays still close
    the location, so a session needs the location open as well. Extra hours on a day the location is
    closed therefore book nothing until its opening hours say it opens that day too; this is deliberate,
    since the building being open (reception, a room, a device) is the location's decision, not one
    practitioner's. Time off wins over extra hours where they overlap.
    """

    staff = models.ForeignKey("accounts.StaffMember", on_delete=models.CASCADE, related_name="extra_hours")
    location = models.ForeignKey("accounts.Location", on_delete=models.CASCADE, related_name="extra_hours")

    #: Longer than this is not "extra hours" but a change of weekly hours (and the engine books nothing
    #: longer than a day anyway).
    MAX_LENGTH_HOURS = 24

    class Meta:
        verbose_name_plural = "extra hours"
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="extra_hours_positive")
        ]
        indexes = [models.Index(fields=["location", "ends_at"]), models.Index(fields=["staff", "ends_at"])]

    def __str__(self) -> str:
        return f"{self.staff} extra {self.starts_at:%Y-%m-%d %H:%M}"

    def clean(self) -> None:
        super().clean()
        if self.starts_at is None or self.ends_at is None:
            return
        if self.ends_at - self.starts_at > timedelta(hours=self.MAX_LENGTH_HOURS):
            raise ValidationError(
                {"ends_at": _("Extra hours last at most %(hours)d hours.") % {"hours": self.MAX_LENGTH_HOURS}}
            )


class Room(models.Model):
    """A treatment room at a location, and the modalities it is equipped for."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.CASCADE, related_name="+")
    location = models.ForeignKey("accounts.Location", on_delete=models.CASCADE, related_name="rooms")
    name = models.CharField(max_length=100)
    modalities = models.JSONField(
        default=list, blank=True, help_text=_("Modality codes allowed in this room.")
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["location", "name"], name="room_name_unique_at_location")
        ]
        ordering = ["location__name", "name"]

    def __str__(self) -> str:
        return self.name

    def unique_error_message(
        self, model_class: type[models.Model], unique_check: Sequence[str]
    ) -> ValidationError:
        """Django's own message names the model and fields in English ("Room with this Location and Name...")."""
        return ValidationError(
            _("A room of this name already exists at this location."), code="unique_together"
        )


class Device(models.Model):
    """A needle-free device (electroporation, sonophoresis...) that a session books like a room."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.CASCADE, related_name="+")
    location = models.ForeignKey("accounts.Location", on_delete=models.CASCADE, related_name="devices")
    name = models.CharField(max_length=100)
    modality = models.CharField(max_length=40, help_text=_("Modality code this device delivers."))
    manufacturer = models.CharField(max_length=200, blank=True)
    model_name = models.CharField(_("model"), max_length=200, blank=True)
    serial_number = models.CharField(max_length=100, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["location", "name"], name="device_name_unique_at_location")
        ]
        ordering = ["location__name", "name"]

    def __str__(self) -> str:
        return self.name

    def unique_error_message(
        self, model_class: type[models.Model], unique_check: Sequence[str]
    ) -> ValidationError:
        """Django's own message names the model and fields in English ("Room with this Location and Name...")."""
        return ValidationError(
            _("A device of this name already exists at this location."), code="unique_together"
        )


class DeviceDowntime(Interval):
    """Maintenance or repair: the device cannot be booked."""

    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="downtime")

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="device_downtime_positive")
        ]
        indexes = [models.Index(fields=["device", "ends_at"])]

    def __str__(self) -> str:
        return f"{self.device} down {self.starts_at:%Y-%m-%d}"


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", _("Booked")
    CHECKED_IN = "checked_in", _("Checked in")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    NO_SHOW = "no_show", _("No-show")
    HELD = "held", _("Held online (awaiting the code)")


class AppointmentCompletion(models.TextChoices):
    """How a completed appointment was completed (the values of ``engine.lifecycle.Completion``)."""

    SIGNED_RECORD = "signed_record", _("Session record signed")
    ELSEWHERE = "elsewhere", _("Treated elsewhere / recorded on paper")
    IMPORTED = "imported", _("Imported from another system")
    UNRECORDED = "unrecorded", _("Marked completed without a session record")


class Course(models.Model):
    """A series of sessions of one protocol for one patient.

    The series parameters are copied from the protocol when the course starts, so later edits of the
    catalog never change a running course.
    """

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="courses")
    protocol = models.ForeignKey("catalog.Protocol", on_delete=models.PROTECT, related_name="courses")
    modality = models.CharField(max_length=40)
    sessions = models.PositiveSmallIntegerField()
    interval_days = models.PositiveSmallIntegerField()
    tolerance_days = models.PositiveSmallIntegerField()
    maintenance_interval_months = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        db_table = "treatments_course"  # the table kept its name when courses moved here from treatments
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["clinic", "patient", "status"])]

    def __str__(self) -> str:
        return f"{self.protocol} for patient {self.patient_id}"


class MaintenanceRecall(models.Model):
    """The visit due when a completed series' effect is expected to fade (default six months later)."""

    class Status(models.TextChoices):
        DUE = "due", _("Due")
        BOOKED = "booked", _("Booked")
        DISMISSED = "dismissed", _("Dismissed")

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="recalls")
    course = models.OneToOneField(Course, on_delete=models.PROTECT, related_name="recall")
    due_on = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DUE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "treatments_maintenancerecall"  # kept its name when recalls moved here from treatments
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["clinic", "status", "due_on"])]

    def __str__(self) -> str:
        return f"Maintenance for patient {self.patient_id} due {self.due_on}"


# The longest an appointment may last, start to end, and hold its resources, start to ``blocked_until`` (end
# plus cleaning buffer): a protocol's longest session and buffer (catalog's validators); an imported
# appointment longer than ``LONGEST_SESSION`` is refused. Every query for the appointments that overlap a
# window bounds ``starts_at`` from below with ``LONGEST_HOLD`` too (``overlapping``): the (location |
# resource, starts_at) indexes then read the window's range, not the clinic's whole history before it.
LONGEST_SESSION = timedelta(minutes=MAX_SESSION_MINUTES)
LONGEST_HOLD = timedelta(minutes=MAX_SESSION_MINUTES + MAX_BUFFER_MINUTES)


def overlapping(start: datetime, end: datetime, *, until: str = "ends_at") -> Q:
    """Appointments whose ``[starts_at, until)`` overlaps ``[start, end)`` (``until``: ``ends_at`` for the
    session, ``blocked_until`` with its buffer), bounded on both sides of ``starts_at``."""
    return Q(starts_at__lt=end, starts_at__gt=start - LONGEST_HOLD, **{f"{until}__gt": start})


# Appointments in these states hold their resources; cancelled ones and no-shows free them. A ``held``
# appointment is an online visitor's choice waiting for its e-mailed code: it holds its resources like a
# booked one until ``hold_expires_at`` (then it is released, lazily or by the worker) and belongs to nobody
# yet (no patient, no course), so staff screens, reminders and billing never see it.
HOLDING_STATUSES = (
    AppointmentStatus.BOOKED,
    AppointmentStatus.CHECKED_IN,
    AppointmentStatus.COMPLETED,
    AppointmentStatus.HELD,
)


class AppointmentSource(models.TextChoices):
    DESK = "desk", _("Booked by staff")
    ONLINE = "online", _("Booked online by the patient")


class Appointment(models.Model):
    """One session of a course, with the practitioner, room and (needle-free) device it occupies."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey("accounts.Location", on_delete=models.PROTECT, related_name="appointments")
    patient = models.ForeignKey(
        "patients.Patient",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appointments",
        help_text=_("Empty only while the appointment is held online, before the visitor's code."),
    )
    protocol = models.ForeignKey("catalog.Protocol", on_delete=models.PROTECT, related_name="+")
    course = models.ForeignKey(
        Course, null=True, blank=True, on_delete=models.PROTECT, related_name="appointments"
    )
    session_index = models.PositiveSmallIntegerField(default=1)
    practitioner = models.ForeignKey(
        "accounts.StaffMember", on_delete=models.PROTECT, related_name="appointments"
    )
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="appointments")
    device = models.ForeignKey(
        Device, null=True, blank=True, on_delete=models.PROTECT, related_name="appointments"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    buffer_minutes = models.PositiveSmallIntegerField(
        default=0, help_text=_("Cleaning time after the session.")
    )
    blocked_until = models.DateTimeField(help_text=_("End plus buffer: the resources are held until then."))
    status = models.CharField(
        max_length=12, choices=AppointmentStatus.choices, default=AppointmentStatus.BOOKED
    )
    notes = models.CharField(max_length=500, blank=True)
    source = models.CharField(
        max_length=8,
        choices=AppointmentSource.choices,
        default=AppointmentSource.DESK,
        help_text=_("Where it was booked: by staff, or by the patient online."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status_changed_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=200, blank=True)
    completion = models.CharField(
        max_length=16,
        choices=AppointmentCompletion.choices,
        blank=True,
        help_text=_("How a completed appointment was completed: only a signed session record or a "
                    "physician's \"treated elsewhere\" (with a reason) counts as a session done."),
    )  # fmt: skip
    completion_reason = models.CharField(max_length=500, blank=True)
    sequence = models.PositiveIntegerField(
        default=0,
        help_text=_("Revision of the appointment as calendars see it (iCalendar SEQUENCE): every reschedule "
                    "and status change raises it."),
    )  # fmt: skip
    hold_expires_at = models.DateTimeField(
        null=True, blank=True, help_text=_("A held appointment is released at this moment.")
    )

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="appointment_positive"),
            models.CheckConstraint(
                condition=Q(blocked_until__gte=F("ends_at")), name="appointment_buffer_after"
            ),
            models.CheckConstraint(
                condition=Q(status="held", hold_expires_at__isnull=False)
                | (~Q(status="held") & Q(patient__isnull=False)),
                name="appointment_held_or_of_a_patient",
            ),
        ]
        indexes = [
            models.Index(fields=["clinic", "starts_at"]),
            models.Index(fields=["location", "starts_at"]),
            models.Index(fields=["practitioner", "blocked_until"]),
            models.Index(fields=["room", "blocked_until"]),
            models.Index(fields=["device", "blocked_until"]),
            models.Index(fields=["patient", "starts_at"]),
            models.Index(fields=["status", "hold_expires_at"], name="appointment_hold_expiry"),
        ]

    def __str__(self) -> str:
        return f"{self.starts_at:%Y-%m-%d %H:%M} session {self.session_index} for patient {self.patient_id}"

    @property
    def holds_resources(self) -> bool:
        return self.status in HOLDING_STATUSES

    @property
    def booked_patient(self) -> Patient:
        """The patient: every appointment has one except a held one, which no staff screen shows."""
        if self.patient is None:
            raise ValueError(f"Appointment {self.pk} is held online and has no patient yet.")
        return self.patient


class CalendarFeedKind(models.TextChoices):
    PRACTITIONER = "practitioner", _("Practitioner")
    ROOM = "room", _("Room")
    DEVICE = "device", _("Device")


class CalendarFeed(models.Model):
    """A private iCalendar subscription to one practitioner's, room's or device's appointments.

    Calendar apps cannot sign in, so the random token in the feed's URL is the credential. Only its
    SHA-256 is stored: a copy of the database (a backup, a leaked dump) hands out no working feed URL,
    and the URL is shown once, when the feed is created. Revoking keeps the row for the audit trail.
    """

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=CalendarFeedKind.choices)
    object_id = models.PositiveBigIntegerField(help_text=_("The practitioner's, room's or device's id."))
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["clinic", "kind", "object_id"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.object_id} feed"

    @staticmethod
    def hash_token(token: str) -> str:
        """The stored form of a feed token (hex SHA-256; the token has 256 random bits, no salt needed)."""
        return hashlib.sha256(token.encode()).hexdigest()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


def new_stamp() -> int:
    """A random 62-bit number: tells apart two versions with the same count (a rolled-back bump, or a
    location id reused after a rollback)."""
    return secrets.randbits(62)


class ScheduleVersion(models.Model):
    """A location's schedule version: bumped, in the writing transaction, by every write that changes
    what can be booked there (appointments, hours, holidays, time off, downtime, rooms, devices, staff).

    Availability reads keep each location's free-time index in memory and reuse it while this row is
    unchanged (``selectors``). The bump's ``UPDATE`` also locks the row until commit, so writes that
    change one location's schedule take their turn; services bump *first* in their transaction so that
    every writer takes the locks in the same order.
    """

    location = models.OneToOneField(
        "accounts.Location", on_delete=models.CASCADE, related_name="schedule_version"
    )
    version = models.PositiveBigIntegerField(default=0)
    stamp = models.BigIntegerField(default=new_stamp)
    previous_stamp = models.BigIntegerField(
        default=0, help_text=_("The stamp before the last bump: with version - 1, the token it replaced.")
    )

    def __str__(self) -> str:
        return f"{self.location_id} v{self.version}"


def bump_schedule_versions(**where: object) -> None:
    """Bump the schedule versions matching ``where`` (e.g. ``location_id=3``, ``location__clinic_id=1``).

    Only updates: a location's row is created with the location (or on first read), never here, so a
    bump during a location's cascade delete cannot re-create it. The old stamp is kept in the same
    statement (SQL reads every right-hand side from the row as it was), so a writer that bumped can tell
    exactly which version its write replaced (``selectors.replaced_token``).

    Anything but one location's row is locked first, in location id order (``SELECT ... FOR UPDATE``
    sorted; outside a transaction the one statement is its own): a write may hold several locations' rows at once (a practitioner working at several,
    ``lifecycle.bump_first``), and rows taken in one order by every writer cannot deadlock.
    """
    rows = ScheduleVersion.objects.filter(**where)
    if set(where) != {"location_id"} and not transaction.get_autocommit():
        locked = rows.select_for_update().order_by("location_id").values_list("pk", flat=True)
        rows = ScheduleVersion.objects.filter(pk__in=list(locked))
    rows.update(version=F("version") + 1, previous_stamp=F("stamp"), stamp=new_stamp())


class ScheduleChange(models.Model):
    """One committed write's change to a location's free time, in the order of its schedule versions: the
    change feed that carries a write made in one process to every other process's kept indexes.

    Written in the writing transaction by the services that book, free or move appointments
    (``lifecycle.patch_on_commit``): the write took the location from ``previous_version``/``previous_stamp``
    to ``version``/``stamp`` and did nothing to its schedule but hold the ``added`` intervals and free the
    ``removed`` ones. A process whose kept index is at an older version reads the rows after it (one
    indexed query) and applies them in order as patches (``selectors.index_cache``). Other writes (hours,
    holidays, time off, resources) move the version without a row here: the chain has a gap, and the
    reader rebuilds. Rows older than ``SCHEDULE_CHANGES_KEEP_HOURS`` are pruned by a periodic job; a
    reader that needed them rebuilds too.
    """

    HOLDS = "holds"  # the one kind so far; a reader meeting any other rebuilds

    location = models.ForeignKey("accounts.Location", on_delete=models.CASCADE, related_name="+")
    version = models.PositiveBigIntegerField()
    stamp = models.BigIntegerField()
    previous_version = models.PositiveBigIntegerField()
    previous_stamp = models.BigIntegerField()
    kind = models.CharField(max_length=20, default=HOLDS)
    # Each a list of [practitioner id, room id, device id or null, start ISO, end ISO] (``Hold``).
    added = models.JSONField(default=list)
    removed = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["location", "version"], name="sched_change_loc_version"),
            models.Index(fields=["created_at"], name="sched_change_created"),
        ]

    def __str__(self) -> str:
        return f"{self.location_id} v{self.previous_version}->v{self.version}"


class ScreeningAlert(models.Model):
    """A booked appointment whose screening got worse when the patient's history changed.

    Raised at once by ``services.rescreen_future_appointments`` (the history's change is screened against
    every future appointment of the patient), shown on Today, on the appointment and to its practitioner
    until a member of staff says what was done (``resolution``) or a later change of the history makes it
    no worse than it was at booking.
    """

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    appointment = models.ForeignKey(
        "scheduling.Appointment", on_delete=models.PROTECT, related_name="screening_alerts"
    )
    screening = models.ForeignKey("safety.ScreeningRecord", on_delete=models.PROTECT, related_name="+")
    decision_before = models.CharField(max_length=20)
    decision_after = models.CharField(max_length=20)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolution = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["clinic", "resolved_at"])]

    def __str__(self) -> str:
        return f"Appointment {self.appointment_id}: {self.decision_before} -> {self.decision_after}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None

    @property
    def findings(self) -> list[dict[str, str]]:
        """The findings that made it worse: blocks (and history needed) for a block, else warnings."""
        severe = "block" if self.decision_after in ("block", "history_needed") else "warn"
        return [f for f in self.screening.findings if f.get("severity") == severe]

    @property
    def advice(self) -> str:
        """What the receptionist should do, in plain words."""
        if self.decision_after == "block":
            return str(
                _(
                    "Call the patient before the visit: this treatment is now blocked. Offer a consultation "
                    "with the physician instead, or cancel the appointment; only a physician may override, "
                    "with a reason. Then mark this as handled, saying what was done."
                )
            )
        return str(
            _(
                "Tell the practitioner before the session: screening now asks for care. The appointment can "
                "stay. Mark this as handled once they know."
            )
        )

"""A patient's treatment course (a series from a protocol) and the maintenance recall that follows it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


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
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["clinic", "status", "due_on"])]

    def __str__(self) -> str:
        return f"Maintenance for patient {self.patient_id} due {self.due_on}"

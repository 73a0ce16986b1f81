"""Erasure requests: who asked, when, how and why, and what became of the request.

A request restricts the patient at once (records under the retention period may not be deleted) and the
patient is erased when the retention period has ended. After erasure the request keeps only ids, dates
and the legal basis: the requester's name and the free-text reason are personal data and go too.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    EMAIL = "email", _("E-mail")
    LETTER = "letter", _("Letter")
    PHONE = "phone", _("Phone")
    OTHER = "other", _("Other")


class RequestStatus(models.TextChoices):
    RESTRICTED = "restricted", _("Restricted (kept for the retention period)")
    ERASED = "erased", _("Erased")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ErasureRequest(models.Model):
    """A patient's request to erase their data (GDPR art. 17), handled as the retention law allows."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="erasure_requests",
        help_text=_("Empty once the patient is erased; patient_ref keeps the id."),
    )
    patient_ref = models.PositiveBigIntegerField(help_text=_("The patient's id, kept after erasure."))
    requested_at = models.DateTimeField()
    requested_by = models.CharField(
        max_length=200, blank=True, help_text=_("The patient, or who asked on their behalf.")
    )
    channel = models.CharField(max_length=12, choices=Channel.choices)
    reason = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=12, choices=RequestStatus.choices, default=RequestStatus.RESTRICTED)
    legal_basis = models.CharField(max_length=300, blank=True)
    erased_at = models.DateTimeField(null=True, blank=True)
    erased_counts = models.JSONField(default=dict, blank=True, help_text=_("Rows erased, per table."))

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["clinic", "status"])]

    def __str__(self) -> str:
        return f"Erasure request for patient {self.patient_ref} ({self.status})"

"""Identifiers patients had in other systems, and CSV uploads waiting for their column mapping and import."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ExternalIdentifier(models.Model):
    """A patient's id in another system (a FHIR ``identifier``, a CSV's external id column).

    Appointments imported later find their patient by it, and importing the same person twice is refused.
    """

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="external_identifiers"
    )
    system = models.CharField(max_length=300, help_text=_("The other system: a URI or a short name."))
    value = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["clinic", "system", "value"], name="external_id_unique_in_clinic")
        ]
        ordering = ["system", "value"]

    def __str__(self) -> str:
        return f"{self.system}|{self.value}"


class ImportKind(models.TextChoices):
    PATIENTS = "patients", _("Patients")
    APPOINTMENTS = "appointments", _("Appointments")


class CsvUpload(models.Model):
    """An uploaded CSV file between its upload, the mapping and dry run, and the import.

    The text is kept (decoded) so that the dry run and the import read exactly the same rows; an import
    is done once (``imported_at``) and the file is then emptied, keeping only the counts.
    """

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=ImportKind.choices)
    filename = models.CharField(max_length=200)
    source = models.CharField(
        max_length=100, default="csv", help_text=_("Name of the system the file comes from.")
    )
    text = models.TextField()
    delimiter = models.CharField(max_length=1)
    mapping = models.JSONField(default=dict, blank=True, help_text=_("{field: column header}"))
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    imported_at = models.DateTimeField(null=True, blank=True)
    imported_rows = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["clinic", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} from {self.filename}"

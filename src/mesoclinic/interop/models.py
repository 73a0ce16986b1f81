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


class ImportRunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ImportRun(models.Model):
    """A large import (FHIR Patients, CSV patients or appointments) run by the worker, not the request.

    The payload waits in the project's storage (``payload``), or in the ``upload`` it came from, and is
    deleted when the run ends; the run is still one transaction, so it ends ``done`` with everything saved
    (or, for a dry run, nothing saved and no error), or ``failed`` with nothing saved and the errors by row
    (``result``) or why it could not run (``error``). The outcome is written in the import's own
    transaction: a run is never ``done`` without its rows, nor its rows saved with the run ``running``.
    Progress while it runs is read from the worker's progress note (see ``services``), since the import's
    transaction hides its rows (and anything written beside them) until it commits.
    """

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, help_text=_("fhir-patients, patients or appointments."))
    status = models.CharField(max_length=10, choices=ImportRunStatus.choices, default=ImportRunStatus.QUEUED)
    dry_run = models.BooleanField(default=True)
    total = models.PositiveIntegerField(default=0, help_text=_("Entries or rows to read."))
    processed = models.PositiveIntegerField(default=0, help_text=_("Entries or rows read (when it ended)."))
    payload = models.CharField(max_length=300, blank=True, help_text=_("The file's name in the storage."))
    upload = models.ForeignKey(CsvUpload, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    source = models.CharField(max_length=100, default="csv")
    delimiter = models.CharField(max_length=1, blank=True)
    mapping = models.JSONField(default=dict, blank=True)
    result = models.JSONField(null=True, blank=True, help_text=_("The import's report, as the API gives it."))
    error = models.CharField(max_length=300, blank=True, help_text=_("Why the run could not finish."))
    error_words = models.JSONField(
        default=list,
        blank=True,
        help_text=_("Why, as English templates and their values: shown in each reader's language."),
    )
    job_result_id = models.CharField(max_length=64, blank=True, help_text=_("The worker's job."))
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["clinic", "created_at"])]

    def __str__(self) -> str:
        return f"Import {self.pk} ({self.kind}, {self.status})"

    @property
    def finished(self) -> bool:
        return self.status in {ImportRunStatus.DONE, ImportRunStatus.FAILED}

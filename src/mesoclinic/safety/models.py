"""The clinic's screening rule table and the log of screenings performed."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from mesoclinic.clinical_codes.vocabulary import HISTORY_NEEDED


class ClinicRuleTable(models.Model):
    """The clinic's editable copy of the rule table, in the JSON form ``safety.rules.load_rule_table`` reads.

    Every edit is kept (who, when, the whole previous table).
    """

    clinic = models.OneToOneField("accounts.Clinic", on_delete=models.CASCADE, related_name="rule_table")
    data = models.JSONField()
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"Screening rules of {self.clinic}"


class Decision(models.TextChoices):
    OK = "ok", "OK"
    WARN = "warn", "Caution"
    HISTORY_NEEDED = "history_needed", "History needed"
    BLOCK = "block", "Blocked"


class ScreeningRecord(models.Model):
    """One screening of a patient against a planned treatment, as it was decided at the time."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="screenings")
    protocol = models.ForeignKey(
        "catalog.Protocol", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    modality = models.CharField(max_length=40)
    ingredients = models.JSONField(default=list)
    screened_on = models.DateField()
    decision = models.CharField(max_length=20, choices=Decision.choices)
    findings = models.JSONField(default=list)
    performed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    performed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-performed_at", "-id"]
        indexes = [models.Index(fields=["clinic", "patient", "-performed_at"])]

    def __str__(self) -> str:
        return f"{self.modality} on {self.screened_on}: {self.decision}"

    @property
    def history_needed(self) -> bool:
        """Whether this screening ran against a history that was never taken."""
        return any(finding.get("factor") == HISTORY_NEEDED for finding in self.findings)

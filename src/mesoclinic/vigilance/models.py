"""Adverse events after treatment, and their follow-ups (DESIGN.md §4, "Adverse events").

An event may be reported weeks after the session (atypical mycobacterial infections appear 1–12 weeks
later); it links to the session(s) and lots in question so that a lot's recall and a regulator's
report can be answered from it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class EventCategory(models.TextChoices):
    PAIN = "pain", _("Pain")
    ERYTHEMA = "erythema", _("Erythema (redness)")
    OEDEMA = "oedema", _("Oedema (swelling)")
    BRUISING = "bruising", _("Bruising / haematoma")
    PRURITUS = "pruritus", _("Pruritus (itching)")
    PERSISTENT_PAPULES = "persistent_papules", _("Persistent papules")
    BACTERIAL_INFECTION = "bacterial_infection", _("Bacterial infection")
    ATYPICAL_MYCOBACTERIAL_INFECTION = (
        "atypical_mycobacterial_infection",
        _("Atypical mycobacterial infection"),
    )
    ABSCESS_NODULE = "abscess_nodule", _("Abscess / nodule")
    GRANULOMA = "granuloma", _("Granuloma")
    ALLERGIC_REACTION = "allergic_reaction", _("Allergic reaction / urticaria")
    SYSTEMIC_HYPERSENSITIVITY = "systemic_hypersensitivity", _("Systemic hypersensitivity")
    HYPERPIGMENTATION = "hyperpigmentation", _("Hyperpigmentation")
    HYPOPIGMENTATION = "hypopigmentation", _("Hypopigmentation")
    NECROSIS = "necrosis", _("Necrosis")
    SCARRING = "scarring", _("Scarring")
    CONTOUR_DEFORMITY = "contour_deformity", _("Contour deformity")
    VASCULAR_EVENT = "vascular_event", _("Vascular event")
    HERPES_REACTIVATION = "herpes_reactivation", _("Herpes reactivation")
    OTHER = "other", _("Other")


class Severity(models.TextChoices):
    MILD = "mild", _("Mild")
    MODERATE = "moderate", _("Moderate")
    SEVERE = "severe", _("Severe")
    SERIOUS = "serious", _("Serious")


class Outcome(models.TextChoices):
    ONGOING = "ongoing", _("Ongoing")
    RECOVERING = "recovering", _("Recovering")
    RECOVERED = "recovered", _("Recovered")
    RECOVERED_WITH_SEQUELAE = "recovered_with_sequelae", _("Recovered with sequelae")
    NOT_RECOVERED = "not_recovered", _("Not recovered")
    FATAL = "fatal", _("Fatal")
    UNKNOWN = "unknown", _("Unknown")


class AdverseEvent(models.Model):
    """An unwanted effect a patient had after treatment, as reported and followed up."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="adverse_events")
    category = models.CharField(max_length=40, choices=EventCategory.choices)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    onset_on = models.DateField(_("onset"))
    description = models.TextField()
    zones = models.JSONField(default=list, blank=True, help_text=_("Zone codes affected."))
    sessions = models.ManyToManyField("treatments.SessionRecord", blank=True, related_name="adverse_events")
    lots = models.ManyToManyField("inventory.Lot", blank=True, related_name="adverse_events")
    actions = models.TextField(blank=True, help_text=_("Treatment given, referrals, product quarantined."))
    outcome = models.CharField(max_length=24, choices=Outcome.choices, default=Outcome.ONGOING)
    reported_to_regulator = models.BooleanField(default=False)
    regulator_reference = models.CharField(
        max_length=200, blank=True, help_text=_("e.g. Yellow Card or MedWatch reference.")
    )
    reported_at = models.DateTimeField()
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-reported_at", "-id"]
        indexes = [
            models.Index(fields=["clinic", "reported_at"]),
            models.Index(fields=["patient", "onset_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} ({self.get_severity_display()}) for patient {self.patient_id}"


class FollowUp(models.Model):
    """A later entry on an adverse event: what was seen or done, and the outcome at that time."""

    event = models.ForeignKey(AdverseEvent, on_delete=models.PROTECT, related_name="follow_ups")
    at = models.DateTimeField()
    note = models.TextField()
    outcome = models.CharField(max_length=24, choices=Outcome.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["event", "at", "id"]

    def __str__(self) -> str:
        return f"Follow-up of event {self.event_id} on {self.at:%Y-%m-%d}"

"""Patients, their structured medical history (versioned) and their consents."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from mesoclinic.clinical_codes.dates import age_on


class Sex(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")
    UNKNOWN = "unknown", _("Not stated")


FITZPATRICK_CHOICES = [(n, roman) for n, roman in enumerate(["I", "II", "III", "IV", "V", "VI"], start=1)]
GLOGAU_CHOICES = [
    (1, _("I — no wrinkles")),
    (2, _("II — wrinkles in motion")),
    (3, _("III — wrinkles at rest")),
    (4, _("IV — only wrinkles")),
]


ADDRESS_MAX = 500
NOTES_MAX = 5000


class Patient(models.Model):
    """A person treated at the clinic: identity, contact and skin classification."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    given_name = models.CharField(_("first name"), max_length=100)
    family_name = models.CharField(_("last name"), max_length=100)
    birth_date = models.DateField(_("date of birth"))
    sex = models.CharField(max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)
    email = models.EmailField(blank=True)
    phone = models.CharField(
        max_length=40, blank=True, help_text=_("Stored in international (E.164) form, e.g. +48600123456.")
    )
    address = models.TextField(
        blank=True, max_length=ADDRESS_MAX, validators=[MaxLengthValidator(ADDRESS_MAX)]
    )
    preferred_language = models.CharField(max_length=10, default="en")
    fitzpatrick = models.PositiveSmallIntegerField(
        _("Fitzpatrick skin type"),
        choices=FITZPATRICK_CHOICES,
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(6)],
    )
    glogau = models.PositiveSmallIntegerField(
        _("Glogau class"),
        choices=GLOGAU_CHOICES,
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(4)],
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    restricted_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_(
            "Set when the patient asked for erasure while the records must still be kept: hidden from lists, "
            "search and booking; no new clinical entries except adverse event follow-ups."
        ),
    )
    restriction_reason = models.CharField(max_length=300, blank=True)
    search_name = models.CharField(
        max_length=201,
        blank=True,
        editable=False,
        help_text=_("Both names lower-cased without diacritics, for search and duplicate checks."),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["family_name", "given_name", "id"]
        indexes = [
            models.Index(fields=["clinic", "family_name", "given_name"]),
            models.Index(fields=["clinic", "birth_date"]),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def is_restricted(self) -> bool:
        return self.restricted_at is not None

    def age_on(self, day: date) -> int:
        """Whole years on ``day`` (the screening core's rule, so the chart and screening agree)."""
        return age_on(self.birth_date, day)


class HistoryStatus(models.TextChoices):
    """Whether the history was asked at all: an empty history that was never taken is not "nothing reported"."""

    NOT_TAKEN = "not_taken", _("Not taken")
    SELF_REPORTED = "self_reported", _("Self-reported by the patient")
    CONFIRMED = "confirmed", _("Confirmed by staff")


class MedicalHistory(models.Model):
    """The structured history in MesoClinic's coded vocabulary, with free-text notes beside it.

    Every change is kept (django-simple-history): who changed it, when, and the whole previous state.
    ``medications`` holds ``{"code": ..., "stopped": "YYYY-MM-DD" | null}`` items (null = current).
    ``status`` says whether it was taken at all (a new patient's is ``not_taken``: screening then says
    "history needed"), and who confirmed it with the patient, when. ``other_allergies`` and
    ``other_medications`` hold what the coded lists have no code for (latex, chlorhexidine, a named
    medicine), as the patient said it: screening warns with the text, never passes it silently.
    """

    patient = models.OneToOneField(Patient, on_delete=models.PROTECT, related_name="medical_history")
    status = models.CharField(max_length=20, choices=HistoryStatus.choices, default=HistoryStatus.NOT_TAKEN)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    conditions = models.JSONField(default=list, blank=True)
    medications = models.JSONField(default=list, blank=True)
    implants = models.JSONField(default=list, blank=True)
    allergies = models.JSONField(default=list, blank=True, help_text=_("Ingredient codes."))
    other_allergies = models.JSONField(
        default=list, blank=True, help_text=_("Allergies outside the ingredient list, as free text.")
    )
    other_medications = models.JSONField(
        default=list, blank=True, help_text=_("Medicines outside the coded classes, as free text.")
    )
    notes = models.TextField(blank=True, max_length=NOTES_MAX, validators=[MaxLengthValidator(NOTES_MAX)])
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "medical histories"

    def __str__(self) -> str:
        return f"Medical history of patient {self.patient_id}"

    @property
    def is_taken(self) -> bool:
        return self.status != HistoryStatus.NOT_TAKEN

    def as_screening_json(self) -> dict[str, object]:
        """The PATIENT.json form that the screening core parses."""
        return {
            "birth_date": self.patient.birth_date.isoformat(),
            "taken": self.is_taken,
            "conditions": list(self.conditions),
            "medications": list(self.medications),
            "implants": list(self.implants),
            "allergies": list(self.allergies),
            "other_allergies": list(self.other_allergies),
            "other_medications": list(self.other_medications),
        }


class ConsentTemplate(models.Model):
    """One version of the consent text for a modality. A new version never changes an old one."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    modality = models.ForeignKey(
        "catalog.Modality", on_delete=models.PROTECT, related_name="consent_templates"
    )
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["clinic", "modality", "version"], name="consent_version_unique")
        ]
        ordering = ["modality__name", "-version"]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"


class PhotoUse(models.TextChoices):
    CLINICAL = "clinical", _("Clinical record only")
    TEACHING = "teaching", _("Teaching")
    MARKETING = "marketing", _("Marketing")


class Consent(models.Model):
    """A signed consent: the exact template version, the signer (typed name and, on a tablet, the drawn
    signature), the time and the photo-use scope."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="consents")
    template = models.ForeignKey(ConsentTemplate, on_delete=models.PROTECT, related_name="signed")
    signed_by = models.CharField(
        _("signed by"), max_length=200, help_text=_("Name of the person who signed.")
    )
    signed_at = models.DateTimeField()
    signature = models.BinaryField(
        _("signature"),
        blank=True,
        default=b"",
        editable=False,
        help_text=_("The signature drawn on the tablet (PNG), kept with the signed version; empty if none."),
    )
    photo_use = models.JSONField(default=list, help_text=_("Subset of clinical, teaching, marketing."))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawal_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-signed_at"]
        indexes = [models.Index(fields=["clinic", "patient"])]

    def __str__(self) -> str:
        return f"{self.template} signed {self.signed_at:%Y-%m-%d}"

    @property
    def is_valid(self) -> bool:
        return self.withdrawn_at is None

    def allows_photo_use(self, use: PhotoUse | str) -> bool:
        return self.is_valid and str(use) in self.photo_use

"""Clinics (tenants), their locations, and the staff who work there with one role each."""

from __future__ import annotations

import zoneinfo
from collections.abc import Sequence
from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mesoclinic.clinical_codes.dates import local_day


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            _("%(value)s is not a known time zone (e.g. Europe/Warsaw)."), params={"value": value}
        )


class ClinicLanguage(models.TextChoices):
    """The languages MesoClinic speaks: the clinic's is the default for its messages and pages."""

    # Each language named in itself (as Django's language switch does): a reader finds their own.
    ENGLISH = "en", "English"
    POLISH = "pl", "Polski"


# The currency of each country MesoClinic is set up for; the euro area's members all use "EUR".
_EURO_AREA = frozenset(
    [
        "AT",
        "BE",
        "CY",
        "DE",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PT",
        "SI",
        "SK",
    ]
)
_CURRENCIES = {
    "GB": "GBP",
    "PL": "PLN",
    "CZ": "CZK",
    "HU": "HUF",
    "RO": "RON",
    "BG": "BGN",
    "DK": "DKK",
    "SE": "SEK",
    "NO": "NOK",
    "CH": "CHF",
    "US": "USD",
    "CA": "CAD",
    "AU": "AUD",
    "UA": "UAH",
}


def currency_for_country(country: str) -> str:
    """The ISO 4217 currency of an ISO 3166 country code ("PL" → "PLN"); "EUR" for the euro area.

    A country outside the table gives "" (amounts are then shown without a currency rather than a wrong one).
    """
    code = (country or "").upper()
    return "EUR" if code in _EURO_AREA else _CURRENCIES.get(code, "")


class Clinic(models.Model):
    """An organization. Every record in MesoClinic belongs to exactly one clinic."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)
    timezone = models.CharField(max_length=64, default="Europe/London", validators=[validate_timezone])
    country = models.CharField(max_length=2, default="GB")
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    address = models.TextField(
        blank=True, max_length=500, help_text=_("Postal address, as patients should read it in messages.")
    )
    language = models.CharField(max_length=8, choices=ClinicLanguage.choices, default=ClinicLanguage.ENGLISH)
    require_mfa = models.BooleanField(
        default=False,
        help_text=_("Every staff member must set up two-factor authentication before using MesoClinic."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name

    def missing_contact_details(self) -> list[str]:
        """The details every message to a patient relies on (the phone it prints, the e-mail replies go to)
        that the clinic has not given.

        Messages are held until this is empty: no patient gets "please call us on ." (issue 12, item 7).
        """
        return [name for name in ("phone", "email") if not getattr(self, name).strip()]

    @property
    def currency(self) -> str:
        """The ISO 4217 code its prices are in: its country's currency (euro countries share "EUR")."""
        return currency_for_country(self.country)

    def today(self) -> date:
        """Today's date at the clinic (screening uses the clinic's calendar day, not UTC's)."""
        return local_day(timezone.now(), self.timezone)


class Location(models.Model):
    """A site of the clinic, with its own time zone (used for scheduling and display)."""

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="locations")
    name = models.CharField(max_length=200)
    timezone = models.CharField(max_length=64, default="Europe/London", validators=[validate_timezone])
    address = models.TextField(blank=True)
    phone = models.CharField(max_length=40, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["clinic", "name"], name="location_name_unique_in_clinic")
        ]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def unique_error_message(
        self, model_class: type[models.Model], unique_check: Sequence[str]
    ) -> ValidationError:
        """Django's own message names the model and fields in English ("Location with this ...")."""
        return ValidationError(_("The clinic already has a location of this name."), code="unique_together")


class Role(models.TextChoices):
    OWNER = "owner", _("Clinic owner / admin")
    PHYSICIAN = "physician", _("Physician")
    PRACTITIONER = "practitioner", _("Practitioner")
    RECEPTIONIST = "receptionist", _("Receptionist")
    AUDITOR = "auditor", _("Auditor")


class StaffMember(models.Model):
    """A user's place in one clinic: role, locations and the modalities they are qualified for."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff")
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="staff")
    role = models.CharField(max_length=20, choices=Role.choices)
    display_name = models.CharField(max_length=200)
    title = models.CharField(max_length=100, blank=True, help_text=_("e.g. Dr, RN, aesthetic nurse"))
    locations = models.ManyToManyField(Location, blank=True, related_name="staff")
    modalities = models.JSONField(
        default=list, blank=True, help_text=_("Modality codes this person may perform.")
    )
    language = models.CharField(
        max_length=8,
        choices=ClinicLanguage.choices,
        blank=True,
        help_text=_("The language of your pages; empty: the clinic's language."),
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["display_name"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def page_language(self) -> str:
        """The language this person's pages are in: their own choice, else their clinic's."""
        return self.language or self.clinic.language


class ApiToken(models.Model):
    """A bearer token for the API, owned by one staff member and limited to some of their capabilities.

    Only the SHA-256 of the secret is stored: the secret is shown once, when the token is created. The
    prefix (not secret) names the token in lists and finds its row; the hash is then compared in constant
    time. A token never does more than its scopes, nor more than its user's role allows at the time of use.
    """

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="api_tokens")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        # Also the throttling key of django-ninja's per-credential rate limit: one bucket per token.
        return f"token:{self.prefix}"

    def is_usable(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or now < self.expires_at)

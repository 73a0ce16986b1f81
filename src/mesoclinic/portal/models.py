"""A patient's own online booking of a whole series, from the offer chosen to the verified, booked course.

The booking row keeps what the visitor typed until the e-mailed code proves the address is theirs; only then
is a chart found or created, the history stored as self-reported, the consent recorded and the series booked
(by scheduling's own ``book_series``, which re-checks everything and lets the database settle races).
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

#: An origin a browser sends: scheme and host (and port), nothing else; no wildcard, no path.
ORIGIN = re.compile(r"https?://[a-z0-9.-]+(:[0-9]{1,5})?")


class PortalSettings(models.Model):
    """What a clinic decides about its public booking page."""

    clinic = models.OneToOneField("accounts.Clinic", on_delete=models.CASCADE, related_name="+")
    lead_hours = models.PositiveSmallIntegerField(
        default=12, help_text=_("No online booking starts sooner than this many hours from now.")
    )
    cancel_hours = models.PositiveSmallIntegerField(
        default=24,
        help_text=_("Patients may cancel a session in the portal up to this many hours before it."),
    )
    embed_origins = models.JSONField(
        default=list,
        blank=True,
        help_text=_("Web sites (https://example.com) allowed to show the booking page in a frame."),
    )

    def __str__(self) -> str:
        return f"Portal settings of {self.clinic_id}"

    def clean(self) -> None:
        origins = self.embed_origins if isinstance(self.embed_origins, list) else None
        if origins is None or not all(isinstance(o, str) and ORIGIN.fullmatch(o) for o in origins):
            raise ValidationError(
                {"embed_origins": _("List web site origins such as https://www.example.com (no path, no *).")}
            )


class BookingStatus(models.TextChoices):
    AWAITING_VERIFICATION = "awaiting_verification", _("Waiting for the e-mailed code")
    CONFIRMED = "confirmed", _("Confirmed")
    TAKEN = "taken", _("Verified, but the dates were taken meanwhile")
    NEEDS_CONSULTATION = "needs_consultation", _("A consultation is needed first")
    VOID = "void", _("Void (too many wrong codes)")


class OnlineBooking(models.Model):
    """One visitor's request to book a series online, and what became of it."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.CASCADE, related_name="+")
    reference = models.CharField(max_length=64, unique=True)
    protocol = models.ForeignKey("catalog.Protocol", on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey("accounts.Location", on_delete=models.PROTECT, related_name="+")
    slots = models.JSONField(default=list, help_text=_("The chosen sessions as slot tokens."))
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    birth_date = models.DateField()
    email = models.EmailField()
    phone = models.CharField(max_length=40, blank=True)
    answers = models.JSONField(default=dict, help_text=_("The health questions' answers, as coded history."))
    consent_template = models.ForeignKey(
        "patients.ConsentTemplate", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    photo_use = models.JSONField(default=list)
    code_hash = models.CharField(max_length=128)
    code_expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(
        max_length=24, choices=BookingStatus.choices, default=BookingStatus.AWAITING_VERIFICATION
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    patient = models.ForeignKey(
        "patients.Patient", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    appointments = models.JSONField(
        default=list, help_text=_("Ids of the appointments held for the booking, then booked.")
    )
    hold_expires_at = models.DateTimeField(
        null=True, blank=True, help_text=_("The chosen dates are held until then.")
    )
    client_address = models.GenericIPAddressField(
        null=True, blank=True, help_text=_("Where the booking was sent from (limits holds per address).")
    )
    reasons = models.JSONField(default=list, blank=True)
    duplicate_of = models.ForeignKey(
        "patients.Patient",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("An existing chart with the same e-mail but another date of birth (never merged)."),
    )
    duplicate_resolution = models.CharField(max_length=10, blank=True, default="")
    duplicate_resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    duplicate_resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["clinic", "status", "created_at"]),
            models.Index(fields=["status", "hold_expires_at"], name="online_booking_holds"),
        ]

    def __str__(self) -> str:
        return f"Online booking {self.pk} ({self.status})"


class PortalSignIn(models.Model):
    """One request to sign in to the patient portal: a code to the e-mail of a chart with this birth date.

    A row is written whatever was typed (the code is only sent to an address a chart has), so the answer
    and its timing never tell whether someone is a patient of the clinic.
    """

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.CASCADE, related_name="+")
    reference = models.CharField(max_length=64, unique=True)
    patient = models.ForeignKey(
        "patients.Patient", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    code_hash = models.CharField(max_length=128)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Portal sign-in {self.pk}"


class DuplicateResolution(models.TextChoices):
    OPEN = "", _("To resolve")
    LINKED = "linked", _("The same person: linked to the existing chart")
    SEPARATE = "separate", _("Another person: kept separate")


class ReviewStatus(models.TextChoices):
    PENDING = "pending", _("To confirm")
    CONFIRMED = "confirmed", _("Confirmed by staff")
    CORRECTED = "corrected", _("Corrected by staff")


class HistoryReview(models.Model):
    """A pending revision of a chart's structured history: what the patient answered when booking online.

    It never overwrites what staff recorded: staff confirm it (the answers are added to the history, which is
    then confirmed by them) or correct it (the history is edited on the chart and this revision closed).
    """

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.CASCADE, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="+")
    booking = models.ForeignKey(
        OnlineBooking, null=True, blank=True, on_delete=models.SET_NULL, related_name="history_reviews"
    )
    answers = models.JSONField(default=dict, help_text=_("The patient's answers, as coded history."))
    status = models.CharField(max_length=12, choices=ReviewStatus.choices, default=ReviewStatus.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["clinic", "status"])]

    def __str__(self) -> str:
        return f"History review {self.pk} ({self.status})"


class ProblemStatus(models.TextChoices):
    OPEN = "open", _("To look at")
    RECORDED = "recorded", _("Recorded as an adverse event")
    CLOSED = "closed", _("Closed without an adverse event")


class ProblemReport(models.Model):
    """A problem a patient reported in the portal after their sessions: a draft for staff, who record it as an
    adverse event (in vigilance, with its category and severity) or close it, saying so."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.CASCADE, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="+")
    description = models.TextField(max_length=2000)
    started_on = models.DateField()
    appointments = models.JSONField(
        default=list, help_text=_("Ids of the patient's last sessions before it.")
    )
    status = models.CharField(max_length=10, choices=ProblemStatus.choices, default=ProblemStatus.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["clinic", "status"])]

    def __str__(self) -> str:
        return f"Problem report {self.pk} ({self.status})"


class WaitlistStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting for an earlier date")
    OFFERED = "offered", _("An earlier date was offered")
    ACCEPTED = "accepted", _("Moved to the earlier date")
    LEFT = "left", _("Left the waiting list")


class WaitlistEntry(models.Model):
    """A patient waiting for an earlier date for one of their booked sessions.

    When a session that fits is cancelled (same treatment and place, earlier, keeping the series within its
    spacing), the first patient waiting (in the order they joined) is offered the freed time by message; the
    first to accept it is moved there (the database settles a race), and the entry is done. An offer not
    accepted by ``offer_expires_at`` lapses: the entry waits again and the time goes to the next patient (a
    lapsed time is never offered to the same entry again: ``lapsed_starts``, UTC ISO starts).
    """

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.CASCADE, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="+")
    appointment = models.ForeignKey("scheduling.Appointment", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=WaitlistStatus.choices, default=WaitlistStatus.WAITING)
    offered_slot = models.CharField(
        max_length=80, blank=True, help_text=_("The freed time offered, as a slot token.")
    )
    offered_start = models.DateTimeField(null=True, blank=True)
    offered_at = models.DateTimeField(null=True, blank=True)
    offer_expires_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("An offer not accepted by then lapses and goes to the next patient."),
    )
    lapsed_starts = models.JSONField(
        default=list, blank=True, help_text=_("Times offered to this entry that lapsed: never offered again.")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name_plural = "waitlist entries"
        constraints = [
            models.UniqueConstraint(
                fields=["appointment"],
                condition=models.Q(status__in=["waiting", "offered"]),
                name="waitlist_once_per_session",
            )
        ]
        indexes = [models.Index(fields=["clinic", "status", "created_at"])]

    def __str__(self) -> str:
        return f"Waitlist entry {self.pk} ({self.status})"

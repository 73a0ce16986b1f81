"""Messages to patients: the clinic's settings and templates, each patient's contact preferences, the
delivery log (one row per message, never two), and the answers to late-complication checks."""

from __future__ import annotations

from datetime import time

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from mesoclinic.clinical_codes.words import shown


class Kind(models.TextChoices):
    REMINDER = "reminder", _("Appointment reminder")
    CONTINUATION = "continuation", _("Series continuation")
    RECALL = "recall", _("Maintenance recall")
    AFTERCARE = "aftercare", _("Aftercare")
    COMPLICATION_CHECK = "complication_check", _("Late-complication check")


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")


class Language(models.TextChoices):
    """The languages the default templates ship in; a clinic may add templates for these."""

    EN = "en", _("English")
    PL = "pl", _("Polish")


def default_lead_hours() -> list[int]:
    return [48, 2]


class NotificationSettings(models.Model):
    """One clinic's timing: reminder lead times, quiet hours (clinic local time), recall and series leads."""

    clinic = models.OneToOneField("accounts.Clinic", on_delete=models.CASCADE, related_name="+")
    reminder_lead_hours = models.JSONField(
        default=default_lead_hours, help_text=_("Hours before an appointment, e.g. [48, 2].")
    )
    quiet_start = models.TimeField(default=time(21))
    quiet_end = models.TimeField(default=time(8))
    recall_lead_days = models.PositiveSmallIntegerField(
        default=14, help_text=_("Days before a maintenance visit is due.")
    )
    continuation_lead_days = models.PositiveSmallIntegerField(
        default=7, help_text=_("Days before the next session's window opens.")
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "notification settings"

    def __str__(self) -> str:
        return f"Notification settings of clinic {self.clinic_id}"


class MessageTemplate(models.Model):
    """A clinic's own wording of one kind of message, for one channel and language (defaults otherwise)."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    language = models.CharField(max_length=10, choices=Language.choices)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "kind", "channel", "language"], name="message_template_unique"
            )
        ]
        ordering = ["kind", "channel", "language"]

    def __str__(self) -> str:
        return f"{self.kind} / {self.channel} / {self.language}"


class ContactPreference(models.Model):
    """How (and whether) a patient may be contacted. No row, or no consent, means nothing is sent."""

    patient = models.OneToOneField(
        "patients.Patient", on_delete=models.CASCADE, related_name="contact_preference"
    )
    consent = models.BooleanField(_("consents to be contacted"), default=False)
    email = models.BooleanField(_("by e-mail"), default=True)
    sms = models.BooleanField(_("by SMS"), default=False)
    language = models.CharField(max_length=10, choices=Language.choices, blank=True)
    consent_changed_at = models.DateTimeField(null=True, blank=True)
    opted_out_at = models.DateTimeField(null=True, blank=True)
    # The patient's own choice per kind of message (the portal): None, on both channels of a kind, means
    # "as the channels above". Reminders cover appointment reminders and series continuations.
    reminder_email = models.BooleanField(_("reminders by e-mail"), null=True, blank=True, default=None)
    reminder_sms = models.BooleanField(_("reminders by SMS"), null=True, blank=True, default=None)
    recall_email = models.BooleanField(_("recalls by e-mail"), null=True, blank=True, default=None)
    recall_sms = models.BooleanField(_("recalls by SMS"), null=True, blank=True, default=None)
    marketing = models.BooleanField(
        _("news and offers"), default=False, help_text=_("Opted in separately; never implied by consent.")
    )
    marketing_changed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Contact preference of patient {self.patient_id}"

    @property
    def channels(self) -> list[str]:
        return [c for c, on in ((Channel.EMAIL, self.email), (Channel.SMS, self.sms)) if on]

    def own_choice(self, kind: str) -> tuple[bool | None, bool | None] | None:
        """The patient's (e-mail, SMS) choice for this kind of message, or None when they made none."""
        group = KIND_GROUPS.get(kind)
        if group is None:
            return None
        choice = (getattr(self, f"{group}_email"), getattr(self, f"{group}_sms"))
        return None if choice == (None, None) else choice

    def channels_for(self, kind: str) -> list[str]:
        """The channels this kind of message goes on: the patient's own choice for it, else ``channels``."""
        choice = self.own_choice(kind)
        if choice is None:
            return self.channels
        return [c for c, on in zip((Channel.EMAIL, Channel.SMS), choice, strict=True) if on]


#: Which per-kind choice of ``ContactPreference`` governs a kind of message (the others follow the channels).
KIND_GROUPS: dict[str, str] = {
    Kind.REMINDER: "reminder",
    Kind.CONTINUATION: "reminder",
    Kind.RECALL: "recall",
}


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Skipped")


class SkipReason(models.TextChoices):
    NO_CONSENT = "no_consent", _("No consent to contact")
    OPTED_OUT = "opted_out", _("Opted out")
    NO_ADDRESS = "no_address", _("No address for this channel")
    TOO_LATE = "too_late", _("Too late to be useful")
    NOT_WANTED = "not_wanted", _("The patient does not want this kind of message on this channel")


class Delivery(models.Model):
    """One message of one kind, about one object, due at one instant, on one channel: at most one row.

    The unique constraint is what makes "never the same message twice" hold across runs and workers:
    whoever inserts the row sends it; everyone else sees it exists.
    """

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="deliveries")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    object_id = models.PositiveBigIntegerField(
        help_text=_("The appointment, course, recall or session record the message is about.")
    )
    due_at = models.DateTimeField()
    channel = models.CharField(max_length=8, choices=Channel.choices)
    status = models.CharField(max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    reason = models.CharField(max_length=12, choices=SkipReason.choices, blank=True)
    language = models.CharField(max_length=10, blank=True)
    to = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    provider_id = models.CharField(max_length=200, blank=True)
    error = models.CharField(max_length=500, blank=True)
    error_template = models.CharField(max_length=200, blank=True, editable=False)
    error_params = models.JSONField(default=dict, blank=True, editable=False)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-due_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_id", "due_at", "channel"], name="delivery_once_per_channel"
            )
        ]
        indexes = [
            models.Index(fields=["clinic", "due_at"]),
            models.Index(fields=["patient", "due_at"]),
            models.Index(fields=["status", "next_attempt_at"]),
        ]
        verbose_name_plural = "deliveries"

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id} by {self.channel}: {self.status}"

    @property
    def error_text(self) -> str:
        """Why it failed, in the reader's language (kept as English template and values; older rows: as
        written)."""
        return shown(self.error_template, self.error_params, self.error, gettext)


class Answer(models.TextChoices):
    NO = "no", _("No problem")
    YES = "yes", _("Something is wrong")


class ComplicationAnswer(models.Model):
    """A patient's answer to one late-complication check (one per session and check, whatever the channel).

    A "yes" opens an adverse event and stays on Today until someone at the clinic acknowledges it.
    """

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="complication_answers"
    )
    session = models.ForeignKey(
        "treatments.SessionRecord", on_delete=models.PROTECT, related_name="complication_answers"
    )
    due_at = models.DateTimeField(help_text=_("Which check (4 or 8 weeks) this answers."))
    answer = models.CharField(max_length=4, choices=Answer.choices)
    description = models.TextField(blank=True)
    details = models.TextField(blank=True)
    adverse_event = models.ForeignKey(
        "vigilance.AdverseEvent", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-answered_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["session", "due_at"], name="complication_answer_once")]
        indexes = [models.Index(fields=["clinic", "answer", "acknowledged_at"])]

    def __str__(self) -> str:
        return f"{self.answer} for session {self.session_id}"

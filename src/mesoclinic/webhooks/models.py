"""Outgoing webhooks: a clinic's endpoints, the events it emitted, and every delivery and attempt.

The event row is written in the same transaction as the change it reports (an outbox): an event is sent if
and only if the change committed, and a crash between commit and delivery leaves a pending delivery that the
retry sweep sends, rather than a lost one.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from mesoclinic.clinical_codes.words import shown


class EventType(models.TextChoices):
    APPOINTMENT_BOOKED = "appointment.booked", _("Appointment booked")
    APPOINTMENT_CANCELLED = "appointment.cancelled", _("Appointment cancelled")
    SESSION_SIGNED = "session.signed", _("Session record signed")
    ADVERSE_EVENT_REPORTED = "adverse_event.reported", _("Adverse event reported")
    TEST = "webhook.test", _("Test event")


# The events an endpoint may subscribe to (the test event is sent on request, whatever the subscription).
SUBSCRIBABLE = [choice for choice in EventType if choice != EventType.TEST]


class WebhookEndpoint(models.Model):
    """A URL of the clinic's that receives the events it subscribed to, signed with its own secret.

    The secret is needed in clear to sign every request, so it is stored; it is shown to the owner once, at
    creation (and when rotated), and never again — pages show only its last four characters.
    """

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    url = models.URLField(max_length=500)
    description = models.CharField(max_length=200, blank=True)
    events = models.JSONField(default=list, help_text=_("Event types this endpoint receives."))
    secret = models.CharField(max_length=100)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["url", "id"]
        indexes = [models.Index(fields=["clinic", "is_active"])]

    def __str__(self) -> str:
        return self.url

    @property
    def secret_hint(self) -> str:
        return f"…{self.secret[-4:]}"


class WebhookEvent(models.Model):
    """One thing that happened, as sent: its id is the receivers' idempotency key (the same on redelivery)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    type = models.CharField(max_length=40, choices=EventType.choices)
    created_at = models.DateTimeField()
    data = models.JSONField(default=dict)
    audit_event = models.ForeignKey(
        "audit.AuditEvent", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.type} {self.id}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Delivered")
    FAILED = "failed", _("Failed")


class WebhookDelivery(models.Model):
    """One event on its way to one endpoint: retried with growing waits until it succeeds or gives up."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.PROTECT, related_name="deliveries")
    event = models.ForeignKey(WebhookEvent, on_delete=models.PROTECT, related_name="deliveries")
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When it is due again; empty means now.")
    )
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    last_error_template = models.CharField(max_length=200, blank=True, editable=False)
    last_error_params = models.JSONField(default=dict, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    redelivery_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="redeliveries"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["clinic", "created_at"]),
            models.Index(fields=["status", "next_attempt_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.event.type} → {self.endpoint.url}"

    @property
    def last_error_text(self) -> str:
        """The last error in the reader's language (kept as English template and values; older rows: as
        written)."""
        return shown(self.last_error_template, self.last_error_params, self.last_error, gettext)


class DeliveryAttempt(models.Model):
    """One HTTP request of a delivery: what came back, how long it took, and when the next one is due."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.PROTECT, related_name="attempt_log")
    number = models.PositiveSmallIntegerField()
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    error_template = models.CharField(max_length=200, blank=True, editable=False)
    error_params = models.JSONField(default=dict, blank=True, editable=False)
    response_excerpt = models.CharField(max_length=512, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["delivery", "number"], name="webhook_attempt_number_unique")
        ]

    def __str__(self) -> str:
        return f"attempt {self.number}: {self.status_code or self.error}"

    @property
    def error_text(self) -> str:
        """The error in the reader's language (older rows: as written)."""
        return shown(self.error_template, self.error_params, self.error, gettext)

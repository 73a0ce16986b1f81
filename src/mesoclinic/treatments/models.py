"""The clinical record of a session: what was done, with which lots, where, by whom, and its amendments.

Courses and their maintenance recalls live in ``scheduling`` (booking starts them, completing appointments
completes them); a session record points at its course there.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class SignedRecordError(Exception):
    """A signed session record was about to change other than through an amendment."""


class SessionRecord(models.Model):
    """The clinical record of one session: what was done, with which lots, where, by whom.

    A draft may be edited freely. Signing locks it: from then on it changes only through
    ``SessionAmendment`` rows (who, when, what, why), each of which bumps ``amendment_count``;
    ``save`` refuses any other change of a signed record, and every version is kept in ``history``.
    Device parameters, technique, depth and gauge live in ``parameters``, keyed by the codes of the
    modality's parameter list in the catalog.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SIGNED = "signed", _("Signed")

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="sessions")
    course = models.ForeignKey(
        "scheduling.Course", null=True, blank=True, on_delete=models.PROTECT, related_name="session_records"
    )
    appointment = models.OneToOneField(
        "scheduling.Appointment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="session_record",
    )
    protocol = models.ForeignKey(
        "catalog.Protocol", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    practitioner = models.ForeignKey(
        "accounts.StaffMember", on_delete=models.PROTECT, related_name="session_records"
    )
    modality = models.CharField(max_length=40)
    cocktail = models.ForeignKey(
        "catalog.Cocktail", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    device = models.ForeignKey(
        "scheduling.Device", null=True, blank=True, on_delete=models.PROTECT, related_name="session_records"
    )
    performed_at = models.DateTimeField()
    duration_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    parameters = models.JSONField(default=dict, blank=True)
    day_of_answers = models.JSONField(
        default=dict, blank=True, help_text=_("The day-of screening questions and their answers.")
    )
    screening = models.ForeignKey(
        "safety.ScreeningRecord", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    consent = models.ForeignKey(
        "patients.Consent", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    override_reason = models.TextField(blank=True)
    override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    aftercare = models.TextField(blank=True)
    notes = models.TextField(blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.DRAFT)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    amendment_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-performed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft") | Q(signed_at__isnull=False, signed_by__isnull=False),
                name="signed_record_has_signer",
            )
        ]
        indexes = [
            models.Index(fields=["clinic", "performed_at"]),
            models.Index(fields=["patient", "performed_at"]),
        ]

    def __str__(self) -> str:
        return f"Session {self.performed_at:%Y-%m-%d} for patient {self.patient_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Refuse to change a signed record unless the change is an amendment (count bumped)."""
        if self.pk is not None and not self._state.adding:
            stored = type(self).objects.filter(pk=self.pk).values("status", "amendment_count").first()
            if (
                stored is not None
                and stored["status"] == self.Status.SIGNED
                and self.amendment_count <= stored["amendment_count"]
            ):
                raise SignedRecordError("A signed session record is changed only by an amendment.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        if self.is_signed:
            raise SignedRecordError("A signed session record is never deleted; amend it instead.")
        return super().delete(*args, **kwargs)

    @property
    def is_signed(self) -> bool:
        return self.status == self.Status.SIGNED


class SessionAmendment(models.Model):
    """One change to a signed session record: who, when, why, and each field's old and new value."""

    record = models.ForeignKey(SessionRecord, on_delete=models.PROTECT, related_name="amendments")
    number = models.PositiveIntegerField()
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField()
    changes = models.JSONField(default=dict, help_text=_("{field: [old, new]}"))

    class Meta:
        ordering = ["record", "number"]
        constraints = [
            models.UniqueConstraint(fields=["record", "number"], name="amendment_number_unique"),
            models.CheckConstraint(condition=~Q(reason=""), name="amendment_has_reason"),
        ]

    def __str__(self) -> str:
        return f"Amendment {self.number} of session {self.record_id}"


class SessionProduct(models.Model):
    """A product used in a session: which lot, how much. Signing deducts it from stock (``movement``).

    Lines of a signed record are never changed: an amendment adds a new line, or voids a line
    (``voided_by``) and returns its stock with a new movement.
    """

    record = models.ForeignKey(SessionRecord, on_delete=models.PROTECT, related_name="products")
    lot = models.ForeignKey("inventory.Lot", on_delete=models.PROTECT, related_name="session_uses")
    quantity = models.DecimalField(max_digits=10, decimal_places=3)
    unit = models.CharField(max_length=10)
    movement = models.OneToOneField(
        "inventory.StockMovement", null=True, blank=True, on_delete=models.PROTECT, related_name="session_use"
    )
    added_by = models.ForeignKey(
        SessionAmendment, null=True, blank=True, on_delete=models.PROTECT, related_name="added_products"
    )
    voided_by = models.ForeignKey(
        SessionAmendment, null=True, blank=True, on_delete=models.PROTECT, related_name="voided_products"
    )

    class Meta:
        ordering = ["record", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="session_product_quantity_positive")
        ]
        indexes = [models.Index(fields=["lot", "record"])]

    def __str__(self) -> str:
        return f"{self.quantity} {self.unit} of lot {self.lot_id}"


class SessionZone(models.Model):
    """A treated zone of the face/body map (codes from the catalog's zone list), with the volume given."""

    record = models.ForeignKey(SessionRecord, on_delete=models.PROTECT, related_name="zones")
    zone = models.CharField(max_length=40)
    volume_ml = models.DecimalField(max_digits=8, decimal_places=3, null=True, blank=True)
    added_by = models.ForeignKey(
        SessionAmendment, null=True, blank=True, on_delete=models.PROTECT, related_name="added_zones"
    )
    voided_by = models.ForeignKey(
        SessionAmendment, null=True, blank=True, on_delete=models.PROTECT, related_name="voided_zones"
    )

    class Meta:
        ordering = ["record", "id"]

    def __str__(self) -> str:
        return f"{self.zone} ({self.volume_ml} ml)"

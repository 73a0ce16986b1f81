"""The audit log: one append-only row for every change to, and every read of, a patient's chart."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class AuditEvent(models.Model):
    """Who did what to which object, when and from where. Rows are never updated or deleted.

    Events form one hash chain per clinic (and one for events without a clinic): ``seq`` numbers them from 1,
    ``hash`` covers every field and ``prev_hash``, so ``mesoclinic audit verify`` finds any row changed,
    removed or inserted behind the application's back. Database triggers refuse UPDATE and DELETE too.
    ``patient_id`` is a plain number, not a foreign key: the trail must outlive an erased patient.
    """

    clinic = models.ForeignKey("accounts.Clinic", null=True, on_delete=models.PROTECT, related_name="+")
    seq = models.PositiveBigIntegerField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64, blank=True)
    patient_id = models.BigIntegerField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    path = models.CharField(max_length=300, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    data = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["clinic", "object_type", "object_id"]),
            models.Index(fields=["clinic", "patient_id"], name="audit_event_patient_idx"),
            models.Index(fields=["clinic", "at"], name="audit_event_clinic_at_idx"),
            # The viewer's "what" and "who" filters, newest first: without them a rare action or actor walks the
            # clinic's whole chain backwards for a page, and the page count scans the table (docs/performance.md).
            models.Index(fields=["clinic", "action", "seq"], name="audit_event_action_idx"),
            models.Index(fields=["clinic", "actor", "seq"], name="audit_event_actor_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "seq"], condition=Q(clinic__isnull=False), name="audit_event_clinic_seq"
            ),
            models.UniqueConstraint(fields=["seq"], condition=Q(clinic__isnull=True), name="audit_event_seq"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ValueError("audit events are append-only")


class AuditTerm(models.Model):
    """One action or object type that appears in a clinic's log: the viewer's filter lists, read from this
    small table rather than by a DISTINCT over the clinic's every event. Kept by a database trigger on every
    insert into the log (``audit.triggers``), so no writer can forget it and appends cost no query more;
    filled from the events already there by the migration that added it."""

    ACTION = "action"
    OBJECT_TYPE = "object_type"

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12)  # ACTION or OBJECT_TYPE (what the trigger writes)
    value = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["clinic", "kind", "value"], name="audit_term_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.value}"

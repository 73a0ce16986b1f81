"""Webhook events come from the audit log: every service writes one audit row per change, in its transaction.

Listening to ``AuditEvent`` saves means no service imports webhooks, and an event exists exactly when its
change committed (the rows are written in the same transaction). Rows are only ever created, never updated.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save

from mesoclinic.audit.models import AuditEvent


def _audit_event_saved(
    sender: Any, instance: AuditEvent, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    if not created or raw:
        return
    from mesoclinic.webhooks.services import emit_for_audit_event  # noqa: PLC0415 — keeps app loading light

    emit_for_audit_event(instance)


def connect() -> None:
    post_save.connect(_audit_event_saved, sender=AuditEvent, dispatch_uid="webhooks.audit_event_saved")

"""The restriction guard: no new clinical entry for a restricted patient, whichever app writes it.

One check in front of every insert (a ``pre_save`` receiver) rather than one in each app's services: a
restricted patient must not gain a session, photo, screening or booking through any path, including ones
added later. Adverse event follow-ups stay possible (they hang off the event, not the patient), and so do
changes to existing rows (their histories included) and this app's own records.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models

from mesoclinic.patients.models import Patient

EXEMPT_APPS = frozenset({"privacy", "audit"})


def _patient_field(model: type[models.Model]) -> models.Field[Any, Any] | None:
    try:
        field = model._meta.get_field("patient")
    except FieldDoesNotExist:
        return None
    if getattr(field, "related_model", None) is not Patient or not field.concrete:
        return None
    return field


def refuse_entries_for_restricted_patients(
    sender: type[models.Model], instance: models.Model, raw: bool = False, **kwargs: Any
) -> None:
    if raw or not instance._state.adding or sender._meta.app_label in EXEMPT_APPS:
        return
    if hasattr(sender, "instance_type"):  # a history row written for a change to an existing row
        return
    field = _patient_field(sender)
    if field is None:
        return
    patient_id = getattr(instance, field.attname)
    if patient_id is not None and Patient.objects.filter(pk=patient_id, restricted_at__isnull=False).exists():
        raise ValidationError(
            "This patient's data is restricted (erasure requested): no new entries can be added, "
            "except follow-ups of an adverse event."
        )

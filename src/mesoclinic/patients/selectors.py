"""Reads about patients. ``get_patient_for_user`` is the only way to fetch a patient by id."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from mesoclinic.accounts.models import Clinic, StaffMember
from mesoclinic.accounts.permissions import Capability, role_has
from mesoclinic.patients.models import Consent, ConsentTemplate, MedicalHistory, Patient


def patients_for_clinic(clinic: Clinic, *, search: str = "") -> QuerySet[Patient]:
    """The clinic's patients, filtered by every word of ``search`` (name, email, phone or birth date).

    Restricted patients (erasure requested, records kept for the retention period) are never listed.
    """
    qs = Patient.objects.filter(clinic=clinic, restricted_at__isnull=True)
    for term in search.split():
        match = (
            Q(given_name__icontains=term)
            | Q(family_name__icontains=term)
            | Q(email__icontains=term)
            | Q(phone__icontains=term)
        )
        with contextlib.suppress(ValueError):
            match |= Q(birth_date=date.fromisoformat(term))
        qs = qs.filter(match)
    return qs


def get_patient_for_user(staff: StaffMember | None, patient_id: Any) -> Patient:
    """The patient with this id in the staff member's clinic, or 404.

    A patient of another clinic is indistinguishable from one that does not exist. A restricted patient
    (erasure requested) exists only for clinical staff, who may still need the record (and are audited).
    """
    if staff is None:
        raise Http404
    try:
        pk = int(patient_id)
    except (TypeError, ValueError):
        raise Http404 from None
    patient = (
        Patient.objects.filter(pk=pk, clinic_id=staff.clinic_id).select_related("medical_history").first()
    )
    if patient is None:
        raise Http404
    if patient.is_restricted and not role_has(staff.role, Capability.VIEW_CLINICAL):
        raise Http404
    return patient


@dataclass(frozen=True)
class HistoryVersion:
    """One saved state of a medical history and what changed from the state before it."""

    at: datetime
    by: str
    reason: str
    changes: dict[str, tuple[Any, Any]]


def medical_history_versions(patient: Patient) -> list[HistoryVersion]:
    """Every version of the patient's medical history, newest first, with field-by-field changes."""
    history: MedicalHistory = patient.medical_history
    records = list(history.history.select_related("history_user").order_by("history_date", "history_id"))
    versions: list[HistoryVersion] = []
    fields = (
        "status",
        "conditions",
        "medications",
        "implants",
        "allergies",
        "other_allergies",
        "other_medications",
        "notes",
    )
    previous = None
    for record in records:
        changes = {
            name: (getattr(previous, name) if previous else None, getattr(record, name))
            for name in fields
            if previous is None or getattr(previous, name) != getattr(record, name)
        }
        if previous is None:
            changes = {
                name: value
                for name, value in changes.items()
                if value[1] and not (name == "status" and value[1] == "not_taken")
            }
        user = record.history_user
        versions.append(
            HistoryVersion(
                at=record.history_date,
                by=(getattr(getattr(user, "staff", None), "display_name", None) or user.get_username())
                if user
                else "system",
                reason=record.history_change_reason or "",
                changes=changes,
            )
        )
        previous = record
    return versions[::-1]


def consents_for_patient(patient: Patient) -> QuerySet[Consent]:
    return Consent.objects.filter(patient=patient).select_related("template__modality", "recorded_by")


def current_consent_templates(clinic: Clinic) -> list[ConsentTemplate]:
    """The newest version of each modality's consent form."""
    latest: dict[int, ConsentTemplate] = {}
    for template in (
        ConsentTemplate.objects.filter(clinic=clinic).select_related("modality").order_by("-version")
    ):
        latest.setdefault(template.modality_id, template)
    return sorted(latest.values(), key=lambda t: t.modality.name)


def consent_template_versions(clinic: Clinic, modality: Any) -> QuerySet[ConsentTemplate]:
    """Every published version of a modality's consent form, newest first."""
    return (
        ConsentTemplate.objects.filter(clinic=clinic, modality=modality)
        .select_related("created_by")
        .order_by("-version")
    )


def get_consent_template_for_clinic(clinic: Clinic, template_id: Any) -> ConsentTemplate:
    try:
        return ConsentTemplate.objects.select_related("modality").get(pk=int(template_id), clinic=clinic)
    except (TypeError, ValueError, ConsentTemplate.DoesNotExist):
        raise Http404 from None


def get_consent_for_patient(patient: Patient, consent_id: Any) -> Consent:
    try:
        return consents_for_patient(patient).get(pk=int(consent_id))
    except (TypeError, ValueError, Consent.DoesNotExist):
        raise Http404 from None


def has_valid_consent(patient: Patient, modality_code: str) -> bool:
    return Consent.objects.filter(
        patient=patient, template__modality__code=modality_code, withdrawn_at__isnull=True
    ).exists()

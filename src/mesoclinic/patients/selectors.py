"""Reads about patients. ``get_patient_for_user`` is the only way to fetch a patient by id."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from mesoclinic.accounts.models import Clinic, StaffMember
from mesoclinic.accounts.permissions import Capability, role_has
from mesoclinic.clinical_codes.vocabulary import HISTORY_LISTS
from mesoclinic.patients.identity import fold, phone_digits_term, phone_query, search_key
from mesoclinic.patients.models import Consent, ConsentTemplate, MedicalHistory, Patient

SEARCH_MAX = 200


def patients_for_clinic(clinic: Clinic, *, search: str = "") -> QuerySet[Patient]:
    """The clinic's patients, filtered by every word of ``search`` (name, email, phone or birth date).

    Names match without regard to case or diacritics ("zajac" finds "Zając" and "Zając" finds "Zajac").
    A whole phone number in any format ("600 123 456", "+48 600-123-456", "0048600123456") finds the
    number stored in E.164; a word of digits finds the numbers that contain it. Restricted patients
    (erasure requested, records kept for the retention period) are never listed.
    """
    qs = Patient.objects.filter(clinic=clinic, restricted_at__isnull=True)
    search = search.strip()[:SEARCH_MAX]
    number = phone_query(search, clinic.country)
    if number is not None:
        return qs.filter(phone=number)
    for term in search.split():
        match = Q(search_name__contains=fold(term)) | Q(email__icontains=term)
        digits = phone_digits_term(term)
        if digits is not None:
            match |= Q(phone__contains=digits)
        with contextlib.suppress(ValueError):
            match |= Q(birth_date=date.fromisoformat(term))
        qs = qs.filter(match)
    return qs


@dataclass(frozen=True)
class PossibleDuplicate:
    """A registered patient who may be the same person, and why (``reasons`` in plain words)."""

    patient: Patient
    reasons: tuple[str, ...]


def possible_duplicates(
    clinic: Clinic,
    *,
    given_name: str,
    family_name: str,
    birth_date: date | None,
    phone: str = "",
    email: str = "",
    exclude: Patient | None = None,
) -> list[PossibleDuplicate]:
    """The clinic's patients with the same name (ignoring case and diacritics) and date of birth, or the
    same phone number (E.164, as stored) or e-mail: at most ten, oldest registration first.

    Restricted patients are left out, as from every list.
    """
    key = search_key(given_name, family_name)
    match = Q(search_name=key, birth_date=birth_date) if birth_date is not None else Q(pk__in=[])
    if phone:
        match |= Q(phone=phone)
    if email.strip():
        match |= Q(email__iexact=email.strip())
    qs = Patient.objects.filter(match, clinic=clinic, restricted_at__isnull=True).order_by("created_at", "pk")
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    found = []
    for patient in qs[:10]:
        reasons = []
        if patient.search_name == key and patient.birth_date == birth_date:
            reasons.append(_("same name and date of birth"))
        if phone and patient.phone == phone:
            reasons.append(_("same phone number"))
        if email.strip() and patient.email.lower() == email.strip().lower():
            reasons.append(_("same e-mail"))
        found.append(PossibleDuplicate(patient, tuple(reasons)))
    return found


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
    fields = ("status", *HISTORY_LISTS, "notes")
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

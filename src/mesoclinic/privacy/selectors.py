"""Reads for privacy: retention dates, erasure requests, photos eligible for teaching or marketing, and the
patient's whole record as the export's ``patient.json``."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Collection
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Max, Model, QuerySet
from django.http import Http404
from django.utils.duration import duration_iso_string

from mesoclinic.accounts.models import Clinic, StaffMember
from mesoclinic.accounts.permissions import Capability, role_has
from mesoclinic.outcomes.models import Assessment, Photo, PhotoAnalysis
from mesoclinic.patients.models import Consent, MedicalHistory, Patient, PhotoUse
from mesoclinic.privacy.models import ErasureRequest, RequestStatus
from mesoclinic.safety.models import ScreeningRecord
from mesoclinic.scheduling.models import Appointment, Course, MaintenanceRecall
from mesoclinic.treatments.models import SessionRecord
from mesoclinic.vigilance.models import AdverseEvent, FollowUp

EXPORT_SCHEMA = "mesoclinic-patient-export/1"
LIBRARY_PURPOSES = (PhotoUse.TEACHING, PhotoUse.MARKETING)


# ---------------------------------------------------------------------------------------------------------
# Retention


def _as_date(value: datetime | date | None) -> date | None:
    if isinstance(value, datetime):
        return value.astimezone(UTC).date()
    return value


def last_clinical_entry(patient: Patient) -> date | None:
    """The day of the newest clinical entry: a session, screening, consent, history change, photo, scale,
    adverse event or follow-up. Appointments and registration are not clinical entries."""
    return last_clinical_entries([patient.pk])[patient.pk]


def last_clinical_entries(patient_ids: Collection[int]) -> dict[int, date | None]:
    """``last_clinical_entry`` of each of these patients, in eight queries however many they are."""
    newest: dict[int, date | None] = dict.fromkeys(patient_ids)
    sources: list[tuple[QuerySet[Any], str, str]] = [
        (SessionRecord.objects.all(), "patient_id", "performed_at"),
        (ScreeningRecord.objects.all(), "patient_id", "performed_at"),
        (Consent.objects.all(), "patient_id", "signed_at"),
        (Photo.objects.all(), "patient_id", "taken_at"),
        (Assessment.objects.all(), "patient_id", "assessed_on"),
        (AdverseEvent.objects.all(), "patient_id", "reported_at"),
        (FollowUp.objects.all(), "event__patient_id", "at"),
        (MedicalHistory.history.filter(history_type="~"), "patient_id", "history_date"),
    ]
    for queryset, patient_field, when in sources:
        rows = (
            queryset.filter(**{f"{patient_field}__in": list(newest)})
            .order_by()
            .values(patient_field)
            .annotate(d=Max(when))
            .values_list(patient_field, "d")
        )
        for patient_id, value in rows:
            day, known = _as_date(value), newest[patient_id]
            if day is not None and (known is None or day > known):
                newest[patient_id] = day
    return newest


def add_years(day: date, years: int) -> date:
    """The same day ``years`` later (29 February becomes 28 February in a common year)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def retention_ends_on(patient: Patient, *, years: int | None = None) -> date | None:
    """The first day the patient's records may be erased; None when there never was a clinical entry."""
    return retention_ends_for([patient.pk], years=years)[patient.pk]


def retention_ends_for(patient_ids: Collection[int], *, years: int | None = None) -> dict[int, date | None]:
    """``retention_ends_on`` of each of these patients, in eight queries however many they are."""
    years = settings.MESOCLINIC_RETENTION_YEARS if years is None else years
    return {
        patient_id: None if last is None else add_years(last, years)
        for patient_id, last in last_clinical_entries(patient_ids).items()
    }


def erasure_due(patient: Patient, *, today: date) -> bool:
    ends = retention_ends_on(patient)
    return ends is None or ends <= today


# ---------------------------------------------------------------------------------------------------------
# Requests


def requests_for_clinic(clinic: Clinic, *, status: str = "") -> QuerySet[ErasureRequest]:
    qs = ErasureRequest.objects.filter(clinic=clinic).select_related("patient", "recorded_by")
    return qs.filter(status=status) if status else qs


def open_request_for_patient(patient: Patient) -> ErasureRequest | None:
    return ErasureRequest.objects.filter(patient=patient, status=RequestStatus.RESTRICTED).first()


def get_request_for_user(staff: StaffMember | None, request_id: Any) -> ErasureRequest:
    """The erasure request with this id in the staff member's clinic, for ``manage_privacy``; else 404."""
    if staff is None or not role_has(staff.role, Capability.MANAGE_PRIVACY):
        raise Http404
    try:
        pk = int(request_id)
    except (TypeError, ValueError):
        raise Http404 from None
    found = ErasureRequest.objects.filter(pk=pk, clinic_id=staff.clinic_id).select_related("patient").first()
    if found is None:
        raise Http404
    return found


def due_requests(*, today: date, clinic: Clinic | None = None) -> list[ErasureRequest]:
    """Open requests whose patient may now be erased (retention over, or never a clinical entry)."""
    qs = ErasureRequest.objects.filter(status=RequestStatus.RESTRICTED, patient__isnull=False)
    if clinic is not None:
        qs = qs.filter(clinic=clinic)
    return [
        req
        for req in qs.select_related("patient").order_by("id")
        if req.patient is not None and erasure_due(req.patient, today=today)
    ]


# ---------------------------------------------------------------------------------------------------------
# Teaching and marketing


def photos_for_use(clinic: Clinic, purpose: PhotoUse | str) -> QuerySet[Photo]:
    """The clinic's photos that may be used for ``purpose`` *now*.

    Computed from the consent each photo was taken under, as it stands at this moment (never copied onto
    the photo): a withdrawn consent, or one whose scope lacks the purpose, removes its photos at once.
    Restricted patients' photos are never eligible.
    """
    purpose = str(purpose)
    if purpose not in {str(p) for p in LIBRARY_PURPOSES}:
        raise ValueError(f"not a library purpose: {purpose!r}")
    # JSON containment is not portable to SQLite; the consent scopes are few and small, so read them.
    consent_ids = [
        pk
        for pk, scope in Consent.objects.filter(clinic=clinic, withdrawn_at__isnull=True).values_list(
            "pk", "photo_use"
        )
        if purpose in (scope or [])
    ]
    return (
        Photo.objects.filter(clinic=clinic, consent_id__in=consent_ids, patient__restricted_at__isnull=True)
        .select_related("patient", "consent__template")
        .order_by("-taken_at", "-id")
    )


# ---------------------------------------------------------------------------------------------------------
# Export


def json_value(value: Any) -> Any:
    """A stored value as JSON (times in ISO 8601, decimals as strings)."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return duration_iso_string(value)
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


def row(obj: Model, *, skip: tuple[str, ...] = ("clinic_id",)) -> dict[str, Any]:
    """Every stored field of a row (foreign keys as ids), as JSON."""
    return {
        f.attname: json_value(getattr(obj, f.attname))
        for f in obj._meta.concrete_fields
        if f.attname not in skip
    }


def photo_archive_name(photo: Photo) -> str:
    return f"photos/{photo.pk}-{photo.view}{_suffix(photo.image.name or '')}"


def _suffix(name: str) -> str:
    dot = name.rfind(".")
    return name[dot:] if dot > name.rfind("/") else ""


def patient_export(patient: Patient, *, exported_at: datetime) -> dict[str, Any]:
    """The patient's whole record as one JSON document (schema ``mesoclinic-patient-export/1``)."""
    history = patient.medical_history
    sessions = (
        SessionRecord.objects.filter(patient=patient)
        .prefetch_related("products__lot__product", "products__lot__cocktail", "zones", "amendments")
        .order_by("performed_at", "id")
    )
    events = AdverseEvent.objects.filter(patient=patient).prefetch_related("follow_ups", "sessions", "lots")
    photos = Photo.objects.filter(patient=patient).order_by("taken_at", "id")
    analyses = {a.photo_id: a for a in PhotoAnalysis.objects.filter(photo__patient=patient)}
    return {
        "schema": EXPORT_SCHEMA,
        "exported_at": exported_at.isoformat(),
        "clinic": {"id": patient.clinic_id, "name": patient.clinic.name},
        "patient": row(patient, skip=("clinic_id", "restricted_at", "restriction_reason")),
        "medical_history": {
            "current": row(history, skip=()),
            "versions": [
                {
                    **{name: json_value(getattr(v, name)) for name in _HISTORY_FIELDS},
                    "changed_at": json_value(v.history_date),
                    "change": v.history_type,
                    "reason": v.history_change_reason or "",
                }
                for v in history.history.order_by("history_date", "history_id")
            ],
        },
        "screenings": [
            row(s) for s in ScreeningRecord.objects.filter(patient=patient).order_by("performed_at")
        ],
        "consents": [
            {
                **row(c),
                "form": {"title": c.template.title, "version": c.template.version, "body": c.template.body},
            }
            for c in Consent.objects.filter(patient=patient).select_related("template").order_by("signed_at")
        ],
        "appointments": [
            row(a) for a in Appointment.objects.filter(patient=patient).order_by("starts_at", "id")
        ],
        "courses": [row(c) for c in Course.objects.filter(patient=patient).order_by("created_at", "id")],
        "maintenance_recalls": [row(r) for r in MaintenanceRecall.objects.filter(patient=patient)],
        "sessions": [
            {
                **row(s),
                "products": [
                    {
                        **row(p),
                        "lot_number": p.lot.lot_number,
                        "expires_on": json_value(p.lot.expires_on),
                        "product": str(p.lot.product or p.lot.cocktail or ""),
                    }
                    for p in s.products.all()
                ],
                "zones": [row(z) for z in s.zones.all()],
                "amendments": [row(a) for a in s.amendments.all()],
            }
            for s in sessions
        ],
        "adverse_events": [
            {
                **row(e),
                "session_ids": sorted(s.pk for s in e.sessions.all()),
                "lots": sorted(lot.lot_number for lot in e.lots.all()),
                "follow_ups": [row(f, skip=()) for f in e.follow_ups.all()],
            }
            for e in events
        ],
        "photos": [
            {
                **row(p, skip=("clinic_id", "image", "thumbnail")),
                "file": photo_archive_name(p),
                "analysis": row(analyses[p.pk], skip=("overlays",)) if p.pk in analyses else None,
            }
            for p in photos
        ],
        "assessments": [
            row(a) for a in Assessment.objects.filter(patient=patient).order_by("assessed_on", "id")
        ],
    }


_HISTORY_FIELDS = ("conditions", "medications", "implants", "allergies", "notes")

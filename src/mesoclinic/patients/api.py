"""Patients API: registration, identity, the coded medical history (with its versions), consents."""
# No "from __future__ import annotations" here: django-ninja reads the handlers' annotations at runtime.

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from mesoclinic.accounts.api_auth import require
from mesoclinic.accounts.permissions import Capability
from mesoclinic.pagination import LimitOffsetPagination
from mesoclinic.patients import selectors, services
from mesoclinic.patients.models import Consent, MedicalHistory
from mesoclinic.patients.schemas import (
    ConsentIn,
    ConsentOut,
    ConsentTemplateOut,
    ConsentWithdrawIn,
    HistoryVersionOut,
    MedicalHistoryIn,
    MedicalHistoryOut,
    MedicalHistoryPatch,
    PatientIn,
    PatientOut,
    PatientPatch,
    PossibleDuplicatesOut,
)
from mesoclinic.patients.signals import ContactAnswer
from mesoclinic.patients.signature import SignatureError, decode_data_url
from mesoclinic.private_response import private

router = Router()


class PatientFilter(Schema):
    search: str = ""


def consent_out(consent: Consent) -> dict[str, Any]:
    return {
        "id": consent.pk,
        "modality": consent.template.modality.code,
        "template_id": consent.template_id,
        "template_title": consent.template.title,
        "template_version": consent.template.version,
        "signed_by": consent.signed_by,
        "signed_at": consent.signed_at,
        "photo_use": consent.photo_use,
        "withdrawn_at": consent.withdrawn_at,
        "is_valid": consent.is_valid,
        "has_signature": bool(consent.signature),
    }


def duplicates_out(exc: services.PossibleDuplicateError) -> dict[str, Any]:
    return {
        "detail": exc.messages[0],
        "duplicates": [
            {
                "id": d.patient.pk,
                "given_name": d.patient.given_name,
                "family_name": d.patient.family_name,
                "birth_date": d.patient.birth_date,
                "reasons": list(d.reasons),
            }
            for d in exc.duplicates
        ],
    }


@router.get("", response={200: list[PatientOut]})
@paginate(LimitOffsetPagination)
def list_patients(request: HttpRequest, filters: Query[PatientFilter]) -> Any:
    staff = require(request, Capability.VIEW_PATIENTS)
    return selectors.patients_for_clinic(staff.clinic, search=filters.search)


@router.post("", response={201: PatientOut, 409: PossibleDuplicatesOut})
def create_patient(request: HttpRequest, payload: PatientIn) -> Any:
    """Register a patient. 409 lists the patients it may duplicate; send again with allow_duplicate."""
    staff = require(request, Capability.EDIT_PATIENTS)
    fields = payload.dict(exclude={"contact_consent", "contact_channels"})
    allow = fields.pop("allow_duplicate")
    channels = set(payload.contact_channels) if payload.contact_consent else set()
    answer = ContactAnswer(consent=payload.contact_consent, email="email" in channels, sms="sms" in channels)
    try:
        patient = services.register_patient(
            staff.clinic, actor=request.user, contact=answer, allow_duplicate=allow, **fields
        )
    except services.PossibleDuplicateError as exc:
        return Status(409, duplicates_out(exc))
    return Status(201, patient)


@router.get("/{patient_id}", response={200: PatientOut})
def get_patient(request: HttpRequest, patient_id: int) -> Any:
    staff = require(request, Capability.VIEW_PATIENTS)
    return selectors.get_patient_for_user(staff, patient_id)


@router.patch("/{patient_id}", response={200: PatientOut, 409: PossibleDuplicatesOut})
def patch_patient(request: HttpRequest, patient_id: int, payload: PatientPatch) -> Any:
    """Change a patient's details. 409 lists the patients the change would make it look like."""
    staff = require(request, Capability.EDIT_PATIENTS)
    patient = selectors.get_patient_for_user(staff, patient_id)
    fields = payload.dict(exclude_unset=True)
    allow = bool(fields.pop("allow_duplicate", False))
    try:
        return services.update_patient(patient, actor=request.user, allow_duplicate=allow, **fields)
    except services.PossibleDuplicateError as exc:
        return Status(409, duplicates_out(exc))


def history_out(history: MedicalHistory) -> dict[str, Any]:
    user = history.confirmed_by
    staff = getattr(user, "staff", None) if user is not None else None
    return {
        **{name: getattr(history, name) for name in (*services.HISTORY_FIELDS, "status", "updated_at")},
        "confirmed_by": (getattr(staff, "display_name", None) or user.get_username()) if user else None,
        "confirmed_at": history.confirmed_at,
    }


def _history_data(data: dict[str, Any]) -> dict[str, Any]:
    if data.get("medications") is not None:
        data["medications"] = [
            {"code": m["code"], "stopped": m["stopped"].isoformat() if m.get("stopped") else None}
            for m in data["medications"]
        ]
    return data


@router.get("/{patient_id}/history", response={200: MedicalHistoryOut})
def get_history(request: HttpRequest, patient_id: int) -> Any:
    staff = require(request, Capability.VIEW_CLINICAL)
    return history_out(selectors.get_patient_for_user(staff, patient_id).medical_history)


@router.put("/{patient_id}/history", response={200: MedicalHistoryOut})
def put_history(request: HttpRequest, patient_id: int, payload: MedicalHistoryIn) -> Any:
    """Replace the whole history with this complete document (every field, a status and a reason)."""
    staff = require(request, Capability.EDIT_CLINICAL)
    patient = selectors.get_patient_for_user(staff, patient_id)
    history = services.update_medical_history(patient, actor=request.user, **_history_data(payload.dict()))
    return history_out(history)


@router.patch("/{patient_id}/history", response={200: MedicalHistoryOut})
def patch_history(request: HttpRequest, patient_id: int, payload: MedicalHistoryPatch) -> Any:
    """Change only the fields named (at least one besides the reason); the others stay as they are."""
    staff = require(request, Capability.EDIT_CLINICAL)
    patient = selectors.get_patient_for_user(staff, patient_id)
    fields = _history_data(payload.dict(exclude_unset=True))
    reason = fields.pop("reason")
    return history_out(services.patch_medical_history(patient, actor=request.user, reason=reason, **fields))


@router.get("/{patient_id}/history/versions", response={200: list[HistoryVersionOut]})
def history_versions(request: HttpRequest, patient_id: int) -> Any:
    staff = require(request, Capability.VIEW_CLINICAL)
    return selectors.medical_history_versions(selectors.get_patient_for_user(staff, patient_id))


@router.get("/{patient_id}/consents", response={200: list[ConsentOut]})
def list_consents(request: HttpRequest, patient_id: int) -> Any:
    staff = require(request, Capability.VIEW_PATIENTS)
    patient = selectors.get_patient_for_user(staff, patient_id)
    return [consent_out(c) for c in selectors.consents_for_patient(patient)]


@router.post("/{patient_id}/consents", response={201: ConsentOut})
def create_consent(request: HttpRequest, patient_id: int, payload: ConsentIn) -> Any:
    staff = require(request, Capability.RECORD_CONSENT)
    patient = selectors.get_patient_for_user(staff, patient_id)
    template = selectors.get_consent_template_for_clinic(staff.clinic, payload.template_id)
    try:
        signature = decode_data_url(payload.signature_png)
    except SignatureError as exc:
        raise ValidationError({"signature_png": gettext(str(exc))}) from None  # marked N_ in the pure module
    consent = services.record_consent(
        patient,
        template=template,
        signed_by=payload.signed_by,
        photo_use=payload.photo_use,
        signed_at=payload.signed_at,
        signature=signature,
        actor=request.user,
    )
    return Status(201, consent_out(consent))


@router.get(
    "/{patient_id}/consents/{consent_id}/signature",
    response={200: None},
    openapi_extra={"responses": {200: {"content": {"image/png": {}}}}},
)
def consent_signature(request: HttpRequest, patient_id: int, consent_id: int) -> HttpResponse:
    """The signature drawn for the consent (PNG); 404 when it was signed on paper."""
    staff = require(request, Capability.VIEW_PATIENTS)
    consent = selectors.get_consent_for_patient(selectors.get_patient_for_user(staff, patient_id), consent_id)
    if not consent.signature:
        raise Http404
    return private(HttpResponse(bytes(consent.signature), content_type="image/png"))


@router.post("/{patient_id}/consents/{consent_id}/withdraw", response={200: ConsentOut})
def withdraw_consent(
    request: HttpRequest, patient_id: int, consent_id: int, payload: ConsentWithdrawIn
) -> Any:
    staff = require(request, Capability.RECORD_CONSENT)
    patient = selectors.get_patient_for_user(staff, patient_id)
    consent = selectors.get_consent_for_patient(patient, consent_id)
    return consent_out(services.withdraw_consent(consent, reason=payload.reason, actor=request.user))


@router.get("/consent-templates/current", response={200: list[ConsentTemplateOut]})
def consent_templates(request: HttpRequest) -> Any:
    staff = require(request, Capability.VIEW_PATIENTS)
    return [
        {
            "id": t.pk,
            "modality": t.modality.code,
            "version": t.version,
            "title": t.title,
            "body": t.body,
            "created_at": t.created_at,
        }
        for t in selectors.current_consent_templates(staff.clinic)
    ]

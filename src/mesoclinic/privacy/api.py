"""Privacy API: the patient export (ZIP), erasure requests, and the teaching/marketing photo library."""
# No "from __future__ import annotations" here: django-ninja reads the handlers' annotations at runtime.

from datetime import date
from typing import Any, Literal

from django.http import HttpRequest, StreamingHttpResponse
from django.utils import timezone
from ninja import Router, Status
from ninja.pagination import LimitOffsetPagination, paginate

from mesoclinic.accounts.api_auth import require
from mesoclinic.accounts.permissions import Capability
from mesoclinic.audit.reads import note_read_audited
from mesoclinic.patients.selectors import get_patient_for_user
from mesoclinic.privacy import selectors, services
from mesoclinic.privacy.export import stream_patient_zip
from mesoclinic.privacy.models import ErasureRequest
from mesoclinic.privacy.schemas import ErasureRequestIn, ErasureRequestOut, LibraryPhotoOut, WithdrawIn
from mesoclinic.private_response import private

router = Router()


def request_out(item: ErasureRequest, ends: dict[int, date | None] | None = None) -> dict[str, Any]:
    """The request as the API shows it; ``ends``: the retention ends of a list's patients, read at once
    (``selectors.retention_ends_for``); without it, this one request's is read."""
    retained_until = None
    if item.patient_id is not None and ends is not None:
        retained_until = ends[item.patient_id]
    elif item.patient is not None:
        retained_until = selectors.retention_ends_on(item.patient)
    return {
        "id": item.pk,
        "patient_id": item.patient_id,
        "patient_ref": item.patient_ref,
        "requested_at": item.requested_at,
        "requested_by": item.requested_by,
        "channel": item.channel,
        "reason": item.reason,
        "status": item.status,
        "legal_basis": item.legal_basis,
        "erased_at": item.erased_at,
        "retained_until": retained_until,
    }


@router.get(
    "/patients/{patient_id}/export",
    response={200: None},
    openapi_extra={"responses": {200: {"content": {"application/zip": {}}}}},
)
def export_patient(request: HttpRequest, patient_id: int) -> StreamingHttpResponse:
    """The patient's whole record as a ZIP (patient.json, photos/, README.txt); audited as an export."""
    staff = require(request, Capability.EXPORT_PATIENT_DATA)
    patient = get_patient_for_user(staff, patient_id)
    services.record_patient_export(patient, channel="api", actor=request.user)
    note_read_audited(request)  # the row above is this read\'s audit event
    response = StreamingHttpResponse(
        stream_patient_zip(patient, exported_at=timezone.now()), content_type="application/zip"
    )
    response["Content-Disposition"] = f'attachment; filename="patient-{patient.pk}-export.zip"'
    return private(response)


@router.get("/erasure-requests", response={200: list[ErasureRequestOut]})
@paginate(LimitOffsetPagination)
def list_requests(request: HttpRequest, status: str = "") -> Any:
    staff = require(request, Capability.MANAGE_PRIVACY)
    items = list(selectors.requests_for_clinic(staff.clinic, status=status))
    ends = selectors.retention_ends_for([item.patient_id for item in items if item.patient_id is not None])
    return [request_out(item, ends) for item in items]


@router.post("/patients/{patient_id}/erasure-requests", response={201: ErasureRequestOut})
def create_request(request: HttpRequest, patient_id: int, payload: ErasureRequestIn) -> Any:
    staff = require(request, Capability.MANAGE_PRIVACY)
    patient = get_patient_for_user(staff, patient_id)
    item = services.record_erasure_request(patient, actor=request.user, **payload.dict())
    return Status(201, request_out(item))


@router.post("/erasure-requests/{request_id}/withdraw", response={200: ErasureRequestOut})
def withdraw_request(request: HttpRequest, request_id: int, payload: WithdrawIn) -> Any:
    staff = require(request, Capability.MANAGE_PRIVACY)
    item = selectors.get_request_for_user(staff, request_id)
    return request_out(services.withdraw_erasure_request(item, reason=payload.reason, actor=request.user))


@router.post("/erasure-requests/{request_id}/erase", response={200: ErasureRequestOut})
def erase(request: HttpRequest, request_id: int) -> Any:
    """Erase now; refused (422) while the retention period runs."""
    staff = require(request, Capability.MANAGE_PRIVACY)
    item = selectors.get_request_for_user(staff, request_id)
    return request_out(services.erase_patient(item, today=staff.clinic.today(), actor=request.user))


@router.get("/library", response={200: list[LibraryPhotoOut]})
@paginate(LimitOffsetPagination)
def library(request: HttpRequest, purpose: Literal["teaching", "marketing"] = "teaching") -> Any:
    """Photos whose consent allows ``purpose`` (teaching or marketing) at this moment."""
    staff = require(request, Capability.USE_PHOTO_LIBRARY)
    return selectors.photos_for_use(staff.clinic, purpose)

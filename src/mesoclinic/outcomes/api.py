"""The outcomes router of the JSON API: photos (metadata, quality, metrics, files) and scales.

Every handler checks the role (``view_photos`` / ``take_photos``) and fetches through the clinic-scoped
helpers, so another clinic's photo or patient is a 404.
"""

# No "from __future__ import annotations" here: django-ninja reads the handlers' annotations at runtime.

from datetime import datetime
from typing import Any

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest
from django.utils import timezone
from ninja import File, Form, Router, Status, UploadedFile

from mesoclinic.accounts.api_auth import require
from mesoclinic.accounts.permissions import Capability
from mesoclinic.outcomes import selectors, services
from mesoclinic.outcomes.models import Assessment, Photo
from mesoclinic.outcomes.schemas import AssessmentIn, AssessmentOut, BaselineIn, BaselineOut, PhotoOut
from mesoclinic.patients.selectors import get_patient_for_user
from mesoclinic.private_response import private
from mesoclinic.treatments.selectors import get_session_for_user

router = Router()


def _photo_out(photo: Photo) -> dict[str, Any]:
    analysis = getattr(photo, "analysis", None)
    return {
        "id": photo.pk,
        "patient_id": photo.patient_id,
        "session_id": photo.session_id,
        "consent_id": photo.consent_id,
        "view": photo.view,
        "taken_at": photo.taken_at,
        "width": photo.width,
        "height": photo.height,
        "size_bytes": photo.size_bytes,
        "sha256": photo.sha256,
        "conditions": photo.conditions,
        "quality": photo.quality,
        "analysis_status": analysis.status if analysis else "pending",
        "region_mode": analysis.region_mode if analysis else "",
        "baseline_id": analysis.baseline_id if analysis else None,
        "metrics": analysis.metrics if analysis else {},
        "analysis_error": analysis.error if analysis else "",
        "retake_of_id": photo.retake_of_id,
    }


@router.get("/patients/{patient_id}/photos", response={200: list[PhotoOut]})
def list_photos(request: HttpRequest, patient_id: int) -> list[dict[str, Any]]:
    staff = require(request, Capability.VIEW_PHOTOS)
    patient = get_patient_for_user(staff, patient_id)
    return [_photo_out(photo) for photo in selectors.photos_for_patient(patient)]


@router.post("/patients/{patient_id}/photos", response={201: PhotoOut})
def upload(  # noqa: PLR0917 — ninja reads each multipart form field from the signature
    request: HttpRequest,
    patient_id: int,
    file: File[UploadedFile],
    view: Form[str],
    taken_at: Form[datetime | None] = None,
    session_id: Form[int | None] = None,
    skin_cleansed: Form[bool] = False,
    lighting: Form[str] = "",
    camera: Form[str] = "",
    distance_cm: Form[int | None] = None,
    retake_of_id: Form[int | None] = None,
) -> Any:
    """Upload a photo; ``retake_of_id`` names a photo of the same view that failed the quality check."""
    staff = require(request, Capability.TAKE_PHOTOS)
    patient = get_patient_for_user(staff, patient_id)
    session = get_session_for_user(staff, session_id) if session_id else None
    retake = selectors.get_photo_for_user(staff, retake_of_id) if retake_of_id else None
    photo = services.upload_photo(
        patient,
        file,
        view=view,
        taken_at=taken_at or timezone.now(),
        conditions={
            "skin_cleansed": skin_cleansed,
            "lighting": lighting,
            "camera": camera,
            "distance_cm": distance_cm,
        },
        session=session,
        retake_of=retake,
        actor=request.user,
    )
    photo = selectors.get_photo_for_user(staff, photo.pk)
    return Status(201, _photo_out(photo))


@router.get("/photos/{photo_id}", response={200: PhotoOut})
def photo_detail(request: HttpRequest, photo_id: int) -> dict[str, Any]:
    staff = require(request, Capability.VIEW_PHOTOS)
    return _photo_out(selectors.get_photo_for_user(staff, photo_id))


@router.post("/photos/{photo_id}/baseline", response={201: BaselineOut})
def choose_baseline(request: HttpRequest, photo_id: int, payload: BaselineIn) -> Any:
    """Make the photo its patient's baseline of its view from now on; the earlier baseline is kept."""
    staff = require(request, Capability.TAKE_PHOTOS)
    photo = selectors.get_photo_for_user(staff, photo_id)
    choice = services.choose_baseline(photo, reason=payload.reason, actor=request.user)
    return Status(
        201,
        {
            "id": choice.pk,
            "patient_id": choice.patient_id,
            "view": choice.view,
            "photo_id": choice.photo_id,
            "previous_id": choice.previous_id,
            "reason": choice.reason,
            "chosen_at": choice.chosen_at,
        },
    )


@router.get(
    "/photos/{photo_id}/file",
    response={200: None},
    openapi_extra={"responses": {200: {"content": {"image/jpeg": {}}}}},
)
def photo_download(request: HttpRequest, photo_id: int) -> FileResponse:
    staff = require(request, Capability.VIEW_PHOTOS)
    photo = selectors.get_photo_for_user(staff, photo_id)
    if not photo.image.name or not default_storage.exists(photo.image.name):
        raise Http404
    return private(
        FileResponse(default_storage.open(photo.image.name, "rb"), content_type=photo.content_type)
    )


@router.get("/patients/{patient_id}/assessments", response={200: list[AssessmentOut]})
def list_assessments(request: HttpRequest, patient_id: int) -> list[Assessment]:
    staff = require(request, Capability.VIEW_PHOTOS)
    patient = get_patient_for_user(staff, patient_id)
    return list(selectors.assessments_for_patient(patient))


@router.post("/patients/{patient_id}/assessments", response={201: AssessmentOut})
def create_assessment(request: HttpRequest, patient_id: int, payload: AssessmentIn) -> Any:
    staff = require(request, Capability.TAKE_PHOTOS)
    patient = get_patient_for_user(staff, patient_id)
    data = payload.dict()
    session_id = data.pop("session_id")
    session = get_session_for_user(staff, session_id) if session_id else None
    assessment = services.record_assessment(
        patient,
        timing=data.pop("timing"),
        assessed_on=data.pop("assessed_on"),
        notes=data.pop("notes"),
        session=session,
        actor=request.user,
        **data,
    )
    return Status(201, assessment)

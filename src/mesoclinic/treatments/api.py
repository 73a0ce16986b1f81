"""Session records API: a patient's sessions, one record, open from an appointment, edit the draft, the
day-of screening, sign (422 with the reasons when refused), amend; a course's progress."""
# No "from __future__ import annotations" here: django-ninja reads the handlers' annotations at runtime.

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router

from mesoclinic.accounts.api_auth import require
from mesoclinic.accounts.permissions import Capability
from mesoclinic.patients.selectors import get_patient_for_user
from mesoclinic.scheduling.selectors import get_appointment_for_user, get_course_for_user
from mesoclinic.treatments import selectors, services
from mesoclinic.treatments.models import SessionRecord
from mesoclinic.treatments.schemas import AmendIn, CourseProgressOut, DayOfIn, DraftPatch, SessionOut, SignIn

router = Router()


def session_out(record: SessionRecord) -> dict[str, Any]:
    return {
        "id": record.pk,
        "patient_id": record.patient_id,
        "course_id": record.course_id,
        "appointment_id": record.appointment_id,
        "modality": record.modality,
        "performed_at": record.performed_at,
        "status": record.status,
        "signed_at": record.signed_at,
        "screening_decision": record.screening.decision if record.screening else None,
        "parameters": record.parameters,
        "duration_minutes": record.duration_minutes,
        "aftercare": record.aftercare,
        "notes": record.notes,
        "amendment_count": record.amendment_count,
        "products": [
            {
                "id": p.pk,
                "lot_id": p.lot_id,
                "lot_number": p.lot.lot_number,
                "expires_on": p.lot.expires_on,
                "quantity": p.quantity,
                "unit": p.unit,
                "voided": p.voided_by_id is not None,
            }
            for p in record.products.all()
        ],
        "zones": [
            {"zone": z.zone, "volume_ml": z.volume_ml, "voided": z.voided_by_id is not None}
            for z in record.zones.all()
        ],
    }


def _fresh(request: HttpRequest, record_id: int) -> dict[str, Any]:
    return session_out(selectors.get_session_for_user(request.staff, record_id))  # type: ignore[attr-defined]  # set on the request by the API's auth (accounts.api_auth)


@router.get("/patients/{patient_id}", response={200: list[SessionOut]})
def patient_sessions(request: HttpRequest, patient_id: int) -> list[dict[str, Any]]:
    staff = require(request, Capability.VIEW_CLINICAL)
    patient = get_patient_for_user(staff, patient_id)
    return [session_out(record) for record in selectors.sessions_with_lines_for_patient(patient, limit=200)]


@router.get("/{int:record_id}", response={200: SessionOut})
def session_detail(request: HttpRequest, record_id: int) -> dict[str, Any]:
    require(request, Capability.VIEW_CLINICAL)
    return _fresh(request, record_id)


@router.post("/open/{appointment_id}", response={201: SessionOut})
def session_open(request: HttpRequest, appointment_id: int) -> tuple[int, dict[str, Any]]:
    staff = require(request, Capability.EDIT_CLINICAL)
    record = services.open_session(get_appointment_for_user(staff, appointment_id), actor=request.user)
    return 201, _fresh(request, record.pk)


@router.patch("/{int:record_id}", response={200: SessionOut})
def session_update(request: HttpRequest, record_id: int, payload: DraftPatch) -> dict[str, Any]:
    staff = require(request, Capability.EDIT_CLINICAL)
    record = selectors.get_session_for_user(staff, record_id)
    fields = payload.dict(exclude_unset=True)
    for name in ("products", "zones"):  # null leaves the lines as they are; [] removes them all
        if name in fields and fields[name] is None:
            del fields[name]
    if "products" in fields:
        fields["products"] = [
            (selectors.get_lot_in_clinic(staff.clinic_id, line["lot_id"]), line["quantity"])
            for line in fields["products"]
        ]
    if "zones" in fields:
        fields["zones"] = [(z["zone"], z.get("volume_ml")) for z in fields["zones"]]  # volume may be left out
    services.update_session_draft(record, actor=request.user, **fields)
    return _fresh(request, record_id)


@router.post("/{int:record_id}/screening", response={200: SessionOut})
def session_screening(request: HttpRequest, record_id: int, payload: DayOfIn) -> dict[str, Any]:
    staff = require(request, Capability.EDIT_CLINICAL)
    services.record_day_of_screening(
        selectors.get_session_for_user(staff, record_id), payload.answers, actor=request.user
    )
    return _fresh(request, record_id)


@router.post("/{int:record_id}/sign", response={200: SessionOut})
def session_sign(request: HttpRequest, record_id: int, payload: SignIn) -> dict[str, Any]:
    """Refused with 422 and ``errors.sign``: every reason in plain words; nothing is written."""
    staff = require(request, Capability.EDIT_CLINICAL)
    record = selectors.get_session_for_user(staff, record_id)
    services.sign_session(record, actor=request.user, override_reason=payload.override_reason)
    return _fresh(request, record_id)


@router.post("/{int:record_id}/amend", response={200: SessionOut})
def session_amend(request: HttpRequest, record_id: int, payload: AmendIn) -> dict[str, Any]:
    staff = require(request, Capability.EDIT_CLINICAL)
    record = selectors.get_session_for_user(staff, record_id)
    changes = payload.dict(exclude_unset=True)
    reason = changes.pop("reason")
    services.amend_session(record, reason=reason, actor=request.user, **changes)
    return _fresh(request, record_id)


@router.get("/courses/{course_id}", response={200: CourseProgressOut})
def course_progress(request: HttpRequest, course_id: int) -> dict[str, Any]:
    staff = require(request, Capability.VIEW_SCHEDULE)
    progress = selectors.course_progress(get_course_for_user(staff, course_id), now=timezone.now())
    return {
        "id": progress.course.pk,
        "status": progress.course.status,
        "done": progress.done,
        "on_time": progress.on_time,
        "late": progress.late,
        "missed": progress.missed,
        "upcoming": progress.upcoming,
        "elsewhere": progress.elsewhere,
        "adherence_percent": progress.adherence_percent,
        "sessions": [
            {
                "appointment_id": s.appointment.pk,
                "session_index": s.appointment.session_index,
                "starts_at": s.appointment.starts_at,
                "state": s.state,
                "reason": s.reason,
                "record_id": s.record_id,
                "elsewhere": s.elsewhere,
            }
            for s in progress.sessions
        ],
    }

"""Session record screens (tablet-first), the patient's appointments and sessions, and a course's progress.

Every view fetches through a clinic-scoped helper (404 for other clinics), calls a service for any
change and renders or redirects. Nothing typed is lost on a refusal: the draft is saved first, and the
refusal is shown beside what was typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from mesoclinic.accounts.decorators import staff_required
from mesoclinic.accounts.http import ClinicRequest
from mesoclinic.accounts.permissions import Capability, role_has
from mesoclinic.catalog.data_file import zone_names, zones
from mesoclinic.csv_export import csv_export, wants_csv
from mesoclinic.inventory.selectors import get_lot_in_clinic
from mesoclinic.patients.selectors import get_patient_for_user
from mesoclinic.patients.views import chart_context
from mesoclinic.scheduling.selectors import (
    appointments_for_patient,
    get_appointment_for_user,
    get_course_for_user,
)
from mesoclinic.treatments import selectors, services
from mesoclinic.treatments.dayof import QUESTIONS, day_of_notes
from mesoclinic.treatments.models import SessionRecord
from mesoclinic.treatments.parameters import describe_range, parameter_problems, typing_problems

# Where each face zone sits on the drawn face (a 200 × 260 viewBox): an ellipse per zone.
FACE_SHAPES: dict[str, tuple[int, int, int, int]] = {
    "forehead": (100, 50, 52, 20),
    "glabella": (100, 86, 12, 10),
    "periorbital_left": (134, 100, 20, 11),
    "periorbital_right": (66, 100, 20, 11),
    "cheek_left": (145, 140, 20, 24),
    "cheek_right": (55, 140, 20, 24),
    "nasolabial_left": (122, 160, 8, 18),
    "nasolabial_right": (78, 160, 8, 18),
    "perioral": (100, 188, 24, 10),
    "chin": (100, 218, 18, 12),
    "jawline": (100, 240, 60, 8),
}


@dataclass(frozen=True)
class ZoneRow:
    code: str
    name: str
    region: str
    checked: bool
    volume: str
    shape: tuple[int, int, int, int] | None


@dataclass(frozen=True)
class ParameterField:
    code: str
    label: str
    type: str
    unit: str
    min: Any
    max: Any
    choices: list[str]
    required: bool
    value: str
    range: str
    error: str


def _session_url(record: SessionRecord) -> str:
    return reverse("treatments:session", args=[record.pk])


def _zone_rows(record: SessionRecord, posted: dict[str, str] | None) -> list[ZoneRow]:
    current = {z.zone: z.volume_ml for z in record.zones.all() if z.voided_by_id is None}
    rows = []
    for zone in zones():
        code = zone["code"]
        if posted is not None:
            checked, volume = code in posted, posted.get(code, "")
        else:
            checked = code in current
            amount = current.get(code)
            volume = "" if amount is None else f"{amount.normalize():f}"
        rows.append(ZoneRow(code, zone["name"], zone["region"], checked, volume, FACE_SHAPES.get(code)))
    return rows


def _parameter_fields(
    record: SessionRecord, values: dict[str, Any], show_errors: bool, show_typing_errors: bool = False
) -> list[ParameterField]:
    modality = selectors.modality_for(record)
    definitions = list(modality.parameters) if modality else []
    errors: dict[str, str] = {}
    if show_errors:
        errors = {p.code: p.message for p in parameter_problems(definitions, values, _)}
    elif show_typing_errors:
        errors = {p.code: p.message for p in typing_problems(definitions, values, _)}
    return [
        ParameterField(
            code=d["code"],
            label=_(d.get("label") or d["code"]),
            type=d.get("type", "text"),
            unit=d.get("unit") or "",
            min=d.get("min"),
            max=d.get("max"),
            choices=[str(c) for c in d.get("choices") or []],
            required=bool(d.get("required")),
            value="" if values.get(d["code"]) is None else str(values[d["code"]]),
            range=describe_range(d, _),
            error=errors.get(d["code"], ""),
        )
        for d in definitions
    ]


def _render(
    request: ClinicRequest, record: SessionRecord, *, status: int = 200, **extra: Any
) -> HttpResponse:
    posted_zones = extra.pop("posted_zones", None)
    values = extra.pop("posted_parameters", None) or record.parameters
    lines = [line for line in record.products.all()]
    context: dict[str, Any] = {
        "record": record,
        "patient": record.patient,
        "questions": QUESTIONS,
        "answers": record.day_of_answers,
        "day_notes": day_of_notes(record.day_of_answers),
        "zones": _zone_rows(record, posted_zones),
        "face_zones": [z for z in _zone_rows(record, posted_zones) if z.shape],
        "parameters": _parameter_fields(
            record,
            values,
            show_errors=bool(extra.get("sign_errors")),
            show_typing_errors=bool((extra.get("errors") or {}).get("parameters")),
        ),
        "lines": [line for line in lines if line.voided_by_id is None],
        "voided_lines": [line for line in lines if line.voided_by_id is not None],
        "zone_names": zone_names(),
        "may_edit": role_has(request.staff.role, Capability.EDIT_CLINICAL),
        "may_override": role_has(request.staff.role, Capability.OVERRIDE_SCREENING),
        "amendments": list(record.amendments.all()),
        "active_zones": [z for z in record.zones.all() if z.voided_by_id is None],
    }
    context.update(extra)
    return render(request, "treatments/session.html", context, status=status)


@require_POST
@staff_required(Capability.EDIT_CLINICAL)
def session_open(request: ClinicRequest, appointment_id: int) -> HttpResponse:
    appointment = get_appointment_for_user(request.staff, appointment_id)
    record = services.open_session(appointment, actor=request.user)
    return HttpResponseRedirect(_session_url(record))


@require_GET
@staff_required(Capability.VIEW_CLINICAL)
def session_detail(request: ClinicRequest, record_id: int) -> HttpResponse:
    return _render(request, selectors.get_session_for_user(request.staff, record_id))


@require_POST
@staff_required(Capability.EDIT_CLINICAL)
def session_screening(request: ClinicRequest, record_id: int) -> HttpResponse:
    record = selectors.get_session_for_user(request.staff, record_id)
    answers = {q.code: request.POST.get(q.code, "") for q in QUESTIONS}
    try:
        screening = services.record_day_of_screening(record, answers, actor=request.user)
    except ValidationError as exc:
        return _render(request, record, status=422, form_errors=exc.messages)
    messages.success(
        request, _("Day-of screening done: %(decision)s.") % {"decision": screening.get_decision_display()}
    )
    return HttpResponseRedirect(_session_url(record) + "#screening")


def _posted_lines(request: ClinicRequest, record: SessionRecord) -> list[tuple[Any, str]]:
    lots = request.POST.getlist("line_lot")
    quantities = request.POST.getlist("line_quantity")
    removed = set(request.POST.getlist("line_remove"))
    lines = []
    for index, (lot_id, quantity) in enumerate(zip(lots, quantities, strict=False)):
        if str(index) in removed:
            continue
        lines.append((get_lot_in_clinic(record.clinic_id, lot_id), quantity))
    return lines


def _scan_refusal(record: SessionRecord, lot: Any, quantity: str) -> str:
    """Why the scanned lot may not go into this session, at the moment it is scanned (empty: it may)."""
    try:
        amount = services.clean_quantity(quantity, "scan")
    except ValidationError as exc:
        return " ".join(exc.messages)
    return services.lot_refusal(record, lot, amount)


@require_POST
@staff_required(Capability.EDIT_CLINICAL)
def session_save(request: ClinicRequest, record_id: int) -> HttpResponse:
    """Save the draft (zones, lots, parameters, notes); ``action`` adds a scanned lot or signs after saving."""
    record = selectors.get_session_for_user(request.staff, record_id)
    action = request.POST.get("action", "save")
    posted_zones = {
        code: request.POST.get(f"volume_{code}", "").strip() for code in request.POST.getlist("zone")
    }
    modality = selectors.modality_for(record)
    posted_parameters = {
        d["code"]: request.POST.get(f"param_{d['code']}", "")
        for d in (modality.parameters if modality else [])
    }
    lines = _posted_lines(request, record)
    scan = request.POST.get("scan", "").strip()
    errors: dict[str, list[str]] = {}
    if scan:
        found = selectors.lots_for_scan(request.clinic, scan)
        if len(found) == 1:
            quantity = request.POST.get("scan_quantity", "").strip() or "1"
            refused = _scan_refusal(record, found[0], quantity)
            if refused:
                errors["scan"] = [refused]  # not added; the rest of the draft is still saved
            else:
                lines.append((found[0], quantity))
        elif not found:
            errors["scan"] = [
                _("No lot “%(text)s” in this clinic's stock. Check the number or receive the lot first.")
                % {"text": scan}
            ]
        else:
            errors["scan"] = [
                _("“%(text)s” matches several lots; scan the full barcode instead.") % {"text": scan}
            ]
    try:
        services.update_session_draft(
            record,
            actor=request.user,
            zones=list(posted_zones.items()),
            products=lines,
            parameters=posted_parameters,
            duration_minutes=request.POST.get("duration_minutes", ""),
            aftercare=request.POST.get("aftercare", ""),
            notes=request.POST.get("notes", ""),
        )
    except ValidationError as exc:
        errors.update(exc.message_dict)
    record = selectors.get_session_for_user(request.staff, record_id)
    if errors:
        return _render(
            request,
            record,
            status=422,
            errors=errors,
            posted_zones=posted_zones,
            posted_parameters=posted_parameters,
            scan=scan,
            posted=request.POST,
        )
    if action == "sign":
        try:
            services.sign_session(
                record, actor=request.user, override_reason=request.POST.get("override_reason", "")
            )
        except ValidationError as exc:
            return _render(
                request,
                record,
                status=422,
                sign_errors=exc.message_dict.get("sign", exc.messages),
                override_reason=request.POST.get("override_reason", ""),
            )
        messages.success(request, _("The session record is signed and locked."))
    elif action == "add_lot" and scan:
        messages.success(request, _("Lot added."))
    else:
        messages.success(request, _("Draft saved."))
    return HttpResponseRedirect(_session_url(record) + ("#lots" if action == "add_lot" else ""))


@require_POST
@staff_required(Capability.EDIT_CLINICAL)
def session_amend(request: ClinicRequest, record_id: int) -> HttpResponse:
    record = selectors.get_session_for_user(request.staff, record_id)
    changes: dict[str, Any] = {}
    for name in ("notes", "aftercare", "duration_minutes"):
        if name in request.POST:
            changes[name] = request.POST.get(name, "")
    void = set(request.POST.getlist("void_product"))
    if void:
        changes["void_products"] = [line for line in record.products.all() if str(line.pk) in void]
    try:
        services.amend_session(record, reason=request.POST.get("reason", ""), actor=request.user, **changes)
    except ValidationError as exc:
        return _render(
            request,
            record,
            status=422,
            amend_errors=exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages},
            amend_posted=request.POST,
        )
    messages.success(request, _("Amendment recorded. The earlier values are kept in the history."))
    return HttpResponseRedirect(_session_url(record) + "#amendments")


def _sessions_csv(request: ClinicRequest, patient: Any, records: Any) -> HttpResponseBase:
    """The Sessions tab as CSV: when, what, who and whether signed (no clinical notes, as on the tab)."""
    tz = ZoneInfo(patient.clinic.timezone)
    rows = (
        [
            r.pk,
            r.performed_at.astimezone(tz),
            r.protocol.name if r.protocol_id else "",
            r.modality,
            r.course_id,
            r.appointment_id,
            r.practitioner.display_name,
            r.status,
            r.signed_at.astimezone(tz) if r.signed_at else None,
        ]
        for r in records
    )
    header = [
        "session_id",
        "performed_at",
        "protocol",
        "modality",
        "course_id",
        "appointment_id",
        "practitioner",
        "status",
        "signed_at",
    ]
    return csv_export(
        request, f"sessions-patient-{patient.pk}.csv", header, rows, list_name="sessions", subject=patient
    )


@require_GET
@staff_required(Capability.VIEW_PATIENTS)
def patient_sessions(request: ClinicRequest, patient_id: int) -> HttpResponseBase:
    patient = get_patient_for_user(request.staff, patient_id)
    records = selectors.sessions_for_patient(patient)
    if wants_csv(request):
        return _sessions_csv(request, patient, records)
    context = chart_context(request, patient, tab="sessions")
    now = timezone.now()
    appointments = list(appointments_for_patient(patient))
    context.update(
        records=records,
        clinical=role_has(request.staff.role, Capability.VIEW_CLINICAL),
        upcoming=[a for a in reversed(appointments) if a.ends_at >= now],
        past=[a for a in appointments if a.ends_at < now],
    )
    return render(request, "treatments/patient_sessions.html", context)


def _course_csv(request: ClinicRequest, course: Any, progress: Any) -> HttpResponseBase:
    """A course's planned sessions with their state, as on its page."""
    tz = ZoneInfo(course.patient.clinic.timezone)
    rows = (
        [
            s.appointment.session_index,
            s.appointment.pk,
            s.appointment.starts_at.astimezone(tz),
            s.appointment.status,
            s.state,
            s.done_on,
            s.gap_days,
            s.record_id,
            s.reason,
        ]
        for s in progress.sessions
    )
    header = [
        "session",
        "appointment_id",
        "starts_at",
        "appointment_status",
        "state",
        "done_on",
        "gap_days",
        "session_record_id",
        "reason",
    ]
    return csv_export(
        request, f"course-{course.pk}.csv", header, rows, list_name="course", subject=course.patient
    )


@require_GET
@staff_required(Capability.VIEW_SCHEDULE)
def course_detail(request: ClinicRequest, course_id: int) -> HttpResponseBase:
    course = get_course_for_user(request.staff, course_id)
    progress = selectors.course_progress(course, now=timezone.now())
    if wants_csv(request):
        return _course_csv(request, course, progress)
    return render(request, "treatments/course.html", {"course": course, "progress": progress})

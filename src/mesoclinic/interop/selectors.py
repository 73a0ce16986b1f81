"""Reads for the FHIR export: one patient's record (``$everything``) and a whole clinic, type by type.

The clinic export walks each table with ``iterator(chunk_size=...)`` (prefetches run per chunk), so
memory stays flat whatever the number of patients: at most one chunk of rows and one resource are held.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.core.files.storage import default_storage
from django.db.models import Prefetch, Q
from django.http import Http404
from django.utils.translation import gettext as _

from mesoclinic.accounts.models import Clinic, Location, StaffMember
from mesoclinic.catalog.data_file import zone_names
from mesoclinic.catalog.models import Ingredient, Modality
from mesoclinic.clinical_codes.vocabulary import CONDITIONS, IMPLANTS, MEDICATIONS
from mesoclinic.clinical_codes.words import Worded, shown
from mesoclinic.interop.csvfile import problem_text
from mesoclinic.interop.fhir import resources as fr
from mesoclinic.interop.fhir.bundles import BULK_TYPES
from mesoclinic.interop.models import CsvUpload, ExternalIdentifier, ImportRun, ImportRunStatus
from mesoclinic.outcomes.models import Assessment, Photo, PhotoAnalysis
from mesoclinic.patients.models import Consent, MedicalHistory, Patient
from mesoclinic.scheduling.models import Appointment, Device, Room
from mesoclinic.treatments.models import SessionProduct, SessionRecord, SessionZone
from mesoclinic.vigilance.models import AdverseEvent
from mesoclinic.worker.models import Job, JobStatus

CHUNK = 2000

# The columns each mapping reads: the wide JSON and text columns it does not read stay in the database.
CONSENT_COLUMNS = (
    "patient_id", "signed_at", "signed_by", "photo_use", "withdrawn_at",
    "template__version", "template__title", "template__modality__code", "template__modality__name",
)  # fmt: skip
APPOINTMENT_COLUMNS = (
    "patient_id", "practitioner_id", "location_id", "room_id", "device_id", "status", "cancel_reason",
    "session_index", "starts_at", "ends_at", "created_at", "notes",
    "protocol__slug", "protocol__name", "protocol__modality__code",
)  # fmt: skip
PROCEDURE_COLUMNS = (
    "patient_id", "practitioner_id", "device_id", "appointment_id", "appointment__location_id", "modality",
    "performed_at", "parameters", "status", "notes", "aftercare",
)  # fmt: skip
LINE_COLUMNS = (
    "quantity", "unit", "voided_by_id",
    "record__patient_id", "record__practitioner_id", "record__performed_at",
    "lot__product_id", "lot__cocktail_id", "lot__lot_number", "lot__expires_on",
    "lot__product__code", "lot__product__name", "lot__product__manufacturer",
    "lot__cocktail__code", "lot__cocktail__name",
)  # fmt: skip

Resource = dict[str, Any]


def export_context(clinic: Clinic, media_url: Callable[[int], str] | None = None) -> fr.ExportContext:
    """Display names for the clinic's codes, and how a photo's URL is written."""
    extra: dict[str, Any] = {"media_url": media_url} if media_url else {}
    return fr.ExportContext(
        clinic_id=clinic.pk,
        clinic_slug=clinic.slug,
        modality_names=dict(Modality.objects.filter(clinic=clinic).values_list("code", "name")),
        ingredient_names=dict(Ingredient.objects.filter(clinic=clinic).values_list("code", "name")),
        zone_names=zone_names(),
        condition_names=dict(CONDITIONS),
        medication_names=dict(MEDICATIONS),
        implant_names=dict(IMPLANTS),
        **extra,
    )


def _patients(clinic: Clinic, patient: Patient | None) -> Q:
    return Q(patient=patient) if patient is not None else Q(clinic=clinic)


def _resources(  # noqa: PLR0912 — one branch per resource type, read top to bottom
    ctx: fr.ExportContext, clinic: Clinic, kind: str, patient: Patient | None
) -> Iterator[Resource]:
    """Every resource of ``kind`` of the clinic, or of one patient (with the clinic-level ones it refers to)."""
    scope = _patients(clinic, patient)
    if kind == "Organization":
        yield fr.organization_resource(clinic, ctx)
    elif kind == "Location":
        for location in Location.objects.filter(clinic=clinic).order_by("pk"):
            yield fr.location_resource(location, ctx)
        for room in Room.objects.filter(clinic=clinic).order_by("pk").iterator(CHUNK):
            yield fr.room_resource(room, ctx)
    elif kind == "Practitioner":
        for staff in StaffMember.objects.filter(clinic=clinic).order_by("pk").iterator(CHUNK):
            yield fr.practitioner_resource(staff, ctx)
    elif kind == "Device":
        if patient is None:
            for device in Device.objects.filter(clinic=clinic).order_by("pk").iterator(CHUNK):
                yield fr.device_resource(device, ctx)
        for history in _histories(clinic, patient, implants=True):
            yield from (r for r in fr.history_resources(history, ctx) if r["resourceType"] == "Device")
    elif kind == "Patient":
        patients = (
            Patient.objects.filter(pk=patient.pk)
            if patient is not None
            else Patient.objects.filter(clinic=clinic)
        )
        ids = Prefetch(
            "external_identifiers", queryset=ExternalIdentifier.objects.only("patient_id", "system", "value")
        )
        for row in patients.order_by("pk").prefetch_related(ids).iterator(CHUNK):
            external = [(e.system, e.value) for e in row.external_identifiers.all()]
            yield fr.patient_resource(row, ctx, external)
    elif kind in {"Condition", "AllergyIntolerance", "MedicationStatement"}:
        for history in _histories(clinic, patient):
            yield from (r for r in fr.history_resources(history, ctx) if r["resourceType"] == kind)
    elif kind == "Consent":
        consents = (
            Consent.objects.filter(scope)
            .select_related("template__modality")
            .only(*CONSENT_COLUMNS)
            .order_by("pk")
        )
        for consent in consents.iterator(CHUNK):
            yield fr.consent_resource(consent, ctx)
    elif kind == "Appointment":
        appointments = (
            Appointment.objects.filter(scope)
            .exclude(status="held")  # an online visitor's hold is nobody's appointment yet
            .select_related("protocol__modality")
            .only(*APPOINTMENT_COLUMNS)
            .order_by("pk")
        )
        for appointment in appointments.iterator(CHUNK):
            yield fr.appointment_resource(appointment, ctx)
    elif kind == "Procedure":
        zones = Prefetch("zones", queryset=SessionZone.objects.only("record_id", "zone", "voided_by_id"))
        records = (
            SessionRecord.objects.filter(scope)
            .select_related("appointment")
            .only(*PROCEDURE_COLUMNS)
            .prefetch_related(zones)
            .order_by("pk")
        )
        for record in records.iterator(CHUNK):
            yield fr.procedure_resource(record, ctx, list(record.zones.all()))
    elif kind == "MedicationAdministration":
        lines = (
            SessionProduct.objects.filter(record__in=SessionRecord.objects.filter(scope).values("pk"))
            .select_related("record", "lot__product", "lot__cocktail")
            .only(*LINE_COLUMNS)
            .order_by("pk")
        )
        for line in lines.iterator(CHUNK):
            yield fr.medication_administration_resource(line, line.record, ctx)
    elif kind == "AdverseEvent":
        events = AdverseEvent.objects.filter(scope).prefetch_related("sessions", "lots").order_by("pk")
        for event in events.iterator(CHUNK):
            session_ids = sorted(s.pk for s in event.sessions.all())
            yield fr.adverse_event_resource(event, ctx, session_ids, list(event.lots.all()))
    elif kind == "Media":
        for photo in Photo.objects.filter(scope).order_by("pk").iterator(CHUNK):
            yield fr.media_resource(photo, ctx)
    elif kind == "Observation":
        yield from _observations(ctx, clinic, patient)


def _histories(
    clinic: Clinic, patient: Patient | None, *, implants: bool = False
) -> Iterator[MedicalHistory]:
    histories = MedicalHistory.objects.filter(
        Q(patient=patient) if patient is not None else Q(patient__clinic=clinic)
    ).only("patient_id", "conditions", "medications", "implants", "allergies", "updated_at")
    if implants:
        histories = histories.exclude(implants=[])
    return histories.order_by("pk").iterator(CHUNK)


def _observations(ctx: fr.ExportContext, clinic: Clinic, patient: Patient | None) -> Iterator[Resource]:
    scope = _patients(clinic, patient)
    charts = (
        Patient.objects.filter(pk=patient.pk)
        if patient is not None
        else Patient.objects.filter(clinic=clinic)
    ).filter(Q(fitzpatrick__isnull=False) | Q(glogau__isnull=False))
    for row in charts.only("pk", "fitzpatrick", "glogau", "updated_at").order_by("pk").iterator(CHUNK):
        yield from fr.skin_type_observations(row)
    for assessment in Assessment.objects.filter(scope).order_by("pk").iterator(CHUNK):
        yield from fr.assessment_observations(assessment)
    analyses = (
        PhotoAnalysis.objects.filter(photo__in=Photo.objects.filter(scope).values("pk"), status="done")
        .select_related("photo")
        .order_by("pk")
    )
    for analysis in analyses.iterator(CHUNK):
        yield from fr.metric_observations(analysis, analysis.photo.patient_id, ctx)


def clinic_resources(ctx: fr.ExportContext, clinic: Clinic, kind: str) -> Iterator[Resource]:
    """Every resource of one type for the whole clinic (one NDJSON file of a Bulk Data export)."""
    if kind not in BULK_TYPES:
        raise ValueError(f"{kind} is not exported")
    return _resources(ctx, clinic, kind, None)


def patient_everything(ctx: fr.ExportContext, patient: Patient) -> Iterator[Resource]:
    """The patient and everything about them, then the clinic, sites and staff their records refer to."""
    yield from _resources(ctx, patient.clinic, "Patient", patient)
    for kind in BULK_TYPES:
        if kind in {"Patient", "Organization", "Location", "Practitioner"}:
            continue
        yield from _resources(ctx, patient.clinic, kind, patient)
    yield from _resources(ctx, patient.clinic, "Organization", None)
    yield from _resources(ctx, patient.clinic, "Location", None)
    yield from _resources(ctx, patient.clinic, "Practitioner", None)
    used = set(
        Appointment.objects.filter(patient=patient, device__isnull=False).values_list("device_id", flat=True)
    ) | set(
        SessionRecord.objects.filter(patient=patient, device__isnull=False).values_list(
            "device_id", flat=True
        )
    )
    for device in Device.objects.filter(pk__in=used).order_by("pk"):
        yield fr.device_resource(device, ctx)


def get_upload_for_user(staff: StaffMember | None, upload_id: Any) -> CsvUpload:
    """A CSV upload of the staff member's clinic that is not imported yet, or 404."""
    if staff is None:
        raise Http404
    try:
        pk = int(upload_id)
    except (TypeError, ValueError):
        raise Http404 from None
    upload = CsvUpload.objects.filter(pk=pk, clinic_id=staff.clinic_id).first()
    if upload is None:
        raise Http404
    return upload


# --- Background import runs -------------------------------------------------------------------------------

FHIR_PATIENTS = "fhir-patients"


def progress_note_name(run: ImportRun) -> str:
    """Where the worker notes how far a run has got (see ``services._ProgressNote``)."""
    return f"imports/progress/{run.pk}.txt"


def get_import_run_for_user(staff: StaffMember | None, run_id: Any) -> ImportRun:
    """An import run of the staff member's clinic, or 404 (another clinic's run included)."""
    if staff is None:
        raise Http404
    try:
        pk = int(run_id)
    except (TypeError, ValueError):
        raise Http404 from None
    run = ImportRun.objects.filter(pk=pk, clinic_id=staff.clinic_id).first()
    if run is None:
        raise Http404
    return run


def recent_import_runs(clinic: Clinic, *, limit: int = 10) -> list[ImportRun]:
    """The clinic's latest background runs, for the import screen (the report itself stays on the run)."""
    return list(ImportRun.objects.filter(clinic=clinic).defer("result", "mapping")[:limit])


@dataclass(frozen=True)
class RunState:
    """What a run's status page and the API say: its status, how far it got, and why it failed."""

    status: str
    processed: int
    error: str


def import_run_state(run: ImportRun) -> RunState:
    """The run as it stands: a running run's progress from the worker's note; a run whose job the worker
    gave up on (its last attempt failed, or its worker was lost once too often) is ``failed``."""
    if run.finished:
        return RunState(run.status, run.processed, _run_error(run))
    job = Job.objects.filter(result_id=run.job_result_id).only("status", "last_error").first()
    if job is not None and job.status == JobStatus.FAILED:
        return RunState(
            ImportRunStatus.FAILED,
            0,
            _("The worker could not finish this import; nothing was saved (%(error)s).")
            % {"error": job.last_error},
        )
    processed = 0
    if run.status == ImportRunStatus.RUNNING:
        try:
            with default_storage.open(progress_note_name(run), "rb") as handle:
                processed = int(handle.read().decode() or 0)
        except (OSError, ValueError):
            processed = 0
    return RunState(run.status, min(processed, run.total), "")


def _in_readers_words(text: str) -> str:
    """A message stored as text only (a run written before its words were kept, or another app's refusal): the
    reader's language where the text is a catalog message without values, else as it was written."""
    return _(text) if text else text


def _run_error(run: ImportRun) -> str:
    """Why a finished run failed, in the reader's language (the worker wrote it in its own)."""
    if not run.error_words:
        return _in_readers_words(run.error)
    return " ".join(
        problem_text(Worded(str(w.get("template", "")), dict(w.get("params") or {})), _)
        for w in run.error_words
    )


def report_for_reader(result: dict[str, Any] | None) -> dict[str, Any] | None:
    """A background run's report (``ImportRun.result``) with every row error in the reader's language: the
    worker wrote them in its own and kept MesoClinic's words as template and values beside them."""
    if not result:
        return result
    errors = [
        {
            "row": e.get("row"),
            "column": e.get("column", ""),
            "message": shown(
                str(e.get("template", "")), e.get("params"), _in_readers_words(str(e.get("message", ""))), _
            ),
        }
        for e in result.get("errors", [])
    ]
    return {**result, "errors": errors}

"""Every write of the interop app: imports (FHIR Patients, CSV patients and appointments) and export audits.

An import runs all its rows in one transaction, each row in its own savepoint so that every bad row is
reported; if any row fails, or for a dry run, the whole transaction is rolled back: nothing half-imported.
The rows are written through the owning apps' services (``register_patient``,
``record_imported_appointment``), so an imported record passes the same checks as one typed in.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_tasks import task

from mesoclinic.accounts.models import Clinic, Location, StaffMember
from mesoclinic.actors import Actor
from mesoclinic.audit.services import acting_user, record_event
from mesoclinic.catalog.models import Modality, Protocol
from mesoclinic.clinical_codes.words import N_, Worded
from mesoclinic.interop import csvfile
from mesoclinic.interop.csvfile import RowError, RowReader
from mesoclinic.interop.fhir.bundles import patients_in
from mesoclinic.interop.models import CsvUpload, ExternalIdentifier, ImportKind, ImportRun, ImportRunStatus
from mesoclinic.interop.selectors import FHIR_PATIENTS, progress_note_name
from mesoclinic.patients.identity import search_key
from mesoclinic.patients.models import Patient
from mesoclinic.patients.services import register_patient
from mesoclinic.scheduling.models import AppointmentStatus, Device, Room
from mesoclinic.scheduling.services import BookingError, record_imported_appointment
from mesoclinic.worker.context import for_clinic
from mesoclinic.worker.models import Job, JobStatus


@dataclass
class ImportReport:
    """What an import did or would do: rows read, records created, and every error by row and column."""

    kind: str
    dry_run: bool
    rows: int = 0
    created: int = 0
    errors: list[RowError] = field(default_factory=list)
    created_ids: list[int] = field(default_factory=list)

    @property
    def saved(self) -> bool:
        return not self.dry_run and not self.errors and self.created > 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "dry_run": self.dry_run,
            "rows": self.rows,
            "created": self.created if not self.errors else 0,
            "saved": self.saved,
            "errors": [e.as_dict() for e in self.errors],
        }


class MappingError(ValidationError):
    """A column mapping the import cannot use: its problems in the reader's language (the messages), and as
    ``csvfile.MappingProblem`` words, kept by a background run to show them in its reader's language."""

    def __init__(self, problems: list[csvfile.MappingProblem]) -> None:
        super().__init__([csvfile.problem_text(p, _) for p in problems])
        self.problems = problems


class RowRejectedError(Exception):
    """Raised inside a row's savepoint to roll the row back; the reasons are already on the reader."""


def _validation_errors(reader: RowReader, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, messages in exc.message_dict.items():
            for message in messages:
                reader.error(name if name != "__all__" else "", message)
    else:
        for message in exc.messages:
            reader.error("", message)


# --- Exports ----------------------------------------------------------------------------------------------


@transaction.atomic
def record_export(
    clinic: Clinic,
    *,
    scope: str,
    channel: str,
    actor: Actor,
    patient: Patient | None = None,
    types: list[str] | None = None,
) -> None:
    """Audit an export of health data (who took what out, through which door), before it is sent."""
    record_event(
        "export",
        patient,
        actor=actor,
        clinic=clinic,
        data={"format": "fhir", "scope": scope, "channel": channel, "types": types or []},
    )


# --- FHIR Patient import ----------------------------------------------------------------------------------


@transaction.atomic
def import_fhir_patients(
    clinic: Clinic,
    payload: Any,
    *,
    actor: Actor,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Register the Patients of a FHIR Bundle (or one Patient); any invalid entry means none is saved.

    Errors are reported per entry (``row`` is the entry's index in the Bundle, ``column`` the element).
    An identifier the clinic already holds is a duplicate and an error. ``progress`` is told how many
    entries have been read after each one (a background run's progress note).
    """
    report = ImportReport("fhir-patients", dry_run)
    seen: set[tuple[str, str]] = set()
    for item in patients_in(payload):
        report.rows += 1
        reader = RowReader(item.index, {}, {}, tr=_)
        for path, message in item.errors:
            reader.error(path, message)
        if not reader.errors:
            _check_identifiers(clinic, item.identifiers, seen, reader, column="identifier")
        if not reader.errors:
            try:
                with transaction.atomic():
                    patient = _register(clinic, item.fields, item.identifiers, reader, actor=actor)
                    report.created += 1
                    report.created_ids.append(patient.pk)
            except RowRejectedError:
                pass
        report.errors.extend(reader.errors)
        if progress is not None:
            progress(report.rows)
    _finish(report, clinic, actor=actor, source="fhir")
    return report


def _check_identifiers(
    clinic: Clinic,
    identifiers: list[tuple[str, str]],
    seen: set[tuple[str, str]],
    reader: RowReader,
    *,
    column: str,
) -> None:
    for system, value in identifiers:
        if (system, value) in seen:
            reader.error(column, Worded(N_("%(value)s appears twice in this file."), {"value": value}))
            continue
        seen.add((system, value))
        existing = ExternalIdentifier.objects.filter(clinic=clinic, system=system, value=value).first()
        if existing is not None:
            reader.error(
                column,
                Worded(
                    N_("%(value)s is already imported (patient #%(patient)s)."),
                    {"value": value, "patient": existing.patient_id},
                ),
            )


def _register(
    clinic: Clinic,
    fields: dict[str, Any],
    identifiers: list[tuple[str, str]],
    reader: RowReader,
    *,
    actor: Actor,
) -> Patient:
    same = Patient.objects.filter(
        clinic=clinic,
        search_name=search_key(str(fields["given_name"]), str(fields["family_name"])),
        birth_date=fields["birth_date"],
    ).first()
    if same is not None:
        reader.error(
            "family_name",
            Worded(
                N_("Already registered as patient #%(patient)s (same name and date of birth)."),
                {"patient": same.pk},
            ),
        )
        raise RowRejectedError
    try:
        # Same name and birth date is refused above, by row; a shared phone or e-mail (a family's) is no
        # reason to refuse a row of a file, which cannot be confirmed row by row as the form can.
        patient = register_patient(clinic, actor=actor, allow_duplicate=True, **fields)
    except ValidationError as exc:
        _validation_errors(reader, exc)
        raise RowRejectedError from None
    for system, value in identifiers:
        ExternalIdentifier.objects.create(
            clinic=clinic, patient=patient, system=system[:300], value=value[:200]
        )
    return patient


def _finish(report: ImportReport, clinic: Clinic, *, actor: Actor, source: str) -> None:
    """Roll everything back on any error or for a dry run; otherwise audit the import as one event."""
    if report.errors or report.dry_run:
        transaction.set_rollback(True)
        report.created_ids.clear()
        return
    record_event(
        "import",
        None,
        actor=actor,
        clinic=clinic,
        data={"kind": report.kind, "source": source, "rows": report.rows, "created": report.created},
    )


# --- CSV uploads ------------------------------------------------------------------------------------------


@transaction.atomic
def upload_csv(
    clinic: Clinic, *, kind: str, filename: str, data: bytes, source: str, actor: Actor
) -> CsvUpload:
    """Keep an uploaded CSV for mapping and a dry run; the mapping starts from the header names.

    Raises ``csvfile.CsvFileError`` when the file cannot be read at all.
    """
    if kind not in ImportKind.values:
        raise ValidationError({"kind": _("Choose patients or appointments.")})
    text = csvfile.decode(data)
    parsed = csvfile.parse(text)
    upload = CsvUpload.objects.create(
        clinic=clinic,
        kind=kind,
        filename=filename[:200],
        source=(source.strip() or "csv")[:100],
        text=text,
        delimiter=parsed.delimiter,
        mapping=csvfile.guess_mapping(kind, parsed.headers),
        created_by=acting_user(actor),
    )
    record_event("import.upload", upload, actor=actor, data={"kind": kind, "rows": len(parsed.rows)})
    return upload


@transaction.atomic
def set_csv_mapping(upload: CsvUpload, mapping: Mapping[str, str], *, actor: Actor) -> CsvUpload:
    """Choose which column feeds which field (an empty choice leaves the field unmapped)."""
    if upload.imported_at is not None:
        raise ValidationError(_("This file has been imported already."))
    parsed = csvfile.parse(upload.text, delimiter=upload.delimiter)
    cleaned = {name: header for name, header in mapping.items() if header}
    problems = [
        p
        for p in csvfile.check_mapping(upload.kind, cleaned, parsed.headers)
        if p.code not in csvfile.UNCHOSEN
    ]
    if problems:
        raise MappingError(problems)
    upload.mapping = cleaned
    upload.save(update_fields=["mapping"])
    return upload


def run_csv_upload(upload: CsvUpload, *, dry_run: bool, actor: Actor) -> ImportReport:
    """Dry-run or import an upload with its mapping; a successful import empties the kept file."""
    if upload.imported_at is not None:
        raise ValidationError(_("This file has been imported already."))
    report = import_csv(
        upload.clinic, upload.kind, upload.text, upload.mapping, source=upload.source,
        delimiter=upload.delimiter, dry_run=dry_run, actor=actor,
    )  # fmt: skip
    if report.saved:
        _mark_imported(upload, report, actor=actor)
    return report


@transaction.atomic
def _mark_imported(upload: CsvUpload, report: ImportReport, *, actor: Actor) -> None:
    upload.imported_at = timezone.now()
    upload.imported_rows = report.created
    upload.text = ""
    upload.save(update_fields=["imported_at", "imported_rows", "text"])


@transaction.atomic
def import_csv(
    clinic: Clinic,
    kind: str,
    text: str,
    mapping: Mapping[str, str],
    *,
    source: str = "csv",
    delimiter: str | None = None,
    dry_run: bool,
    actor: Actor,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import (or dry-run) every row of a CSV text; one bad row means nothing is saved.

    ``progress`` is told how many rows have been read after each one. Raises ``csvfile.CsvFileError`` if
    the file cannot be read and ``ValidationError`` for a bad mapping.
    """
    parsed = csvfile.parse(text, delimiter=delimiter)
    problems = csvfile.check_mapping(kind, mapping, parsed.headers)
    if problems:
        raise MappingError(problems)
    report = ImportReport(kind, dry_run)
    importer = (
        _PatientRows(clinic, source) if kind == ImportKind.PATIENTS else _AppointmentRows(clinic, source)
    )
    for number, values in csvfile.mapped_rows(parsed, mapping):
        report.rows += 1
        reader = RowReader(number, values, mapping, tr=_)
        try:
            with transaction.atomic():
                importer.row(reader, actor=actor)
                if reader.errors:
                    raise RowRejectedError
                report.created += 1
        except RowRejectedError:
            pass
        report.errors.extend(reader.errors)
        if progress is not None:
            progress(report.rows)
    _finish(report, clinic, actor=actor, source=source)
    return report


_SEX = {
    "f": "female", "female": "female", "w": "female", "woman": "female", "k": "female", "kobieta": "female",
    "m": "male", "male": "male", "man": "male", "mezczyzna": "male", "mężczyzna": "male",
    "o": "other", "other": "other", "x": "other", "diverse": "other",
    "u": "unknown", "unknown": "unknown", "": "unknown",
}  # fmt: skip


class _PatientRows:
    def __init__(self, clinic: Clinic, source: str) -> None:
        self.clinic = clinic
        self.source = source
        self.seen_ids: set[tuple[str, str]] = set()
        self.seen_people: dict[tuple[str, str, Any], int] = {}

    def row(self, r: RowReader, *, actor: Actor) -> None:
        external_id = r.text("external_id", max_length=200)
        sex = r.text("sex").lower()
        fields: dict[str, Any] = {
            "given_name": r.text("given_name", required=True, max_length=100),
            "family_name": r.text("family_name", required=True, max_length=100),
            "birth_date": r.date("birth_date", required=True),
            "email": r.text("email", max_length=254),
            "phone": r.text("phone", max_length=40),
            "address": r.text("address"),
            "fitzpatrick": r.integer("fitzpatrick", low=1, high=6),
        }
        if sex not in _SEX:
            r.error(
                "sex",
                Worded(N_("%(value)s is not a sex (female, male, other or unknown)."), {"value": repr(sex)}),
            )
        fields["sex"] = _SEX.get(sex, "unknown")
        language = r.text("preferred_language", max_length=10)
        if language:
            fields["preferred_language"] = language.lower()
        if r.errors:
            raise RowRejectedError
        person = (fields["given_name"].lower(), fields["family_name"].lower(), fields["birth_date"])
        if person in self.seen_people:
            r.error(
                "family_name", Worded(N_("Same person as row %(row)s."), {"row": self.seen_people[person]})
            )
            raise RowRejectedError
        self.seen_people[person] = r.number
        identifiers = [(self.source, external_id)] if external_id else []
        _check_identifiers(self.clinic, identifiers, self.seen_ids, r, column="external_id")
        if r.errors:
            raise RowRejectedError
        _register(self.clinic, fields, identifiers, r, actor=actor)


_STATUS = {
    "booked": AppointmentStatus.BOOKED, "scheduled": AppointmentStatus.BOOKED,
    "confirmed": AppointmentStatus.BOOKED, "pending": AppointmentStatus.BOOKED,
    "checked in": AppointmentStatus.CHECKED_IN, "checked_in": AppointmentStatus.CHECKED_IN,
    "arrived": AppointmentStatus.CHECKED_IN,
    "completed": AppointmentStatus.COMPLETED, "done": AppointmentStatus.COMPLETED,
    "attended": AppointmentStatus.COMPLETED, "fulfilled": AppointmentStatus.COMPLETED,
    "cancelled": AppointmentStatus.CANCELLED, "canceled": AppointmentStatus.CANCELLED,
    "no show": AppointmentStatus.NO_SHOW, "no_show": AppointmentStatus.NO_SHOW,
    "noshow": AppointmentStatus.NO_SHOW, "dna": AppointmentStatus.NO_SHOW, "missed": AppointmentStatus.NO_SHOW,
}  # fmt: skip


class _AppointmentRows:
    """Resolves each row's names and codes against the clinic (loaded once), then books through scheduling."""

    def __init__(self, clinic: Clinic, source: str) -> None:
        self.clinic = clinic
        self.source = source
        self.now = timezone.now()
        self.locations = {loc.name.lower(): loc for loc in Location.objects.filter(clinic=clinic)}
        self.staff = {
            s.display_name.lower(): s for s in StaffMember.objects.filter(clinic=clinic, is_active=True)
        }
        self.modalities = {}
        for m in Modality.objects.filter(clinic=clinic):
            self.modalities[m.code.lower()] = m
            self.modalities[m.name.lower()] = m
        self.protocols: dict[str, Protocol] = {}
        for p in (
            Protocol.objects.filter(clinic=clinic).select_related("modality").order_by("-is_active", "pk")
        ):
            self.protocols.setdefault(p.slug.lower(), p)
            self.protocols.setdefault(p.name.lower(), p)
        self.rooms = list(Room.objects.filter(clinic=clinic, is_active=True).order_by("pk"))
        self.devices = list(Device.objects.filter(clinic=clinic, is_active=True).order_by("pk"))

    def row(self, r: RowReader, *, actor: Actor) -> None:
        patient = self._patient(r)
        location = self._lookup(
            r, "location", self.locations, gettext_noop("No location named %(value)s in this clinic.")
        )
        practitioner = self._lookup(
            r, "practitioner", self.staff, gettext_noop("No practitioner named %(value)s in this clinic.")
        )
        protocol = self._protocol(r)
        if r.errors or location is None or practitioner is None or protocol is None or patient is None:
            raise RowRejectedError
        tz = ZoneInfo(location.timezone)
        starts_at = r.moment("starts_at", tz, required=True)
        ends_at = self._end(r, starts_at, protocol, tz)
        modality = protocol.modality.code
        room = self._resource(
            r, "room", [x for x in self.rooms if x.location_id == location.pk], modality, "modalities"
        )
        device = None
        if protocol.modality.requires_device or r.text("device"):
            device = self._resource(
                r, "device", [d for d in self.devices if d.location_id == location.pk], modality, "modality"
            )
        status = self._status(r, starts_at)
        if r.errors or starts_at is None or ends_at is None or room is None:
            raise RowRejectedError
        try:
            record_imported_appointment(
                patient, protocol, location, practitioner=practitioner, room=room, device=device,
                starts_at=starts_at, ends_at=ends_at, status=status, notes=r.text("notes"), actor=actor,
            )  # fmt: skip
        except BookingError as exc:
            r.error("starts_at", str(exc))
            raise RowRejectedError from None

    def _patient(self, r: RowReader) -> Patient | None:
        external_id = r.text("patient_external_id")
        email = r.text("patient_email")
        if external_id:
            found = (
                ExternalIdentifier.objects.filter(clinic=self.clinic, system=self.source, value=external_id)
                .select_related("patient")
                .first()
            )
            if found is None:
                r.error(
                    "patient_external_id",
                    Worded(
                        N_("No patient imported from %(source)s with id %(id)s."),
                        {"source": self.source, "id": external_id},
                    ),
                )
                return None
            return found.patient
        if email:
            matches = list(Patient.objects.filter(clinic=self.clinic, email__iexact=email)[:2])
            if len(matches) != 1:
                r.error(
                    "patient_email",
                    Worded(
                        N_("Several patients have the e-mail %(email)s.")
                        if matches
                        else N_("No patient has the e-mail %(email)s."),
                        {"email": email},
                    ),
                )
                return None
            return matches[0]
        r.error("patient_external_id", Worded(N_("The patient's external id or e-mail is required.")))
        return None

    @staticmethod
    def _lookup(r: RowReader, name: str, table: Mapping[str, Any], missing: str) -> Any:
        value = r.text(name, required=True)
        if value and value.lower() not in table:
            r.error(name, Worded(missing, {"value": repr(value)}))
        return table.get(value.lower()) if value else None

    def _protocol(self, r: RowReader) -> Protocol | None:
        given = r.text("protocol")
        modality_name = r.text("modality")
        modality = self.modalities.get(modality_name.lower()) if modality_name else None
        if modality_name and modality is None:
            r.error(
                "modality",
                Worded(N_("No modality %(value)s in this clinic."), {"value": repr(modality_name)}),
            )
            return None
        if given:
            protocol = self.protocols.get(given.lower())
            if protocol is None:
                r.error(
                    "protocol", Worded(N_("No protocol %(value)s in this clinic."), {"value": repr(given)})
                )
            elif modality is not None and protocol.modality_id != modality.pk:
                r.error(
                    "protocol",
                    Worded(
                        N_("%(protocol)s is not a %(modality)s protocol."),
                        {"protocol": protocol.name, "modality": modality.name},
                    ),
                )
            return protocol
        if modality is None:
            r.error("modality", Worded(N_("Give the modality or the protocol.")))
            return None
        protocol = next((p for p in self.protocols.values() if p.modality_id == modality.pk), None)
        if protocol is None:
            r.error(
                "modality",
                Worded(
                    N_("The clinic has no %(modality)s protocol to file this appointment under."),
                    {"modality": modality.name},
                ),
            )
        return protocol

    @staticmethod
    def _end(r: RowReader, starts_at: datetime | None, protocol: Protocol, tz: ZoneInfo) -> datetime | None:
        ends_at = r.moment("ends_at", tz)
        minutes = r.integer("duration_minutes", low=5, high=600)
        if starts_at is None:
            return None
        if ends_at is None:
            ends_at = starts_at + timedelta(minutes=minutes or protocol.session_minutes)
        if ends_at <= starts_at:
            r.error("ends_at", Worded(N_("The end must be after the start.")))
        return ends_at

    @staticmethod
    def _resource(r: RowReader, name: str, candidates: list[Any], modality: str, attribute: str) -> Any:
        """The named room or device at the location, else the first one there equipped for the modality."""
        given = r.text(name)
        if given:
            found = next((x for x in candidates if x.name.lower() == given.lower()), None)
            if found is None:
                missing = (
                    N_("No room named %(value)s at this location.")
                    if name == "room"
                    else N_("No device named %(value)s at this location.")
                )
                r.error(name, Worded(missing, {"value": repr(given)}))
            return found

        def fits(x: Any) -> bool:
            value = getattr(x, attribute)
            return modality in value if isinstance(value, list) else value == modality

        found = next((x for x in candidates if fits(x)), None)
        if found is None:
            unset = (
                N_("No room at this location is set up for %(modality)s; name one.")
                if name == "room"
                else N_("No device at this location is set up for %(modality)s; name one.")
            )
            r.error(name, Worded(unset, {"modality": modality}))
        return found

    def _status(self, r: RowReader, starts_at: datetime | None) -> str:
        given = r.text("status").lower()
        if not given:
            return (
                AppointmentStatus.COMPLETED
                if starts_at and starts_at <= self.now
                else AppointmentStatus.BOOKED
            )
        if given not in _STATUS:
            r.error(
                "status",
                Worded(
                    N_("%(value)s is not a status (booked, completed, cancelled, no show)."),
                    {"value": repr(given)},
                ),
            )
            return AppointmentStatus.BOOKED
        return _STATUS[given]


# --- Large imports in the worker --------------------------------------------------------------------------


def runs_in_background(count: int) -> bool:
    """Whether an import of ``count`` entries or rows is too large to answer within the request.

    ``IMPORT_BACKGROUND_OVER`` (500 by default): a 12,000-Patient Bundle took longer than gunicorn's 30 s.
    """
    return count > settings.IMPORT_BACKGROUND_OVER


@transaction.atomic
def start_import(
    clinic: Clinic,
    kind: str,
    *,
    total: int,
    dry_run: bool,
    actor: Actor,
    data: bytes = b"",
    upload: CsvUpload | None = None,
    source: str = "csv",
    delimiter: str = "",
    mapping: Mapping[str, str] | None = None,
) -> ImportRun:
    """Queue an import for the worker: the payload (``data``, or the ``upload``'s kept text) is stored aside.

    ``kind`` is ``fhir-patients`` (``data`` is the Bundle's JSON) or a CSV kind (``data`` is the file).
    The worker runs it as ``run_import``; the caller answers at once with the run to follow.
    """
    if kind not in {FHIR_PATIENTS, *ImportKind.values}:
        raise ValidationError({"kind": _("Choose fhir-patients, patients or appointments.")})
    name = ""
    if upload is None:
        suffix = "json" if kind == FHIR_PATIENTS else "csv"
        name = default_storage.save(f"imports/{clinic.pk}/{uuid.uuid4().hex}.{suffix}", ContentFile(data))
    run = ImportRun.objects.create(
        clinic=clinic,
        kind=kind,
        dry_run=dry_run,
        total=total,
        payload=name,
        upload=upload,
        source=source[:100],
        delimiter=delimiter,
        mapping=dict(mapping or {}),
        created_by=acting_user(actor),
    )
    record_event(
        "import.queued",
        run,
        actor=actor,
        clinic=clinic,
        data={"kind": kind, "rows": total, "dry_run": dry_run},
    )
    with for_clinic(clinic.pk):
        result = run_import.enqueue(run.pk)
    run.job_result_id = str(result.id)[:64]
    run.save(update_fields=["job_result_id"])
    return run


class _ProgressNote:
    """Writes how far a run has got, at most once a second, where the status page reads it.

    Not on the run's row: the import's transaction would hide it until the end (and on SQLite no other
    connection may write while it lasts), so the note is a small file in the storage beside the payload.
    """

    every_seconds = 1.0

    def __init__(self, run: ImportRun) -> None:
        self.name = progress_note_name(run)
        self._last = 0.0

    def __call__(self, processed: int) -> None:
        now = time.monotonic()
        if now - self._last < self.every_seconds:
            return
        self._last = now
        default_storage.delete(self.name)
        default_storage.save(self.name, ContentFile(str(processed).encode()))

    def clear(self) -> None:
        default_storage.delete(self.name)


def _payload_text(run: ImportRun) -> str:
    if run.upload_id is not None:
        # Locked: two runs of one upload (a second click) must not both import it; the second waits for
        # the first to commit, then finds the file imported.
        upload = CsvUpload.objects.select_for_update().get(pk=run.upload_id)
        if upload.imported_at is not None:
            raise ValidationError(_("This file has been imported already."))
        run.upload = upload
        return upload.text
    with default_storage.open(run.payload, "rb") as handle:
        return handle.read().decode("utf-8")


def _import(run: ImportRun, progress: Callable[[int], None]) -> ImportReport:
    actor = run.created_by
    text = _payload_text(run)
    if run.kind == FHIR_PATIENTS:
        return import_fhir_patients(
            run.clinic, json.loads(text), actor=actor, dry_run=run.dry_run, progress=progress
        )
    report = import_csv(
        run.clinic, run.kind, text, run.mapping, source=run.source, delimiter=run.delimiter or None,
        dry_run=run.dry_run, actor=actor, progress=progress,
    )  # fmt: skip
    if run.upload is not None and report.saved:
        _mark_imported(run.upload, report, actor=actor)
    return report


@task()
def run_import(run_id: int) -> str:
    """The worker's side of ``start_import``: the whole import in one transaction, its outcome with it.

    The run's row is locked for the transaction, so a second delivery of the same job (a worker thought
    lost) waits, then finds the run finished and does nothing. Bad rows, a bad mapping or an unreadable
    file end the run ``failed`` with nothing saved; any other error rolls everything back and is the
    worker's to retry (its job log shows the last failure, and so does the run).
    """
    updated = ImportRun.objects.filter(
        pk=run_id, status__in=[ImportRunStatus.QUEUED, ImportRunStatus.RUNNING]
    ).update(status=ImportRunStatus.RUNNING, started_at=timezone.now())
    if not updated:
        return "finished"
    note = _ProgressNote(ImportRun(pk=run_id))
    with transaction.atomic():
        run = (
            ImportRun.objects.select_for_update(of=("self",))
            .select_related("clinic", "created_by", "upload")
            .get(pk=run_id)
        )
        if run.finished:
            return run.status
        # Why it failed is kept as words too (``error_words``): the worker writes in its own language, the
        # run's page and API show them in their reader's.
        words: list[Worded] = []
        try:
            report = _import(run, note)
        except MappingError as exc:
            run.status, run.error = ImportRunStatus.FAILED, " ".join(exc.messages)[:300]
            words = list(exc.problems)
        except ValidationError as exc:
            run.status, run.error = ImportRunStatus.FAILED, " ".join(exc.messages)[:300]
        except csvfile.CsvFileError as exc:
            run.status, run.error = ImportRunStatus.FAILED, exc.text(_)[:300]
            words = [Worded(exc.template, exc.params)]
        except (json.JSONDecodeError, UnicodeDecodeError):
            words = [Worded(N_("The file is not UTF-8 JSON."))]
            run.status, run.error = ImportRunStatus.FAILED, words[0].text(_)
        else:
            run.status = ImportRunStatus.FAILED if report.errors else ImportRunStatus.DONE
            run.result = report.as_dict()
            run.processed = report.rows
        run.error_words = [{"template": w.template, "params": dict(w.params)} for w in words]
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "error", "error_words", "result", "processed", "finished_at"])
        # The lease in the same commit: on SQLite the watchdog could not renew it while this transaction
        # held the database, and another worker must not take a run that has just ended for a lost one.
        Job.objects.filter(result_id=run.job_result_id, status=JobStatus.RUNNING).update(
            heartbeat_at=timezone.now()
        )
    note.clear()
    if run.payload:
        default_storage.delete(run.payload)
    return run.status

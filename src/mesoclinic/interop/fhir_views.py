"""The FHIR R4 endpoints under ``/fhir/R4/``: capability, a patient's ``$everything``, the clinic's Bulk
Data style NDJSON export (a manifest and one streamed file per type) and the import of Patients.

Responses are ``application/fhir+json`` (or ``+ndjson``); failures are OperationOutcomes. Every read is
scoped to the caller's clinic (another clinic's patient is a 404) and every export is audit-logged before
the first byte leaves.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from mesoclinic.accounts.decorators import staff_or_token_required
from mesoclinic.accounts.http import ClinicRequest
from mesoclinic.accounts.permissions import Capability
from mesoclinic.audit.reads import note_read_audited
from mesoclinic.interop import selectors, services
from mesoclinic.interop.fhir.bundles import (
    BULK_TYPES,
    FHIR_JSON,
    NDJSON,
    capability_statement,
    searchset,
    validate,
)
from mesoclinic.patients.selectors import get_patient_for_user
from mesoclinic.read_replica import iterate_on_replica
from mesoclinic.text import MAX_DEPTH, too_deep

MAX_IMPORT_BYTES = 10 * 1024 * 1024


def fhir_response(resource: dict[str, Any], *, status: int = 200) -> HttpResponse:
    response = JsonResponse(
        resource, status=status, content_type=FHIR_JSON, json_dumps_params={"ensure_ascii": False}
    )
    response["Cache-Control"] = "private, no-store"
    return response


def outcome(status: int, issues: list[tuple[str, str, str]]) -> HttpResponse:
    """An OperationOutcome with (code, location, message) issues."""
    return fhir_response(
        {
            "resourceType": "OperationOutcome",
            "issue": [
                {
                    "severity": "error",
                    "code": code,
                    "diagnostics": message,
                    **({"expression": [where]} if where else {}),
                }
                for code, where, message in issues
            ],
        },
        status=status,
    )


def refusal(status: int, message: str) -> HttpResponse:
    """A refused call (not signed in, a bad token, a role or scope without the capability) as FHIR answers it."""
    code = {401: "login", 403: "forbidden", 429: "throttled"}.get(status, "security")
    return outcome(status, [(code, "", message)])


def information(message: str, *, status: int = 200) -> HttpResponse:
    return fhir_response(
        {
            "resourceType": "OperationOutcome",
            "issue": [{"severity": "information", "code": "informational", "diagnostics": message}],
        },
        status=status,
    )


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("fhir:metadata")).removesuffix("/metadata")


def _context(request: ClinicRequest) -> Any:
    def media_url(photo_id: int) -> str:
        return request.build_absolute_uri(reverse("outcomes:photo_file", args=[photo_id, "image"]))

    return selectors.export_context(request.clinic, media_url)


@require_GET
def metadata(request: HttpRequest) -> HttpResponse:
    """The CapabilityStatement: public, as FHIR clients read it before they sign in; it holds no data."""
    try:
        software = version("mesoclinic")
    except PackageNotFoundError:  # pragma: no cover - a source checkout without the package installed
        software = "dev"
    return fhir_response(
        capability_statement(base_url=_base_url(request), software_version=software, now=timezone.now())
    )


@require_GET
@staff_or_token_required(Capability.EXPORT_DATA, refuse=refusal)
def everything(request: ClinicRequest, patient_id: int) -> HttpResponse:
    """``Patient/{id}/$everything``: the chart as a searchset Bundle, each resource validated first."""
    patient = get_patient_for_user(request.staff, patient_id)
    resources = [validate(r) for r in selectors.patient_everything(_context(request), patient)]
    services.record_export(
        request.clinic, scope="patient", channel="fhir-api", patient=patient, actor=request.user
    )
    note_read_audited(request)  # the export row above is this read's audit event
    return fhir_response(searchset(resources, base_url=_base_url(request), now=timezone.now()))


@require_GET
@staff_or_token_required(Capability.EXPORT_DATA, refuse=refusal)
def bulk_manifest(request: ClinicRequest) -> HttpResponse:
    """``$export``: a Bulk Data style manifest listing one NDJSON file per type (``_type`` narrows it).

    The files are produced while they download (streamed), so the manifest is complete at once.
    """
    wanted = [t for t in request.GET.get("_type", "").split(",") if t] or list(BULK_TYPES)
    unknown = [t for t in wanted if t not in BULK_TYPES]
    if unknown:
        return outcome(
            400, [("not-supported", "_type", _("Not exported: %(types)s.") % {"types": ", ".join(unknown)})]
        )
    return fhir_response(
        {
            "transactionTime": timezone.now().isoformat(),
            "request": request.build_absolute_uri(),
            "requiresAccessToken": True,
            "output": [
                {"type": t, "url": request.build_absolute_uri(reverse("fhir:bulk_file", args=[t]))}
                for t in wanted
            ],
            "error": [],
        }
    )


@require_GET
@staff_or_token_required(Capability.EXPORT_DATA, refuse=refusal)
def bulk_file(request: ClinicRequest, resource_type: str) -> HttpResponse | StreamingHttpResponse:
    """One type of the clinic as NDJSON, streamed row by row in flat memory."""
    if resource_type not in BULK_TYPES:
        return outcome(404, [("not-found", "", _("%(type)s is not exported.") % {"type": resource_type})])
    services.record_export(
        request.clinic, scope="clinic", channel="fhir-bulk", types=[resource_type], actor=request.user
    )
    note_read_audited(request)  # the export row above is this read's audit event
    # Read from the replica when it is usable (mesoclinic.read_replica): a clinic-wide export may lag a little.
    resources = iterate_on_replica(
        selectors.clinic_resources(_context(request), request.clinic, resource_type)
    )
    lines = ndjson_lines(resources)
    response = StreamingHttpResponse(lines, content_type=NDJSON)
    response["Content-Disposition"] = f'attachment; filename="{resource_type}.ndjson"'
    response["Cache-Control"] = "private, no-store"
    return response


def ndjson_lines(resources: Iterator[dict[str, Any]], *, batch: int = 200) -> Iterator[bytes]:
    """Resources as NDJSON, a few hundred lines per chunk (one write per resource costs more than JSON)."""
    buffer: list[str] = []
    for resource in resources:
        buffer.append(json.dumps(resource, ensure_ascii=False, separators=(",", ":")))
        if len(buffer) >= batch:
            yield ("\n".join(buffer) + "\n").encode()
            buffer.clear()
    if buffer:
        yield ("\n".join(buffer) + "\n").encode()


def _read_body(request: HttpRequest) -> bytes | None:
    """The body, up to ``MAX_IMPORT_BYTES``; ``None`` when it is larger.

    Read from the stream, not ``request.body``: that one stops at Django's 2.5 MB form limit
    (``DATA_UPLOAD_MAX_MEMORY_SIZE``) with an HTML 400, below the 10 MB this endpoint documents.
    """
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > MAX_IMPORT_BYTES:
        return None
    body = request.read(MAX_IMPORT_BYTES + 1)
    return body if len(body) <= MAX_IMPORT_BYTES else None


class BodyRefusedError(Exception):
    def __init__(self, response: HttpResponse) -> None:
        super().__init__(response.status_code)
        self.response = response


def _parse(request: HttpRequest) -> Any:
    """The JSON body; ``BodyRefusedError`` with the OperationOutcome when it is too large (413), not JSON
    or nested deeper than any FHIR resource is (400)."""
    body = _read_body(request)
    if body is None:
        raise BodyRefusedError(
            outcome(413, [("too-costly", "", _("The request is larger than 10 MB; send fewer Patients."))])
        )
    deep = outcome(
        400,
        [("structure", "", _("The JSON is nested more than %(depth)s levels deep.") % {"depth": MAX_DEPTH})],
    )
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise BodyRefusedError(outcome(400, [("structure", "", _("The body is not JSON."))])) from None
    except RecursionError:
        raise BodyRefusedError(deep) from None
    if too_deep(payload):
        raise BodyRefusedError(deep)
    return payload


def _queued(request: ClinicRequest, payload: Any, count: int, *, dry_run: bool) -> HttpResponse:
    """A Bundle too large to import within the request: queued for the worker, 202 with where to follow it
    (FHIR's asynchronous pattern: ``Content-Location``; ``Location`` as well for plain HTTP clients)."""
    run = services.start_import(
        request.clinic,
        selectors.FHIR_PATIENTS,
        total=count,
        dry_run=dry_run,
        actor=request.user,
        data=json.dumps(payload).encode(),
    )
    where = request.build_absolute_uri(reverse("api-v1:interop_import_run", kwargs={"run_id": run.pk}))
    response = information(
        ngettext(
            "%(count)d entry queued for import (run %(run)s); nothing is saved until it passes. "
            "Follow the run at %(where)s.",
            "%(count)d entries queued for import (run %(run)s); nothing is saved until all of them pass. "
            "Follow the run at %(where)s.",
            count,
        )
        % {"count": count, "run": run.pk, "where": where},
        status=202,
    )
    response["Content-Location"] = where
    response["Location"] = where
    return response


@require_POST
@staff_or_token_required(Capability.IMPORT_DATA, refuse=refusal)
def import_patients(request: ClinicRequest) -> HttpResponse:
    """``POST Patient`` (one Patient) or ``POST /`` (a Bundle of Patients): all registered, or none.

    ``?_dryRun=true`` checks without saving. Errors come back as one OperationOutcome issue per entry
    and element (``Bundle.entry[2].resource.birthDate``). A Bundle of more than ``IMPORT_BACKGROUND_OVER``
    entries is run by the worker: 202, with the run to follow in ``Content-Location``.
    """
    try:
        payload = _parse(request)
    except BodyRefusedError as exc:
        return exc.response
    bundle = isinstance(payload, dict) and payload.get("resourceType") == "Bundle"
    dry_run = request.GET.get("_dryRun", "").lower() == "true"
    entries = payload.get("entry") if bundle else None
    if isinstance(entries, list) and services.runs_in_background(len(entries)):
        return _queued(request, payload, len(entries), dry_run=dry_run)
    report = services.import_fhir_patients(request.clinic, payload, actor=request.user, dry_run=dry_run)
    if report.errors:
        return outcome(
            422,
            [
                (
                    "invalid",
                    f"Bundle.entry[{e.row}].resource.{e.column}" if bundle else f"Patient.{e.column}",
                    e.message,
                )
                for e in report.errors
            ],
        )
    if dry_run:
        return information(
            ngettext(
                "%(count)d Patient would be imported; nothing was saved.",
                "%(count)d Patients would be imported; nothing was saved.",
                report.rows,
            )
            % {"count": report.rows}
        )
    if not bundle:
        response = information(_("Patient created."), status=201)
        response["Location"] = f"{_base_url(request)}/Patient/{report.created_ids[0]}"
        return response
    return fhir_response(
        {
            "resourceType": "Bundle",
            "type": "transaction-response",
            "entry": [
                {"response": {"status": "201 Created", "location": f"Patient/{pk}"}}
                for pk in report.created_ids
            ],
        }
    )

"""The interop router of the JSON API: CSV import of patients and appointments (dry run by default), and the
runs of large imports (CSV or FHIR) in the worker.

The FHIR endpoints live under /fhir/R4/ (FHIR's own URL space and media type), not here.
"""
# No "from __future__ import annotations" here: django-ninja reads the handlers' annotations at runtime.

import json
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Status, UploadedFile

from mesoclinic.accounts.api_auth import require
from mesoclinic.accounts.permissions import Capability
from mesoclinic.interop import csvfile, selectors, services
from mesoclinic.interop.models import ImportRun
from mesoclinic.interop.schemas import ImportErrorOut, ImportReportOut, ImportRunOut, RequestErrorOut

router = Router()


def run_out(run: ImportRun) -> dict[str, Any]:
    state = selectors.import_run_state(run)
    return {
        "id": run.pk,
        "kind": run.kind,
        "status": state.status,
        "dry_run": run.dry_run,
        "total": run.total,
        "processed": state.processed,
        "result": selectors.report_for_reader(run.result),
        "error": state.error,
        "created_at": run.created_at,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
    }


def run_location(run: ImportRun) -> str:
    return reverse("api-v1:interop_import_run", kwargs={"run_id": run.pk})


@router.post(
    "/csv/{kind}",
    response={
        200: ImportReportOut,
        202: ImportRunOut,
        400: ImportErrorOut,
        422: ImportReportOut | RequestErrorOut,
    },
)
def import_csv(  # noqa: PLR0917 — ninja reads each multipart form field from the signature
    request: HttpRequest,
    response: HttpResponse,
    kind: Literal["patients", "appointments"],
    file: File[UploadedFile],
    mapping: Form[str] = "{}",
    source: Form[str] = "csv",
    dry_run: Form[bool] = True,
) -> Any:
    """Check (``dry_run``, the default) or import a CSV file: every row, or none.

    ``mapping`` is a JSON object ``{"field": "column header"}``; fields it leaves out are guessed from the
    header. A file with any bad row answers 422 with the errors by row and column, and saves nothing.

    A file of more than ``IMPORT_BACKGROUND_OVER`` rows (500) is run by the worker: the answer is 202 with
    the run (``Location``: ``GET /api/v1/interop/imports/{id}``), whose ``result`` is this same report.
    A form field missing or of the wrong type is 422 with ``detail`` naming it.
    """
    staff = require(request, Capability.IMPORT_DATA)
    try:
        chosen = json.loads(mapping)
        if not isinstance(chosen, dict):
            raise TypeError
        text = csvfile.decode(file.read(csvfile.MAX_BYTES + 1))
        parsed = csvfile.parse(text)
    except (ValueError, TypeError) as exc:
        detail = exc.text(_) if isinstance(exc, csvfile.CsvFileError) else _("mapping must be a JSON object.")
        return Status(400, {"detail": detail})
    full = {**csvfile.guess_mapping(kind, parsed.headers), **chosen}
    if services.runs_in_background(len(parsed.rows)):
        problems = csvfile.check_mapping(kind, full, parsed.headers)
        if problems:
            return Status(400, {"detail": " ".join(csvfile.problem_text(p, _) for p in problems)})
        run = services.start_import(
            staff.clinic, kind, total=len(parsed.rows), dry_run=dry_run, actor=request.user,
            data=text.encode(), source=source, delimiter=parsed.delimiter, mapping=full,
        )  # fmt: skip
        response["Location"] = run_location(run)
        return Status(202, run_out(run))
    try:
        report = services.import_csv(
            staff.clinic, kind, text, full, source=source, delimiter=parsed.delimiter,
            dry_run=dry_run, actor=request.user,
        )  # fmt: skip
    except ValidationError as exc:
        return Status(400, {"detail": " ".join(exc.messages)})
    return Status(422 if report.errors else 200, report.as_dict())


@router.get("/imports/{run_id}", response=ImportRunOut, url_name="interop_import_run")
def get_import(request: HttpRequest, run_id: int) -> Any:
    """A large import's run: ``queued``, ``running`` (with ``processed`` of ``total``), ``done`` or ``failed``."""
    staff = require(request, Capability.IMPORT_DATA)
    return run_out(selectors.get_import_run_for_user(staff, run_id))

"""The interop router of the JSON API: CSV import of patients and appointments (dry run by default).

The FHIR endpoints live under /fhir/R4/ (FHIR's own URL space and media type), not here.
"""
# No "from __future__ import annotations" here: django-ninja reads the handlers' annotations at runtime.

import json
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import File, Form, Router, Status, UploadedFile

from mesoclinic.accounts.api_auth import require
from mesoclinic.accounts.permissions import Capability
from mesoclinic.interop import csvfile, services
from mesoclinic.interop.schemas import ErrorOut, ImportReportOut

router = Router()


@router.post("/csv/{kind}", response={200: ImportReportOut, 400: ErrorOut, 422: ImportReportOut})
def import_csv(  # noqa: PLR0917 — ninja reads each multipart form field from the signature
    request: HttpRequest,
    kind: Literal["patients", "appointments"],
    file: File[UploadedFile],
    mapping: Form[str] = "{}",
    source: Form[str] = "csv",
    dry_run: Form[bool] = True,
) -> Any:
    """Check (``dry_run``, the default) or import a CSV file: every row, or none.

    ``mapping`` is a JSON object ``{"field": "column header"}``; fields it leaves out are guessed from the
    header. A file with any bad row answers 422 with the errors by row and column, and saves nothing.
    """
    staff = require(request, Capability.IMPORT_DATA)
    try:
        chosen = json.loads(mapping)
        if not isinstance(chosen, dict):
            raise TypeError
        text = csvfile.decode(file.read(csvfile.MAX_BYTES + 1))
        parsed = csvfile.parse(text)
    except (ValueError, TypeError) as exc:
        detail = str(exc) if isinstance(exc, csvfile.CsvFileError) else "mapping must be a JSON object."
        return Status(400, {"detail": detail})
    full = {**csvfile.guess_mapping(kind, parsed.headers), **chosen}
    try:
        report = services.import_csv(
            staff.clinic, kind, text, full, source=source, delimiter=parsed.delimiter,
            dry_run=dry_run, actor=request.user,
        )  # fmt: skip
    except ValidationError as exc:
        return Status(400, {"detail": " ".join(exc.messages)})
    return Status(422 if report.errors else 200, report.as_dict())

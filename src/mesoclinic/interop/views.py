"""The CSV import screens (owner): upload → column mapping → dry run with an error per row → import.

The file is kept between the steps (``CsvUpload``) so that the dry run and the import read the same rows;
the import itself is one transaction in the service: any bad row and nothing is saved.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mesoclinic.accounts.decorators import staff_required
from mesoclinic.accounts.http import ClinicRequest
from mesoclinic.accounts.permissions import Capability
from mesoclinic.interop import csvfile, selectors, services
from mesoclinic.interop.forms import MappingForm, UploadForm
from mesoclinic.interop.models import CsvUpload

PREVIEW_ROWS = 5


@require_http_methods(["GET", "POST"])
@staff_required(Capability.IMPORT_DATA)
def imports(request: ClinicRequest) -> HttpResponse:
    """The upload form and the clinic's recent uploads."""
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            upload = services.upload_csv(
                request.clinic,
                kind=data["kind"],
                filename=data["file"].name,
                data=data["file"].read(),
                source=data["source"],
                actor=request.user,
            )
        except csvfile.CsvFileError as exc:
            form.add_error("file", exc.text(_))
        else:
            return redirect("interop:mapping", upload_id=upload.pk)
    uploads = CsvUpload.objects.filter(clinic=request.clinic).defer("text")[:20]
    runs = selectors.recent_import_runs(request.clinic)
    return render(
        request,
        "interop/imports.html",
        {"form": form, "uploads": uploads, "runs": runs, "section": "interop"},
    )


@require_http_methods(["GET", "POST"])
@staff_required(Capability.IMPORT_DATA)
def mapping(request: ClinicRequest, upload_id: int) -> HttpResponse:
    """Choose the columns; saving the mapping runs the dry run and shows its report."""
    upload = selectors.get_upload_for_user(request.staff, upload_id)
    if upload.imported_at is not None:
        return render(request, "interop/done.html", {"upload": upload, "section": "interop"})
    parsed = csvfile.parse(upload.text, delimiter=upload.delimiter)
    form = MappingForm(request.POST or None, kind=upload.kind, headers=parsed.headers, initial=upload.mapping)
    report = None
    if request.method == "POST" and form.is_valid():
        try:
            services.set_csv_mapping(upload, form.mapping(), actor=request.user)
            if services.runs_in_background(len(parsed.rows)):
                return _in_background(request, upload, len(parsed.rows), dry_run=True)
            report = services.run_csv_upload(upload, dry_run=True, actor=request.user)
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
    return render(request, "interop/mapping.html", _mapping_context(upload, parsed, form, report))


def _mapping_context(
    upload: CsvUpload, parsed: csvfile.ParsedFile, form: MappingForm, report: services.ImportReport | None
) -> dict[str, Any]:
    return {
        "upload": upload,
        "form": form,
        "headers": parsed.headers,
        "preview": [[row[h] for h in parsed.headers] for _, row in parsed.rows[:PREVIEW_ROWS]],
        "row_count": len(parsed.rows),
        "report": report,
        "section": "interop",
    }


def _in_background(request: ClinicRequest, upload: CsvUpload, rows: int, *, dry_run: bool) -> HttpResponse:
    """A file too large to check or import within the request: the worker runs it; its page follows it."""
    run = services.start_import(
        request.clinic, upload.kind, total=rows, dry_run=dry_run, actor=request.user, upload=upload,
        source=upload.source, delimiter=upload.delimiter, mapping=upload.mapping,
    )  # fmt: skip
    return redirect("interop:import_run", run_id=run.pk)


@require_GET
@staff_required(Capability.IMPORT_DATA)
def import_run(request: ClinicRequest, run_id: int) -> HttpResponse:
    """A large import run by the worker: its progress (the page refreshes itself), then its report."""
    run = selectors.get_import_run_for_user(request.staff, run_id)
    state = selectors.import_run_state(run)
    report = selectors.report_for_reader(run.result) or {}
    percent = round(100 * state.processed / run.total) if run.total else 0
    return render(
        request,
        "interop/run.html",
        {
            "run": run,
            "state": state,
            "report": report,
            "percent": percent,
            "finished": state.status in {"done", "failed"},
            "section": "interop",
        },
    )


@require_POST
@staff_required(Capability.IMPORT_DATA)
def run(request: ClinicRequest, upload_id: int) -> HttpResponse:
    """Import for real: every row, or (on any error) none, with the report shown again."""
    upload = selectors.get_upload_for_user(request.staff, upload_id)
    if upload.imported_at is not None:
        return redirect("interop:mapping", upload_id=upload.pk)
    rows = len(csvfile.parse(upload.text, delimiter=upload.delimiter).rows)
    if services.runs_in_background(rows):
        return _in_background(request, upload, rows, dry_run=False)
    try:
        report = services.run_csv_upload(upload, dry_run=False, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("interop:mapping", upload_id=upload.pk)
    if report.errors:
        parsed = csvfile.parse(upload.text, delimiter=upload.delimiter)
        form = MappingForm(kind=upload.kind, headers=parsed.headers, initial=upload.mapping)
        context = _mapping_context(upload, parsed, form, report)
        return render(request, "interop/mapping.html", {**context, "failed": True}, status=422)
    messages.success(
        request,
        _("%(count)d %(kind)s imported.")
        % {"count": report.created, "kind": upload.get_kind_display().lower()},
    )
    return redirect("interop:mapping", upload_id=upload.pk)

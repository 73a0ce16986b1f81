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
from django.views.decorators.http import require_http_methods, require_POST

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
            form.add_error("file", str(exc))
        else:
            return redirect("interop:mapping", upload_id=upload.pk)
    uploads = CsvUpload.objects.filter(clinic=request.clinic).defer("text")[:20]
    return render(request, "interop/imports.html", {"form": form, "uploads": uploads, "section": "interop"})


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


@require_POST
@staff_required(Capability.IMPORT_DATA)
def run(request: ClinicRequest, upload_id: int) -> HttpResponse:
    """Import for real: every row, or (on any error) none, with the report shown again."""
    upload = selectors.get_upload_for_user(request.staff, upload_id)
    if upload.imported_at is not None:
        return redirect("interop:mapping", upload_id=upload.pk)
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

"""CSV export of list pages: the one writer behind every ``?format=csv`` (UI.md: every list has one).

Three things every export must do, done once here rather than in each view:

- **Stream** the rows (``StreamingHttpResponse``), so a clinic's whole patient list costs flat memory; views pass
  a generator over a queryset's ``iterator()`` where the list is long.
- **Neutralise spreadsheet formulas** and write what spreadsheets open right (a byte-order mark, ISO dates,
  ``?dialect=excel-pl`` for ``;`` and a decimal comma): ``csv_writer``, shared with the audit log's export.
- **Audit the read**: an export takes patient data out of the system, so it writes an ``export`` audit row
  (which list, which filters) before the first byte leaves.

It lives at the package root, not in ``web``: every app's views use it, and ``web`` sits above them all in the
import contract. It depends only on Django, ``audit`` and ``csv_writer``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db.models import Model
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from mesoclinic.audit.reads import note_read_audited
from mesoclinic.audit.services import record_event
from mesoclinic.csv_writer import DIALECTS, csv_dialect, csv_response, safe_cell, unknown_dialect

__all__ = ["DIALECTS", "csv_export", "csv_response", "safe_cell", "wants_csv"]

_FILTER_VALUE_CHARS = 100


def wants_csv(request: HttpRequest) -> bool:
    """Whether the list page was asked for its CSV (``?format=csv``) rather than HTML."""
    return request.GET.get("format") == "csv"


def csv_export(
    request: HttpRequest,
    filename: str,
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    list_name: str,
    clinic: Any = None,
    subject: Model | None = None,
) -> HttpResponseBase:
    """Stream ``rows`` under ``header`` as ``filename``, after recording the export in the audit log.

    ``list_name`` names the list in the audit row (e.g. ``"patients"``); the request's filters (its query
    string less ``format`` and ``page``) go with it, so an auditor can tell what was taken out. A list of one
    patient's records names the patient as ``subject``, so the export shows in that chart's access log.
    """
    if csv_dialect(request) is None:
        return unknown_dialect(request)
    filters = {
        key: value[:_FILTER_VALUE_CHARS]
        for key, value in request.GET.items()
        if key not in {"format", "page", "dialect"} and value
    }
    record_event(
        "export",
        subject,
        actor=getattr(request, "user", None),
        clinic=clinic if clinic is not None else getattr(request, "clinic", None),
        data={"list": list_name, "filters": filters, "filename": filename},
    )
    note_read_audited(request)
    return csv_response(request, filename, header, rows)

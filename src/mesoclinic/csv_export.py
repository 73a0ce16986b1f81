"""CSV export of list pages: the one writer behind every ``?format=csv`` (UI.md: every list has one).

Three things every export must do, done once here rather than in each view:

- **Stream** the rows (``StreamingHttpResponse``), so a clinic's whole patient list costs flat memory; views pass
  a generator over a queryset's ``iterator()`` where the list is long.
- **Neutralise spreadsheet formulas** (CSV injection, OWASP): a text cell that starts with ``= + - @`` (or a tab
  or carriage return) is prefixed with ``'``, so a patient called ``=HYPERLINK(...)`` stays text in Excel.
  Plain numbers (``-2.5``) are left alone: they are not formulas.
- **Audit the read**: an export takes patient data out of the system, so it writes an ``export`` audit row
  (which list, which filters) before the first byte leaves.

It lives at the package root, not in ``web``: every app's views use it, and ``web`` sits above them all in the
import contract. It depends only on Django and ``audit``.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import Model
from django.http import HttpRequest, StreamingHttpResponse

from mesoclinic.audit.reads import note_read_audited
from mesoclinic.audit.services import record_event

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")
_FILTER_VALUE_CHARS = 100


def wants_csv(request: HttpRequest) -> bool:
    """Whether the list page was asked for its CSV (``?format=csv``) rather than HTML."""
    return request.GET.get("format") == "csv"


def safe_cell(value: Any) -> Any:
    """One cell, ready for ``csv.writer``: ``None`` → empty, dates in ISO 8601, formulas defused."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = str(value)
    if text.startswith(FORMULA_PREFIXES) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


class _Echo:
    """A file-like object whose ``write`` hands the line back, so ``csv.writer`` can feed a generator."""

    def write(self, value: str) -> str:
        return value


def _lines(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow([safe_cell(cell) for cell in header])
    for row in rows:
        yield writer.writerow([safe_cell(cell) for cell in row])


def csv_export(
    request: HttpRequest,
    filename: str,
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    list_name: str,
    clinic: Any = None,
    subject: Model | None = None,
) -> StreamingHttpResponse:
    """Stream ``rows`` under ``header`` as ``filename``, after recording the export in the audit log.

    ``list_name`` names the list in the audit row (e.g. ``"patients"``); the request's filters (its query
    string less ``format`` and ``page``) go with it, so an auditor can tell what was taken out. A list of one
    patient's records names the patient as ``subject``, so the export shows in that chart's access log.
    """
    filters = {
        key: value[:_FILTER_VALUE_CHARS]
        for key, value in request.GET.items()
        if key not in {"format", "page"} and value
    }
    record_event(
        "export",
        subject,
        actor=getattr(request, "user", None),
        clinic=clinic if clinic is not None else getattr(request, "clinic", None),
        data={"list": list_name, "filters": filters, "filename": filename},
    )
    note_read_audited(request)
    response = StreamingHttpResponse(_lines(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response

"""The CSV writer behind every download: spreadsheet-safe cells, the dialect asked for, a byte-order mark.

- **Neutralise spreadsheet formulas** (CSV injection, OWASP): a text cell that starts with ``= + - @`` (or a tab
  or carriage return) is prefixed with ``'``, so a patient called ``=HYPERLINK(...)`` stays text in Excel.
  Plain numbers (``-2.5``) are left alone: they are not formulas.
- **Open right in a spreadsheet**: UTF-8 with a byte-order mark (without it, Excel reads UTF-8 as the
  system's code page and a Polish clinic sees ``Å?Ä™cka`` for ``Łęcka``), a header row, dates in ISO 8601.
  ``?dialect=excel-pl`` gives what a Polish (or German, French...) Excel expects when the file is
  double-clicked: ``;`` between cells and a decimal comma (``2,5``); the default is ``,`` and ``2.5``.

It writes no audit row, so it sits below ``audit`` (whose viewer exports with it); ``csv_export`` adds the
audit row for every list of the clinic's data.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.http.response import HttpResponseBase

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")
BOM = "\ufeff"


@dataclass(frozen=True)
class Dialect:
    """How cells are separated and how a decimal number is written."""

    delimiter: str
    decimal_mark: str


DIALECTS: dict[str, Dialect] = {
    "excel": Dialect(delimiter=",", decimal_mark="."),
    "excel-pl": Dialect(delimiter=";", decimal_mark=","),
}
"""``?dialect=``: ``excel`` (the default; also LibreOffice, Numbers, Google Sheets, any program) and
``excel-pl`` (a spreadsheet set to Polish, where ``,`` is the decimal mark and ``;`` separates cells)."""


def safe_cell(value: Any, dialect: Dialect = DIALECTS["excel"]) -> Any:  # noqa: PLR0911 — one return per kind of value
    """One cell, ready for ``csv.writer``: ``None`` → empty, dates in ISO 8601, the dialect's decimal mark,
    formulas defused."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return value
    if isinstance(value, float | Decimal):
        return str(value).replace(".", dialect.decimal_mark)
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


def _lines(header: Sequence[str], rows: Iterable[Sequence[Any]], dialect: Dialect) -> Iterator[str]:
    writer = csv.writer(_Echo(), delimiter=dialect.delimiter)
    yield BOM + writer.writerow([safe_cell(cell, dialect) for cell in header])
    for row in rows:
        yield writer.writerow([safe_cell(cell, dialect) for cell in row])


def csv_dialect(request: HttpRequest) -> Dialect | None:
    """The ``?dialect=`` asked for (``excel`` when none), or ``None`` for a name there is no dialect of."""
    return DIALECTS.get(request.GET.get("dialect") or "excel")


def unknown_dialect(request: HttpRequest) -> HttpResponse:
    names = " or ".join(DIALECTS)
    return HttpResponseBadRequest(
        f"There is no CSV dialect {request.GET.get('dialect', '')[:40]!r}: use {names}.",
        content_type="text/plain; charset=utf-8",
    )


def csv_response(
    request: HttpRequest, filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> HttpResponseBase:
    """Stream ``rows`` under ``header`` in the dialect the request asks for (no audit row: see ``csv_export``).

    A dialect that does not exist is a 400 in plain words, before anything is read.
    """
    dialect = csv_dialect(request)
    if dialect is None:
        return unknown_dialect(request)
    response = StreamingHttpResponse(_lines(header, rows, dialect), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response

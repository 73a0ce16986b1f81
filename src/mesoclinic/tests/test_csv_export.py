"""The shared CSV export: formulas defused, numbers and dates kept, the export audited, the body streamed."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.http import StreamingHttpResponse
from django.test import RequestFactory

from mesoclinic.audit.models import AuditEvent
from mesoclinic.csv_export import DIALECTS, csv_export, safe_cell, wants_csv
from mesoclinic.testing import csv_rows


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("+1+2", "'+1+2"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("Anna", "Anna"),
        ("-2.5", "-2.5"),
        ("+48", "+48"),
        ("", ""),
    ],
)
def test_it_neutralises_text_that_a_spreadsheet_would_run(value, expected):
    assert safe_cell(value) == expected


def test_it_keeps_numbers_dates_and_empty_values_plain():
    assert safe_cell(-3) == -3
    assert safe_cell(Decimal("-1.50")) == "-1.50"
    assert safe_cell(None) == ""
    assert safe_cell(True) == "yes"
    assert safe_cell(date(2026, 1, 2)) == "2026-01-02"
    assert safe_cell(datetime(2026, 1, 2, 9, 30, tzinfo=UTC)) == "2026-01-02T09:30:00+00:00"


def test_the_polish_dialect_writes_a_decimal_comma_and_leaves_whole_numbers_and_dates_alone():
    polish = DIALECTS["excel-pl"]
    assert safe_cell(Decimal("-1.50"), polish) == "-1,50"
    assert safe_cell(2.5, polish) == "2,5"
    assert safe_cell(1200, polish) == 1200
    assert safe_cell(date(2026, 1, 2), polish) == "2026-01-02"
    assert safe_cell("=1+2", polish) == "'=1+2"


def test_it_streams_the_rows_and_audits_the_export(clinic, owner):
    request = RequestFactory().get("/x/", {"format": "csv", "q": "anna", "page": "2"})
    request.user = owner.user
    request.clinic = clinic
    assert wants_csv(request)
    rows = iter([["=cmd|' /C calc'!A0", 1], ["Anna", -2]])
    response = csv_export(request, "x.csv", ["name", "n"], rows, list_name="things")
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Disposition"] == 'attachment; filename="x.csv"'
    event = AuditEvent.objects.get(action="export")
    assert event.clinic == clinic
    assert event.actor == owner.user
    assert event.data == {"list": "things", "filters": {"q": "anna"}, "filename": "x.csv"}
    assert csv_rows(response) == [["name", "n"], ["'=cmd|' /C calc'!A0", "1"], ["Anna", "-2"]]


def test_it_is_html_without_format_csv():
    assert not wants_csv(RequestFactory().get("/x/", {"format": "json"}))

"""Reading other systems' CSV files: encodings, delimiters, header guessing and typed values."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation
from django.utils.translation import gettext

from mesoclinic.interop import csvfile

WARSAW = ZoneInfo("Europe/Warsaw")


def test_it_reads_utf8_with_a_byte_order_mark_and_semicolons():
    data = "\ufeffVorname;Nachname;Geburtsdatum\nZofia;Łukasiewicz;14.03.1985\n".encode()
    parsed = csvfile.parse(csvfile.decode(data))
    assert parsed.delimiter == ";"
    assert parsed.headers == ["Vorname", "Nachname", "Geburtsdatum"]
    assert parsed.rows == [(2, {"Vorname": "Zofia", "Nachname": "Łukasiewicz", "Geburtsdatum": "14.03.1985"})]


def test_it_reads_windows_1252_when_the_bytes_are_not_utf8():
    data = "first name,last name\nRenée,Müller\n".encode("cp1252")
    assert csvfile.parse(csvfile.decode(data)).rows[0][1] == {"first name": "Renée", "last name": "Müller"}


def test_it_reads_tab_separated_utf16_from_a_spreadsheet():
    data = "given\tfamily\r\nAnna\tNowak\r\n".encode("utf-16")
    parsed = csvfile.parse(csvfile.decode(data))
    assert parsed.delimiter == "\t"
    assert parsed.rows[0][1] == {"given": "Anna", "family": "Nowak"}


def test_it_numbers_rows_as_a_spreadsheet_does_skipping_blank_lines():
    parsed = csvfile.parse('a,b\n1,2\n\n"multi\nline",3\n4,5\n')
    assert [number for number, _ in parsed.rows] == [2, 5, 6]


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "empty"), ("a,a\n1,2\n", "headers must differ"), ("a,\n1,2\n", "Every column needs a header")],
)
def test_it_refuses_a_file_without_a_usable_header(text, message):
    with pytest.raises(csvfile.CsvFileError, match=message):
        csvfile.parse(text)


def test_it_refuses_a_file_larger_than_the_limit():
    with pytest.raises(csvfile.CsvFileError, match="larger than 5 MB"):
        csvfile.decode(b"a" * (csvfile.MAX_BYTES + 1))


def test_it_guesses_the_mapping_from_headers_in_several_spellings():
    headers = ["Patient ID", "First Name", "SURNAME", "D.O.B.", "E-mail", "Mobile", "Skin type", "Unrelated"]
    assert csvfile.guess_mapping("patients", headers) == {
        "external_id": "Patient ID",
        "given_name": "First Name",
        "family_name": "SURNAME",
        "email": "E-mail",
        "phone": "Mobile",
        "fitzpatrick": "Skin type",
        "birth_date": "D.O.B.",
    }


def test_it_says_which_required_fields_are_unmapped_and_which_columns_are_missing():
    problems = csvfile.check_mapping("appointments", {"starts_at": "When", "location": "Nope"}, ["When"])
    said = {str(p): p.code for p in problems}
    assert said["Column 'Nope' (for location) is not in the file."] == "missing_column"
    assert said["Choose the column for Practitioner."] == "unmapped_required"
    assert (
        said["Choose the column that identifies the patient (external id or e-mail)."] == "unmapped_patient"
    )
    assert csvfile.check_mapping("appointments", {"nope": "When"}, ["When"])[0].code == "unknown_field"


def test_a_mapping_problem_reads_in_the_readers_language_with_its_field_label():
    [problem] = [
        p for p in csvfile.check_mapping("patients", {"given_name": "F", "family_name": "L"}, ["F", "L"])
    ]
    assert str(problem) == "Choose the column for Date of birth."
    with translation.override("pl"):
        assert csvfile.problem_text(problem, gettext) == "Wybierz kolumnę dla: Data urodzenia."


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1985-03-14", date(1985, 3, 14)), ("14.03.1985", date(1985, 3, 14)), ("14/03/1985", date(1985, 3, 14))],
)
def test_it_reads_iso_and_day_first_dates(text, expected):
    assert csvfile.parse_date(text) == expected


def test_it_never_reads_a_date_month_first():
    assert csvfile.parse_date("03/14/1985") is None


def test_it_reads_local_wall_clock_times_at_the_location_and_keeps_explicit_offsets():
    assert csvfile.parse_datetime("2026-12-01 10:30", WARSAW) == datetime(2026, 12, 1, 10, 30, tzinfo=WARSAW)
    assert csvfile.parse_datetime("01.12.2026 10:30", WARSAW) == datetime(2026, 12, 1, 10, 30, tzinfo=WARSAW)
    explicit = csvfile.parse_datetime("2026-12-01T10:30:00+00:00", WARSAW)
    assert explicit is not None
    assert explicit.utcoffset().total_seconds() == 0
    assert csvfile.parse_datetime("tomorrow", WARSAW) is None

"""A CSV import's row errors in the reader's language (issue 15): the pure reader's own messages (through the
``tr`` the services give it) and the services' lookups; the same rows stay English for an English reader."""

from __future__ import annotations

import pytest
from django.utils import translation
from django.utils.translation import gettext

from mesoclinic.interop.csvfile import CsvFileError, RowReader, parse
from mesoclinic.interop.services import import_csv
from mesoclinic.interop.tests.test_import_csv import HEADER, PATIENTS


def test_the_pure_reader_is_english_unless_given_gettext():
    plain = RowReader(2, {"birth_date": "31.02.1990"}, {"birth_date": "Born"})
    plain.date("birth_date")
    assert [e.message for e in plain.errors] == ["'31.02.1990' is not a date (use YYYY-MM-DD or DD.MM.YYYY)."]
    with translation.override("pl"):
        polish = RowReader(2, {"birth_date": "31.02.1990", "n": "9"}, {"birth_date": "Born"}, tr=gettext)
        polish.date("birth_date")
        polish.integer("n", low=1, high=6)
        polish.text("given_name", required=True)
    assert [e.message for e in polish.errors] == [
        "'31.02.1990' nie jest datą (użyj RRRR-MM-DD lub DD.MM.RRRR).",
        "'9' nie jest liczbą całkowitą od 1 do 6.",
        "Ta wartość jest wymagana.",
    ]


def test_a_file_the_reader_refuses_is_english_and_reads_in_polish_through_gettext():
    with pytest.raises(CsvFileError) as caught:
        parse("A,,B\n1,2,3\n")
    assert str(caught.value) == "Every column needs a header, and headers must differ."
    with translation.override("pl"):
        assert caught.value.text(gettext) == "Każda kolumna musi mieć nagłówek, a nagłówki muszą się różnić."


def _row_errors(clinic, language):
    text = HEADER + "A1,,Nowak,1979-11-02,,M\n" + "A2,Ola,Wrona,1990-01-01,,Q\n"
    with translation.override(language):
        report = import_csv(clinic, "patients", text, PATIENTS, source="oldsys", dry_run=True, actor=None)
    return {(e.row, e.column): e.message for e in report.errors}


@pytest.mark.django_db
def test_an_import_reports_its_rows_in_polish_to_a_polish_reader(clinic):
    errors = _row_errors(clinic, "pl")
    assert errors[(2, "First")] == "Ta wartość jest wymagana."
    assert errors[(3, "Sex")] == "'q' nie jest płcią (female, male, other lub unknown)."


@pytest.mark.django_db
def test_the_same_rows_stay_english_for_an_english_reader(clinic):
    errors = _row_errors(clinic, "en")
    assert errors[(2, "First")] == "This value is required."
    assert errors[(3, "Sex")] == "'q' is not a sex (female, male, other or unknown)."

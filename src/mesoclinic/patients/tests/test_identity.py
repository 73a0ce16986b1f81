"""Names, search folding and phone numbers (the pure helpers of ``mesoclinic.patients.identity``)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mesoclinic.patients.identity import (
    NAME_MAX,
    InvalidPhoneError,
    clean_name,
    fold,
    format_phone,
    normalise_phone,
    phone_digits_term,
    phone_query,
)


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Zając", "zajac"),
        ("ZAJĄC", "zajac"),
        ("Łęcka", "lecka"),
        ("Müller-Lüdenscheidt", "muller-ludenscheidt"),
        ("Straße", "strasse"),
        ("Søren  Ærø", "soren aero"),
        ("Đorđević", "dordevic"),
        ("zajac", "zajac"),
    ],
)
def test_it_folds_case_and_diacritics(text, folded):
    assert fold(text) == folded


@given(st.text())
def test_folding_is_idempotent(text):
    assert fold(fold(text)) == fold(text)


@pytest.mark.parametrize(
    "name", ["Anna", "Anne-Marie", "O'Brien", "D’Arcy", "St. John", "Zając", "José María"]
)
def test_it_accepts_real_names(name):
    assert clean_name(f"  {name} ", what="first name") == name


def test_it_tidies_inner_spaces():
    assert clean_name("Anna \t Maria", what="first name") == "Anna Maria"


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("", "Enter the last name"),
        ("   ", "Enter the last name"),
        ("x" * (NAME_MAX + 1), "too long"),
        ("123", "must contain letters"),
        ("Anna;", "cannot contain “;”"),
        ("<script>", "cannot contain “<”"),
        ("Ann\x00a", "cannot contain"),
    ],
)
def test_it_refuses_what_cannot_be_a_name(value, why):
    with pytest.raises(ValueError, match=why):
        clean_name(value, what="last name")


@pytest.mark.parametrize(
    "typed", ["600 123 456", "600-123-456", "+48 600 123 456", "0048 600 123 456", "+48 (600) 123-456"]
)
def test_it_stores_a_number_typed_in_any_format_as_e164(typed):
    assert normalise_phone(typed, "PL") == "+48600123456"


def test_it_reads_a_national_number_in_the_clinics_country():
    assert normalise_phone("020 7946 0958", "GB") == "+442079460958"
    assert normalise_phone("+48 600 123 456", "GB") == "+48600123456"


def test_a_blank_number_stays_blank():
    assert normalise_phone("  ", "PL") == ""


@pytest.mark.parametrize(
    "typed", ["600 123", "+48 111", "call me", "12345678901234567890", "600 123 456 ext"]
)
def test_it_refuses_what_is_not_a_valid_number(typed):
    with pytest.raises(InvalidPhoneError, match="phone number"):
        normalise_phone(typed, "PL")


def test_the_error_gives_an_example_of_the_clinics_country():
    with pytest.raises(InvalidPhoneError, match="512 345 678"):
        normalise_phone("12", "PL")


def test_it_shows_a_home_number_nationally_and_a_foreign_one_internationally():
    assert format_phone("+48600123456", "PL") == "600 123 456"
    assert format_phone("+442079460958", "PL") == "+44 20 7946 0958"
    assert format_phone("legacy 123", "PL") == "legacy 123"


def test_a_whole_number_in_a_search_is_read_as_one_number():
    assert phone_query("0048 600-123-456", "PL") == "+48600123456"
    assert phone_query("Anna", "PL") is None
    assert phone_query("600 1", "PL") is None


def test_a_word_of_digits_searches_inside_numbers_without_the_trunk_zero():
    assert phone_digits_term("600-123") == "600123"
    assert phone_digits_term("07946") == "7946"
    assert phone_digits_term("+4860") == "4860"
    assert phone_digits_term("12") is None
    assert phone_digits_term("Anna") is None

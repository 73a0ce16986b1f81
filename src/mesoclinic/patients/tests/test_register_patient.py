"""Registration and identity changes: names and phones checked, phones in E.164, possible duplicates refused
until confirmed, and the diacritics-insensitive search that finds them."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from mesoclinic.patients.models import Patient
from mesoclinic.patients.selectors import patients_for_clinic
from mesoclinic.patients.services import (
    PossibleDuplicateError,
    register_patient,
    restrict_patient,
    update_patient,
)
from mesoclinic.testing import make_patient

pytestmark = pytest.mark.django_db

BORN = date(1984, 2, 29)


def _register(clinic, given="Zofia", family="Zając", **extra):
    extra.setdefault("birth_date", BORN)
    return register_patient(clinic, actor=None, given_name=given, family_name=family, **extra)


@pytest.fixture
def polish_clinic(clinic):
    clinic.country = "PL"
    clinic.save(update_fields=["country"])
    return clinic


def test_it_stores_the_phone_in_e164_read_in_the_clinics_country(polish_clinic):
    patient = _register(polish_clinic, phone="600 123 456")
    patient.refresh_from_db()
    assert patient.phone == "+48600123456"


def test_it_refuses_an_invalid_phone_by_field_and_saves_nothing(polish_clinic):
    with pytest.raises(ValidationError) as error:
        _register(polish_clinic, phone="600 12")
    assert "not a valid phone number" in error.value.message_dict["phone"][0]
    assert not Patient.objects.exists()


def test_it_refuses_a_name_without_letters_and_tidies_spaces(clinic):
    with pytest.raises(ValidationError) as error:
        _register(clinic, given="1234")
    assert "letters" in error.value.message_dict["given_name"][0]
    patient = _register(clinic, given="  Anna   Maria ")
    patient.refresh_from_db()
    assert patient.given_name == "Anna Maria"


def test_it_refuses_an_overlong_address(clinic):
    with pytest.raises(ValidationError) as error:
        _register(clinic, address="x" * 501)
    assert "address" in error.value.message_dict


@pytest.mark.parametrize("typed", ["zajac", "ZAJĄC", "Zając", "zofia zajac"])
def test_search_ignores_case_and_diacritics(clinic, typed):
    patient = _register(clinic)
    make_patient(clinic)
    assert list(patients_for_clinic(clinic, search=typed)) == [patient]


def test_search_finds_a_name_typed_with_diacritics_stored_without(clinic):
    patient = _register(clinic, family="Zajac")
    assert list(patients_for_clinic(clinic, search="Zając")) == [patient]


@pytest.mark.parametrize("typed", ["600 123 456", "+48 600-123-456", "0048600123456", "123 456", "600123"])
def test_search_finds_a_phone_typed_in_any_format(polish_clinic, typed):
    patient = _register(polish_clinic, phone="+48 600 123 456")
    _register(polish_clinic, given="Beata", family="Kowalska", phone="+48 601 000 000")
    assert list(patients_for_clinic(polish_clinic, search=typed)) == [patient]


def test_it_refuses_a_patient_with_the_same_name_and_birth_date_until_confirmed(clinic):
    first = _register(clinic, family="Zając")
    with pytest.raises(PossibleDuplicateError) as error:
        _register(clinic, given="ZOFIA", family="Zajac")
    assert [(d.patient, d.reasons) for d in error.value.duplicates] == [
        (first, ("same name and date of birth",))
    ]
    assert "Zofia Zając, born 1984-02-29" in error.value.messages[0]
    assert Patient.objects.count() == 1
    second = _register(clinic, given="ZOFIA", family="Zajac", allow_duplicate=True)
    assert Patient.objects.count() == 2 and second != first


def test_the_same_name_with_another_birth_date_is_someone_else(clinic):
    _register(clinic)
    _register(clinic, birth_date=date(1990, 1, 1))
    assert Patient.objects.count() == 2


def test_it_refuses_the_same_phone_or_email_until_confirmed(polish_clinic):
    first = _register(polish_clinic, phone="600 123 456", email="zofia@example.com")
    with pytest.raises(PossibleDuplicateError) as same_phone:
        _register(polish_clinic, given="Jan", family="Nowak", phone="+48600123456")
    assert same_phone.value.duplicates[0].reasons == ("same phone number",)
    with pytest.raises(PossibleDuplicateError) as same_email:
        _register(polish_clinic, given="Jan", family="Nowak", email="ZOFIA@example.com")
    assert same_email.value.duplicates[0].patient == first
    assert same_email.value.duplicates[0].reasons == ("same e-mail",)


def test_patients_of_other_clinics_and_restricted_ones_are_not_shown_as_duplicates(clinic, other_clinic):
    _register(other_clinic)
    restricted = _register(clinic)
    restrict_patient(restricted, reason="Erasure requested", actor=None)
    assert _register(clinic).clinic == clinic


def test_an_edit_that_makes_a_patient_look_like_another_is_refused_until_confirmed(polish_clinic):
    _register(polish_clinic, phone="600 123 456")
    other = _register(polish_clinic, given="Jan", family="Nowak")
    with pytest.raises(PossibleDuplicateError):
        update_patient(other, actor=None, phone="600123456")
    other.refresh_from_db()
    assert other.phone == ""
    update_patient(other, actor=None, phone="600123456", allow_duplicate=True)
    other.refresh_from_db()
    assert other.phone == "+48600123456"


def test_an_edit_keeps_the_search_name_in_step(clinic):
    patient = _register(clinic)
    update_patient(patient, actor=None, family_name="Łęcka")
    assert list(patients_for_clinic(clinic, search="lecka")) == [patient]
    assert not patients_for_clinic(clinic, search="zajac").exists()


def test_an_unchanged_phone_in_another_format_is_not_a_change(polish_clinic):
    patient = _register(polish_clinic, phone="600 123 456")
    update_patient(patient, actor=None, phone="+48 600-123-456")
    assert patient.history.count() == 1


@pytest.mark.parametrize(
    ("identity", "reason"),
    [
        ({"given_name": "Zofia", "family_name": "Zając", "birth_date": BORN}, "same name and date of birth"),
        ({"phone": "600 123 456"}, "same phone number"),
        ({"email": "zofia@example.com"}, "same e-mail"),
    ],
)
def test_registering_and_editing_find_the_same_possible_duplicates(polish_clinic, identity, reason):
    """One check serves both: what a registration is warned about, an edit to the same details is too."""
    first = _register(polish_clinic, phone="600 123 456", email="zofia@example.com")
    someone = {"given_name": "Jan", "family_name": "Nowak", "birth_date": date(1990, 1, 1)}
    with pytest.raises(PossibleDuplicateError) as registering:
        register_patient(polish_clinic, actor=None, **{**someone, **identity})
    other = register_patient(polish_clinic, actor=None, **someone)
    with pytest.raises(PossibleDuplicateError) as editing:
        update_patient(other, actor=None, **identity)
    found = [[(d.patient, d.reasons) for d in e.value.duplicates] for e in (registering, editing)]
    assert found[0] == found[1] == [(first, (reason,))]


def test_a_refused_edit_leaves_the_patient_as_it_was(polish_clinic):
    _register(polish_clinic, phone="600 123 456")
    other = _register(polish_clinic, given="Jan", family="Nowak")
    search_name = other.search_name
    with pytest.raises(PossibleDuplicateError):
        update_patient(other, actor=None, family_name="Kowal", phone="600123456")
    with pytest.raises(ValidationError, match="cannot be in the future"):
        update_patient(other, actor=None, family_name="Kowal", birth_date=date(2999, 1, 1))
    assert (other.family_name, other.phone, other.birth_date, other.search_name) == (
        "Nowak",
        "",
        BORN,
        search_name,
    )

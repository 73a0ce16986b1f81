"""pydantic's own refusals in the API (issue 15) in the reader's language: a Polish receptionist's staff API and a
Polish browser's public booking API read Polish messages; the JSON is otherwise exactly ninja's (type, loc,
ctx untouched), and an English reader gets pydantic's words unchanged."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.utils import translation

from mesoclinic import schema_errors
from mesoclinic.accounts.models import Role
from mesoclinic.testing import client_for, make_patient, make_staff
from mesoclinic.testing.billing import draft, line, pl_clinic


def _in(language: str, error: dict) -> str:
    with translation.override(language):
        return schema_errors.message(error)


def test_a_missing_field_and_a_bad_integer_read_in_polish_and_stay_english_in_english():
    missing = {"type": "missing", "loc": ["body", "x"], "msg": "Field required"}
    assert _in("pl", missing) == "To pole jest wymagane"
    assert _in("en", missing) == "Field required"
    above = {"type": "greater_than", "msg": "Input should be greater than 0", "ctx": {"gt": 0}}
    assert _in("pl", above) == "Wartość powinna być większa niż 0"


def test_counted_messages_use_the_polish_plural_forms():
    def too_long(n: int) -> dict:
        return {"type": "string_too_long", "msg": "?", "ctx": {"max_length": n}}

    assert _in("pl", too_long(1)) == "Tekst powinien mieć najwyżej 1 znak"
    assert _in("pl", too_long(3)) == "Tekst powinien mieć najwyżej 3 znaki"
    assert _in("pl", too_long(200)) == "Tekst powinien mieć najwyżej 200 znaków"


def test_the_choices_last_or_is_polish():
    error = {
        "type": "literal_error",
        "msg": "Input should be 'a', 'b' or 'c'",
        "ctx": {"expected": "'a', 'b' or 'c'"},
    }
    assert _in("pl", error) == "Wartość powinna być jedną z: 'a', 'b' lub 'c'"
    assert _in("en", error) == "Input should be 'a', 'b' or 'c'"


def test_an_unknown_type_or_an_unusable_ctx_keeps_pydantics_words():
    assert _in("pl", {"type": "something_new", "msg": "Something new"}) == "Something new"
    assert _in("pl", {"type": "string_too_long", "msg": "As given", "ctx": {}}) == "As given"


def _payment_without_method(language: str) -> tuple[int, list[dict]]:
    clinic = pl_clinic()
    receptionist = make_staff(clinic, Role.RECEPTIONIST)
    receptionist.language = language
    receptionist.save(update_fields=["language"])
    invoice = draft(make_patient(clinic), line())
    response = client_for(receptionist).post(
        f"/api/v1/billing/invoices/{invoice.pk}/payments",
        data=json.dumps({}),
        content_type="application/json",
    )
    return response.status_code, response.json()["detail"]


@pytest.mark.django_db
def test_the_staff_api_answers_a_polish_receptionist_in_polish_in_ninjas_own_shape():
    status, polish = _payment_without_method("pl")
    english_status, english = _payment_without_method("en")
    assert (status, english_status) == (422, 422)
    assert "Field required" in {error["msg"] for error in english}
    assert "To pole jest wymagane" in {error["msg"] for error in polish}
    assert "Field required" not in {error["msg"] for error in polish}
    # Only the words differ: every key, type, place and context is ninja's.
    assert [{k: v for k, v in e.items() if k != "msg"} for e in polish] == [
        {k: v for k, v in e.items() if k != "msg"} for e in english
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(("accept", "expected"), [("pl", "To pole jest wymagane"), ("en", "Field required")])
def test_the_public_api_follows_the_browsers_language(accept, expected):
    clinic = pl_clinic()
    response = Client().post(
        f"/api/v1/public/{clinic.slug}/bookings/anything/verify",
        {},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE=accept,
    )
    assert response.status_code == 422
    assert response.json()["errors"]["code"] == [expected]

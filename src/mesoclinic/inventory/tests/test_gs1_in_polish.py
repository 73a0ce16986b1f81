"""A label the GS1 parser (pure: no Django) refuses, said in the reader's language (issue 15): the error keeps
its English text and its template, and the Django layer shows ``text(gettext)``."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.utils import translation
from django.utils.translation import gettext

from mesoclinic.accounts.models import Clinic, Role
from mesoclinic.inventory.gs1 import GS1Error, parse
from mesoclinic.testing import client_for, make_staff

TODAY = date(2026, 3, 10)
GTIN = "05012345678900"


def test_the_parsers_refusal_is_english_and_reads_in_polish_through_gettext() -> None:
    with pytest.raises(GS1Error) as caught:
        parse(f"01{GTIN}17271331", today=TODAY)
    assert str(caught.value) == "The date 271331 has no month 13."
    with translation.override("pl"):
        assert caught.value.text(gettext) == "Data 271331 ma nieistniejący miesiąc 13."


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "expected"), [("pl", "złą cyfrę kontrolną"), ("en", "wrong check digit")]
)
def test_the_scan_api_explains_a_bad_label_in_the_readers_language(
    clinic: Clinic, language: str, expected: str
) -> None:
    receptionist = make_staff(clinic, Role.RECEPTIONIST)
    receptionist.language = language
    receptionist.save(update_fields=["language"])
    response = client_for(receptionist).post(
        "/api/v1/inventory/scan",
        data=json.dumps({"text": "0105012345678901"}),
        content_type="application/json",
    )
    assert response.status_code == 422
    assert expected in response.json()["detail"]

"""Free-text refusals (``mesoclinic.text``, a pure module: the Django layer passes ``gettext`` and the reader's
number format) and message-template checks in the reader's language (issue 15); English stays as it was."""

from __future__ import annotations

import json

import pytest
from django.utils import translation
from django.utils.translation import gettext

from mesoclinic.accounts.models import Role
from mesoclinic.form_errors import readers_count
from mesoclinic.notifications.services import check_template
from mesoclinic.testing import client_for, make_patient, make_staff
from mesoclinic.testing.billing import draft, line, pl_clinic
from mesoclinic.text import text_problem

NBSP = "\u00a0"


def test_the_pure_module_speaks_english_with_english_numbers_by_default():
    assert text_problem("x" * 10_001) == "At most 10,000 characters (this has 10,001)."
    assert text_problem("a\x1bb") is not None and text_problem("a\x1bb").startswith("Remove the control")


def test_given_gettext_and_the_readers_numbers_it_speaks_polish():
    with translation.override("pl"):
        assert text_problem("x" * 10_001, tr=gettext, count=readers_count) == (
            f"Najwyżej 10{NBSP}000 znaków (ten tekst ma 10{NBSP}001)."
        )
        assert text_problem("a\x1bb", tr=gettext, count=readers_count).startswith("Usuń znak sterujący")
    with translation.override("en"):
        assert text_problem("x" * 10_001, tr=gettext, count=readers_count) == (
            "At most 10,000 characters (this has 10,001)."
        )


def test_template_placeholder_errors_read_in_polish_and_stay_english_in_english():
    with translation.override("pl"):
        polish = check_template("", "Dzień dobry {{ nmae }}", clinic=None)
    english = check_template("", "Hello {{ nmae }}", clinic=None)
    assert polish["body"][0].startswith("Nieznane pola zastępcze: nmae. Dostępne: ")
    assert english["body"][0].startswith("Unknown placeholder(s): nmae. Use: ")
    with translation.override("pl"):
        assert check_template("", "  ")["body"] == ["Napisz treść wiadomości."]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "expected"), [("pl", "Usuń znak sterujący"), ("en", "Remove the control")]
)
def test_the_api_refuses_a_control_character_in_the_readers_language(language, expected):
    clinic = pl_clinic()
    receptionist = make_staff(clinic, Role.RECEPTIONIST)
    receptionist.language = language
    receptionist.save(update_fields=["language"])
    invoice = draft(make_patient(clinic), line())
    response = client_for(receptionist).post(
        f"/api/v1/billing/invoices/{invoice.pk}/payments",
        data=json.dumps({"method": "cash", "amount": "1.00", "reason": "a\u001bb"}),
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["errors"]["reason"][0].startswith(expected)

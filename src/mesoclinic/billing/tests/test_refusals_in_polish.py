"""Billing's refusals in the reader's language (issue 15): the services' messages, with their amounts written
the Polish way (30,00), the pure core's VAT and tax-id messages (translated by the Django layer), and the API's
422 for a Polish receptionist; the same refusals stay English for an English reader."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from mesoclinic.accounts.models import Role
from mesoclinic.billing.engine.taxid import TaxIdError, normalise_tax_id
from mesoclinic.billing.engine.vat import Line, VatError, compute_totals
from mesoclinic.billing.services import record_payment
from mesoclinic.testing import client_for, make_patient, make_staff
from mesoclinic.testing.billing import draft, line, pl_clinic

D = Decimal


def _credit_refusal(language: str) -> list[str]:
    patient = make_patient(pl_clinic())
    record_payment(
        draft(patient, line(unit_price="100.00")), method="cash", amount="130.00", to_credit=True, actor=None
    )
    later = draft(patient, line(unit_price="80.00"))
    with translation.override(language), pytest.raises(ValidationError) as refused:
        record_payment(later, method="credit", amount="40.00", actor=None)
    return refused.value.message_dict["amount"]


@pytest.mark.django_db
def test_it_refuses_more_than_the_credit_in_polish_with_a_polish_amount():
    assert _credit_refusal("pl") == ["Na koncie pacjenta jest 30,00: można nim zapłacić najwyżej tyle."]


@pytest.mark.django_db
def test_the_same_refusal_stays_english_for_an_english_reader():
    assert _credit_refusal("en") == ["The patient's credit is 30.00: it pays at most that."]


def test_the_cores_vat_refusal_names_the_line_in_the_readers_language():
    with pytest.raises(VatError) as caught:
        compute_totals([Line(D("1"), D("1"), "23"), Line(D("0"), D("1"), "23")])
    assert str(caught.value) == "Line 2: the quantity must be more than zero."
    with translation.override("pl"):
        assert caught.value.text(translation.gettext) == "Pozycja 2: ilość musi być większa od zera."


def test_the_cores_tax_id_refusal_is_english_until_the_django_layer_translates_it():
    with pytest.raises(TaxIdError) as caught:
        normalise_tax_id("XX123")
    assert str(caught.value) == "XX is not the prefix of an EU VAT number."
    with translation.override("pl"):
        assert caught.value.text(translation.gettext) == "XX nie jest prefiksem numeru VAT UE."


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("pl", "Do zapłaty pozostaje 450,00: płatność nie może być większa"),
        ("en", "The balance is 450.00: the payment cannot be more"),
    ],
)
def test_the_api_refuses_an_overpayment_in_the_receptionists_language(language, expected):
    clinic = pl_clinic()
    receptionist = make_staff(clinic, Role.RECEPTIONIST)
    receptionist.language = language  # their account's choice, whatever the clinic's
    receptionist.save(update_fields=["language"])
    desk = client_for(receptionist)
    invoice = draft(make_patient(clinic), line(unit_price="450.00"))
    response = desk.post(
        f"/api/v1/billing/invoices/{invoice.pk}/payments",
        data=json.dumps({"method": "cash", "amount": "500.00"}),
        content_type="application/json",
    )
    assert response.status_code == 422
    assert expected in json.dumps(response.json(), ensure_ascii=False)

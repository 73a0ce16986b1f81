"""Partial payments leave a balance (chart, Today, API); an overpayment goes to the patient's credit only
when the cashier says so, and credit pays a later document."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from mesoclinic.accounts.models import Role
from mesoclinic.billing import selectors
from mesoclinic.billing.models import CreditEntry
from mesoclinic.billing.services import issue_invoice, record_payment, refund_payment
from mesoclinic.billing.tests.helpers import draft, line, pl_clinic
from mesoclinic.testing import client_for, make_patient, make_staff

pytestmark = pytest.mark.django_db
API = "/api/v1/billing"


@pytest.fixture
def clinic():
    return pl_clinic()


def test_an_overpayment_is_refused_unless_put_to_credit(clinic):
    patient = make_patient(clinic)
    invoice = draft(patient, line(unit_price="450.00"))
    with pytest.raises(ValidationError) as refused:
        record_payment(invoice, method="cash", amount="500.00", actor=None)
    assert "amount" in refused.value.message_dict
    payment = record_payment(invoice, method="cash", amount="500.00", to_credit=True, actor=None)
    assert payment.amount == Decimal("450.00")
    invoice.refresh_from_db()
    assert invoice.balance == Decimal("0.00")
    assert selectors.credit_of(patient) == Decimal("50.00")
    entry = CreditEntry.objects.get()
    assert (entry.method, entry.payment_id) == ("cash", payment.pk)


def test_credit_pays_a_later_document_never_more_than_there_is(clinic):
    patient = make_patient(clinic)
    record_payment(
        draft(patient, line(unit_price="100.00")), method="cash", amount="130.00", to_credit=True, actor=None
    )
    later = draft(patient, line(unit_price="80.00"))
    with pytest.raises(ValidationError) as refused:
        record_payment(later, method="credit", amount="40.00", actor=None)
    assert refused.value.message_dict["amount"] == ["The patient's credit is 30.00: it pays at most that."]
    spent = record_payment(later, method="credit", amount="30.00", actor=None)
    assert selectors.credit_of(patient) == Decimal("0.00")
    with pytest.raises(ValidationError) as to_credit:
        record_payment(later, method="credit", amount="90.00", to_credit=True, actor=None)
    assert "to_credit" in to_credit.value.message_dict
    refund_payment(spent, amount="30.00", reason="Paid by card instead", actor=None)
    assert selectors.credit_of(patient) == Decimal("30.00")  # given back to credit, not in cash


def test_a_partial_payment_leaves_a_balance_on_the_chart_today_and_the_api(clinic):
    patient = make_patient(clinic)
    invoice = draft(patient, line(unit_price="450.00"))
    record_payment(invoice, method="card_terminal", amount="200.00", actor=None)
    issue_invoice(invoice, actor=None)
    desk = client_for(make_staff(clinic, Role.RECEPTIONIST))
    chart = desk.get(f"/billing/patients/{patient.pk}/account/").content.decode()
    assert "Owes 250.00 PLN" in chart
    account = desk.get(f"{API}/patients/{patient.pk}/account").json()
    assert (account["balance"], account["credit"]) == ("250.00", "0.00")
    standing = selectors.standings_for([patient.pk, make_patient(clinic).pk])
    assert list(standing) == [patient.pk] and standing[patient.pk].owed == Decimal("250.00")


def test_the_api_puts_an_overpayment_to_credit_only_when_asked(clinic):
    patient = make_patient(clinic)
    invoice = draft(patient, line(unit_price="100.00"))
    desk = client_for(make_staff(clinic, Role.RECEPTIONIST))
    url = f"{API}/invoices/{invoice.pk}/payments"
    over = desk.post(
        url, data=json.dumps({"method": "cash", "amount": "120.00"}), content_type="application/json"
    )
    assert over.status_code == 422 and "amount" in over.json()["errors"]
    ok = desk.post(
        url,
        data=json.dumps({"method": "cash", "amount": "120.00", "to_credit": True}),
        content_type="application/json",
    )
    assert ok.status_code == 201 and ok.json()["amount"] == "100.00"
    assert desk.get(f"{API}/patients/{patient.pk}/account").json()["credit"] == "20.00"

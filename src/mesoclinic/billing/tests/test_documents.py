"""Drafts, lines, discounts, issuing, payments, refunds, credit notes and the patient's account."""

from __future__ import annotations

from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError

from mesoclinic.audit.models import AuditEvent
from mesoclinic.billing import selectors
from mesoclinic.billing.models import DocumentStatus, InvoiceLine, Payment
from mesoclinic.billing.services import (
    DocumentIssuedError,
    add_line,
    create_credit_note,
    issue_invoice,
    record_payment,
    refund_payment,
    remove_line,
    set_buyer,
    update_line,
)
from mesoclinic.testing import make_patient
from mesoclinic.testing.billing import draft, line, pl_clinic

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def patient():
    return make_patient(pl_clinic())


def test_it_drafts_with_totals_and_vat_per_rate(patient) -> None:
    invoice = draft(
        patient,
        line(unit_price="450.00"),
        line("Serum", quantity="2", unit_price="49.99", discount="10.00", discount_reason="loyal patient"),
        line("Consultation", unit_price="200.00", vat_rate="zw"),
    )
    invoice.refresh_from_db()
    assert (invoice.status, invoice.number, invoice.currency) == ("draft", None, "PLN")
    assert (invoice.net, invoice.vat, invoice.gross) == (D("639.01"), D("100.97"), D("739.98"))
    assert [(r.rate, r.vat) for r in selectors.totals_of(invoice).by_rate] == [
        ("23", D("100.97")),
        ("zw", D("0.00")),
    ]
    assert AuditEvent.objects.filter(action="billing.invoice.create", patient_id=patient.pk).exists()


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"quantity": "-1"}, "lines[1].quantity"),
        ({"quantity": "0"}, "lines[1].quantity"),
        ({"unit_price": "-5.00"}, "lines[1].unit_price"),
        ({"vat_rate": "19"}, "lines[1].vat_rate"),
        ({"discount": "5.00"}, "lines[1].discount_reason"),
        ({"discount": "500.00", "discount_reason": "x"}, "lines[1].discount"),
        ({"discount_percent": "120", "discount_reason": "x"}, "lines[1].discount_percent"),
        ({"description": " "}, "lines[1].description"),
    ],
)
def test_it_refuses_a_bad_line_naming_its_field(patient, bad, field) -> None:
    with pytest.raises(ValidationError) as caught:
        draft(patient, line(), line(**bad))
    assert field in caught.value.message_dict


def test_it_turns_a_percentage_discount_into_an_amount(patient) -> None:
    invoice = draft(patient)
    row = invoice.lines.get()
    update_line(
        row,
        line(quantity="3", unit_price="33.33", discount_percent="10", discount_reason="series"),
        actor=None,
    )
    row.refresh_from_db()
    invoice.refresh_from_db()
    assert (row.discount, row.discount_percent, row.gross) == (D("10.00"), D("10.00"), D("89.99"))
    assert invoice.gross == D("89.99")
    change = AuditEvent.objects.get(action="billing.line.update")
    assert change.data["before"]["quantity"] == "1.000"
    assert change.data["discount_reason"] == "series"


def test_it_adds_and_removes_lines_on_a_draft(patient) -> None:
    invoice = draft(patient)
    extra = add_line(invoice, line("Serum", unit_price="50.00", vat_rate="8"), actor=None)
    invoice.refresh_from_db()
    assert invoice.gross == D("500.00")
    remove_line(extra, actor=None)
    invoice.refresh_from_db()
    assert invoice.gross == D("450.00")
    assert not InvoiceLine.objects.filter(pk=extra.pk).exists()


def test_it_numbers_documents_per_kind_and_year_in_the_clinics_calendar(patient) -> None:
    with time_machine.travel("2026-12-31T22:30:00Z", tick=False):  # 23:30 in Warsaw: still 2026
        first = issue_invoice(draft(patient), actor=None)
        second = issue_invoice(draft(patient), actor=None)
        invoice = issue_invoice(draft(patient, kind="invoice"), actor=None)
    with time_machine.travel("2026-12-31T23:30:00Z", tick=False):  # 00:30 in Warsaw: 2027
        new_year = issue_invoice(draft(patient), actor=None)
    assert [first.number, second.number, invoice.number, new_year.number] == [
        "PAR/2026/000001",
        "PAR/2026/000002",
        "FV/2026/000001",
        "PAR/2027/000001",
    ]
    first.refresh_from_db()
    assert first.status == DocumentStatus.ISSUED
    assert AuditEvent.objects.filter(action="billing.invoice.issue").count() == 4


def test_numbers_are_per_clinic(patient) -> None:
    other = make_patient(pl_clinic("Other Clinic"))
    assert issue_invoice(draft(patient), actor=None).number.endswith("/000001")
    assert issue_invoice(draft(other), actor=None).number.endswith("/000001")


def test_an_issued_document_never_changes(patient) -> None:
    invoice = issue_invoice(draft(patient), actor=None)
    number = invoice.number
    row = invoice.lines.get()
    for change in (
        lambda: add_line(invoice, line(), actor=None),
        lambda: update_line(row, line(quantity="2"), actor=None),
        lambda: remove_line(row, actor=None),
        lambda: issue_invoice(invoice, actor=None),
        lambda: set_buyer(invoice, kind="consumer", actor=None),
    ):
        with pytest.raises(DocumentIssuedError):
            change()
    invoice.refresh_from_db()
    assert (invoice.number, invoice.gross, invoice.lines.count()) == (number, D("450.00"), 1)


def test_it_refuses_to_issue_an_empty_draft(patient) -> None:
    invoice = draft(patient)
    remove_line(invoice.lines.get(), actor=None)
    with pytest.raises(ValidationError) as caught:
        issue_invoice(invoice, actor=None)
    assert "lines" in caught.value.message_dict


def test_it_takes_split_payments_up_to_the_balance(patient) -> None:
    invoice = draft(patient)
    record_payment(invoice, method="cash", amount="225.00", actor=None)
    record_payment(invoice, method="card_terminal", amount="200", actor=None)
    invoice.refresh_from_db()
    assert (invoice.paid, invoice.balance) == (D("425.00"), D("25.00"))
    with pytest.raises(ValidationError) as caught:
        record_payment(invoice, method="cash", amount="25.01", actor=None)
    assert caught.value.message_dict["amount"] == [
        "The balance is 25.00: the payment cannot be more"
        " (unless the cashier puts the rest to the patient's credit)."
    ]
    for method, amount, field in [
        ("cheque", "1", "method"),
        ("cash", "0", "amount"),
        ("cash", "-1", "amount"),
    ]:
        with pytest.raises(ValidationError) as caught:
            record_payment(invoice, method=method, amount=amount, actor=None)
        assert field in caught.value.message_dict


def test_a_draft_cannot_drop_below_what_was_paid(patient) -> None:
    invoice = draft(patient)
    record_payment(invoice, method="cash", amount="450.00", actor=None)
    with pytest.raises(ValidationError):
        update_line(invoice.lines.get(), line(unit_price="400.00"), actor=None)


def test_it_refunds_with_a_reason_and_never_more_than_was_paid(patient) -> None:
    invoice = issue_invoice(draft(patient), actor=None)
    payment = record_payment(invoice, method="card_terminal", amount="450.00", actor=None)
    with pytest.raises(ValidationError) as caught:
        refund_payment(payment, amount="10.00", reason=" ", actor=None)
    assert "reason" in caught.value.message_dict
    refund = refund_payment(payment, amount="100.00", reason="treatment shortened", actor=None)
    assert (refund.amount, refund.method, refund.refund_of_id) == (D("-100.00"), "card_terminal", payment.pk)
    with pytest.raises(ValidationError) as caught:
        refund_payment(payment, amount="350.01", reason="more", actor=None)
    assert caught.value.message_dict["amount"] == ["Only 350.00 of this payment is left to refund."]
    invoice.refresh_from_db()
    assert invoice.paid == D("350.00")
    payment.refresh_from_db()
    assert payment.amount == D("450.00")  # never edited
    assert Payment.objects.filter(invoice=invoice).count() == 2


def test_a_credit_note_corrects_an_issued_document_up_to_its_amount(patient) -> None:
    invoice = issue_invoice(draft(patient), actor=None)
    with pytest.raises(ValidationError):
        create_credit_note(draft(patient), lines=[line()], reason="x", actor=None)  # a draft
    note = create_credit_note(
        invoice, lines=[line(unit_price="150.00")], reason="one zone not done", actor=None
    )
    assert note.number.startswith("KOR/")
    assert (note.corrects_id, note.gross, note.status) == (invoice.pk, D("-150.00"), "issued")
    with pytest.raises(ValidationError) as caught:
        create_credit_note(invoice, lines=[line(unit_price="300.01")], reason="again", actor=None)
    assert "300.00" in caught.value.message_dict["lines"][0]
    with pytest.raises(ValidationError) as caught:
        create_credit_note(invoice, lines=[line()], reason="", actor=None)
    assert "reason" in caught.value.message_dict


def test_the_account_shows_what_the_patient_owes_or_is_owed(patient) -> None:
    invoice = issue_invoice(draft(patient), actor=None)
    record_payment(invoice, method="cash", amount="200.00", actor=None)
    draft(patient)  # a draft owes nothing yet
    account = selectors.account_of(patient)
    assert (account.issued_gross, account.paid, account.balance) == (D("450.00"), D("200.00"), D("250.00"))
    create_credit_note(invoice, lines=[line(unit_price="300.00")], reason="discount agreed", actor=None)
    assert selectors.account_of(patient).balance == D("-50.00")


def test_a_company_buyer_needs_a_valid_tax_id_and_gets_an_invoice(patient) -> None:
    invoice = draft(patient)
    with pytest.raises(ValidationError) as caught:
        set_buyer(
            invoice, kind="company", name="Acme", address="Warszawa", tax_id="123-456-32-19", actor=None
        )
    assert caught.value.message_dict == {
        "buyer.tax_id": ["This NIP's check digit is wrong: look for a typing mistake."]
    }
    set_buyer(invoice, kind="company", name="Acme", address="Warszawa", tax_id="123-456-32-18", actor=None)
    invoice.refresh_from_db()
    assert (invoice.kind, invoice.buyer_kind, invoice.buyer_tax_id) == ("invoice", "company", "1234563218")
    set_buyer(invoice, kind="consumer", actor=None)
    invoice.refresh_from_db()
    assert (invoice.buyer_kind, invoice.buyer_name, invoice.buyer_tax_id) == (
        "consumer",
        patient.full_name,
        "",
    )

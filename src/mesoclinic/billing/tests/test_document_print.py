"""Every issued document has an HTML view as the buyer gets it: seller and buyer, lines, the VAT table,
payments, number and dates, in the clinic's language; a draft has none; another clinic's is 404."""

from __future__ import annotations

import pytest

from mesoclinic.accounts.models import Role
from mesoclinic.billing.services import create_credit_note, issue_invoice, record_payment, set_buyer
from mesoclinic.billing.tests.helpers import draft, line, pl_clinic
from mesoclinic.testing import client_for, make_patient, make_staff

pytestmark = pytest.mark.django_db


def test_an_issued_invoice_prints_with_its_vat_table_and_payments():
    clinic = pl_clinic()
    invoice = draft(make_patient(clinic), line(unit_price="450.00"), line("Serum", "2", "59.99", "8"))
    set_buyer(
        invoice,
        kind="company",
        name="Acme sp. z o.o.",
        address="ul. Prosta 1, Warszawa",
        tax_id="PL 526-000-12-46",
        actor=None,
    )
    record_payment(invoice, method="card_terminal", amount="300.00", actor=None)
    issued = issue_invoice(invoice, actor=None)
    desk = client_for(make_staff(clinic, Role.AUDITOR))
    page = desk.get(f"/billing/documents/{issued.pk}/print/")
    assert page.status_code == 200
    text = page.content.decode()
    for expected in (
        issued.number,
        "Rosa Aesthetics sp. z o.o.",
        "1234563218",
        "Acme sp. z o.o.",
        "5260001246",
        "Serum",
        "119.98",
        "23 %",
        "8 %",
        "84.15",
        "569.98",
        "300.00",
        "269.98",
    ):
        assert expected in text, expected
    note = create_credit_note(issued, lines=[line("Serum", "1", "59.99", "8")], reason="Returned", actor=None)
    credit = desk.get(f"/billing/documents/{note.pk}/print/").content.decode()
    assert "Corrects " + issued.number in credit and "Returned" in credit and "-59.99" in credit


def test_a_draft_has_no_document_and_another_clinic_sees_none():
    clinic = pl_clinic()
    invoice = draft(make_patient(clinic))
    desk = client_for(make_staff(clinic, Role.RECEPTIONIST))
    assert desk.get(f"/billing/documents/{invoice.pk}/print/").status_code == 404
    issue_invoice(invoice, actor=None)
    stranger = client_for(make_staff(pl_clinic("Other"), Role.OWNER))
    assert stranger.get(f"/billing/documents/{invoice.pk}/print/").status_code == 404

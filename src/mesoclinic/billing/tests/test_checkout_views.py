"""The till's screens: checkout from an appointment, lines and discounts, split payment, issue, refunds,
credit notes, the patient's Billing tab, the price list and settings."""

from __future__ import annotations

from decimal import Decimal

import pytest

from mesoclinic.accounts.models import Role
from mesoclinic.billing.models import Invoice
from mesoclinic.billing.services import issue_invoice, record_payment
from mesoclinic.testing import client_for, csv_text, make_patient, make_staff
from mesoclinic.testing.billing import draft, pl_clinic
from mesoclinic.testing.treatments import first_appointment

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def clinic():
    return pl_clinic()


@pytest.fixture
def desk(clinic):
    return client_for(make_staff(clinic, Role.RECEPTIONIST))


def test_it_checks_out_an_appointment_into_a_prefilled_draft(clinic, desk) -> None:
    appointment = first_appointment(clinic)
    page = desk.get(f"/schedule/appointments/{appointment.pk}/")
    assert f"/billing/appointments/{appointment.pk}/checkout/" in page.content.decode()
    response = desk.post(f"/billing/appointments/{appointment.pk}/checkout/")
    invoice = Invoice.objects.get(appointment=appointment)
    assert response.status_code == 302
    assert response["Location"] == f"/billing/documents/{invoice.pk}/"
    screen = desk.get(response["Location"]).content.decode()
    assert appointment.protocol.name in screen
    assert "Take the payment" in screen


def test_it_takes_a_split_payment_and_issues_a_receipt(clinic, desk) -> None:
    invoice = draft(make_patient(clinic))
    url = f"/billing/documents/{invoice.pk}/"
    assert desk.post(url + "pay/", {"method": "cash", "amount": "225,00"}).status_code == 302
    assert desk.post(url + "pay/", {"method": "card_terminal", "amount": "225.00"}).status_code == 302
    issued = desk.post(url + "issue/", follow=True)
    invoice.refresh_from_db()
    assert (invoice.paid, invoice.balance) == (D("450.00"), D("0.00"))
    assert invoice.number.startswith("PAR/")
    assert invoice.number in issued.content.decode()
    assert "can no longer change" in issued.content.decode()


def test_an_overpayment_is_refused_beside_the_field_keeping_what_was_typed(clinic, desk) -> None:
    invoice = draft(make_patient(clinic))
    response = desk.post(f"/billing/documents/{invoice.pk}/pay/", {"method": "cash", "amount": "999.99"})
    assert response.status_code == 422
    body = response.content.decode()
    assert "The balance is 450.00" in body
    assert 'value="999.99"' in body


def test_it_discounts_a_line_by_percentage_with_a_reason(clinic, desk) -> None:
    invoice = draft(make_patient(clinic))
    row = invoice.lines.get()
    url = f"/billing/documents/{invoice.pk}/lines/{row.pk}/"
    prefix = f"line{row.pk}-"
    refused = desk.post(
        url, {prefix + "quantity": "1", prefix + "unit_price": "450.00", prefix + "discount": "10%"}
    )
    assert refused.status_code == 422
    assert "Say why the discount is given." in refused.content.decode()
    desk.post(
        url,
        {
            prefix + "quantity": "1",
            prefix + "unit_price": "450.00",
            prefix + "discount": "10%",
            prefix + "discount_reason": "first visit",
        },
    )
    invoice.refresh_from_db()
    assert invoice.gross == D("405.00")


def test_it_adds_a_line_from_the_price_list(clinic, desk) -> None:
    from mesoclinic.billing.services import create_price_item  # noqa: PLC0415

    item = create_price_item(
        clinic, kind="consultation", name="Consultation", unit_price="200.00", vat_rate="zw", actor=None
    )
    invoice = draft(make_patient(clinic))
    desk.post(f"/billing/documents/{invoice.pk}/lines/", {"item": str(item.pk), "quantity": "1"})
    invoice.refresh_from_db()
    assert invoice.gross == D("650.00")
    assert invoice.lines.filter(description="Consultation", vat_rate="zw", item=item).exists()


def test_a_company_buyer_with_a_bad_nip_is_refused_beside_the_field(clinic, desk) -> None:
    invoice = draft(make_patient(clinic))
    response = desk.post(
        f"/billing/documents/{invoice.pk}/buyer/",
        {"kind": "company", "name": "Acme", "address": "Warszawa", "tax_id": "1234563219"},
    )
    assert response.status_code == 422
    assert "NIP" in response.content.decode()
    assert 'value="1234563219"' in response.content.decode()


def test_an_issued_document_refuses_changes_with_a_message(clinic, desk) -> None:
    invoice = issue_invoice(draft(make_patient(clinic)), actor=None)
    response = desk.post(
        f"/billing/documents/{invoice.pk}/lines/",
        {"description": "x", "quantity": "1", "unit_price": "1", "vat_rate": "23"},
        follow=True,
    )
    assert "cannot change" in response.content.decode()
    assert invoice.lines.count() == 1


def test_the_owner_refunds_and_corrects_with_a_credit_note(clinic) -> None:
    owner = client_for(make_staff(clinic, Role.OWNER))
    invoice = issue_invoice(draft(make_patient(clinic)), actor=None)
    payment = record_payment(invoice, method="cash", amount="450.00", actor=None)
    assert (
        owner.post(
            f"/billing/payments/{payment.pk}/refund/", {"amount": "50.00", "reason": "late start"}
        ).status_code
        == 302
    )
    row = invoice.lines.get()
    response = owner.post(
        f"/billing/documents/{invoice.pk}/credit-note/", {f"line_{row.pk}": "50.00", "reason": "late start"}
    )
    note = Invoice.objects.get(corrects=invoice)
    assert response["Location"] == f"/billing/documents/{note.pk}/"
    assert note.gross == D("-50.00")


def test_the_chart_shows_the_balance(clinic, desk) -> None:
    patient = make_patient(clinic)
    invoice = issue_invoice(draft(patient), actor=None)
    record_payment(invoice, method="cash", amount="150.00", actor=None)
    chart = desk.get(f"/billing/patients/{patient.pk}/account/").content.decode()
    assert "Owes 300.00 PLN" in chart
    assert invoice.number in chart


def test_the_price_list_and_settings_are_the_owners_to_edit(clinic, desk) -> None:
    owner = client_for(make_staff(clinic, Role.OWNER))
    assert desk.get("/billing/prices/").status_code == 200
    assert desk.get("/billing/prices/new/").status_code == 403
    response = owner.post(
        "/billing/prices/new/",
        {
            "kind": "consultation",
            "name": "Consultation",
            "unit_price": "200",
            "vat_rate": "zw",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    refused = owner.post("/billing/settings/", {"currency": "zł", "vat_rates": "23, 8"})
    assert refused.status_code == 422
    assert "ISO 4217" in refused.content.decode()


def test_the_documents_list_searches_and_exports(clinic, desk) -> None:
    invoice = issue_invoice(draft(make_patient(clinic)), actor=None)
    page = desk.get("/billing/", {"q": invoice.number}).content.decode()
    assert invoice.number in page
    export = desk.get("/billing/", {"format": "csv"})
    assert export.status_code == 200
    assert invoice.number in csv_text(export)

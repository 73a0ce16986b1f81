"""The billing API as issue 17 states it: amounts as strings, the VAT table, issue, payments, refunds,
credit notes; 409 on an issued document, 422 naming the field, 404 across clinics, never a float."""

from __future__ import annotations

import json

import pytest

from mesoclinic.accounts.models import Role
from mesoclinic.billing.models import Invoice
from mesoclinic.testing import client_for, make_patient, make_staff
from mesoclinic.testing.billing import pl_clinic

pytestmark = pytest.mark.django_db
API = "/api/v1/billing"


def post(client, url, data=None, method="post"):
    return getattr(client, method)(url, data=json.dumps(data or {}), content_type="application/json")


@pytest.fixture
def world():
    clinic = pl_clinic()
    return {
        "clinic": clinic,
        "patient": make_patient(clinic),
        "desk": client_for(make_staff(clinic, Role.RECEPTIONIST)),
        "owner": client_for(make_staff(clinic, Role.OWNER)),
        "auditor": client_for(make_staff(clinic, Role.AUDITOR)),
    }


BODY = {
    "lines": [
        {"description": "Mesotherapy, face", "quantity": "1", "unit_price": "450.00", "vat_rate": "23"},
        {
            "description": "Serum",
            "quantity": "2",
            "unit_price": "49.99",
            "vat_rate": "23",
            "discount": "10.00",
            "discount_reason": "loyal patient",
        },
        {"description": "Consultation", "quantity": "1", "unit_price": "200.00", "vat_rate": "zw"},
    ]
}


def create(world, **extra):
    response = post(world["desk"], f"{API}/invoices", {"patient": world["patient"].pk, **BODY, **extra})
    assert response.status_code == 201, response.content
    return response.json()


def test_it_creates_a_draft_with_gross_lines_totals_and_balance(world) -> None:
    body = create(world)
    assert [line["gross"] for line in body["lines"]] == ["450.00", "89.98", "200.00"]
    assert body["totals"] == {
        "net": "639.01",
        "vat": "100.97",
        "gross": "739.98",
        "by_rate": [
            {"rate": "23", "net": "439.01", "vat": "100.97", "gross": "539.98"},
            {"rate": "zw", "net": "200.00", "vat": "0.00", "gross": "200.00"},
        ],
    }
    assert (body["paid"], body["balance"], body["status"], body["number"]) == (
        "0.00",
        "739.98",
        "draft",
        None,
    )
    assert body["lines"][1]["quantity"] == "2"
    assert "." in json.dumps(body) and not any(isinstance(v, float) for v in body["totals"].values())


def test_it_issues_takes_payments_refunds_and_credits(world) -> None:
    invoice = create(world)
    issued = post(world["desk"], f"{API}/invoices/{invoice['id']}/issue")
    assert issued.status_code == 200
    assert issued.json()["number"].startswith("PAR/")
    cash = post(
        world["desk"], f"{API}/invoices/{invoice['id']}/payments", {"method": "cash", "amount": "339.98"}
    )
    card = post(
        world["desk"],
        f"{API}/invoices/{invoice['id']}/payments",
        {"method": "card_terminal", "amount": "400.00"},
    )
    assert (cash.status_code, card.status_code) == (201, 201)
    assert card.json()["amount"] == "400.00"
    got = world["auditor"].get(f"{API}/invoices/{invoice['id']}").json()
    assert (got["paid"], got["balance"], len(got["payments"])) == ("739.98", "0.00", 2)
    refund = post(
        world["owner"],
        f"{API}/payments/{card.json()['id']}/refunds",
        {"amount": "100.00", "reason": "zone skipped"},
    )
    assert refund.status_code == 201
    assert (refund.json()["amount"], refund.json()["refund_of"]) == ("-100.00", card.json()["id"])
    assert world["desk"].get(f"{API}/payments/{card.json()['id']}").json()["refundable"] == "300.00"
    note = post(
        world["desk"],
        f"{API}/invoices/{invoice['id']}/credit-notes",
        {
            "lines": [
                {"description": "Zone skipped", "quantity": "1", "unit_price": "100.00", "vat_rate": "23"}
            ],
            "reason": "zone skipped",
        },
    )
    assert note.status_code == 201
    assert (note.json()["corrects"], note.json()["totals"]["gross"], note.json()["number"][:4]) == (
        invoice["id"],
        "-100.00",
        "KOR/",
    )
    account = world["desk"].get(f"{API}/patients/{world['patient'].pk}/account").json()
    assert account == {
        "patient": world["patient"].pk,
        "currency": "PLN",
        "issued": "639.98",
        "paid": "639.98",
        "balance": "0.00",
        "credit": "0.00",
    }


def test_changing_an_issued_invoice_answers_409(world) -> None:
    invoice = create(world)
    post(world["desk"], f"{API}/invoices/{invoice['id']}/issue")
    line_id = invoice["lines"][0]["id"]
    assert post(world["desk"], f"{API}/invoices/{invoice['id']}/issue").status_code == 409
    assert post(world["desk"], f"{API}/invoices/{invoice['id']}/lines", BODY["lines"][0]).status_code == 409
    patched = post(
        world["desk"], f"{API}/invoices/{invoice['id']}/lines/{line_id}", {"quantity": "2"}, method="patch"
    )
    assert patched.status_code == 409
    assert "credit note" in patched.json()["detail"]
    assert world["desk"].delete(f"{API}/invoices/{invoice['id']}/lines/{line_id}").status_code == 409


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"quantity": "-1"}, "lines[0].quantity"),
        ({"unit_price": "-0.01"}, "lines[0].unit_price"),
        ({"vat_rate": "7"}, "lines[0].vat_rate"),
        ({"unit_price": "abc"}, "lines[0].unit_price"),
    ],
)
def test_a_bad_line_answers_422_naming_the_field(world, change, field) -> None:
    line = {**BODY["lines"][0], **change}
    response = post(world["desk"], f"{API}/invoices", {"patient": world["patient"].pk, "lines": [line]})
    assert response.status_code == 422
    assert field in response.json()["errors"]
    assert not Invoice.objects.exists()


def test_a_float_amount_is_refused(world) -> None:
    line = {**BODY["lines"][0], "unit_price": 450.0}
    response = post(world["desk"], f"{API}/invoices", {"patient": world["patient"].pk, "lines": [line]})
    assert response.status_code == 422


@pytest.mark.parametrize(
    ("payment", "field"),
    [({"method": "cheque", "amount": "1.00"}, "method"), ({"method": "cash", "amount": "739.99"}, "amount")],
)
def test_a_bad_payment_answers_422_naming_the_field(world, payment, field) -> None:
    invoice = create(world)
    response = post(world["desk"], f"{API}/invoices/{invoice['id']}/payments", payment)
    assert response.status_code == 422
    assert field in response.json()["errors"]


def test_a_refund_above_what_is_left_answers_422(world) -> None:
    invoice = create(world)
    paid = post(
        world["desk"], f"{API}/invoices/{invoice['id']}/payments", {"method": "cash", "amount": "10.00"}
    )
    response = post(
        world["owner"], f"{API}/payments/{paid.json()['id']}/refunds", {"amount": "10.01", "reason": "x"}
    )
    assert response.status_code == 422
    assert "amount" in response.json()["errors"]


def test_only_the_owner_refunds_and_the_auditor_only_reads(world) -> None:
    invoice = create(world)
    paid = post(
        world["desk"], f"{API}/invoices/{invoice['id']}/payments", {"method": "cash", "amount": "10.00"}
    )
    assert (
        post(
            world["desk"], f"{API}/payments/{paid.json()['id']}/refunds", {"amount": "1.00", "reason": "x"}
        ).status_code
        == 403
    )
    assert post(world["auditor"], f"{API}/invoices/{invoice['id']}/issue").status_code == 403
    assert world["auditor"].get(f"{API}/invoices/{invoice['id']}").status_code == 200


def test_another_clinics_documents_are_not_found(world) -> None:
    invoice = create(world)
    other = pl_clinic("Other Clinic")
    outsider = client_for(make_staff(other, Role.OWNER))
    assert outsider.get(f"{API}/invoices/{invoice['id']}").status_code == 404
    assert post(outsider, f"{API}/invoices/{invoice['id']}/issue").status_code == 404
    assert post(outsider, f"{API}/invoices", {"patient": world["patient"].pk, **BODY}).status_code == 404
    assert outsider.get(f"{API}/invoices").json() == []


def test_the_wrong_method_answers_405(world) -> None:
    invoice = create(world)
    assert world["desk"].get(f"{API}/invoices/{invoice['id']}/issue").status_code == 405


def test_it_checks_out_an_appointment_once(world) -> None:
    from mesoclinic.testing.treatments import first_appointment  # noqa: PLC0415 — a booked series

    clinic = world["clinic"]
    appointment = first_appointment(clinic)
    desk = client_for(make_staff(clinic, Role.RECEPTIONIST))
    first = post(desk, f"{API}/appointments/{appointment.pk}/checkout")
    again = post(desk, f"{API}/appointments/{appointment.pk}/checkout")
    assert first.status_code == 200
    assert first.json()["id"] == again.json()["id"]
    assert first.json()["lines"][0]["description"] == appointment.protocol.name


def test_prices_and_settings(world) -> None:
    settings = world["auditor"].get(f"{API}/settings").json()
    assert (settings["currency"], settings["vat_rates"]) == ("PLN", ["23", "8", "5", "0", "zw"])
    created = post(
        world["owner"],
        f"{API}/prices",
        {"kind": "consultation", "name": "Consultation", "unit_price": "200.00", "vat_rate": "zw"},
    )
    assert created.status_code == 201
    assert created.json()["unit_price"] == "200.00"
    changed = post(
        world["owner"], f"{API}/prices/{created.json()['id']}", {"unit_price": "220.00"}, method="patch"
    )
    assert changed.json()["unit_price"] == "220.00"
    assert (
        post(
            world["desk"],
            f"{API}/prices",
            {"kind": "consultation", "name": "X", "unit_price": "1.00", "vat_rate": "zw"},
        ).status_code
        == 403
    )
    bad = post(
        world["owner"],
        f"{API}/prices",
        {"kind": "consultation", "name": "X", "unit_price": "1.00", "vat_rate": "19"},
    )
    assert (bad.status_code, list(bad.json()["errors"])) == (422, ["vat_rate"])

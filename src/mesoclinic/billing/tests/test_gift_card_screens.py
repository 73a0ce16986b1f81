"""Gift cards in the UI and the API: the code on the printed document, the lookup, paying with a card at
checkout, GET /api/v1/billing/gift-cards/{code} and redeeming through the payments endpoint."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from mesoclinic.accounts.models import Role
from mesoclinic.billing.models import GiftCard
from mesoclinic.testing import client_for, csv_text, make_patient, make_staff
from mesoclinic.testing.billing import draft, line, pl_clinic, sell_gift_card

pytestmark = pytest.mark.django_db
API = "/api/v1/billing"
NOON = datetime(2031, 5, 12, 12, 0, tzinfo=ZoneInfo("Europe/Warsaw"))


@pytest.fixture(autouse=True)
def _at_noon() -> Iterator[None]:
    with time_machine.travel(NOON, tick=False):
        yield


@pytest.fixture
def clinic():
    return pl_clinic()


@pytest.fixture
def desk(clinic):
    return client_for(make_staff(clinic, Role.RECEPTIONIST))


def test_the_code_is_printed_on_the_document_and_shown_on_its_screen(clinic, desk) -> None:
    card = sell_gift_card(make_patient(clinic), "150.00")
    printed = desk.get(f"/billing/documents/{card.invoice_id}/print/").content.decode()
    assert card.code in printed
    assert "150.00 PLN" in printed
    screen = desk.get(f"/billing/documents/{card.invoice_id}/").content.decode()
    assert f"/billing/gift-cards/{card.code}/" in screen


def test_the_lookup_finds_a_card_as_typed_and_says_so_when_none(clinic, desk) -> None:
    card = sell_gift_card(make_patient(clinic), "150.00")
    found = desk.get("/billing/gift-cards/", {"code": card.code.lower().replace("-", " ")})
    assert found.status_code == 302
    assert found["Location"] == f"/billing/gift-cards/{card.code}/"
    page = desk.get(found["Location"]).content.decode()
    assert "150.00 PLN left of 150.00 PLN" in page
    missing = desk.get("/billing/gift-cards/", {"code": "ZZZZ-ZZZZ-ZZZZ"})
    assert missing.status_code == 404
    assert "No gift card of this clinic has this code." in missing.content.decode()
    listing = desk.get("/billing/gift-cards/").content.decode()
    assert card.code in listing
    assert card.code in csv_text(desk.get("/billing/gift-cards/", {"format": "csv"}))


def test_a_card_pays_at_checkout_and_a_wrong_code_keeps_what_was_typed(clinic, desk) -> None:
    card = sell_gift_card(make_patient(clinic), "100.00")
    invoice = draft(make_patient(clinic), line(unit_price="60.00"))
    url = f"/billing/documents/{invoice.pk}/pay/"
    refused = desk.post(url, {"method": "gift_card", "amount": "60.00", "code": "ABCD-EFGH-JKMN"})
    assert refused.status_code == 422
    body = refused.content.decode()
    assert "No gift card of this clinic has this code." in body
    assert 'value="ABCD-EFGH-JKMN"' in body
    assert desk.post(url, {"method": "gift_card", "amount": "60.00", "code": card.code}).status_code == 302
    card.refresh_from_db()
    assert str(card.balance) == "40.00"


def test_an_expiry_change_needs_the_owner_side_and_a_reason(clinic, desk) -> None:
    card = sell_gift_card(make_patient(clinic), "100.00")
    url = f"/billing/gift-cards/{card.code}/expiry/"
    assert desk.post(url, {"expires_on": "2033-01-31", "reason": "Goodwill"}).status_code == 403
    owner = client_for(make_staff(clinic, Role.OWNER))
    assert owner.post(url, {"expires_on": "2033-01-31", "reason": ""}).status_code == 422
    assert owner.post(url, {"expires_on": "2033-01-31", "reason": "Goodwill"}).status_code == 302
    card.refresh_from_db()
    assert card.expires_on.isoformat() == "2033-01-31"


def test_the_api_reads_a_card_by_code_and_redeems_it_through_payments(clinic, desk) -> None:
    card = sell_gift_card(make_patient(clinic), "100.00")
    invoice = draft(make_patient(clinic), line(unit_price="70.00"))
    paid = desk.post(
        f"{API}/invoices/{invoice.pk}/payments",
        data=json.dumps({"method": "gift_card", "amount": "70.00", "code": card.code}),
        content_type="application/json",
    )
    assert paid.status_code == 201, paid.content
    assert paid.json()["gift_card"] == card.pk
    too_much = desk.post(
        f"{API}/invoices/{draft(make_patient(clinic)).pk}/payments",
        data=json.dumps({"method": "gift_card", "amount": "40.00", "code": card.code}),
        content_type="application/json",
    )
    assert too_much.status_code == 422
    assert "amount" in too_much.content.decode()
    no_code = desk.post(
        f"{API}/invoices/{invoice.pk}/payments",
        data=json.dumps({"method": "gift_card", "amount": "1.00"}),
        content_type="application/json",
    )
    assert no_code.status_code == 422
    body = desk.get(f"{API}/gift-cards/{card.code.lower()}").json()
    assert (body["code"], body["amount"], body["balance"], body["usable"]) == (
        card.code,
        "100.00",
        "30.00",
        True,
    )
    assert body["expires_on"] == "2032-05-12"
    assert [(e["kind"], e["amount"], e["balance"]) for e in body["entries"]] == [
        ("sale", "100.00", "100.00"),
        ("redeem", "-70.00", "30.00"),
    ]
    assert body["entries"][1]["invoice"] == invoice.pk
    assert desk.get(f"{API}/gift-cards/NOPE-NOPE-NOPE").status_code == 404
    other = client_for(make_staff(pl_clinic("Other"), Role.OWNER))
    assert other.get(f"{API}/gift-cards/{card.code}").status_code == 404
    assert GiftCard.objects.get(pk=card.pk).balance == card.balance - 70

"""Gift cards: sold on an issued document (a code printed there), redeemed in parts across visits as a
payment, never below zero, refused once expired; every move a ledger row."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from mesoclinic.audit.models import AuditEvent
from mesoclinic.billing import giftcards
from mesoclinic.billing.models import GiftCard, GiftCardEntry, ItemKind, Payment
from mesoclinic.billing.services import (
    LineInput,
    create_price_item,
    issue_invoice,
    record_payment,
    refund_payment,
)
from mesoclinic.testing import make_patient
from mesoclinic.testing.billing import draft, line, pl_clinic, sell_gift_card

pytestmark = pytest.mark.django_db

NOON = datetime(2031, 5, 12, 12, 0, tzinfo=ZoneInfo("Europe/Warsaw"))


@pytest.fixture(autouse=True)
def _at_noon() -> Iterator[None]:
    with time_machine.travel(NOON, tick=False):
        yield


def test_normalize_code_accepts_what_people_type() -> None:
    assert giftcards.normalize_code(" abcd efgh-jkmn ") == "ABCD-EFGH-JKMN"
    assert giftcards.normalize_code("") == ""
    code = giftcards.new_code()
    assert len(code) == 14
    assert set(code.replace("-", "")) <= set(giftcards.ALPHABET)


def test_issuing_a_gift_card_line_opens_one_card_per_unit_with_a_ledger() -> None:
    clinic = pl_clinic()
    buyer = make_patient(clinic)
    item = create_price_item(
        clinic, kind=ItemKind.GIFT_CARD, name="Gift card 200", unit_price="200.00", vat_rate="23", actor=None
    )
    invoice = draft(
        buyer, LineInput(description=item.name, quantity="2", unit_price="200.00", vat_rate="23", item=item)
    )
    record_payment(invoice, method="cash", amount="400.00", actor=None)
    issue_invoice(invoice, actor=None)
    cards = giftcards.sold_on(invoice)
    assert len(cards) == 2
    assert cards[0].code != cards[1].code
    for card in cards:
        assert (card.amount, card.balance, card.currency) == (Decimal("200.00"), Decimal("200.00"), "PLN")
        assert card.expires_on == date(2032, 5, 12)
        assert card.patient == buyer
        [entry] = giftcards.ledger_of(card)
        assert (entry.kind, entry.amount, entry.balance) == ("sale", Decimal("200.00"), Decimal("200.00"))
    assert AuditEvent.objects.filter(action="billing.gift_card.sell").count() == 2


def test_a_gift_card_is_sold_paid() -> None:
    clinic = pl_clinic()
    item = create_price_item(
        clinic, kind=ItemKind.GIFT_CARD, name="Gift card", unit_price="100.00", vat_rate="23", actor=None
    )
    invoice = draft(
        make_patient(clinic),
        LineInput(description=item.name, quantity="1", unit_price="100.00", vat_rate="23", item=item),
    )
    record_payment(invoice, method="cash", amount="40.00", actor=None)
    with pytest.raises(ValidationError) as exc:
        issue_invoice(invoice, actor=None)
    assert "60.00" in exc.value.message_dict["lines"][0]
    assert not GiftCard.objects.exists()
    invoice.refresh_from_db()
    assert invoice.number is None


def test_redeemed_in_parts_across_visits_and_never_below_zero() -> None:
    clinic = pl_clinic()
    card = sell_gift_card(make_patient(clinic), "300.00")
    friend = make_patient(clinic)
    first = draft(friend, line(unit_price="180.00"))
    record_payment(first, method="gift_card", amount="180.00", code=card.code.lower(), actor=None)
    card.refresh_from_db()
    assert card.balance == Decimal("120.00")
    second = draft(friend, line(unit_price="200.00"))
    with pytest.raises(ValidationError) as exc:
        record_payment(second, method="gift_card", amount="200.00", code=card.code, actor=None)
    assert exc.value.message_dict["amount"] == ["The gift card's balance is 120.00: it pays at most that."]
    record_payment(second, method="gift_card", amount="120.00", code=card.code, actor=None)
    record_payment(second, method="cash", amount="80.00", actor=None)
    card.refresh_from_db()
    assert card.balance == Decimal("0.00")
    assert [(e.kind, e.amount, e.balance) for e in giftcards.ledger_of(card)] == [
        ("sale", Decimal("300.00"), Decimal("300.00")),
        ("redeem", Decimal("-180.00"), Decimal("120.00")),
        ("redeem", Decimal("-120.00"), Decimal("0.00")),
    ]
    payment = Payment.objects.get(invoice=second, method="gift_card")
    assert payment.gift_card == card


def test_unknown_missing_expired_code_and_overpayment_are_refused_naming_the_field() -> None:
    clinic = pl_clinic()
    card = sell_gift_card(make_patient(clinic), "100.00")
    invoice = draft(make_patient(clinic), line(unit_price="50.00"))
    for code, field in (("", "code"), ("NOPE-NOPE-NOPE", "code")):
        with pytest.raises(ValidationError) as exc:
            record_payment(invoice, method="gift_card", amount="10.00", code=code, actor=None)
        assert field in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        record_payment(
            invoice, method="gift_card", amount="60.00", code=card.code, to_credit=True, actor=None
        )
    assert "to_credit" in exc.value.message_dict
    other = pl_clinic("Other clinic")
    elsewhere = draft(make_patient(other), line(unit_price="50.00"))
    with pytest.raises(ValidationError) as exc:
        record_payment(elsewhere, method="gift_card", amount="10.00", code=card.code, actor=None)
    assert exc.value.message_dict["code"] == ["No gift card of this clinic has this code."]
    with time_machine.travel(NOON + timedelta(days=367), tick=False), pytest.raises(ValidationError) as exc:
        record_payment(invoice, method="gift_card", amount="10.00", code=card.code, actor=None)
    assert exc.value.message_dict["code"] == ["This gift card expired on 2032-05-12."]
    card.refresh_from_db()
    assert card.balance == Decimal("100.00")
    assert GiftCardEntry.objects.filter(gift_card=card).count() == 1


def test_a_refund_of_a_gift_card_payment_goes_back_on_the_card() -> None:
    clinic = pl_clinic()
    card = sell_gift_card(make_patient(clinic), "100.00")
    invoice = draft(make_patient(clinic), line(unit_price="70.00"))
    payment = record_payment(invoice, method="gift_card", amount="70.00", code=card.code, actor=None)
    refund = refund_payment(payment, amount="30.00", reason="Wrong amount", actor=None)
    card.refresh_from_db()
    assert card.balance == Decimal("60.00")
    assert refund.gift_card == card
    last = giftcards.ledger_of(card)[-1]
    assert (last.kind, last.amount, last.balance, last.payment) == (
        "return",
        Decimal("30.00"),
        Decimal("60.00"),
        refund,
    )


def test_expiry_moves_only_with_a_reason_and_is_in_the_ledger() -> None:
    clinic = pl_clinic()
    card = sell_gift_card(make_patient(clinic), "100.00")
    with pytest.raises(ValidationError) as exc:
        giftcards.set_expiry(card, expires_on=date(2033, 1, 31), reason=" ", actor=None)
    assert "reason" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        giftcards.set_expiry(card, expires_on="soon", reason="Goodwill", actor=None)
    assert "expires_on" in exc.value.message_dict
    giftcards.set_expiry(card, expires_on=date(2033, 1, 31), reason="Goodwill", actor=None)
    card.refresh_from_db()
    assert card.expires_on == date(2033, 1, 31)
    assert giftcards.ledger_of(card)[-1].kind == "expiry"

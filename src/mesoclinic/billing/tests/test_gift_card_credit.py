"""A credit note on a document that sold gift cards takes the credited value off the cards (ledger rows, never
edits), and never more than what is left unspent on them; a card's value is not credited under another line.
With a till redeeming the card at the same moment, on real concurrent connections, on both databases."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connections

from mesoclinic.accounts.models import Role
from mesoclinic.audit.models import AuditEvent
from mesoclinic.billing import giftcards
from mesoclinic.billing.models import GiftCard, GiftCardEntry, Invoice, ItemKind, PriceItem
from mesoclinic.billing.services import (
    LineInput,
    create_credit_note,
    create_price_item,
    issue_invoice,
    record_payment,
)
from mesoclinic.patients.models import Patient
from mesoclinic.testing import client_for, make_patient, make_staff
from mesoclinic.testing.billing import draft, line, pl_clinic, sell_gift_card

NOON = datetime(2031, 5, 12, 12, 0, tzinfo=ZoneInfo("Europe/Warsaw"))


@pytest.fixture(autouse=True)
def _at_noon() -> Iterator[None]:
    with time_machine.travel(NOON, tick=False):
        yield


def _gift_item(card: GiftCard) -> PriceItem:
    return PriceItem.objects.get(clinic=card.clinic, kind=ItemKind.GIFT_CARD)


def _credit_card(card: GiftCard, amount: str, *, reason: str = "Bought by mistake") -> Invoice:
    item = _gift_item(card)
    return create_credit_note(
        card.invoice,
        lines=[LineInput(description=item.name, quantity="1", unit_price=amount, vat_rate="23", item=item)],
        reason=reason,
        actor=None,
    )


def _redeem(patient: Patient, card: GiftCard, amount: str) -> None:
    visit = draft(patient, line(unit_price=amount, vat_rate="8"))
    record_payment(visit, method="gift_card", amount=amount, code=card.code, actor=None)


@pytest.mark.django_db
def test_crediting_the_unspent_rest_of_a_card_voids_it_with_a_ledger_row() -> None:
    clinic = pl_clinic()
    card = sell_gift_card(make_patient(clinic), "200.00")
    _redeem(make_patient(clinic), card, "50.00")
    note = _credit_card(card, "150.00")
    card.refresh_from_db()
    assert card.balance == Decimal("0.00")
    assert not giftcards.is_usable(card, clinic.today())
    last = giftcards.ledger_of(card)[-1]
    assert (last.kind, last.amount, last.balance, last.document, last.reason) == (
        "credit",
        Decimal("-150.00"),
        Decimal("0.00"),
        note,
        "Bought by mistake",
    )
    assert [e.kind for e in giftcards.ledger_of(card)] == ["sale", "redeem", "credit"]
    assert AuditEvent.objects.filter(action="billing.gift_card.credit", object_id=str(card.pk)).count() == 1
    with pytest.raises(ValidationError) as exc:
        _redeem(make_patient(clinic), card, "10.00")
    assert "amount" in exc.value.message_dict


@pytest.mark.django_db
def test_a_partial_credit_reduces_the_balance_and_the_rest_stays_usable() -> None:
    clinic = pl_clinic()
    card = sell_gift_card(make_patient(clinic), "200.00")
    _credit_card(card, "80.00")
    card.refresh_from_db()
    assert (card.amount, card.balance) == (Decimal("200.00"), Decimal("120.00"))
    _redeem(make_patient(clinic), card, "120.00")
    card.refresh_from_db()
    assert card.balance == Decimal("0.00")


@pytest.mark.django_db
def test_crediting_more_than_is_unspent_is_refused_and_nothing_is_issued() -> None:
    clinic = pl_clinic()
    card = sell_gift_card(make_patient(clinic), "200.00")
    _redeem(make_patient(clinic), card, "50.00")
    with pytest.raises(ValidationError) as exc:
        _credit_card(card, "150.01")
    assert exc.value.message_dict["lines"] == [
        f"Only 150.00 is left unspent on the gift cards sold on {card.invoice.number}: "
        "a credit note takes back at most that."
    ]
    card.refresh_from_db()
    assert card.balance == Decimal("150.00")
    assert not Invoice.objects.filter(kind="credit_note").exists()
    assert GiftCardEntry.objects.filter(gift_card=card, kind="credit").count() == 0
    note = _credit_card(card, "150.00")  # the refused one took no number: no gap
    assert note.number == "KOR/2031/000001"


@pytest.mark.django_db
def test_a_cards_value_is_not_credited_under_another_line() -> None:
    clinic = pl_clinic()
    buyer = make_patient(clinic)
    item = create_price_item(
        clinic, kind=ItemKind.GIFT_CARD, name="Gift card", unit_price="200.00", vat_rate="23", actor=None
    )
    sale = draft(
        buyer,
        LineInput(description="Gift card", quantity="1", unit_price="200.00", vat_rate="23", item=item),
        line(description="Serum", unit_price="50.00", vat_rate="8"),
    )
    record_payment(sale, method="cash", amount="250.00", actor=None)
    issue_invoice(sale, actor=None)
    [card] = giftcards.sold_on(sale)
    with pytest.raises(ValidationError) as exc:
        create_credit_note(
            sale, lines=[line(unit_price="100.00", vat_rate="8")], reason="Returned", actor=None
        )
    assert "a gift card is credited on its own line" in exc.value.message_dict["lines"][0]
    create_credit_note(sale, lines=[line(unit_price="50.00", vat_rate="8")], reason="Returned", actor=None)
    card.refresh_from_db()
    assert card.balance == Decimal("200.00")
    with pytest.raises(ValidationError):
        create_credit_note(sale, lines=[line(unit_price="0.01", vat_rate="8")], reason="Again", actor=None)


@pytest.mark.django_db
def test_a_credit_over_several_cards_takes_them_down_in_order() -> None:
    clinic = pl_clinic()
    buyer = make_patient(clinic)
    item = create_price_item(
        clinic, kind=ItemKind.GIFT_CARD, name="Gift card", unit_price="100.00", vat_rate="23", actor=None
    )
    sale = draft(
        buyer, LineInput(description="Gift card", quantity="2", unit_price="100.00", vat_rate="23", item=item)
    )
    record_payment(sale, method="cash", amount="200.00", actor=None)
    issue_invoice(sale, actor=None)
    first, second = giftcards.sold_on(sale)
    _redeem(make_patient(clinic), first, "30.00")
    create_credit_note(
        sale,
        lines=[
            LineInput(description="Gift card", quantity="1", unit_price="120.00", vat_rate="23", item=item)
        ],
        reason="Two cards returned",
        actor=None,
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.balance, second.balance) == (Decimal("0.00"), Decimal("50.00"))
    credits = GiftCardEntry.objects.filter(kind="credit").order_by("pk")
    assert [(e.gift_card_id, e.amount) for e in credits] == [
        (first.pk, Decimal("-70.00")),
        (second.pk, Decimal("-50.00")),
    ]


TILLS = 6


@pytest.mark.django_db(transaction=True)
def test_a_credit_note_and_tills_redeeming_the_card_at_once_never_take_more_than_it_holds() -> None:
    clinic = pl_clinic()
    card = sell_gift_card(make_patient(clinic), "100.00")
    visits = [draft(make_patient(clinic), line(unit_price="20.00", vat_rate="8")) for _ in range(TILLS)]
    start = threading.Barrier(TILLS + 1)
    done: list[Decimal] = []
    refused: list[str] = []
    errors: list[BaseException] = []

    def run(work: object, amount: str) -> None:
        try:
            start.wait()
            work()  # type: ignore[operator]  # each work is a callable passed in below
            done.append(Decimal(amount))
        except ValidationError as exc:
            refused.append(next(iter(exc.message_dict)))
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    def till(invoice: Invoice) -> None:
        fresh = Invoice.objects.get(pk=invoice.pk)
        record_payment(fresh, method="gift_card", amount="20.00", code=card.code, actor=None)

    def credit() -> None:
        _credit_card(GiftCard.objects.select_related("invoice", "clinic").get(pk=card.pk), "40.00")

    threads = [threading.Thread(target=run, args=(lambda v=v: till(v), "20.00")) for v in visits]
    threads.append(threading.Thread(target=run, args=(credit, "40.00")))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(done) + len(refused) == TILLS + 1
    assert set(refused) <= {"amount", "lines"}
    card.refresh_from_db()
    assert card.balance >= 0
    assert card.balance == Decimal("100.00") - sum(done, Decimal("0.00"))
    entries = list(GiftCardEntry.objects.filter(gift_card=card).order_by("pk"))
    assert sum((e.amount for e in entries), Decimal("0.00")) == card.balance
    assert entries[-1].balance == card.balance
    # 6 x 20 + 40 asked of 100: in any order the card ends used up, and never below zero
    assert sum(done, Decimal("0.00")) == Decimal("100.00")
    assert card.balance == Decimal("0.00")


@pytest.mark.django_db
def test_the_credit_note_screen_shows_what_is_unspent_and_refuses_more() -> None:
    clinic = pl_clinic()
    card = sell_gift_card(make_patient(clinic), "200.00")
    _redeem(make_patient(clinic), card, "50.00")
    desk = client_for(make_staff(clinic, Role.RECEPTIONIST))
    url = f"/billing/documents/{card.invoice_id}/credit-note/"
    page = desk.get(url).content.decode()
    assert card.code in page and "150.00 PLN left of 200.00 PLN" in page
    [gift_line] = card.invoice.lines.all()
    refused = desk.post(url, {f"line_{gift_line.pk}": "160.00", "reason": "Returned"})
    assert refused.status_code == 422
    assert "Only 150.00 is left unspent on the gift cards" in refused.content.decode()
    assert desk.post(url, {f"line_{gift_line.pk}": "150.00", "reason": "Returned"}).status_code == 302
    card.refresh_from_db()
    assert card.balance == Decimal("0.00")

"""Many tills redeeming one gift card at once, on real concurrent connections: its balance never goes below
zero and every redemption that went through is in its ledger. Runs on both databases (the SQLite test
database is a file, so every thread has its own connection)."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connections

from mesoclinic.billing.models import GiftCard, GiftCardEntry, Invoice, Payment
from mesoclinic.billing.services import record_payment
from mesoclinic.testing import make_patient
from mesoclinic.testing.billing import draft, line, pl_clinic, sell_gift_card

TILLS = 12
CARD = "250.00"  # five redemptions of 50.00 fit, the other seven must be refused


@pytest.mark.django_db(transaction=True)
def test_concurrent_redemptions_never_take_a_gift_card_below_zero() -> None:
    clinic = pl_clinic()
    card = sell_gift_card(make_patient(clinic), CARD)
    visits = [draft(make_patient(clinic), line(unit_price="50.00", vat_rate="8")) for _ in range(TILLS)]
    start = threading.Barrier(TILLS)
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def till(invoice: Invoice) -> None:
        try:
            start.wait()
            record_payment(
                Invoice.objects.get(pk=invoice.pk),
                method="gift_card",
                amount="50.00",
                code=card.code,
                actor=None,
            )
            outcomes.append("paid")
        except ValidationError as exc:
            outcomes.append(exc.message_dict["amount"][0])
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=till, args=(invoice,)) for invoice in visits]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert outcomes.count("paid") == 5
    assert outcomes.count("The gift card's balance is 0.00: it pays at most that.") == TILLS - 5
    card.refresh_from_db()
    assert card.balance == Decimal("0.00")
    assert Payment.objects.filter(gift_card=card).count() == 5
    redeemed = GiftCardEntry.objects.filter(gift_card=card, kind="redeem").order_by("pk")
    assert sorted(e.balance for e in redeemed) == [
        Decimal(b) for b in ("0.00", "50.00", "100.00", "150.00", "200.00")
    ]
    assert GiftCard.objects.get(pk=card.pk).balance >= 0

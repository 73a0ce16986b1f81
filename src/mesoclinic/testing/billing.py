"""Shared set-up for the billing tests: a Polish clinic (PLN, 23/8/5/0/zw) and lines as the till types them."""

from __future__ import annotations

from typing import Any

from mesoclinic.accounts.models import Clinic
from mesoclinic.billing.models import GiftCard, Invoice, ItemKind, PriceItem
from mesoclinic.billing.services import (
    LineInput,
    create_invoice,
    create_price_item,
    issue_invoice,
    record_payment,
    update_billing_settings,
)
from mesoclinic.patients.models import Patient
from mesoclinic.testing import make_clinic

PL_RATES = ["23", "8", "5", "0", "zw"]


def pl_clinic(name: str = "Rosa Aesthetics") -> Clinic:
    clinic = make_clinic(name)
    update_billing_settings(
        clinic,
        currency="PLN",
        vat_rates=PL_RATES,
        seller_name=f"{name} sp. z o.o.",
        seller_tax_id="1234563218",
        actor=None,
    )
    return clinic


def line(
    description: str = "Mesotherapy, face",
    quantity: str = "1",
    unit_price: str = "450.00",
    vat_rate: str = "23",
    **extra: Any,
) -> LineInput:
    return LineInput(
        description=description, quantity=quantity, unit_price=unit_price, vat_rate=vat_rate, **extra
    )


def draft(patient: Patient, *lines: LineInput, **extra: Any) -> Invoice:
    return create_invoice(patient, lines=list(lines) or [line()], actor=None, **extra)


def sell_gift_card(patient: Patient, amount: str = "200.00", *, vat_rate: str = "23") -> GiftCard:
    """A gift card of ``amount`` sold to ``patient`` on an issued receipt paid in cash."""
    item = PriceItem.objects.filter(
        clinic=patient.clinic, kind=ItemKind.GIFT_CARD
    ).first() or create_price_item(
        patient.clinic,
        kind=ItemKind.GIFT_CARD,
        name="Gift card",
        unit_price=amount,
        vat_rate=vat_rate,
        actor=None,
    )
    invoice = draft(
        patient,
        LineInput(description=item.name, quantity="1", unit_price=amount, vat_rate=vat_rate, item=item),
    )
    record_payment(invoice, method="cash", amount=amount, actor=None)
    issue_invoice(invoice, actor=None)
    return GiftCard.objects.get(invoice=invoice)

"""``receive_lot``: new lots, further receipts into the same lot, the learnt GTIN, refusals."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from mesoclinic.accounts.models import Clinic, StaffMember
from mesoclinic.audit.models import AuditEvent
from mesoclinic.catalog.models import Product
from mesoclinic.inventory.models import Lot, ProductBarcode, StockMovement
from mesoclinic.inventory.selectors import balance, product_for_gtin
from mesoclinic.inventory.services import mark_lot_recalled, receive_lot

AT = datetime(2026, 3, 10, 10, tzinfo=UTC)
GTIN = "05012345678900"


def _product(clinic: Clinic, code: str = "ha_1pct_ampoule") -> Product:
    return Product.objects.get(clinic=clinic, code=code)


def _receive(clinic: Clinic, actor: StaffMember, **overrides: object) -> Lot:
    fields: dict[str, object] = {
        "product": _product(clinic),
        "lot_number": "AB12",
        "expires_on": date(2027, 12, 31),
        "quantity": Decimal(10),
        "at": AT,
        "actor": actor.user,
    }
    fields.update(overrides)
    return receive_lot(clinic, **fields)  # type: ignore[arg-type]  # keyword values from a loosely typed dict of defaults


def test_it_creates_a_lot_with_its_receipt(clinic: Clinic, practitioner: StaffMember) -> None:
    lot = _receive(clinic, practitioner, supplier="Meso Supply")
    lot.refresh_from_db()
    assert (lot.lot_number, lot.expires_on, lot.supplier, lot.received_on) == (
        "AB12",
        date(2027, 12, 31),
        "Meso Supply",
        date(2026, 3, 10),
    )
    assert balance(lot) == Decimal(10)
    assert AuditEvent.objects.filter(action="lot.receive", object_id=str(lot.pk)).exists()


def test_it_adds_a_further_receipt_to_the_same_lot(clinic: Clinic, practitioner: StaffMember) -> None:
    first = _receive(clinic, practitioner)
    again = _receive(clinic, practitioner, quantity="2.5")
    assert again.pk == first.pk
    assert balance(first) == Decimal("12.5")


def test_it_refuses_a_further_receipt_with_another_expiry(clinic: Clinic, practitioner: StaffMember) -> None:
    lot = _receive(clinic, practitioner)
    with pytest.raises(ValidationError, match="already in stock with expiry 31 December 2027"):
        _receive(clinic, practitioner, expires_on=date(2028, 1, 31))
    assert balance(lot) == Decimal(10)


def test_it_refuses_an_expired_lot(clinic: Clinic, practitioner: StaffMember) -> None:
    with pytest.raises(ValidationError, match="expired on 3 March 2026"):
        _receive(clinic, practitioner, expires_on=date(2026, 3, 3))
    assert not Lot.objects.filter(clinic=clinic).exists()


@pytest.mark.parametrize("quantity", [0, -1, "abc"])
def test_it_refuses_a_quantity_that_is_not_positive(
    clinic: Clinic, practitioner: StaffMember, quantity: object
) -> None:
    with pytest.raises(ValidationError):
        _receive(clinic, practitioner, quantity=quantity)
    assert not StockMovement.objects.filter(clinic=clinic).exists()


def test_it_refuses_a_further_receipt_of_a_recalled_lot(clinic: Clinic, practitioner: StaffMember) -> None:
    lot = _receive(clinic, practitioner)
    mark_lot_recalled(lot, reason="Notice", actor=practitioner.user)
    with pytest.raises(ValidationError, match="recalled"):
        _receive(clinic, practitioner)
    assert balance(lot) == Decimal(10)


def test_it_learns_the_product_of_a_gtin(clinic: Clinic, practitioner: StaffMember) -> None:
    _receive(clinic, practitioner, gtin=GTIN)
    assert product_for_gtin(clinic, GTIN) == _product(clinic)


def test_it_refuses_a_gtin_learnt_for_another_product(clinic: Clinic, practitioner: StaffMember) -> None:
    _receive(clinic, practitioner, gtin=GTIN)
    other = Product.objects.filter(clinic=clinic).exclude(code="ha_1pct_ampoule").first()
    assert other is not None
    with pytest.raises(ValidationError, match=f"Barcode {GTIN} is registered for"):
        _receive(clinic, practitioner, gtin=GTIN, product=other, lot_number="ZZ9")
    assert ProductBarcode.objects.filter(clinic=clinic).count() == 1
    assert not Lot.objects.filter(lot_number="ZZ9").exists()


def test_it_refuses_another_clinics_product(
    clinic: Clinic, other_clinic: Clinic, practitioner: StaffMember
) -> None:
    with pytest.raises(ValidationError, match="this clinic's products"):
        _receive(clinic, practitioner, product=_product(other_clinic))


@pytest.mark.django_db
@pytest.mark.parametrize("lot_number", ["AB\x1b12", "AB\x0112", "AB12\x7f"])
def test_it_refuses_a_lot_number_with_a_control_character(
    clinic: Clinic, practitioner: StaffMember, lot_number: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        _receive(clinic, practitioner, lot_number=lot_number)
    assert "control character" in refused.value.message_dict["lot_number"][0]
    assert not Lot.objects.filter(clinic=clinic).exists()

"""``record_movement``: waste, adjustments (with a reason) and returns, never below zero."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from mesoclinic.accounts.models import Clinic, StaffMember
from mesoclinic.audit.models import AuditEvent
from mesoclinic.inventory.models import MovementKind
from mesoclinic.inventory.selectors import balance
from mesoclinic.inventory.services import mark_lot_recalled, record_movement
from mesoclinic.testing import make_lot


def test_it_records_waste_as_a_negative_movement(clinic: Clinic, practitioner: StaffMember) -> None:
    lot = make_lot(clinic, quantity=10)
    movement = record_movement(lot, MovementKind.WASTE, 2, reason="Dropped", actor=practitioner.user)
    movement.refresh_from_db()
    assert (movement.kind, movement.quantity, movement.reason) == ("waste", Decimal(-2), "Dropped")
    assert balance(lot) == Decimal(8)
    assert AuditEvent.objects.filter(action="lot.waste").exists()


def test_it_records_a_return(clinic: Clinic, practitioner: StaffMember) -> None:
    lot = make_lot(clinic, quantity=10)
    record_movement(lot, MovementKind.RETURN, 10, reason="", actor=practitioner.user)
    assert balance(lot) == 0


@pytest.mark.parametrize(("quantity", "expected"), [("3", Decimal(13)), ("-4.5", Decimal("5.5"))])
def test_it_records_a_signed_adjustment(
    clinic: Clinic, practitioner: StaffMember, quantity: str, expected: Decimal
) -> None:
    lot = make_lot(clinic, quantity=10)
    record_movement(lot, MovementKind.ADJUSTMENT, quantity, reason="Stock count", actor=practitioner.user)
    assert balance(lot) == expected


def test_it_requires_a_reason_for_an_adjustment(clinic: Clinic, practitioner: StaffMember) -> None:
    lot = make_lot(clinic, quantity=10)
    with pytest.raises(ValidationError, match="Say why"):
        record_movement(lot, MovementKind.ADJUSTMENT, 1, reason=" ", actor=practitioner.user)
    assert balance(lot) == 10


def test_it_refuses_a_zero_adjustment(clinic: Clinic, practitioner: StaffMember) -> None:
    lot = make_lot(clinic, quantity=10)
    with pytest.raises(ValidationError, match="not zero"):
        record_movement(lot, MovementKind.ADJUSTMENT, 0, reason="Count", actor=practitioner.user)


def test_it_never_takes_the_balance_below_zero(clinic: Clinic, practitioner: StaffMember) -> None:
    lot = make_lot(clinic, lot_number="AB12", quantity=1)
    with pytest.raises(ValidationError, match=r"has only 1 ml left"):
        record_movement(lot, MovementKind.WASTE, 2, reason="", actor=practitioner.user)
    assert balance(lot) == 1


def test_it_refuses_a_use_through_this_door(clinic: Clinic, practitioner: StaffMember) -> None:
    lot = make_lot(clinic, quantity=10)
    with pytest.raises(ValidationError):
        record_movement(lot, MovementKind.USE, 1, reason="", actor=practitioner.user)


def test_it_lets_a_recalled_lot_be_wasted(clinic: Clinic, practitioner: StaffMember) -> None:
    lot = make_lot(clinic, quantity=5)
    mark_lot_recalled(lot, reason="Notice", actor=practitioner.user)
    record_movement(lot, MovementKind.WASTE, 5, reason="Destroyed", actor=practitioner.user)
    assert balance(lot) == 0

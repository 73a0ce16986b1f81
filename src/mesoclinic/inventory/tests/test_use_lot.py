"""``use_lot``: taking stock for a session, refused in plain words when the lot may not be used."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from mesoclinic.accounts.models import Clinic, StaffMember
from mesoclinic.audit.models import AuditEvent
from mesoclinic.catalog.models import Cocktail
from mesoclinic.inventory.models import MovementKind, StockMovement
from mesoclinic.inventory.selectors import balance
from mesoclinic.inventory.services import LotUnusableError, mark_lot_recalled, prepare_cocktail, use_lot
from mesoclinic.testing import make_lot

AT = datetime(2026, 3, 10, 10, tzinfo=UTC)


def test_it_appends_a_negative_use_movement(clinic: Clinic, practitioner: StaffMember) -> None:
    lot = make_lot(clinic, quantity=10)
    movement = use_lot(lot, Decimal("2.5"), at=AT, actor=practitioner.user)
    movement.refresh_from_db()
    assert movement.kind == MovementKind.USE
    assert movement.quantity == Decimal("-2.5")
    assert movement.actor == practitioner.user
    assert balance(lot) == Decimal("7.5")


def test_it_writes_an_audit_row(clinic: Clinic, practitioner: StaffMember) -> None:
    lot = make_lot(clinic, quantity=10)
    use_lot(lot, Decimal(1), at=AT, actor=practitioner.user)
    assert AuditEvent.objects.filter(action="lot.use", object_id=str(lot.pk)).exists()


def test_it_refuses_an_expired_lot_with_the_date(clinic: Clinic, practitioner: StaffMember) -> None:
    lot = make_lot(clinic, lot_number="AB12", expires_on=date(2026, 3, 3))
    with pytest.raises(LotUnusableError, match=r"Lot AB12 of .+ expired on 3 March 2026"):
        use_lot(lot, Decimal(1), at=AT, actor=practitioner.user)
    assert StockMovement.objects.filter(lot=lot).count() == 1


def test_it_allows_a_lot_on_its_expiry_date(clinic: Clinic, practitioner: StaffMember) -> None:
    lot = make_lot(clinic, expires_on=date(2026, 3, 10))
    use_lot(lot, Decimal(1), at=AT, actor=practitioner.user)
    assert balance(lot) == Decimal(19)


def test_it_judges_expiry_in_the_clinics_time_zone(clinic: Clinic, practitioner: StaffMember) -> None:
    lot = make_lot(clinic, expires_on=date(2026, 3, 10))
    late_evening_utc = datetime(2026, 3, 10, 23, 30, tzinfo=UTC)  # 11 March in Warsaw
    with pytest.raises(LotUnusableError, match="expired on 10 March 2026"):
        use_lot(lot, Decimal(1), at=late_evening_utc, actor=practitioner.user)


def test_it_refuses_a_recalled_lot(clinic: Clinic, practitioner: StaffMember) -> None:
    lot = make_lot(clinic, lot_number="AB12")
    mark_lot_recalled(lot, reason="Supplier notice 12", actor=practitioner.user)
    with pytest.raises(LotUnusableError, match=r"Lot AB12 of .+ has been recalled"):
        use_lot(lot, Decimal(1), at=AT, actor=practitioner.user)


def test_it_refuses_more_than_the_balance(clinic: Clinic, practitioner: StaffMember) -> None:
    lot = make_lot(clinic, lot_number="AB12", quantity="1.5")
    with pytest.raises(LotUnusableError, match=r"Lot AB12 of .+ has only 1\.5 ml left"):
        use_lot(lot, Decimal(2), at=AT, actor=practitioner.user)
    assert balance(lot) == Decimal("1.5")


def test_it_refuses_an_empty_lot(clinic: Clinic, practitioner: StaffMember) -> None:
    lot = make_lot(clinic, lot_number="AB12", quantity=0)
    with pytest.raises(LotUnusableError, match="is empty"):
        use_lot(lot, Decimal(1), at=AT, actor=practitioner.user)


def test_it_refuses_a_preparation_made_from_a_recalled_lot(clinic: Clinic, practitioner: StaffMember) -> None:
    cocktail = Cocktail.objects.filter(clinic=clinic).first()
    assert cocktail is not None
    ingredient = make_lot(clinic, lot_number="ING1")
    prep = prepare_cocktail(
        cocktail,
        lot_number="P1",
        quantity=5,
        expires_on=date(2026, 3, 20),
        components=[(ingredient, Decimal(2))],
        at=AT,
        actor=practitioner.user,
    )
    second = prepare_cocktail(
        cocktail,
        lot_number="P2",
        quantity=5,
        expires_on=date(2026, 3, 20),
        components=[(prep, Decimal(1))],
        at=AT,
        actor=practitioner.user,
    )
    mark_lot_recalled(ingredient, reason="Contamination", actor=practitioner.user)
    with pytest.raises(LotUnusableError, match=r"made from lot ING1 .+ which has been recalled"):
        use_lot(second, Decimal(1), at=AT, actor=practitioner.user)


def test_it_refuses_a_zero_quantity(clinic: Clinic, practitioner: StaffMember) -> None:
    lot = make_lot(clinic)
    with pytest.raises(ValidationError):
        use_lot(lot, Decimal(0), at=AT, actor=practitioner.user)

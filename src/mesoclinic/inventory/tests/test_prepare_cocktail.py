"""``prepare_cocktail``: a preparation lot made from usable component lots, never outliving them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from mesoclinic.accounts.models import Clinic, StaffMember
from mesoclinic.audit.models import AuditEvent
from mesoclinic.catalog.models import Cocktail
from mesoclinic.inventory.models import Lot, LotKind, MovementKind
from mesoclinic.inventory.selectors import balance, components_of, preparations_from
from mesoclinic.inventory.services import mark_lot_recalled, prepare_cocktail
from mesoclinic.testing import make_lot

AT = datetime(2026, 3, 10, 10, tzinfo=UTC)


def _cocktail(clinic: Clinic) -> Cocktail:
    cocktail = Cocktail.objects.filter(clinic=clinic).order_by("pk").first()
    assert cocktail is not None
    return cocktail


def test_it_makes_a_preparation_lot_from_its_components(clinic: Clinic, practitioner: StaffMember) -> None:
    a = make_lot(clinic, quantity=10)
    b = make_lot(clinic, "ha_1pct_ampoule", quantity=10)
    prep = prepare_cocktail(
        _cocktail(clinic),
        lot_number="P-001",
        quantity=Decimal(6),
        expires_on=date(2026, 3, 17),
        components=[(a, Decimal(3)), (b, Decimal("2.5"))],
        at=AT,
        actor=practitioner.user,
    )
    prep.refresh_from_db()
    assert prep.kind == LotKind.PREPARATION
    assert balance(prep) == 6
    assert (balance(a), balance(b)) == (7, Decimal("7.5"))
    uses = components_of(prep)
    assert {(m.lot_id, m.quantity, m.kind) for m in uses} == {
        (a.pk, Decimal(-3), MovementKind.USE),
        (b.pk, Decimal("-2.5"), MovementKind.USE),
    }
    assert [m.preparation_id for m in preparations_from(a)] == [prep.pk]
    assert AuditEvent.objects.filter(action="lot.prepare", object_id=str(prep.pk)).exists()


def test_it_refuses_an_expiry_after_the_earliest_component(clinic: Clinic, practitioner: StaffMember) -> None:
    a = make_lot(clinic, expires_on=date(2026, 4, 1))
    with pytest.raises(ValidationError, match="earliest component"):
        prepare_cocktail(
            _cocktail(clinic),
            lot_number="P-1",
            quantity=5,
            expires_on=date(2026, 4, 2),
            components=[(a, Decimal(1))],
            at=AT,
            actor=practitioner.user,
        )
    assert not Lot.objects.filter(kind=LotKind.PREPARATION).exists()
    assert balance(a) == 20


def test_it_refuses_a_recalled_component(clinic: Clinic, practitioner: StaffMember) -> None:
    a = make_lot(clinic, lot_number="ING9")
    mark_lot_recalled(a, reason="Notice", actor=practitioner.user)
    with pytest.raises(ValidationError, match=r"Lot ING9 .* has been recalled"):
        prepare_cocktail(
            _cocktail(clinic),
            lot_number="P-1",
            quantity=5,
            expires_on=date(2026, 3, 20),
            components=[(a, Decimal(1))],
            at=AT,
            actor=practitioner.user,
        )


def test_it_refuses_more_of_a_component_than_its_balance(clinic: Clinic, practitioner: StaffMember) -> None:
    a = make_lot(clinic, quantity=1)
    with pytest.raises(ValidationError, match="has only 1 ml left"):
        prepare_cocktail(
            _cocktail(clinic),
            lot_number="P-1",
            quantity=5,
            expires_on=date(2026, 3, 20),
            components=[(a, Decimal(2))],
            at=AT,
            actor=practitioner.user,
        )
    assert balance(a) == 1


def test_it_refuses_no_components(clinic: Clinic, practitioner: StaffMember) -> None:
    with pytest.raises(ValidationError, match="at least one"):
        prepare_cocktail(
            _cocktail(clinic),
            lot_number="P-1",
            quantity=5,
            expires_on=date(2026, 3, 20),
            components=[],
            at=AT,
            actor=practitioner.user,
        )


def test_it_refuses_a_duplicate_preparation_number(clinic: Clinic, practitioner: StaffMember) -> None:
    a = make_lot(clinic)
    kwargs = {"quantity": 5, "expires_on": date(2026, 3, 20), "at": AT, "actor": practitioner.user}
    prepare_cocktail(_cocktail(clinic), lot_number="P-1", components=[(a, Decimal(1))], **kwargs)  # type: ignore[arg-type]  # keyword values from a parametrised dict
    with pytest.raises(ValidationError, match="already has a preparation P-1"):
        prepare_cocktail(_cocktail(clinic), lot_number="P-1", components=[(a, Decimal(1))], **kwargs)  # type: ignore[arg-type]  # keyword values from a parametrised dict
    assert balance(a) == 19


def test_it_refuses_another_clinics_lot(
    clinic: Clinic, other_clinic: Clinic, practitioner: StaffMember
) -> None:
    foreign = make_lot(other_clinic)
    with pytest.raises(ValidationError, match="this clinic's lots"):
        prepare_cocktail(
            _cocktail(clinic),
            lot_number="P-1",
            quantity=5,
            expires_on=date(2026, 3, 20),
            components=[(foreign, Decimal(1))],
            at=AT,
            actor=practitioner.user,
        )

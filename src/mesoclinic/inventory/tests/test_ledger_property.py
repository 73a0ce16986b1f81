"""The issue's "Done when": stock balances equal the ledger, whatever sequence of operations is tried.

Hypothesis draws receipts, uses, waste, adjustments, returns and preparations, valid and invalid. After
every step the stored balance (``Lot.balance``, what lists read) equals the sum of the ledger, no balance
is negative, and an operation that was refused changed nothing at all.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mesoclinic.accounts.models import Clinic, StaffMember
from mesoclinic.catalog.models import Cocktail, Product
from mesoclinic.inventory.models import Lot, MovementKind, StockMovement
from mesoclinic.inventory.selectors import balance_mismatches, lots_for_clinic
from mesoclinic.inventory.services import (
    LotUnusableError,
    prepare_cocktail,
    receive_lot,
    record_movement,
    use_lot,
)

AT = datetime(2026, 3, 10, 10, tzinfo=UTC)
_quantities = st.decimals(min_value=Decimal("-3"), max_value=Decimal(12), places=1)
_slots = st.integers(min_value=0, max_value=3)
_operations = st.one_of(
    st.tuples(st.just("receive"), _slots, _quantities, st.booleans()),
    st.tuples(st.just("use"), _slots, _quantities),
    st.tuples(st.just("waste"), _slots, _quantities),
    st.tuples(st.just("return"), _slots, _quantities),
    st.tuples(st.just("adjust"), _slots, _quantities),
    st.tuples(st.just("prepare"), st.lists(st.tuples(_slots, _quantities), max_size=3), _quantities),
)


def _snapshot(clinic: Clinic) -> dict[int, Decimal]:
    return {lot.pk: lot.balance for lot in lots_for_clinic(clinic)}


def _ledger(clinic: Clinic) -> dict[int, Decimal]:
    sums: dict[int, Decimal] = {}
    for lot_id, quantity in StockMovement.objects.filter(clinic=clinic).values_list("lot_id", "quantity"):
        sums[lot_id] = sums.get(lot_id, Decimal(0)) + quantity
    return sums


def _apply(op: tuple[Any, ...], clinic: Clinic, actor: Any, serial: int) -> None:
    products = list(Product.objects.filter(clinic=clinic).order_by("pk")[:4])
    lots = list(Lot.objects.filter(clinic=clinic).order_by("pk"))
    kind = op[0]
    if kind == "receive":
        _, slot, quantity, expired = op
        receive_lot(
            clinic,
            product=products[slot % len(products)],
            lot_number=f"L{slot}",
            expires_on=date(2026, 3, 1) if expired else date(2026, 3, 10) + timedelta(days=30 * (slot + 1)),
            quantity=quantity,
            at=AT,
            actor=actor,
        )
        return
    if kind == "prepare":
        _, parts, quantity = op
        cocktail = Cocktail.objects.filter(clinic=clinic).order_by("pk").first()
        assert cocktail is not None
        components = [(lots[s % len(lots)], q) for s, q in parts] if lots else []
        prepare_cocktail(
            cocktail,
            lot_number=f"P{serial}",
            quantity=quantity,
            expires_on=date(2026, 3, 20),
            components=components,
            at=AT,
            actor=actor,
        )
        return
    if not lots:
        return
    _, slot, quantity = op
    lot = lots[slot % len(lots)]
    if kind == "use":
        use_lot(lot, quantity, at=AT, actor=actor)
    elif kind == "adjust":
        record_movement(lot, MovementKind.ADJUSTMENT, quantity, reason="count", actor=actor)
    else:
        record_movement(lot, kind, quantity, reason="", actor=actor)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(_operations, min_size=1, max_size=12))
def test_balances_always_equal_the_ledger(
    clinic: Clinic, practitioner: StaffMember, operations: list[tuple[Any, ...]]
) -> None:
    with transaction.atomic():
        for serial, op in enumerate(operations):
            before = _snapshot(clinic)
            rows_before = StockMovement.objects.filter(clinic=clinic).count()
            try:
                _apply(op, clinic, practitioner.user, serial)
            except (ValidationError, LotUnusableError):
                assert _snapshot(clinic) == before
                assert StockMovement.objects.filter(clinic=clinic).count() == rows_before
            balances = _snapshot(clinic)
            assert balances == {lot_id: _ledger(clinic).get(lot_id, Decimal(0)) for lot_id in balances}
            assert all(value >= 0 for value in balances.values())
            assert balance_mismatches(clinic.pk) == []  # the stored column, checked by the database too
        transaction.set_rollback(True)

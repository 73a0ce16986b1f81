"""Lot balances are stored on the lot and kept by the ledger (issue 20): every way of appending a movement
adds it in the same transaction, concurrent appends both count, the migration backfills from the ledger, and
low stock reads the indexed column without touching the movements table.
"""

from __future__ import annotations

import importlib
import threading
from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from mesoclinic.accounts.models import Clinic, Role
from mesoclinic.inventory.models import Lot, MovementKind, StockMovement
from mesoclinic.inventory.selectors import balance, balance_mismatches, ledger_balance, low_stock
from mesoclinic.inventory.services import record_movement
from mesoclinic.testing import make_clinic, make_lot, make_staff

AT = datetime(2026, 3, 10, 10, tzinfo=UTC)


def _stored(lot: Lot) -> Decimal:
    return Lot.objects.get(pk=lot.pk).balance


@pytest.mark.django_db
def test_a_movement_created_directly_updates_the_stored_balance(clinic: Clinic) -> None:
    lot = make_lot(clinic, quantity=10)
    assert lot.balance == 10  # the caller's lot object shows it too
    StockMovement.objects.create(
        clinic=clinic, lot_id=lot.pk, kind=MovementKind.WASTE, quantity=Decimal("-0.3"), at=AT
    )
    StockMovement.objects.create(
        clinic=clinic, lot_id=lot.pk, kind=MovementKind.WASTE, quantity=Decimal("-0.6"), at=AT
    )
    assert _stored(lot) == Decimal("9.1") == ledger_balance(lot.pk)
    assert balance(lot) == Decimal("9.1")


@pytest.mark.django_db
def test_bulk_appends_update_every_lots_balance(clinic: Clinic) -> None:
    a, b = make_lot(clinic, quantity=5), make_lot(clinic, quantity=5)
    StockMovement.objects.bulk_create(
        [
            StockMovement(clinic=clinic, lot=a, kind=MovementKind.RECEIPT, quantity=Decimal("0.1"), at=AT),
            StockMovement(clinic=clinic, lot=a, kind=MovementKind.RECEIPT, quantity=Decimal("0.2"), at=AT),
            StockMovement(clinic=clinic, lot=b, kind=MovementKind.USE, quantity=Decimal("-5"), at=AT),
        ]
    )
    assert (_stored(a), _stored(b)) == (Decimal("5.3"), Decimal(0))
    assert balance_mismatches(clinic.pk) == []
    # SQLite adds in floating point: 0.1 + 0.2 - 0.3 must be exactly empty, not 5.55e-17 "in stock"
    StockMovement.objects.create(
        clinic=clinic, lot=a, kind=MovementKind.WASTE, quantity=Decimal("-5.3"), at=AT
    )
    assert Lot.objects.filter(pk=a.pk, balance__gt=0).count() == 0


@pytest.mark.django_db
def test_a_refused_append_changes_no_balance(clinic: Clinic) -> None:
    lot = make_lot(clinic, quantity=3)
    with pytest.raises(IntegrityError), transaction.atomic():  # the sign check constraint
        StockMovement.objects.create(clinic=clinic, lot=lot, kind=MovementKind.RECEIPT, quantity=-1, at=AT)
    assert _stored(lot) == 3


@pytest.mark.django_db
def test_the_migration_backfills_balances_from_the_ledger(clinic: Clinic) -> None:
    lots = [make_lot(clinic, quantity=q) for q in ("12.5", "0.001", "7")]
    StockMovement.objects.create(
        clinic=clinic, lot=lots[2], kind=MovementKind.USE, quantity=Decimal(-7), at=AT
    )
    Lot.objects.filter(clinic=clinic).update(balance=Decimal(999))  # as before the column existed
    migration = importlib.import_module("mesoclinic.inventory.migrations.0003_lot_balance")
    migration.backfill_balances(apps, SimpleNamespace(connection=connection))  # all it uses of the editor
    assert [_stored(lot) for lot in lots] == [Decimal("12.5"), Decimal("0.001"), Decimal(0)]
    assert balance_mismatches() == []


@pytest.mark.django_db
def test_balance_mismatches_names_a_lot_whose_stored_balance_was_tampered_with(clinic: Clinic) -> None:
    lot = make_lot(clinic, quantity=4)
    Lot.objects.filter(pk=lot.pk).update(balance=Decimal(5))
    assert balance_mismatches(clinic.pk) == [(lot.pk, Decimal(5), Decimal(4))]


def _concurrently(work: list[object]) -> list[BaseException]:
    start = threading.Barrier(len(work))
    errors: list[BaseException] = []

    def run(task: object) -> None:
        try:
            start.wait()
            task()  # type: ignore[operator]  # a callable
        except BaseException as exc:  # reported by the caller's assertion
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(task,)) for task in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


PER_THREAD = 25


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_appends_both_count() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers itself; row-level concurrency is PostgreSQL's")
    clinic = make_clinic()
    lot = make_lot(clinic, quantity=100)

    def appender(quantity: Decimal) -> object:
        def append() -> None:
            for _ in range(PER_THREAD):  # straight to the ledger, no lot lock taken: only F() keeps the sum
                with transaction.atomic():
                    StockMovement.objects.create(
                        clinic_id=clinic.pk,
                        lot_id=lot.pk,
                        kind=MovementKind.ADJUSTMENT,
                        quantity=quantity,
                        at=AT,
                    )

        return append

    errors = _concurrently([appender(Decimal("1.5")), appender(Decimal("-0.5"))])
    assert errors == []
    assert _stored(lot) == Decimal(100) + PER_THREAD * Decimal(1) == ledger_balance(lot.pk)


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_services_both_count() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers itself; row-level concurrency is PostgreSQL's")
    clinic = make_clinic()
    actor = make_staff(clinic, Role.OWNER).user
    lot = make_lot(clinic, quantity=10)
    errors = _concurrently(
        [
            lambda: record_movement(lot, MovementKind.WASTE, 2, reason="", actor=actor),
            lambda: record_movement(lot, MovementKind.ADJUSTMENT, 5, reason="found", actor=actor),
        ]
    )
    assert errors == []
    assert _stored(lot) == 13 == ledger_balance(lot.pk)


@pytest.mark.django_db
def test_low_stock_reads_the_indexed_column_not_the_ledger(clinic: Clinic) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the plan is PostgreSQL's")
    low = make_lot(clinic, quantity=3, expires_on=date(2030, 1, 1))
    Lot.objects.filter(pk=low.pk).update(low_stock_threshold=5)
    make_lot(clinic, quantity=30, expires_on=date(2030, 1, 1))
    with CaptureQueriesContext(connection) as queries:
        assert [lot.pk for lot in low_stock(clinic)] == [low.pk]
    [sql] = [q["sql"] for q in queries.captured_queries if "low_stock_threshold" in q["sql"]]
    assert "inventory_stockmovement" not in sql
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}")  # nosec B608: Django's own SQL, as it ran
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "inventory_stockmovement" not in plan, plan
    assert "inventory_lot_low_stock" in plan or "inventory_lot_clinic_balance" in plan, plan

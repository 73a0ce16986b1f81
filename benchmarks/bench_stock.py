"""Stored lot balances (issue 20 item 2): low stock and the lots page against a ledger of 1,000,000 movements.

The clinic: 2,000 supplied lots (every tenth with a low-stock threshold) and 1,000,000 ledger rows (a receipt
per lot, then uses). Timed, median of ``BENCH_RUNS``: ``low_stock`` and the lots page's first 50 lots as they
read now (the stored, indexed ``Lot.balance``), the same two summing each lot's ledger through a correlated
subquery (how balances were read before), one ``record_movement`` (an append that updates the balance), and
once the migration's backfill of every balance from the ledger.

Database: PostgreSQL at ``BENCH_DATABASE_URL`` (default ``postgres://postgres@127.0.0.1:5432/bench_stock``;
created with psql if missing; never point it at real data). The data is built once and kept.
"""
# ruff: noqa: E402 — Django is configured from the environment before the project is imported.

from __future__ import annotations

import importlib
import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

from pg import postgres_ready  # benchmarks/pg.py: run as scripts, their folder is on the path

PG_URL = os.environ.get("BENCH_DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/bench_stock"
RUNS = int(os.environ.get("BENCH_RUNS", "20"))
if not postgres_ready(PG_URL):
    sys.exit(f"PostgreSQL unreachable at {PG_URL}: this benchmark measures PostgreSQL plans")
os.environ["DATABASE_URL"] = PG_URL
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mesoclinic.settings")

import django

django.setup()

from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.db.models import DecimalField, F, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Round

from mesoclinic.accounts.models import Clinic
from mesoclinic.accounts.services import create_clinic
from mesoclinic.catalog.models import Product
from mesoclinic.catalog.services import load_default_catalog
from mesoclinic.inventory.models import Lot, LotKind, MovementKind, StockMovement
from mesoclinic.inventory.selectors import balance_mismatches, lots_for_clinic, low_stock, tainted_lot_ids
from mesoclinic.inventory.services import record_movement

SLUG = "bench-stock"
LOTS, MOVEMENTS = 2_000, 1_000_000


def build() -> Clinic:
    clinic = create_clinic(name="Bench Stock", slug=SLUG, timezone="Europe/Warsaw", actor=None)
    load_default_catalog(clinic, actor=None)
    products = list(Product.objects.filter(clinic=clinic))
    Lot.objects.bulk_create(
        Lot(
            clinic=clinic,
            kind=LotKind.SUPPLIED,
            product=products[n % len(products)],
            lot_number=f"S{n:05d}",
            expires_on=date(2030, 1, 1),
            unit="ml",
            low_stock_threshold=Decimal(600) if n % 10 == 0 else None,
        )
        for n in range(LOTS)
    )
    with connection.cursor() as cursor:  # the ledger in two statements: receipts, then uses of 0.5 ml
        cursor.execute(
            "INSERT INTO inventory_stockmovement (clinic_id, lot_id, kind, quantity, at, reason, created_at) "
            "SELECT clinic_id, id, 'receipt', 1000, now(), '', now() FROM inventory_lot WHERE clinic_id = %s",
            [clinic.pk],
        )
        cursor.execute(
            "INSERT INTO inventory_stockmovement (clinic_id, lot_id, kind, quantity, at, reason, created_at) "
            "SELECT l.clinic_id, l.id, 'use', -0.5, now(), '', now() FROM inventory_lot l, "
            "generate_series(1, %s) g WHERE l.clinic_id = %s",
            [(MOVEMENTS - LOTS) // LOTS, clinic.pk],
        )
        cursor.execute("ANALYZE inventory_stockmovement")
    return clinic


def timed(label: str, call: Callable[[], object], runs: int = RUNS) -> None:
    call()  # warm
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        call()
        times.append((time.perf_counter() - began) * 1000)
    print(f"| {label} | {runs} | {statistics.median(times):.1f} ms | {max(times):.1f} ms |")


def ledger_summed(qs):  # noqa: ANN001, ANN201 — how balances were read before (issue 20's 2.45 s)
    decimal = DecimalField(max_digits=14, decimal_places=3)
    total = (
        StockMovement.objects.filter(lot=OuterRef("pk"))
        .order_by()
        .values("lot")
        .annotate(t=Sum("quantity"))
        .values("t")
    )
    return qs.annotate(
        summed=Coalesce(
            Round(Subquery(total, output_field=decimal), 3), Value(Decimal(0)), output_field=decimal
        )
    )


def check(clinic: Clinic) -> None:
    if mismatches := balance_mismatches(clinic.pk):
        sys.exit(f"stored balances differ from the ledger: {mismatches[:5]}")


def main() -> None:
    call_command("migrate", verbosity=0)
    clinic = Clinic.objects.filter(slug=SLUG).first()
    if clinic is None:
        began = time.perf_counter()
        clinic = build()
        print(f"# built in {time.perf_counter() - began:.1f} s", file=sys.stderr)
        migration = importlib.import_module("mesoclinic.inventory.migrations.0003_lot_balance")
        began = time.perf_counter()
        migration.backfill_balances(apps, SimpleNamespace(connection=connection))
        print(
            f"| migration backfill, {MOVEMENTS:,} movements | 1 | {(time.perf_counter() - began) * 1000:.0f} ms | |"
        )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE inventory_lot")
    check(clinic)
    print(
        f"| operation ({StockMovement.objects.filter(clinic=clinic).count():,} movements) | runs | median | max |"
    )
    print("|---|---:|---:|---:|")
    timed("low stock, stored balance", lambda: low_stock(clinic))
    timed("… of which tainted_lot_ids (recalls through preparations)", lambda: tainted_lot_ids(clinic))
    old = (
        ledger_summed(Lot.objects.filter(clinic=clinic))
        .filter(low_stock_threshold__isnull=False, summed__gt=0, summed__lte=F("low_stock_threshold"))
        .order_by("summed", "expires_on", "id")
    )
    timed("low stock, ledger summed per lot (before)", lambda: list(old.all()), runs=3)
    timed(
        "lots page (50), stored balance", lambda: list(lots_for_clinic(clinic).order_by("balance", "id")[:50])
    )
    timed(
        "lots page (50), ledger summed per lot (before)",
        lambda: list(ledger_summed(lots_for_clinic(clinic)).order_by("summed", "id")[:50]),
        runs=3,
    )
    lot = Lot.objects.filter(clinic=clinic).order_by("pk").first()
    if lot is None:
        sys.exit("the bench clinic has no lots")
    timed(
        "record_movement (append + balance update)",
        lambda: record_movement(lot, MovementKind.ADJUSTMENT, "0.001", reason="bench", actor=None),
    )
    check(clinic)


if __name__ == "__main__":
    main()

"""Recall at scale: from a lot to every session line and patient, with ~1,000,000 session-product rows.

The clinic: 20,000 patients, 2,000 supplied lots, 200 preparations (each compounded from three supplied
lots, so an ingredient lot reaches several preparations), 500,000 signed session records with two product
lines each (1,000,000 ``SessionProduct`` rows) and one zone each. Timed: the recall of (a) a product lot
used directly and (b) an ingredient lot reached only through preparations, with every query included.

Database: PostgreSQL at ``BENCH_DATABASE_URL`` (default ``postgres://postgres@127.0.0.1:5432/bench_vig``;
created with psql if missing; never point it at real data). When PostgreSQL is unreachable the script says
so and runs on SQLite with a smaller clinic (100,000 rows), at ``$MESOCLINIC_DATA_DIR/bench/recall-v1.sqlite3``.
The data is built once and kept. Prints table rows: operation, n, median, throughput (and p99).
"""
# ruff: noqa: E402 — Django is configured from the environment before the project is imported.

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from pg import postgres_ready  # benchmarks/pg.py: run as scripts, their folder is on the path

VERSION = 1
DATA_DIR = Path(os.environ.get("MESOCLINIC_DATA_DIR") or Path.cwd() / "data")
SQLITE_DB = DATA_DIR / "bench" / f"recall-v{VERSION}.sqlite3"
PG_URL = os.environ.get("BENCH_DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/bench_vig"
RUNS = int(os.environ.get("BENCH_RUNS", "50"))


if postgres_ready(PG_URL):
    os.environ["DATABASE_URL"] = PG_URL
    ROWS = 1_000_000
else:
    print(f"# PostgreSQL unreachable at {PG_URL}: running on SQLite with 100,000 rows", file=sys.stderr)
    SQLITE_DB.parent.mkdir(parents=True, exist_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{SQLITE_DB}"
    ROWS = 100_000
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mesoclinic.settings")

import django

django.setup()

from django.core.management import call_command
from django.db import connection, transaction

from mesoclinic.accounts.models import Clinic, Role
from mesoclinic.accounts.services import add_staff_member, create_clinic
from mesoclinic.catalog.models import Cocktail, Product
from mesoclinic.catalog.services import load_default_catalog
from mesoclinic.inventory.models import Lot, LotKind, MovementKind, StockMovement
from mesoclinic.patients.models import Patient
from mesoclinic.treatments.models import SessionProduct, SessionRecord, SessionZone
from mesoclinic.vigilance.selectors import recall

SLUG = "bench-recall"
PATIENTS, SUPPLIED, PREPARATIONS, PER_PREPARATION = 20_000, 2_000, 200, 3
LINES_PER_SESSION = 2
BATCH = 20_000
ZONES = ("forehead", "cheek_left", "cheek_right", "neck", "scalp", "decolletage")


def batched(items: list, size: int = BATCH):  # noqa: ANN201 — a local helper
    for start in range(0, len(items), size):
        yield items[start : start + size]


def build() -> float:
    """Load the clinic (first run only); returns the seconds it took."""
    began = time.perf_counter()
    rng = random.Random(20260601)
    clinic = create_clinic(name="Bench Recall", slug=SLUG, timezone="Europe/Warsaw", actor=None)
    load_default_catalog(clinic, actor=None)
    practitioners = [
        add_staff_member(
            clinic,
            username=f"bench-recall-{n}",
            password="bench-recall-password-not-used",  # noqa: S106 — benchmark accounts, never logged in
            role=Role.PRACTITIONER,
            display_name=f"P{n}",
            actor=None,
        )
        for n in range(20)
    ]
    products = list(Product.objects.filter(clinic=clinic))
    cocktails = list(Cocktail.objects.filter(clinic=clinic))
    with transaction.atomic():
        Patient.objects.bulk_create(
            Patient(
                clinic=clinic,
                given_name=f"Given{n}",
                family_name=f"Family{n}",
                birth_date=date(1960, 1, 1) + timedelta(days=n % 15_000),
                phone=f"+48 600 {n:06d}",
                email=f"p{n}@example.org",
            )
            for n in range(PATIENTS)
        )
        patient_ids = list(Patient.objects.filter(clinic=clinic).values_list("pk", flat=True))
        Lot.objects.bulk_create(
            Lot(
                clinic=clinic,
                kind=LotKind.SUPPLIED,
                product=products[n % len(products)],
                lot_number=f"S{n:05d}",
                expires_on=date(2030, 1, 1),
                unit="ml",
            )
            for n in range(SUPPLIED)
        )
        supplied = list(Lot.objects.filter(clinic=clinic, kind=LotKind.SUPPLIED).order_by("pk"))
        Lot.objects.bulk_create(
            Lot(
                clinic=clinic,
                kind=LotKind.PREPARATION,
                cocktail=cocktails[n % len(cocktails)],
                lot_number=f"PREP{n:04d}",
                expires_on=date(2030, 1, 1),
                unit="ml",
            )
            for n in range(PREPARATIONS)
        )
        preparations = list(Lot.objects.filter(clinic=clinic, kind=LotKind.PREPARATION).order_by("pk"))
        # Ingredient lots: the first 100 supplied lots, each in about six preparations.
        at = datetime(2024, 1, 1, tzinfo=UTC)
        StockMovement.objects.bulk_create(
            StockMovement(
                clinic=clinic,
                lot=supplied[(p * PER_PREPARATION + k) % 100],
                kind=MovementKind.USE,
                quantity=Decimal(-1),
                preparation=prep,
                at=at,
            )
            for p, prep in enumerate(preparations)
            for k in range(PER_PREPARATION)
        )
        usable = [lot.pk for lot in supplied[100:]] + [lot.pk for lot in preparations]
        sessions = ROWS // LINES_PER_SESSION
        start = datetime(2022, 1, 1, 8, tzinfo=UTC)
        for chunk in batched(list(range(sessions))):
            records = SessionRecord.objects.bulk_create(
                SessionRecord(
                    clinic=clinic,
                    patient_id=patient_ids[rng.randrange(PATIENTS)],
                    practitioner=practitioners[n % 20],
                    modality="needle",
                    performed_at=start + timedelta(minutes=3 * n),
                    status=SessionRecord.Status.SIGNED,
                    signed_at=start + timedelta(minutes=3 * n),
                    signed_by_id=practitioners[n % 20].user_id,
                )
                for n in chunk
            )
            SessionProduct.objects.bulk_create(
                SessionProduct(record=r, lot_id=rng.choice(usable), quantity=Decimal("1.5"), unit="ml")
                for r in records
                for _ in range(LINES_PER_SESSION)
            )
            SessionZone.objects.bulk_create(SessionZone(record=r, zone=rng.choice(ZONES)) for r in records)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return time.perf_counter() - began


def timed(lot: Lot) -> tuple[list[float], int, int]:
    samples = []
    result = recall([lot])
    for _ in range(RUNS):
        began = time.perf_counter()
        result = recall([lot])
        samples.append(time.perf_counter() - began)
    return samples, len(result.uses), len(result.patients)


def p99(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


def main() -> None:
    call_command("migrate", verbosity=0)
    built = None
    if not Clinic.objects.filter(slug=SLUG).exists():
        print(f"# building the recall benchmark database ({ROWS:,} rows, first run only)", file=sys.stderr)
        built = build()
    clinic = Clinic.objects.get(slug=SLUG)
    rows = SessionProduct.objects.filter(record__clinic=clinic).count()
    direct = Lot.objects.select_related("product", "cocktail").get(clinic=clinic, lot_number="S01000")
    ingredient = Lot.objects.select_related("product", "cocktail").get(clinic=clinic, lot_number="S00007")
    engine = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite"
    for label, lot in (
        ("product lot used directly", direct),
        ("ingredient lot through preparations", ingredient),
    ):
        samples, lines, patients = timed(lot)
        median = statistics.median(samples)
        print(
            f"| recall, {label} ({engine}, {rows:,} session-product rows; {lines:,} lines, {patients:,} patients)"
            f" | {RUNS} | {median * 1000:.1f} ms (p99 {p99(samples) * 1000:.1f} ms) | {1 / median:.0f}/s |"
        )
    if built is not None:
        print(f"| recall: building the database, once | 1 | {built:.0f} s | |")


if __name__ == "__main__":
    main()

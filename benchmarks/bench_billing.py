"""Billing with 100,000 issued documents: the checkout page, creating (and issuing) a document, and the money
reports (revenue by month and by practitioner, VAT per rate) over a year of those documents.

Targets (issue 17): checkout page and invoice creation p95 < 100 ms with 100,000 issued documents in the
clinic; revenue and VAT reports for a year of 100,000 documents < 500 ms on PostgreSQL.

The clinic: one location, 20 practitioners, 2,000 patients and 100,000 documents issued in 2030 (receipts,
some invoices, 2 % credit notes), one or two lines each at 23 / 8 / zw, their VAT tables (``DocumentRate``),
and a payment each (cash, card terminal, 10 % package sessions). Rows are bulk-inserted, as the services would
leave them; the measured operations go through the real views and services.

The database is built once and kept: SQLite at ``$MESOCLINIC_DATA_DIR/bench/billing-v<VERSION>.sqlite3``, or
the database at ``BENCH_DATABASE_URL`` (e.g. an empty PostgreSQL database; never point it at real data).
Prints table rows: operation, n, median (and p95) per call, calls per second.
"""
# ruff: noqa: E402 — Django is configured from the environment before the project is imported.

from __future__ import annotations

import os
import random
import statistics
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

VERSION = 1
DOCUMENTS = int(os.environ.get("BENCH_BILLING_DOCUMENTS") or 100_000)  # fewer only for a quick try
DATA_DIR = Path(os.environ.get("MESOCLINIC_DATA_DIR") or Path.cwd() / "data")
DEFAULT_DB = DATA_DIR / "bench" / f"billing-v{VERSION}-{DOCUMENTS}.sqlite3"
from pg import postgres_ready  # benchmarks/pg.py: run as scripts, their folder is on the path

if os.environ.get("BENCH_DATABASE_URL") and not postgres_ready(os.environ["BENCH_DATABASE_URL"]):
    raise SystemExit("BENCH_DATABASE_URL does not answer (and its database could not be created)")
os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{DEFAULT_DB}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mesoclinic.settings")
DEFAULT_DB.parent.mkdir(parents=True, exist_ok=True)

import django

django.setup()

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.test.utils import override_settings

from mesoclinic.accounts.models import Clinic, Role, StaffMember
from mesoclinic.accounts.services import create_clinic
from mesoclinic.billing import reports
from mesoclinic.billing.engine import numbering, vat
from mesoclinic.billing.models import (
    DocumentRate,
    DocumentSequence,
    Invoice,
    InvoiceLine,
    Payment,
)
from mesoclinic.billing.services import LineInput, create_invoice, issue_invoice, update_billing_settings
from mesoclinic.patients.models import Patient

TZ = ZoneInfo("Europe/Warsaw")
SLUG = "bench-billing"
PATIENTS = 2_000
YEAR = 2030
N = 60
LINES = (("Mesotherapy, face", "450.00", "8"), ("Serum", "89.00", "23"), ("Consultation", "200.00", "zw"))


def percentile(runs: list[float], q: float) -> float:
    ordered = sorted(runs)
    return ordered[round(q * (len(ordered) - 1))]


def row(label: str, runs: list[float]) -> str:
    median, p95 = statistics.median(runs), percentile(runs, 0.95)
    return f"| {label} | {len(runs)} | {median * 1e3:.1f} ms (p95 {p95 * 1e3:.1f} ms) | {1 / median:,.1f}/s |"


def timed(fn: Callable[[], object], n: int) -> list[float]:
    runs = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return runs


def _build(clinic: Clinic) -> None:
    update_billing_settings(clinic, currency="PLN", vat_rates=["23", "8", "5", "0", "zw"], actor=None)
    patients = Patient.objects.bulk_create(
        Patient(
            clinic=clinic,
            given_name="Bench",
            family_name=f"Patient {n}",
            birth_date=date(1980, 1, 1) + timedelta(days=n),
            sex="female",
        )
        for n in range(PATIENTS)
    )
    rng = random.Random(17)
    start = datetime(YEAR, 1, 1, 8, 0, tzinfo=TZ)
    seqs = {"receipt": 0, "invoice": 0, "credit_note": 0}
    for chunk in range(0, DOCUMENTS, 5_000):
        docs, specs = [], []
        for n in range(chunk, min(chunk + 5_000, DOCUMENTS)):
            kind = "credit_note" if n % 50 == 0 else ("invoice" if n % 10 == 0 else "receipt")
            seqs[kind] += 1
            lines = rng.sample(LINES, rng.choice((1, 2)))
            totals = vat.compute_totals(vat.Line(Decimal(1), Decimal(p), r) for _d, p, r in lines)
            sign = -1 if kind == "credit_note" else 1
            at = start + timedelta(minutes=n * 5)  # 100,000 × 5 min ≈ one year
            docs.append(
                Invoice(
                    clinic=clinic,
                    patient=patients[n % PATIENTS],
                    kind=kind,
                    status="issued",
                    currency="PLN",
                    number=numbering.format_number(kind, YEAR, seqs[kind]),
                    year=YEAR,
                    seq=seqs[kind],
                    buyer_name="Bench",
                    net=sign * totals.net,
                    vat=sign * totals.vat,
                    gross=sign * totals.gross,
                    paid=sign * totals.gross if kind != "credit_note" else Decimal(0),
                    created_at=at,
                    issued_at=at,
                )
            )
            specs.append((lines, totals, sign, n))
        Invoice.objects.bulk_create(docs)
        InvoiceLine.objects.bulk_create(
            InvoiceLine(
                invoice=doc,
                position=i,
                description=d,
                quantity=Decimal(1),
                unit_price=Decimal(p),
                vat_rate=r,
                gross=Decimal(p),
            )
            for doc, (lines, _t, _s, _n) in zip(docs, specs, strict=True)
            for i, (d, p, r) in enumerate(lines)
        )
        DocumentRate.objects.bulk_create(
            DocumentRate(
                invoice=doc,
                rate=r.rate,
                net=s * r.net,
                vat=s * r.vat,
                gross=s * r.gross,
                clinic=clinic,
                issued_on=doc.issued_at.astimezone(TZ).date(),
            )
            for doc, (_l, totals, s, _n) in zip(docs, specs, strict=True)
            for r in totals.by_rate
        )
        Payment.objects.bulk_create(
            Payment(
                invoice=doc,
                method=("package_session" if n % 10 == 3 else ("cash" if n % 2 else "card_terminal")),
                amount=doc.gross,
                received_at=doc.issued_at,
            )
            for doc, (_l, _t, _s, n) in zip(docs, specs, strict=True)
            if doc.kind != "credit_note"
        )
    DocumentSequence.objects.bulk_create(
        DocumentSequence(clinic=clinic, kind=kind, year=YEAR, last=last) for kind, last in seqs.items()
    )


def ensure_database() -> tuple[Clinic, StaffMember, float | None]:
    call_command("migrate", verbosity=0)
    clinic = Clinic.objects.filter(slug=SLUG).first()
    built = None
    if clinic is None or not Invoice.objects.filter(clinic=clinic).exists():
        started = time.perf_counter()
        with transaction.atomic():
            clinic = clinic or create_clinic(
                name="Bench billing",
                slug=SLUG,
                timezone="Europe/Warsaw",
                country="PL",
                language="en",
                actor=None,
            )
            _build(clinic)
        with connection.cursor() as cursor:
            # A bulk-loaded table has no planner statistics until autovacuum gets to it: the planner then
            # takes the year's 100,000 documents for one row and joins them by nested loops (revenue by month
            # 2.2 s instead of 0.4 s on PostgreSQL). A live clinic's tables are analysed; so are these.
            cursor.execute("ANALYZE")
        built = time.perf_counter() - started
    user, _ = User.objects.get_or_create(
        username="bench-billing-desk", defaults={"password": make_password(None)}
    )
    desk, _ = StaffMember.objects.get_or_create(
        user=user, defaults={"clinic": clinic, "role": Role.RECEPTIONIST, "display_name": "Desk"}
    )
    return clinic, desk, built


def main() -> None:
    clinic, desk, built = ensure_database()
    vendor = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(connection.vendor, connection.vendor)
    what = f"{vendor}, {Invoice.objects.filter(clinic=clinic, status='issued').count():,} issued documents"
    patients = list(Patient.objects.filter(clinic=clinic).order_by("pk")[:N])
    lines = [LineInput(description=d, quantity="1", unit_price=p, vat_rate=r) for d, p, r in LINES[:2]]
    made: list[Invoice] = []

    def create() -> None:
        made.append(create_invoice(patients[len(made) % len(patients)], lines=lines, actor=None))

    print(row(f"billing: create a draft document, 2 lines ({what})", timed(create, N)))
    drafts = iter(list(made))
    print(
        row(
            f"billing: issue a document (number taken; {what})",
            timed(lambda: issue_invoice(next(drafts), actor=None), N),
        )
    )
    client = Client()
    client.force_login(desk.user)
    shown = [create_invoice(p, lines=lines, actor=None) for p in patients]
    pages = iter(shown)
    plain = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(ALLOWED_HOSTS=["*"], STORAGES=plain):  # no collectstatic manifest needed

        def checkout() -> None:
            response = client.get(f"/billing/documents/{next(pages).pk}/")
            assert response.status_code == 200, response.status_code  # noqa: S101 — a benchmark's sanity check

        print(row(f"billing: checkout page of a draft ({what})", timed(checkout, N)))
    first, last = date(YEAR, 1, 1), date(YEAR, 12, 31)
    for label, fn in (
        ("revenue by month", lambda: reports.revenue(clinic, first, last, group="month")),
        ("revenue by practitioner", lambda: reports.revenue(clinic, first, last, group="practitioner")),
        ("VAT per rate and month", lambda: reports.vat_by_rate(clinic, first, last)),
        ("payments by method", lambda: reports.payments_by_method(clinic, first, last)),
    ):
        print(row(f"money report: {label}, a year ({what})", timed(fn, 10)))
    fresh = [d.pk for d in made + shown]
    with transaction.atomic():  # leave the kept database as it was built (the audit rows stay)
        DocumentRate.objects.filter(invoice_id__in=fresh).delete()
        InvoiceLine.objects.filter(invoice_id__in=fresh).delete()
        Invoice.objects.filter(pk__in=fresh).delete()
    if built is not None:
        print(
            f"| billing DB: first build ({DOCUMENTS:,} documents, kept for later runs) | 1 | {built:.0f} s | |"
        )


if __name__ == "__main__":
    main()

"""Big against small (issue 20 item 2): the daily pages of a clinic with ten years of history, next to a small one.

Two clinics made by ``mesoclinic generate_load_data`` (``mesoclinic.loadgen``) in one PostgreSQL database: a
small clinic (about ``BENCH_SMALL_PATIENTS`` patients, default 300) and a big one (``BENCH_BIG_PATIENTS``
patients, default 20,000: about 300,000 appointments; the issue's 100,000 takes longer to build), both with
ten years of history up to ``UNTIL``. The data is built once and kept (its clinics' slugs name the sizes).

Each page is requested in one warm process through Django's test client (the whole request: middleware,
queries, template; no network, no gunicorn), signed in as the clinic's owner, with the clock at ``UNTIL``
10:00 (time-machine): 3 untimed warm-up requests, then ``BENCH_RUNS`` (default 20) timed ones. Printed: p50
and p95 for each clinic, the big/small ratio of the medians and whether each page meets the targets: the
big clinic's p95 under 100 ms (reports under 300 ms) and a ratio of at most 2. Exits 1 when any misses
(``BENCH_SCALE_ASSERT=0`` only reports).

Database: ``BENCH_DATABASE_URL`` (default ``postgres://postgres@127.0.0.1:5432/bench_scale``; created with
psql if missing; never point it at real data).
"""
# ruff: noqa: E402 — Django is configured from the environment before the project is imported.

from __future__ import annotations

import os
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from pg import postgres_ready  # benchmarks/pg.py: run as scripts, their folder is on the path

PG_URL = os.environ.get("BENCH_DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/bench_scale"
RUNS = int(os.environ.get("BENCH_RUNS", "20"))
BIG = int(os.environ.get("BENCH_BIG_PATIENTS", "20000"))
SMALL = int(os.environ.get("BENCH_SMALL_PATIENTS", "300"))
ASSERT = os.environ.get("BENCH_SCALE_ASSERT", "1") != "0"
UNTIL = date(2026, 11, 30)
if not postgres_ready(PG_URL):
    sys.exit(f"PostgreSQL unreachable at {PG_URL}: this benchmark measures PostgreSQL plans")
os.environ["DATABASE_URL"] = PG_URL
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mesoclinic.settings")

import django

django.setup()

import time_machine
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.models import Count
from django.test import Client, override_settings

from mesoclinic.accounts.models import Clinic, Location, Role, StaffMember
from mesoclinic.loadgen import LoadSpec, generate
from mesoclinic.patients.models import Patient

PREFIX = f"bs1-{SMALL}-{BIG}"
REPORTS = {"recalls due", "outcomes report", "adherence report"}


def build() -> None:
    if Clinic.objects.filter(slug__startswith=f"{PREFIX}-").exists():
        return
    print(f"building {PREFIX}: a clinic of ~{SMALL} and one of {BIG} patients, ten years", file=sys.stderr)
    spec = LoadSpec(until=UNTIL, clinics=1, clinic_patients=SMALL, big_patients=BIG, seed=1, prefix=PREFIX)
    report = generate(spec, progress=lambda line: print(line, file=sys.stderr))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    rate = report.total / report.seconds
    print(
        f"| generate_load_data: {report.total:,} rows ({dict(report.rows)}) | 1 | {report.seconds:.0f} s | {rate:,.0f} rows/s |"
    )


def pages(clinic: Clinic) -> dict[str, str]:
    location = Location.objects.filter(clinic=clinic).order_by("pk")[0]
    busiest = (
        Patient.objects.filter(clinic=clinic)
        .annotate(n=Count("appointments"))
        .order_by("-n", "pk")
        .values_list("pk", flat=True)
        .first()
    )
    tz = ZoneInfo(clinic.timezone)
    start = datetime.combine(UNTIL, datetime.min.time(), tz)
    window = f"start={start.isoformat()}&end={(start + timedelta(days=7)).isoformat()}".replace("+", "%2B")
    return {
        "Today": "/",
        "calendar day": f"/schedule/?location={location.pk}&date={UNTIL}&view=day",
        "calendar week": f"/schedule/?location={location.pk}&date={UNTIL}&view=week",
        "patients search": "/patients/?q=kowal",
        "chart (busiest patient)": f"/patients/{busiest}/",
        "inventory lots": "/inventory/",
        "recalls due": "/reports/recalls/",
        "outcomes report": "/reports/outcomes/",
        "adherence report": "/reports/adherence/",
        "audit log": "/audit/",
        "appointments API (week)": f"/api/v1/scheduling/appointments?location_id={location.pk}&{window}",
    }


def measure(client: Client, url: str) -> list[float]:
    for _ in range(3):
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url}: HTTP {response.status_code}")
    times = []
    for _ in range(RUNS):
        began = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - began) * 1000)
    return times


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[18]


def main() -> int:
    build()
    small, big = (Clinic.objects.get(slug=f"{PREFIX}-{suffix}") for suffix in ("001", "big"))
    results: dict[str, dict[str, list[float]]] = {}
    # No collectstatic here: the plain storage instead of the manifest (a dict lookup either way).
    plain = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    override_settings(STORAGES=plain).enable()
    with time_machine.travel(
        datetime.combine(UNTIL, datetime.min.time(), ZoneInfo("Europe/Warsaw")) + timedelta(hours=10),
        tick=True,
    ):
        for clinic in (small, big):
            owner = StaffMember.objects.get(clinic=clinic, role=Role.OWNER)
            client = Client()
            client.force_login(owner.user)
            for name, url in pages(clinic).items():
                results.setdefault(name, {})[clinic.slug] = measure(client, url)
    missed = []
    print("| page (small / big clinic) | n | p50 small / big, ratio | p95 small / big |")
    print("|---|---|---|---|")
    for name, by in results.items():
        s, b = by[small.slug], by[big.slug]
        ratio = statistics.median(b) / statistics.median(s)
        limit = 300 if name in REPORTS else 100
        ok = ratio <= 2 and p95(b) < limit
        if not ok:
            missed.append(name)
        print(
            f"| {name} | {RUNS} | {statistics.median(s):.1f} / {statistics.median(b):.1f} ms, {ratio:.2f}x "
            f"| {p95(s):.1f} / {p95(b):.1f} ms {'' if ok else '(misses the target)'} |"
        )
    if missed and ASSERT:
        print(
            f"missed the targets (big p95 < {100} ms, reports < 300 ms; big/small <= 2): {', '.join(missed)}",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    call_command("migrate", verbosity=0)
    sys.exit(main())

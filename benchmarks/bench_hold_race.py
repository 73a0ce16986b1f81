"""50 visitors send a booking of the same offer through the public API at the same moment: exactly one holds
it (201), the other 49 are told it was just taken (409). Issue 18, "Speed": on both databases.

Each visitor is a thread with its own database connection and its own address (so the per-address limits do
not decide), posting ``/api/v1/public/{clinic}/bookings`` through Django's WSGI handler as 50 app workers
would; the held appointments' no-overlap check in the database decides. Several rounds, each on another offer.

The database is made fresh for each run: SQLite at ``$MESOCLINIC_DATA_DIR/bench/hold-race.sqlite3``, or the
(empty, throwaway) database at ``BENCH_DATABASE_URL``, e.g. ``postgres://postgres@127.0.0.1:5432/bench_holds``.

Prints table rows: database, rounds, median seconds for the 50 requests of a round, and the outcome; exits 1
unless every round held exactly one.
"""
# ruff: noqa: E402 — Django is configured from the environment before the project is imported.

from __future__ import annotations

import os
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

DATA_DIR = Path(os.environ.get("MESOCLINIC_DATA_DIR") or Path.cwd() / "data")
DB = DATA_DIR / "bench" / "hold-race.sqlite3"
DB.parent.mkdir(parents=True, exist_ok=True)
if not os.environ.get("BENCH_DATABASE_URL"):
    DB.unlink(missing_ok=True)
os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{DB}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mesoclinic.settings")
os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"

import django

django.setup()

from django.core.management import call_command
from django.db import connection, connections
from django.test import Client

from mesoclinic import testing
from mesoclinic.accounts.models import Clinic
from mesoclinic.scheduling.models import Appointment, AppointmentStatus
from mesoclinic.testing.portal import NEEDLE, open_booking

VISITORS = 50
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
SLUG_NAME = "Hold Race Clinic"


def prepare() -> Clinic:
    call_command("migrate", verbosity=0)
    if connection.vendor == "postgresql":
        call_command("flush", interactive=False, verbosity=0)
    clinic = testing.make_clinic(SLUG_NAME)
    open_booking(clinic)
    return clinic


def one_round(clinic: Clinic, n: int) -> tuple[list[int], float]:
    base = f"/api/v1/public/{clinic.slug}"
    found = Client(REMOTE_ADDR=f"192.0.2.{n + 1}").post(
        f"{base}/series-offers",
        {"protocol": NEEDLE, "location": clinic.locations.first().pk, "earliest": f"2031-0{3 + n}-03"},
        content_type="application/json",
    )
    offer = found.json()["offers"][0]["offer"]
    barrier = threading.Barrier(VISITORS)

    def visitor(v: int) -> int:
        body = {
            "offer": offer,
            "patient": {
                "first_name": "Ola",
                "last_name": "Nowak",
                "birth_date": "1990-05-06",
                "email": f"r{n}v{v}@example.com",
            },
            "consent": {"accepted": True, "photo_use": "clinical"},
        }
        client = Client(REMOTE_ADDR=f"10.{n}.{v // 250}.{v % 250 + 1}")
        barrier.wait()
        try:
            return client.post(f"{base}/bookings", body, content_type="application/json").status_code
        finally:
            connections.close_all()

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=VISITORS) as pool:
        codes = list(pool.map(visitor, range(VISITORS)))
    return codes, time.perf_counter() - started


def main() -> None:
    clinic = prepare()
    vendor = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(connection.vendor, connection.vendor)
    seconds, good = [], True
    for n in range(ROUNDS):
        codes, took = one_round(clinic, n)
        seconds.append(took)
        exactly_one = codes.count(201) == 1 and codes.count(409) == VISITORS - 1
        good = good and exactly_one
        if not exactly_one:
            print(f"round {n + 1}: {sorted(codes)}", file=sys.stderr)
    held = Appointment.objects.filter(status=AppointmentStatus.HELD).count()
    outcome = "exactly one hold every round" if good else "NOT exactly one"
    print(
        f"| {VISITORS} concurrent bookings of one offer ({vendor}) | {ROUNDS} rounds | "
        f"{statistics.median(seconds):.2f} s per round | {outcome}; {held} held appointments |"
    )
    sys.exit(0 if good else 1)


if __name__ == "__main__":
    main()

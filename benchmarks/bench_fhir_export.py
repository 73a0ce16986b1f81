"""Bulk FHIR export at scale: a whole clinic as NDJSON, 100,000 patients with their records.

Each patient has a medical history (a third with a condition, a fifth with an allergy), a signed consent,
two appointments, two signed session records (one product line with its lot, two zones each) and every
second one an assessment (seven scales). Timed: ``mesoclinic fhir-export DIR`` of the whole clinic (every
resource type, files written to a temporary directory), in a fresh process each time, with the highest
resident memory sampled during the export and the Python heap's peak (tracemalloc, in a second run: it
slows Python down). The same export of a clinic ten times smaller shows whether
memory stays flat (it must: rows are read in chunks and each resource is written as soon as it is built).

Database: PostgreSQL at ``BENCH_DATABASE_URL`` (default ``postgres://postgres@127.0.0.1:5432/bench_fhir``;
created with psql if missing; never point it at real data). Without PostgreSQL the script runs on SQLite
with 10,000 and 1,000 patients. The data is built once and kept. Prints table rows.
"""
# ruff: noqa: E402 — Django is configured from the environment before the project is imported.

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from pg import postgres_ready  # benchmarks/pg.py: run as scripts, their folder is on the path

VERSION = 1
DATA_DIR = Path(os.environ.get("MESOCLINIC_DATA_DIR") or Path.cwd() / "data")
SQLITE_DB = DATA_DIR / "bench" / f"fhir-v{VERSION}.sqlite3"
PG_URL = os.environ.get("BENCH_DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/bench_fhir"


if postgres_ready(PG_URL):
    os.environ["DATABASE_URL"] = PG_URL
    SIZES = (10_000, 100_000)
else:
    print(
        f"# PostgreSQL unreachable at {PG_URL}: running on SQLite with 1,000 and 10,000 patients",
        file=sys.stderr,
    )
    SQLITE_DB.parent.mkdir(parents=True, exist_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{SQLITE_DB}"
    SIZES = (1_000, 10_000)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mesoclinic.settings")

import django

django.setup()

from django.core.management import call_command
from django.db import connection, transaction

from mesoclinic.accounts.models import Clinic, Location, Role
from mesoclinic.accounts.services import add_location, add_staff_member, create_clinic
from mesoclinic.catalog.models import Modality, Product, Protocol
from mesoclinic.catalog.services import load_default_catalog
from mesoclinic.inventory.models import Lot, LotKind
from mesoclinic.outcomes.models import Assessment, AssessmentTiming
from mesoclinic.patients.models import Consent, ConsentTemplate, MedicalHistory, Patient
from mesoclinic.scheduling.models import Appointment, Room
from mesoclinic.treatments.models import SessionProduct, SessionRecord, SessionZone

BATCH = 5_000
ZONES = ("forehead", "cheek_left", "cheek_right", "neck", "scalp", "decolletage")
CONDITIONS = ("epilepsy", "heart_disease", "raynaud", "keloid_tendency")


def slug(patients: int) -> str:
    return f"bench-fhir-{patients}"


def build(patients: int) -> float:
    """Load a clinic of ``patients`` patients (first run only); returns the seconds it took."""
    began = time.perf_counter()
    rng = random.Random(patients)
    clinic = create_clinic(
        name=f"Bench FHIR {patients}", slug=slug(patients), timezone="Europe/Warsaw", actor=None
    )
    load_default_catalog(clinic, actor=None)
    location = add_location(clinic, name="Main", timezone="Europe/Warsaw", actor=None)
    location = Location.objects.get(pk=location.pk)
    staff = [
        add_staff_member(
            clinic,
            username=f"bench-fhir-{patients}-{n}",
            password="bench-fhir-password-not-used",  # noqa: S106 — benchmark accounts, never logged in
            role=Role.PRACTITIONER,
            display_name=f"P{n}",
            modalities=["needle"],
            actor=None,
        )
        for n in range(10)
    ]
    needle = Modality.objects.get(clinic=clinic, code="needle")
    protocol = Protocol.objects.filter(clinic=clinic, modality=needle).order_by("pk").first()
    room = Room.objects.create(clinic=clinic, location=location, name="R1", modalities=["needle"])
    template = ConsentTemplate.objects.create(
        clinic=clinic, modality=needle, version=1, title="Needle", body="…"
    )
    products = list(Product.objects.filter(clinic=clinic))
    lots = Lot.objects.bulk_create(
        Lot(
            clinic=clinic,
            kind=LotKind.SUPPLIED,
            product=products[n % len(products)],
            lot_number=f"L{n:04d}",
            expires_on=date(2030, 1, 1),
            unit="ml",
        )
        for n in range(200)
    )
    start = datetime(2023, 1, 2, 8, tzinfo=UTC)
    for first in range(0, patients, BATCH):
        with transaction.atomic():
            rows = Patient.objects.bulk_create(
                Patient(
                    clinic=clinic,
                    given_name=f"Given{n}",
                    family_name=f"Family{n}",
                    birth_date=date(1960, 1, 1) + timedelta(days=n % 15_000),
                    sex="female" if n % 3 else "male",
                    phone=f"+48 600 {n:06d}",
                    email=f"p{n}@example.org",
                    fitzpatrick=(n % 6) + 1 if n % 4 == 0 else None,
                )
                for n in range(first, min(first + BATCH, patients))
            )
            MedicalHistory.objects.bulk_create(
                MedicalHistory(
                    patient=p,
                    conditions=[CONDITIONS[p.pk % 4]] if p.pk % 3 == 0 else [],
                    allergies=["lidocaine"] if p.pk % 5 == 0 else [],
                )
                for p in rows
            )
            Consent.objects.bulk_create(
                Consent(
                    clinic=clinic,
                    patient=p,
                    template=template,
                    signed_by=p.full_name,
                    signed_at=start,
                    photo_use=["clinical"],
                )
                for p in rows
            )
            appointments = Appointment.objects.bulk_create(
                Appointment(
                    clinic=clinic,
                    location=location,
                    patient=p,
                    protocol=protocol,
                    practitioner=staff[p.pk % 10],
                    room=room,
                    starts_at=(at := start + timedelta(minutes=45 * (2 * i + k + 2 * first))),
                    ends_at=at + timedelta(minutes=30),
                    blocked_until=at + timedelta(minutes=40),
                    status="completed",
                    session_index=k + 1,
                )
                for i, p in enumerate(rows)
                for k in range(2)
            )
            records = SessionRecord.objects.bulk_create(
                SessionRecord(
                    clinic=clinic,
                    patient_id=a.patient_id,
                    appointment=a,
                    practitioner_id=a.practitioner_id,
                    modality="needle",
                    performed_at=a.starts_at,
                    parameters={"gauge": "30G", "depth_mm": "1.5", "technique": "nappage"},
                    status=SessionRecord.Status.SIGNED,
                    signed_at=a.ends_at,
                    signed_by_id=staff[0].user_id,
                )
                for a in appointments
            )
            SessionProduct.objects.bulk_create(
                SessionProduct(record=r, lot=rng.choice(lots), quantity=Decimal("2.000"), unit="ml")
                for r in records
            )
            SessionZone.objects.bulk_create(
                SessionZone(record=r, zone=z) for r in records for z in rng.sample(ZONES, 2)
            )
            Assessment.objects.bulk_create(
                Assessment(
                    clinic=clinic,
                    patient=p,
                    timing=AssessmentTiming.FOLLOW_UP,
                    assessed_on=date(2024, 1, 1),
                    glogau=2,
                    fitzpatrick=3,
                    wsrs_left=3,
                    wsrs_right=3,
                    gais_investigator=2,
                    gais_subject=2,
                    satisfaction=4,
                )
                for p in rows[::2]
            )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return time.perf_counter() - began


def current_rss_kib() -> int:
    """This process's resident memory now (Linux ``/proc``; 0 elsewhere)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            return next((int(line.split()[1]) for line in status if line.startswith("VmRSS:")), 0)
    except OSError:
        return 0


class RssSampler(threading.Thread):
    """The highest resident memory seen while the export runs, sampled every 50 ms.

    ``ru_maxrss`` is no use here: the process's peak is reached while Django and the apps load, before the
    export starts, so it would hide any growth during the export.
    """

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = current_rss_kib()
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.05):
            self.peak = max(self.peak, current_rss_kib())


def export(patients: int, *, trace: bool) -> dict[str, float]:
    """Run in a fresh process: the export of one clinic, its time, RSS during it and (``trace``) heap peak."""
    before = current_rss_kib()
    sampler = RssSampler()
    if trace:
        tracemalloc.start()
    with tempfile.TemporaryDirectory(prefix="bench-fhir-") as directory:
        sampler.start()
        began = time.perf_counter()
        with open(os.devnull, "w") as quiet:
            call_command("fhir-export", directory, "--clinic", slug(patients), stdout=quiet)
        seconds = time.perf_counter() - began
        sampler.done.set()
        sampler.join()
        files = list(Path(directory).iterdir())
        lines = sum(sum(1 for _ in f.open("rb")) for f in files)
        size = sum(f.stat().st_size for f in files)
    heap_peak = tracemalloc.get_traced_memory()[1] if trace else 0
    return {
        "seconds": seconds,
        "resources": lines,
        "bytes": size,
        "rss_before_kb": before,
        "rss_peak_during_kb": sampler.peak,
        "heap_peak_bytes": heap_peak,
    }


def child(patients: int, *, trace: bool) -> dict[str, float]:
    out = subprocess.run(  # noqa: S603 — this script, with fixed arguments
        [sys.executable, __file__, "--export", str(patients), *(["--trace"] if trace else [])],
        check=True,
        capture_output=True,
        text=True,
        env=os.environ,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    call_command("migrate", verbosity=0)
    builds = []
    for patients in SIZES:
        if not Clinic.objects.filter(slug=slug(patients)).exists():
            print(f"# building the {patients:,}-patient clinic (first run only)", file=sys.stderr)
            builds.append((patients, build(patients)))
    engine = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite"
    for patients in SIZES:
        run = child(patients, trace=False)
        traced = child(patients, trace=True)
        rss = run["rss_peak_during_kb"] / 1024
        grown = (run["rss_peak_during_kb"] - run["rss_before_kb"]) / 1024
        print(
            f"| FHIR bulk export, whole clinic ({engine}, {patients:,} patients; {run['resources']:,} resources,"
            f" {run['bytes'] / 1e6:.0f} MB NDJSON) | 1 | {run['seconds']:.1f} s"
            f" (RSS at most {rss:.0f} MiB during the export, +{grown:.0f} MiB over its start;"
            f" Python heap peak {traced['heap_peak_bytes'] / 2**20:.1f} MiB)"
            f" | {run['resources'] / run['seconds']:,.0f} resources/s |"
        )
    for patients, seconds in builds:
        print(f"| FHIR export: building the {patients:,}-patient clinic, once | 1 | {seconds:.0f} s | |")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--export":
        print(json.dumps(export(int(sys.argv[2]), trace="--trace" in sys.argv)))
    else:
        main()

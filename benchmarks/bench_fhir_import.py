"""A large FHIR import: a Bundle of 12,000 Patients, posted to ``/fhir/R4/`` and run by the worker.

Timed, each in a fresh clinic: the request's answer (it must be a 202 well within gunicorn's 30 s: the
Bundle is read, checked for depth and stored, and a job is queued), then the worker's run of the same
Bundle (``run_import``: every entry validated and registered in one transaction), as a dry run and for
real. The request is served by Django's test client with the job held back (the dummy task backend), and
the worker's part is called as the worker calls it, so the figures need no running worker.

Database: PostgreSQL at ``BENCH_DATABASE_URL`` (default ``postgres://postgres@127.0.0.1:5432/bench_import``;
created with psql if missing; never point it at real data), else a SQLite file under ``data/bench/``.
``BENCH_IMPORT_PATIENTS`` changes the size (e.g. 50 for a quick check). Prints table rows.
"""
# ruff: noqa: E402 — Django is configured from the environment before the project is imported.

from __future__ import annotations

import json
import os
import sys
import time
import uuid
from pathlib import Path

from pg import postgres_ready  # benchmarks/pg.py: run as scripts, their folder is on the path

PATIENTS = int(os.environ.get("BENCH_IMPORT_PATIENTS", "12000"))
DATA_DIR = Path(os.environ.get("MESOCLINIC_DATA_DIR") or Path.cwd() / "data")
PG_URL = os.environ.get("BENCH_DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/bench_import"

if postgres_ready(PG_URL):
    os.environ["DATABASE_URL"] = PG_URL
    DATABASE = "PostgreSQL"
else:
    print(f"# PostgreSQL unreachable at {PG_URL}: running on SQLite", file=sys.stderr)
    (DATA_DIR / "bench").mkdir(parents=True, exist_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{DATA_DIR / 'bench' / 'import.sqlite3'}"
    DATABASE = "SQLite"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mesoclinic.settings")

import django

django.setup()

from django.core.management import call_command
from django.test import Client, override_settings

from mesoclinic.accounts.models import Role
from mesoclinic.accounts.services import add_staff_member, create_clinic
from mesoclinic.interop.models import ImportRun
from mesoclinic.interop.services import run_import

HELD = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def bundle(count: int, tag: str) -> bytes:
    """``count`` Patients as another system exports them: a name, birth date, identifier and e-mail."""
    entries = [
        {
            "resource": {
                "resourceType": "Patient",
                "identifier": [{"system": f"urn:bench:{tag}", "value": str(n)}],
                "name": [{"use": "official", "family": f"Bench{n:05d}", "given": ["Anna"]}],
                "gender": "female",
                "birthDate": f"{1950 + n % 50}-{1 + n % 12:02d}-{1 + n % 28:02d}",
                "telecom": [{"system": "email", "value": f"anna.{n}@example.org"}],
            }
        }
        for n in range(count)
    ]
    return json.dumps({"resourceType": "Bundle", "type": "transaction", "entry": entries}).encode()


def owner_client() -> Client:
    tag = uuid.uuid4().hex[:8]
    clinic = create_clinic(name=f"Bench import {tag}", slug=f"bench-import-{tag}", timezone="UTC", actor=None)
    owner = add_staff_member(
        clinic,
        username=f"bench-import-{tag}",
        password="bench-import-password-not-used",  # noqa: S106 — a benchmark account, never logged in
        role=Role.OWNER,
        display_name="Owner",
        actor=None,
    )
    client = Client()
    client.force_login(owner.user)
    return client


def one(dry_run: bool) -> tuple[float, float, str]:
    """Seconds to the 202, seconds of the worker's run, and how the run ended."""
    client = owner_client()
    body = bundle(PATIENTS, uuid.uuid4().hex[:8])
    url = "/fhir/R4/" + ("?_dryRun=true" if dry_run else "")
    began = time.perf_counter()
    with override_settings(TASKS=HELD, ALLOWED_HOSTS=["*"]):
        response = client.post(url, body, content_type="application/fhir+json")
    answered = time.perf_counter() - began
    if response.status_code != 202:
        raise SystemExit(f"expected 202, got {response.status_code}: {response.content[:300]!r}")
    run = ImportRun.objects.latest("pk")
    began = time.perf_counter()
    run_import.call(run.pk)
    worked = time.perf_counter() - began
    run.refresh_from_db()
    return answered, worked, f"{run.status}, {(run.result or {}).get('created', 0):,} created"


def main() -> None:
    call_command("migrate", verbosity=0)
    for dry_run in (True, False):
        answered, worked, outcome = one(dry_run)
        what = "dry run" if dry_run else "import"
        print(f"| FHIR import ({DATABASE}), {what}: the request's 202 | {PATIENTS:,} | {answered:.2f} s | |")
        print(
            f"| FHIR import ({DATABASE}), {what}: the worker's run ({outcome}) | {PATIENTS:,} "
            f"| {worked:.1f} s | {PATIENTS / worked:,.0f} patients/s |"
        )


if __name__ == "__main__":
    main()

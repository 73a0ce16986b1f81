"""One run of ``send_due_notifications`` with 2,000 reminders due, then the next run (nothing new to send).

The clinic: 50 practitioners with a room each, 2,000 consenting patients with an e-mail address, and one
booked appointment each in the next 46 hours (so each one's 48-hour reminder is due), no quiet hours.
E-mail goes to Django's in-memory backend, so the time is MesoClinic's: computing what is due, writing the
delivery log and rendering (in a warm process: the URL configuration, which the links need, is loaded before the clock
starts, as it is in a worker after its first run). The second run is the cost every five minutes once everything has been sent.

Database: SQLite, rebuilt on each run at ``$MESOCLINIC_DATA_DIR/bench/notifications.sqlite3``, or the
database named by ``BENCH_NOTIFICATIONS_DATABASE_URL`` (never real data: its rows are added to). Prints table
rows: operation, n, time, throughput.
"""
# ruff: noqa: E402 — Django is configured from the environment before the project is imported.

from __future__ import annotations

import os
import sys
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path

DATA_DIR = Path(os.environ.get("MESOCLINIC_DATA_DIR") or Path.cwd() / "data")
SQLITE_DB = DATA_DIR / "bench" / "notifications.sqlite3"
if url := os.environ.get("BENCH_NOTIFICATIONS_DATABASE_URL"):
    os.environ["DATABASE_URL"] = url
else:
    SQLITE_DB.parent.mkdir(parents=True, exist_ok=True)
    SQLITE_DB.unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{SQLITE_DB}"
os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mesoclinic.settings")

import django

django.setup()

from django.core import mail
from django.core.management import call_command
from django.db import connection, transaction
from django.urls import reverse

from mesoclinic.accounts.models import Role
from mesoclinic.accounts.services import add_location, add_staff_member, create_clinic
from mesoclinic.catalog.models import Protocol
from mesoclinic.catalog.services import load_default_catalog
from mesoclinic.notifications.models import ContactPreference, NotificationSettings
from mesoclinic.notifications.services import send_due_notifications
from mesoclinic.patients.models import Patient
from mesoclinic.scheduling.models import Appointment
from mesoclinic.scheduling.services import add_room

PRACTITIONERS, PER_PRACTITIONER = int(os.environ.get("BENCH_P", "50")), 40
NOW = datetime(2026, 6, 10, 10, tzinfo=UTC)


def build() -> int:
    clinic = create_clinic(
        name="Bench Notifications",
        slug=f"bench-notify-{time.time_ns()}",
        timezone="Europe/Warsaw",
        actor=None,
    )
    location = add_location(clinic, name="Main", timezone="Europe/Warsaw", actor=None)
    load_default_catalog(clinic, actor=None)
    NotificationSettings.objects.create(clinic=clinic, quiet_start=clock(0), quiet_end=clock(0))
    protocol = Protocol.objects.filter(clinic=clinic, modality__code="needle").first()
    count = PRACTITIONERS * PER_PRACTITIONER
    with transaction.atomic():
        patients = Patient.objects.bulk_create(
            Patient(
                clinic=clinic,
                given_name=f"Given{n}",
                family_name=f"Family{n}",
                birth_date=date(1980, 1, 1),
                email=f"p{n}@example.org",
            )
            for n in range(count)
        )
        ContactPreference.objects.bulk_create(ContactPreference(patient=p, consent=True) for p in patients)
        appointments = []
        for i in range(PRACTITIONERS):
            staff = add_staff_member(
                clinic,
                username=f"bench-notify-{clinic.pk}-{i}",
                password="bench-password-not-used",  # noqa: S106 — benchmark accounts, never logged in
                role=Role.PRACTITIONER,
                display_name=f"P{i}",
                actor=None,
            )
            room = add_room(location, name=f"Room {i}", modalities=["needle"], actor=None)
            for slot in range(PER_PRACTITIONER):
                starts = NOW + timedelta(hours=3, minutes=60 * slot)
                appointments.append(
                    Appointment(
                        clinic=clinic,
                        location=location,
                        patient=patients[i * PER_PRACTITIONER + slot],
                        protocol=protocol,
                        practitioner=staff,
                        room=room,
                        starts_at=starts,
                        ends_at=starts + timedelta(minutes=30),
                        blocked_until=starts + timedelta(minutes=40),
                    )
                )
        Appointment.objects.bulk_create(appointments)
    return count


def main() -> None:
    call_command("migrate", verbosity=0)
    due = build()
    engine = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite"
    reverse("notifications:log")  # a worker process loads the URL configuration once, on its first run
    began = time.perf_counter()
    first = send_due_notifications(NOW)
    sending = time.perf_counter() - began
    began = time.perf_counter()
    second = send_due_notifications(NOW + timedelta(minutes=5))
    steady = time.perf_counter() - began
    if first.sent != due or second.sent != 0 or len(mail.outbox) != due:
        print(f"# unexpected counts: {first} then {second}, {len(mail.outbox)} e-mails", file=sys.stderr)
        sys.exit(1)
    print(
        f"| notifications: a run sending {due:,} reminders ({engine}, in-memory e-mail) | 1 | {sending:.2f} s"
        f" | {due / sending:.0f} messages/s |"
    )
    print(f"| notifications: the next run, {due:,} already sent ({engine}) | 1 | {steady * 1000:.0f} ms | |")


if __name__ == "__main__":
    main()

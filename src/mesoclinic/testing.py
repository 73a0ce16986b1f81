"""Test factories and personas shared by every app's tests (pytest fixtures live in ``conftest.py``).

Personas, after healthchecks' Alice/Bob/Charlie: in clinic "Rosa" there is an owner, a physician, a
practitioner, a receptionist and an auditor; "Outsider" is a physician of another clinic.
"""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

from django.test import Client

from mesoclinic.accounts.models import Clinic, Role, StaffMember
from mesoclinic.accounts.services import add_location, add_staff_member, create_clinic
from mesoclinic.catalog.services import load_default_catalog
from mesoclinic.patients.models import Patient
from mesoclinic.patients.services import register_patient, update_medical_history
from mesoclinic.safety.services import load_default_rules

PASSWORD = "correct-horse-battery-staple"  # noqa: S105 — test accounts only
_serial = itertools.count(1)


def make_clinic(name: str = "Rosa Aesthetics", *, timezone: str = "Europe/Warsaw") -> Clinic:
    """A clinic with one location, the default catalog and the default screening rules."""
    slug = f"{name.lower().split()[0]}-{next(_serial)}"
    clinic = create_clinic(name=name, slug=slug, timezone=timezone, actor=None)
    add_location(clinic, name="Main", timezone=timezone, actor=None)
    load_default_catalog(clinic, actor=None)
    load_default_rules(clinic, actor=None)
    return clinic


def make_staff(clinic: Clinic, role: Role | str, *, name: str | None = None, **extra: Any) -> StaffMember:
    n = next(_serial)
    return add_staff_member(
        clinic,
        username=f"{role}{n}",
        password=PASSWORD,
        role=role,
        display_name=name or f"{str(role).title()} {n}",
        actor=None,
        **extra,
    )


def make_patient(clinic: Clinic, *, birth_date: date = date(1985, 3, 14), **history: Any) -> Patient:
    """A patient, optionally with a medical history (conditions=, medications=, implants=, allergies=)."""
    n = next(_serial)
    patient = register_patient(
        clinic, actor=None, given_name="Test", family_name=f"Patient{n}", birth_date=birth_date, sex="female"
    )
    if history:
        update_medical_history(patient, actor=None, **history)
        patient.refresh_from_db()
    return patient


def client_for(staff: StaffMember) -> Client:
    client = Client()
    client.force_login(staff.user)
    return client

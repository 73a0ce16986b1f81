"""Fixtures for the whole suite: clinics, the personas, logged-in clients, patients."""

from __future__ import annotations

import pytest

from mesoclinic import testing
from mesoclinic.accounts.models import Clinic, Role, StaffMember


@pytest.fixture
def clinic(db: None) -> Clinic:
    return testing.make_clinic("Rosa Aesthetics")


@pytest.fixture
def other_clinic(db: None) -> Clinic:
    return testing.make_clinic("Other Clinic")


@pytest.fixture
def owner(clinic: Clinic) -> StaffMember:
    return testing.make_staff(clinic, Role.OWNER, name="Olga Owner")


@pytest.fixture
def physician(clinic: Clinic) -> StaffMember:
    return testing.make_staff(clinic, Role.PHYSICIAN, name="Dr Paula Physician", modalities=["needle"])


@pytest.fixture
def practitioner(clinic: Clinic) -> StaffMember:
    return testing.make_staff(
        clinic, Role.PRACTITIONER, name="Nina Nurse", modalities=["needle", "electroporation"]
    )


@pytest.fixture
def receptionist(clinic: Clinic) -> StaffMember:
    return testing.make_staff(clinic, Role.RECEPTIONIST, name="Rita Reception")


@pytest.fixture
def auditor(clinic: Clinic) -> StaffMember:
    return testing.make_staff(clinic, Role.AUDITOR, name="Adam Auditor")


@pytest.fixture
def outsider(other_clinic: Clinic) -> StaffMember:
    return testing.make_staff(other_clinic, Role.PHYSICIAN, name="Oscar Outsider")

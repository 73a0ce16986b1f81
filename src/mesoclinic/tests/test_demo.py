"""The demo clinic: what the issue promises, and idempotent."""

from __future__ import annotations

from datetime import date

import pytest

from mesoclinic.accounts.models import Location, StaffMember
from mesoclinic.catalog.models import Protocol
from mesoclinic.demo import load_demo
from mesoclinic.patients.models import Consent, Patient
from mesoclinic.safety.rules import screen
from mesoclinic.safety.selectors import patient_history, protocol_spec
from mesoclinic.scheduling.models import Appointment, Device, Room

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, ...]:
    return (
        Location.objects.count(),
        StaffMember.objects.count(),
        Room.objects.count(),
        Device.objects.count(),
        Patient.objects.count(),
        Consent.objects.count(),
        Protocol.objects.count(),
        Appointment.objects.count(),
    )


def test_it_builds_the_demo_clinic_and_creates_nothing_twice():
    clinic, logins = load_demo(today=date(2026, 11, 25))
    first = counts()
    load_demo(today=date(2026, 11, 26))
    assert counts() == first
    locations, _, rooms, devices, patients, consents, _, appointments = first
    assert (locations, rooms, devices, patients) == (2, 4, 6, 60)
    assert StaffMember.objects.filter(role__in=["physician", "practitioner"]).count() == 5
    assert consents > 40
    assert appointments > 30
    assert {login.username for login in logins} >= {"owner", "reception"}
    decisions = {
        screen(patient_history(p), protocol_spec(protocol), on=date(2026, 11, 25)).decision
        for p in Patient.objects.filter(clinic=clinic).select_related("medical_history")
        for protocol in Protocol.objects.filter(clinic=clinic, slug__in=["electroporation-glow"])[:1]
        or Protocol.objects.filter(clinic=clinic, modality__code="electroporation")[:1]
    }
    assert decisions == {"ok", "warn", "block"} or decisions >= {"ok", "block"}

"""Shared set-up for the scheduling screens' tests: a bookable location, booked series, fixed times."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from mesoclinic.catalog.models import Modality, Protocol
from mesoclinic.catalog.selectors import get_protocol_for_clinic
from mesoclinic.patients.models import ConsentTemplate, Patient
from mesoclinic.patients.services import publish_consent_template
from mesoclinic.scheduling.models import Course
from mesoclinic.scheduling.selectors import propose_series
from mesoclinic.scheduling.services import book_series
from mesoclinic.testing import make_patient

WARSAW = ZoneInfo("Europe/Warsaw")
MONDAY = datetime(2031, 3, 3, 9, 0, tzinfo=WARSAW)
NEEDLE = "needle-hydration-face"  # 4 sessions, every 14 days ± 2, 30 + 15 minutes
ELECTROPORATION = "electroporation-glow"  # 6 sessions, every 7 days ± 2, 30 + 10 minutes


def protocol(clinic: Any, slug: str = NEEDLE) -> Protocol:
    return get_protocol_for_clinic(clinic, slug)


def book(
    clinic: Any,
    location: Any,
    *,
    slug: str = NEEDLE,
    patient: Patient | None = None,
    earliest: datetime = MONDAY,
) -> Course:
    """Book the proposed series for a (new, healthy) patient."""
    chosen = protocol(clinic, slug)
    proposal = propose_series(location, chosen, earliest=earliest)
    assert proposal.feasible, proposal.reason
    return book_series(patient or make_patient(clinic), chosen, location, proposal.sessions, actor=None)


def consent_template(clinic: Any, modality: str = "needle") -> ConsentTemplate:
    return publish_consent_template(
        clinic,
        modality=Modality.objects.get(clinic=clinic, code=modality),
        title="Consent to needle mesotherapy",
        body="I understand the risks: bruising, swelling, infection.",
        actor=None,
    )

"""Scheduling set-up for any app's tests: protocols, booked series, courses, JSON calls, fixed times."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.test import Client
from django.utils import timezone

from mesoclinic.catalog.models import Cocktail, Modality, Protocol
from mesoclinic.catalog.selectors import get_protocol_for_clinic
from mesoclinic.patients.models import ConsentTemplate, Patient
from mesoclinic.patients.services import publish_consent_template, register_patient
from mesoclinic.scheduling.models import Course
from mesoclinic.scheduling.selectors import propose_series
from mesoclinic.scheduling.services import book_series
from mesoclinic.testing import make_patient, make_signed_session, take_history
from mesoclinic.treatments.models import SessionRecord

WARSAW = ZoneInfo("Europe/Warsaw")
MONDAY = datetime(2031, 3, 3, 9, 0, tzinfo=WARSAW)
NEEDLE = "needle-hydration-face"  # 4 sessions, every 14 days ± 2, 30 + 15 minutes
ELECTROPORATION = "electroporation-glow"  # 6 sessions, every 7 days ± 2, 30 + 10 minutes


def protocol(clinic: Any, slug: str = NEEDLE) -> Protocol:
    return get_protocol_for_clinic(clinic, slug)


def protocol_for_modality(clinic: Any, modality: str = "electroporation") -> Protocol:
    """The clinic's first protocol (by slug) of ``modality``."""
    found = Protocol.objects.filter(clinic=clinic, modality__code=modality).order_by("slug").first()
    assert found is not None
    return found


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


def call(client: Client, method: str, url: str, data: Any = None) -> Any:
    """A JSON request to the API."""
    body = json.dumps(data) if data is not None else None
    return getattr(client, method)(url, data=body, content_type="application/json")


def next_monday(hour: int = 10, *, weeks_ahead: int = 1) -> datetime:
    """A Monday at ``hour`` Warsaw time, ``weeks_ahead`` weeks after this week's (always in the future)."""
    today = timezone.now().astimezone(WARSAW).date()
    monday = today - timedelta(days=today.weekday()) + timedelta(weeks=weeks_ahead)
    return datetime(monday.year, monday.month, monday.day, hour, tzinfo=WARSAW)


def named_patient(clinic: Any, given_name: str, family_name: str) -> Any:
    """A patient of that name whose history was taken (nothing to report)."""
    patient = register_patient(
        clinic,
        actor=None,
        given_name=given_name,
        family_name=family_name,
        birth_date=date(1985, 12, 10),
        sex="female",
    )
    return take_history(patient)


def make_completed_course(
    patient: Patient,
    practitioner: Any,
    starts: datetime,
    *,
    modality: str = "needle",
    cocktail_code: str | None = None,
    sessions: int = 2,
    status: str = Course.Status.COMPLETED,
) -> Course:
    """A course of ``sessions`` signed sessions 28 days apart from ``starts``, with its cocktail if given
    (straight to the tables)."""
    first_protocol = Protocol.objects.filter(clinic=patient.clinic).order_by("pk").first()
    assert first_protocol is not None
    course = Course.objects.create(
        clinic=patient.clinic,
        patient=patient,
        protocol=first_protocol,
        modality=modality,
        sessions=sessions,
        interval_days=28,
        tolerance_days=3,
        maintenance_interval_months=6,
        status=status,
    )
    cocktail = Cocktail.objects.get(clinic=patient.clinic, code=cocktail_code) if cocktail_code else None
    records = [
        make_signed_session(
            patient, practitioner, performed_at=starts + timedelta(days=28 * i), modality=modality
        )
        for i in range(sessions)
    ]
    # Factory: straight to the table (a signed record's save refuses changes; this is test set-up).
    SessionRecord.objects.filter(pk__in=[r.pk for r in records]).update(course=course, cocktail=cocktail)
    return course

"""Shared helpers for the scheduling API and calendar tests: JSON calls, the protocols used, fixed times."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.test import Client
from django.utils import timezone

from mesoclinic.catalog.models import Protocol
from mesoclinic.patients.services import register_patient
from mesoclinic.testing import take_history

WARSAW = ZoneInfo("Europe/Warsaw")
MONDAY = datetime(2031, 3, 3, 9, 0, tzinfo=WARSAW)


def call(client: Client, method: str, url: str, data: Any = None) -> Any:
    body = json.dumps(data) if data is not None else None
    return getattr(client, method)(url, data=body, content_type="application/json")


def protocol(clinic: Any, modality: str = "electroporation") -> Protocol:
    found = Protocol.objects.filter(clinic=clinic, modality__code=modality).order_by("slug").first()
    assert found is not None
    return found


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

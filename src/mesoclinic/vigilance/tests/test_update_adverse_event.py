"""Correcting a reported adverse event keeps every version with who and why."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from mesoclinic.testing import make_lot, make_patient
from mesoclinic.testing.vigilance import make_event
from mesoclinic.vigilance.services import update_adverse_event


def test_it_changes_the_fields_and_keeps_the_old_version(clinic, physician):
    event = make_event(make_patient(clinic))
    update_adverse_event(event, severity="moderate", reason="Reassessed", actor=physician.user)
    event.refresh_from_db()
    assert event.severity == "moderate"
    latest = event.history.first()
    assert (latest.history_change_reason, latest.history_user) == ("Reassessed", physician.user)
    assert event.history.count() == 2


def test_it_relinks_lots(clinic, physician):
    event = make_event(make_patient(clinic))
    lot = make_lot(clinic)
    update_adverse_event(event, lots=[lot], reason="Lot found", actor=physician.user)
    event.refresh_from_db()
    assert list(event.lots.all()) == [lot]


def test_it_needs_a_reason(clinic, physician):
    event = make_event(make_patient(clinic))
    with pytest.raises(ValidationError):
        update_adverse_event(event, severity="serious", reason="", actor=physician.user)
    event.refresh_from_db()
    assert event.severity == "mild"


def test_it_refuses_an_unknown_category(clinic, physician):
    event = make_event(make_patient(clinic))
    with pytest.raises(ValidationError):
        update_adverse_event(event, category="bad", reason="x", actor=physician.user)

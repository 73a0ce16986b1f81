"""Following an adverse event up: the outcome moves with each entry; recovery closes it."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from mesoclinic.audit.models import AuditEvent
from mesoclinic.testing import make_patient
from mesoclinic.testing.vigilance import make_event
from mesoclinic.vigilance.services import add_follow_up


def test_it_sets_the_events_outcome(clinic, physician):
    event = make_event(make_patient(clinic))
    add_follow_up(event, note="Better", outcome="recovering", actor=physician.user)
    event.refresh_from_db()
    assert (event.outcome, event.closed_at) == ("recovering", None)


def test_it_closes_on_recovery(clinic, physician):
    event = make_event(make_patient(clinic))
    add_follow_up(event, note="Gone", outcome="recovered", actor=physician.user)
    event.refresh_from_db()
    assert event.closed_at is not None


def test_it_closes_when_asked(clinic, physician):
    event = make_event(make_patient(clinic))
    add_follow_up(event, note="Lost to follow-up", outcome="unknown", close=True, actor=physician.user)
    event.refresh_from_db()
    assert event.closed_at is not None


def test_it_reopens_a_closed_event_that_is_not_over(clinic, physician):
    event = make_event(make_patient(clinic))
    add_follow_up(event, note="Gone", outcome="recovered", actor=physician.user)
    add_follow_up(event, note="Back again", outcome="ongoing", actor=physician.user)
    event.refresh_from_db()
    assert event.closed_at is None


def test_it_refuses_an_empty_note(clinic, physician):
    event = make_event(make_patient(clinic))
    with pytest.raises(ValidationError):
        add_follow_up(event, note="  ", outcome="recovered", actor=physician.user)
    event.refresh_from_db()
    assert event.follow_ups.count() == 0


def test_it_writes_an_audit_row(clinic, physician):
    event = make_event(make_patient(clinic))
    add_follow_up(event, note="Better", outcome="recovering", actor=physician.user)
    assert AuditEvent.objects.filter(action="adverse_event.follow_up", object_id=str(event.pk)).exists()

"""services.add_time_off / remove_time_off: leave and other absences make a practitioner unbookable."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from mesoclinic.audit.models import AuditEvent
from mesoclinic.catalog.models import Protocol
from mesoclinic.scheduling.models import TimeOff
from mesoclinic.scheduling.selectors import available_starts, propose_series
from mesoclinic.scheduling.services import add_time_off, remove_time_off

pytestmark = pytest.mark.django_db
WARSAW = ZoneInfo("Europe/Warsaw")
MONDAY = datetime(2031, 3, 3, 9, 0, tzinfo=WARSAW)


@pytest.fixture
def ep(clinic):
    return Protocol.objects.filter(clinic=clinic, modality__code="electroporation").order_by("slug").first()


def monday_starts(setup, ep):
    return [c.start for c in available_starts(setup.location, ep, MONDAY, MONDAY + timedelta(hours=8))]


def test_it_makes_the_practitioner_unbookable_and_removing_it_gives_the_time_back(setup, ep):
    assert MONDAY in monday_starts(setup, ep)  # kept at this version
    off = add_time_off(setup.practitioner, starts_at=MONDAY, ends_at=MONDAY + timedelta(days=1), actor=None)
    assert monday_starts(setup, ep) == []
    assert propose_series(setup.location, ep, earliest=MONDAY).sessions[0].start.date() > MONDAY.date()
    remove_time_off(off, actor=None)
    assert MONDAY in monday_starts(setup, ep)
    assert not TimeOff.objects.filter(pk=off.pk).exists()


def test_it_refuses_an_empty_or_inverted_interval(setup):
    for ends_at in (MONDAY, MONDAY - timedelta(minutes=1)):
        with pytest.raises(ValidationError) as error:
            add_time_off(setup.practitioner, starts_at=MONDAY, ends_at=ends_at, actor=None)
        assert "ends_at" in error.value.message_dict
    assert not TimeOff.objects.exists()


def test_it_keeps_the_reason_and_records_who_did_it(clinic, setup, owner):
    off = add_time_off(
        setup.practitioner,
        starts_at=MONDAY,
        ends_at=MONDAY + timedelta(days=5),
        reason="  Annual leave ",
        actor=owner.user,
    )
    off.refresh_from_db()
    assert off.reason == "Annual leave"
    remove_time_off(off, actor=owner.user)
    events = AuditEvent.objects.filter(clinic=clinic, action__startswith="time_off.").order_by("id")
    assert [(e.action, e.actor, e.data["staff"]) for e in events] == [
        ("time_off.create", owner.user, setup.practitioner.pk),
        ("time_off.delete", owner.user, setup.practitioner.pk),
    ]

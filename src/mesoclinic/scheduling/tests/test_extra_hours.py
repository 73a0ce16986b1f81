"""services.add_extra_hours / remove_extra_hours: a practitioner bookable outside their weekly hours.

The fixture's location is open Mon–Sat 08:00–20:00; its practitioner works Mon–Fri 09:00–17:00.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from mesoclinic.accounts.models import Role
from mesoclinic.audit.models import AuditEvent
from mesoclinic.catalog.models import Protocol
from mesoclinic.scheduling.models import ExtraHours, Holiday, WorkingHours
from mesoclinic.scheduling.selectors import SessionChoice, available_starts, propose_series
from mesoclinic.scheduling.services import add_extra_hours, add_time_off, book_series, remove_extra_hours
from mesoclinic.testing import make_patient, make_staff

pytestmark = pytest.mark.django_db
WARSAW = ZoneInfo("Europe/Warsaw")
SATURDAY = datetime(2031, 3, 8, 9, 0, tzinfo=WARSAW)
SUNDAY = SATURDAY + timedelta(days=1)


@pytest.fixture
def ep(clinic):
    return (
        Protocol.objects.select_related("modality")
        .filter(clinic=clinic, modality__code="electroporation")
        .order_by("slug")
        .first()
    )


def starts_on(setup, protocol, day_start):
    day = day_start.replace(hour=0)
    return [c.start for c in available_starts(setup.location, protocol, day, day + timedelta(days=1))]


def saturday_clinic(setup):
    return add_extra_hours(
        setup.practitioner,
        setup.location,
        starts_at=SATURDAY,
        ends_at=SATURDAY + timedelta(hours=4),
        reason="Saturday clinic",
        actor=None,
    )


def test_it_makes_a_saturday_slot_bookable(clinic, setup, ep):
    assert starts_on(setup, ep, SATURDAY) == []
    saturday_clinic(setup)
    starts = starts_on(setup, ep, SATURDAY)
    occupied = timedelta(minutes=ep.session_minutes + ep.buffer_minutes)
    assert starts[0] == SATURDAY
    end = SATURDAY + timedelta(hours=4)
    assert starts[-1] + occupied <= end < starts[-1] + occupied + timedelta(minutes=15)  # the last grid start
    proposal = propose_series(setup.location, ep, earliest=SATURDAY)
    assert proposal.sessions[0].start == SATURDAY


def test_a_series_can_be_booked_in_them(clinic, setup, ep):
    saturday_clinic(setup)
    sessions = list(propose_series(setup.location, ep, earliest=SATURDAY).sessions)
    assert sessions[0].start == SATURDAY
    course = book_series(make_patient(clinic), ep, setup.location, sessions, actor=None)
    first = course.appointments.get(session_index=1)
    assert first.starts_at == SATURDAY and first.practitioner == setup.practitioner


def test_time_off_inside_them_removes_the_slot(clinic, setup, ep):
    saturday_clinic(setup)
    add_time_off(
        setup.practitioner,
        starts_at=SATURDAY + timedelta(hours=1),
        ends_at=SATURDAY + timedelta(hours=2),
        actor=None,
    )
    starts = starts_on(setup, ep, SATURDAY)
    assert SATURDAY in starts
    assert SATURDAY + timedelta(hours=1) not in starts
    assert SATURDAY + timedelta(hours=2) in starts
    occupied = timedelta(minutes=ep.session_minutes + ep.buffer_minutes)
    off = (SATURDAY + timedelta(hours=1), SATURDAY + timedelta(hours=2))
    assert not [s for s in starts if s < off[1] and s + occupied > off[0]]


def test_the_location_must_be_open_too(clinic, setup, ep):
    """Rooms and devices keep the opening hours: extra hours on a closed Sunday or a holiday book nothing."""
    add_extra_hours(
        setup.practitioner, setup.location, starts_at=SUNDAY, ends_at=SUNDAY + timedelta(hours=4), actor=None
    )
    assert starts_on(setup, ep, SUNDAY) == []
    saturday_clinic(setup)
    Holiday.objects.create(location=setup.location, date=SATURDAY.date(), name="Closed")
    assert starts_on(setup, ep, SATURDAY) == []


def test_a_practitioner_with_only_extra_hours_at_a_location_can_be_booked_there(clinic, setup, ep):
    locum = make_staff(clinic, Role.PRACTITIONER, name="Lena Locum", modalities=["electroporation"])
    assert not WorkingHours.objects.filter(staff=locum).exists()
    WorkingHours.objects.filter(staff=setup.practitioner).delete()
    add_extra_hours(
        locum, setup.location, starts_at=SATURDAY, ends_at=SATURDAY + timedelta(hours=2), actor=None
    )
    choices = available_starts(setup.location, ep, SATURDAY, SATURDAY + timedelta(hours=2))
    assert choices and {c.practitioner for c in choices} == {locum}


def test_adding_and_removing_them_invalidate_the_kept_index(clinic, setup, ep):
    assert starts_on(setup, ep, SATURDAY) == []  # kept at this version
    extra = saturday_clinic(setup)
    assert SATURDAY in starts_on(setup, ep, SATURDAY)
    remove_extra_hours(extra, actor=None)
    assert starts_on(setup, ep, SATURDAY) == []
    assert not ExtraHours.objects.filter(pk=extra.pk).exists()


def test_it_refuses_an_empty_inverted_or_overlong_interval(setup):
    for ends_at in (SATURDAY, SATURDAY - timedelta(hours=1), SATURDAY + timedelta(hours=25)):
        with pytest.raises(ValidationError) as error:
            add_extra_hours(
                setup.practitioner, setup.location, starts_at=SATURDAY, ends_at=ends_at, actor=None
            )
        assert "ends_at" in error.value.message_dict
    assert not ExtraHours.objects.exists()


def test_it_refuses_a_location_of_another_clinic(setup, other_clinic):
    elsewhere = other_clinic.locations.get()
    with pytest.raises(ValidationError):
        add_extra_hours(
            setup.practitioner,
            elsewhere,
            starts_at=SATURDAY,
            ends_at=SATURDAY + timedelta(hours=1),
            actor=None,
        )
    assert not ExtraHours.objects.exists()


def test_it_records_who_added_and_removed_them(clinic, setup, owner):
    extra = add_extra_hours(
        setup.practitioner,
        setup.location,
        starts_at=SATURDAY,
        ends_at=SATURDAY + timedelta(hours=4),
        actor=owner.user,
    )
    remove_extra_hours(extra, actor=owner.user)
    events = AuditEvent.objects.filter(clinic=clinic, action__startswith="extra_hours.").order_by("id")
    assert [(e.action, e.actor) for e in events] == [
        ("extra_hours.create", owner.user),
        ("extra_hours.delete", owner.user),
    ]
    assert events[0].data["starts_at"] == SATURDAY.isoformat()


def test_the_booking_check_honours_them(clinic, setup, ep):
    """``check_sessions_fit`` reads the same hours as the planner: sessions in them are accepted."""
    assert ep.interval_days - ep.tolerance_days <= 7 <= ep.interval_days + ep.tolerance_days
    saturday_clinic(setup)
    sessions = [
        SessionChoice(SATURDAY + timedelta(days=7 * n), setup.practitioner, setup.room, setup.device)
        for n in range(ep.sessions)
    ]
    for n in range(1, ep.sessions):
        add_extra_hours(
            setup.practitioner,
            setup.location,
            starts_at=sessions[n].start,
            ends_at=sessions[n].start + timedelta(hours=2),
            actor=None,
        )
    course = book_series(make_patient(clinic), ep, setup.location, sessions, actor=None)
    assert course.appointments.count() == ep.sessions
    assert time(9) == course.appointments.get(session_index=1).starts_at.astimezone(WARSAW).time()

"""Each location's free-time index is kept per process and reused while its schedule version is unchanged."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from mesoclinic.accounts.models import Location, Role
from mesoclinic.catalog.models import Protocol
from mesoclinic.scheduling.models import OpeningHours, ScheduleVersion, TimeOff, WorkingHours
from mesoclinic.scheduling.selectors import available_starts, propose_series
from mesoclinic.scheduling.services import (
    add_device,
    add_room,
    book_series,
    cancel_appointment,
    reschedule_appointment,
)
from mesoclinic.testing import checked_in, make_patient, make_staff, no_show

pytestmark = pytest.mark.django_db
WARSAW = ZoneInfo("Europe/Warsaw")
MONDAY = datetime(2031, 3, 3, 9, 0, tzinfo=WARSAW)


@pytest.fixture
def ep(clinic):
    return (
        Protocol.objects.select_related("modality")
        .filter(clinic=clinic, modality__code="electroporation")
        .first()
    )


def queries(fn):
    with CaptureQueriesContext(connection) as captured:
        result = fn()
    return result, len(captured)


def first_start(location, protocol):
    proposal = propose_series(location, protocol, earliest=MONDAY)
    assert proposal.feasible
    return proposal.sessions[0].start


def book_first(clinic, setup, protocol):
    sessions = propose_series(setup.location, protocol, earliest=MONDAY).sessions
    course = book_series(make_patient(clinic), protocol, setup.location, sessions, actor=None)
    return course.appointments.order_by("session_index").first()


def test_a_second_proposal_reuses_the_index_with_one_query(setup, ep):
    first, cold = queries(lambda: propose_series(setup.location, ep, earliest=MONDAY))
    second, warm = queries(
        lambda: propose_series(setup.location, ep, earliest=MONDAY, practitioner=setup.practitioner)
    )
    assert first.feasible and second.feasible
    assert cold >= 9
    assert warm == 1  # the schedule version
    assert second.sessions == first.sessions


def test_other_days_grow_the_kept_index_and_then_reuse_it(setup, ep):
    months = [(MONDAY + timedelta(days=30 * n), MONDAY + timedelta(days=30 * (n + 1))) for n in range(8)]
    counts = [
        queries(lambda lo=lo, hi=hi: available_starts(setup.location, ep, lo, hi))[1] for lo, hi in months
    ]
    assert sum(c > 1 for c in counts) <= 4  # rebuilt for months 1, 2, 3 and 5, not for every month
    assert all(
        queries(lambda lo=lo, hi=hi: available_starts(setup.location, ep, lo, hi))[1] == 1
        for lo, hi in months
    )


def test_available_starts_reuse_it_too_and_give_the_same_answer(setup, ep):
    lo, hi = MONDAY, MONDAY + timedelta(days=7)
    cold_answer, cold = queries(lambda: available_starts(setup.location, ep, lo, hi))
    warm_answer, warm = queries(lambda: available_starts(setup.location, ep, lo, hi))
    assert cold_answer == warm_answer and cold_answer
    assert warm == 1 < cold


def test_a_booking_invalidates_it(clinic, setup, ep):
    assert first_start(setup.location, ep) == MONDAY
    before = available_starts(setup.location, ep, MONDAY, MONDAY + timedelta(days=1))
    booked = book_first(clinic, setup, ep)
    assert booked.starts_at == MONDAY
    assert first_start(setup.location, ep) > MONDAY
    after = available_starts(setup.location, ep, MONDAY, MONDAY + timedelta(days=1))
    assert MONDAY in [c.start for c in before] and MONDAY not in [c.start for c in after]


def test_cancelling_and_rescheduling_invalidate_it(clinic, setup, ep):
    booked = book_first(clinic, setup, ep)
    assert first_start(setup.location, ep) > MONDAY
    later = MONDAY + timedelta(hours=3)
    reschedule_appointment(booked, start=later, actor=None)
    assert first_start(setup.location, ep) == MONDAY  # the old time is free again
    taken = [c.start for c in available_starts(setup.location, ep, MONDAY, MONDAY + timedelta(days=1))]
    assert MONDAY in taken and later not in taken
    cancel_appointment(booked, reason="test", actor=None)
    free = [c.start for c in available_starts(setup.location, ep, MONDAY, MONDAY + timedelta(days=1))]
    assert later in free


def test_time_off_written_directly_invalidates_it(setup, ep):
    assert first_start(setup.location, ep) == MONDAY
    TimeOff.objects.create(
        staff=setup.practitioner, starts_at=MONDAY - timedelta(hours=9), ends_at=MONDAY + timedelta(hours=15)
    )
    assert first_start(setup.location, ep).date() > MONDAY.date()


def test_hours_written_directly_invalidate_it(setup, ep):
    assert first_start(setup.location, ep) == MONDAY
    WorkingHours.objects.filter(
        staff=setup.practitioner, weekday=0
    ).delete()  # a queryset delete: signals too
    assert first_start(setup.location, ep).weekday() != 0


def test_a_rolled_back_write_leaves_no_stale_index(clinic, setup, ep):
    with pytest.raises(RuntimeError), transaction.atomic():
        book_first(clinic, setup, ep)
        assert first_start(setup.location, ep) > MONDAY  # kept at the uncommitted version
        raise RuntimeError
    assert first_start(setup.location, ep) == MONDAY
    book_first(clinic, setup, ep)  # the same version number again, committed: a different stamp
    assert first_start(setup.location, ep) > MONDAY


def test_locations_do_not_share_entries(clinic, setup, ep):
    assert first_start(setup.location, ep) == MONDAY
    other = Location.objects.create(clinic=clinic, name="Second site", timezone="Europe/Warsaw")
    assert ScheduleVersion.objects.filter(location=other).exists()
    for weekday in range(6):
        OpeningHours.objects.create(location=other, weekday=weekday, starts=time(8), ends=time(20))
    member = make_staff(clinic, Role.PRACTITIONER, name="Olga Other", modalities=["electroporation"])
    WorkingHours.objects.create(staff=member, location=other, weekday=1, starts=time(12), ends=time(16))
    room = add_room(other, name="Room B", modalities=["electroporation"], actor=None)
    add_device(other, name="EP-B", modality="electroporation", actor=None)
    proposal, count = queries(lambda: propose_series(other, ep, earliest=MONDAY))
    assert count > 1
    assert proposal.sessions[0].start == MONDAY + timedelta(days=1, hours=3)  # Tuesday 12:00
    assert proposal.sessions[0].room == room and proposal.sessions[0].practitioner == member
    assert first_start(setup.location, ep) == MONDAY


def test_a_reschedule_view_excludes_its_own_appointment_without_the_cache(clinic, setup, ep):
    booked = book_first(clinic, setup, ep)
    day = (MONDAY, MONDAY + timedelta(days=1))
    assert MONDAY not in [c.start for c in available_starts(setup.location, ep, *day)]
    own = available_starts(setup.location, ep, *day, exclude_appointments=[booked.pk])
    assert MONDAY in [c.start for c in own]
    assert MONDAY not in [c.start for c in available_starts(setup.location, ep, *day)]


def test_checking_in_and_completing_keep_the_index_but_a_no_show_frees_the_time(clinic, setup, ep):
    booked = book_first(clinic, setup, ep)
    day = (MONDAY, MONDAY + timedelta(days=1))
    available_starts(setup.location, ep, *day)
    checked_in(booked)
    answer, count = queries(lambda: available_starts(setup.location, ep, *day))
    assert count == 1 and MONDAY not in [c.start for c in answer]
    no_show(booked)
    answer, count = queries(lambda: available_starts(setup.location, ep, *day))
    assert count > 1 and MONDAY in [c.start for c in answer]

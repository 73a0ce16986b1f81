"""Writes of other processes reach this process's kept free-time indexes through the change feed: the
index is patched with the feed's rows and equals one rebuilt from the database, and a change it cannot
read in full (missed, pruned, unknown, or a write that leaves no row) makes it rebuild.

Inside a test's transaction no on-commit callback runs, so this process's own patch never happens: every
write here reaches the kept index only through the feed, as another process's write would.
"""

from __future__ import annotations

import random
import sys
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings

from mesoclinic.catalog.models import Protocol
from mesoclinic.scheduling.engine import ClinicIndex
from mesoclinic.scheduling.models import Appointment, AppointmentStatus, ScheduleChange, TimeOff
from mesoclinic.scheduling.selectors import (
    available_starts,
    engine_clinic,
    index_cache,
    location_timezone,
    propose_series,
    schedule_token,
)
from mesoclinic.scheduling.services import (
    BookingError,
    book_series,
    cancel_appointment,
    prune_schedule_changes,
    reschedule_appointment,
)
from mesoclinic.testing import make_patient, no_show

pytestmark = pytest.mark.django_db
WARSAW = ZoneInfo("Europe/Warsaw")
MONDAY = datetime(2031, 3, 3, 9, 0, tzinfo=WARSAW)


@pytest.fixture
def protocols(clinic):
    return protocols_of(clinic)


def protocols_of(clinic):
    found = {
        code: Protocol.objects.select_related("modality")
        .filter(clinic=clinic, modality__code=code)
        .order_by("slug")
        .first()
        for code in ("electroporation", "needle")
    }
    assert all(found.values())
    return found


def queries(fn):
    with CaptureQueriesContext(connection) as captured:
        result = fn()
    return result, len(captured)


def read_all(location, protocols):
    """A proposal per modality (what brings each kept index up to date); the query count of each."""
    counts = []
    for code in sorted(protocols):
        proposal, count = queries(
            lambda code=code: propose_series(location, protocols[code], earliest=MONDAY)
        )
        assert proposal.feasible
        counts.append(count)
    return counts


def kept_now(location):
    return index_cache.kept_at(location.pk, schedule_token(location))


def differences_from_a_rebuild(location):
    """The modalities whose kept, current index differs from one built from the database now."""
    entries = kept_now(location)
    assert entries
    tz = location_timezone(location)
    differ = []
    for (_, modality, _), entry in entries:
        window = (
            datetime.combine(entry.first - timedelta(days=1), time(), tz),
            datetime.combine(entry.last + timedelta(days=2), time(), tz),
        )
        clinic, _ = engine_clinic(location, modality, window=window)
        if dict(entry.index.free) != dict(ClinicIndex.build(clinic, entry.first, entry.last).free):
            differ.append(modality)
    return differ


def random_write(rng, clinic, location, protocols, born=date(1985, 3, 14)):
    """Book a series (for a new patient born on ``born``), cancel, move or mark a no-show, drawn with
    ``rng``; returns what it did."""
    booked = list(
        Appointment.objects.filter(location=location, status=AppointmentStatus.BOOKED).order_by("pk")
    )
    what = rng.choice(["book", "book", "cancel", "move", "no_show"] if booked else ["book"])
    try:
        if what == "book":
            protocol = protocols[rng.choice(sorted(protocols))]
            earliest = MONDAY + timedelta(days=rng.randrange(0, 10), hours=rng.randrange(0, 8))
            proposal = propose_series(location, protocol, earliest=earliest)
            if not proposal.feasible:
                return "full"
            book_series(
                make_patient(clinic, birth_date=born), protocol, location, proposal.sessions, actor=None
            )
        elif what == "cancel":
            cancel_appointment(rng.choice(booked), reason="test", actor=None)
        elif what == "no_show":
            no_show(rng.choice(booked))
        else:
            appointment = rng.choice(booked)
            day = appointment.starts_at.astimezone(WARSAW).replace(hour=0, minute=0)
            free = available_starts(
                location,
                appointment.protocol,
                day,
                day + timedelta(days=1),
                exclude_appointments=[appointment.pk],
            )
            if not free:
                return "no room to move"
            reschedule_appointment(appointment, start=rng.choice(free).start, actor=None)
    except BookingError:  # taken meanwhile by another process, or a series' spacing refuses: nothing written
        return "refused"
    return what


@pytest.mark.parametrize("seed", [1, 2])
def test_another_process_writes_reach_the_kept_indexes_as_patches(seed, clinic, setup, protocols):
    rng = random.Random(seed)  # noqa: S311 — reproducible test operations, not secrets
    read_all(setup.location, protocols)
    done = []
    for _ in range(10):
        done.append(random_write(rng, clinic, setup.location, protocols))
        counts = read_all(setup.location, protocols)
        assert differences_from_a_rebuild(setup.location) == [], done
        assert len(kept_now(setup.location)) == 2
        if done[-1] in {"book", "cancel", "move", "no_show"}:
            assert counts == [2, 2], done  # the version and the feed's rows: patched, not rebuilt
    assert {"book", "cancel"} <= set(done)


def test_a_proposal_after_a_booking_elsewhere_avoids_the_booked_time(clinic, setup, protocols):
    ep = protocols["electroporation"]
    read_all(setup.location, protocols)
    sessions = propose_series(setup.location, ep, earliest=MONDAY).sessions
    book_series(make_patient(clinic), ep, setup.location, sessions, actor=None)
    change = ScheduleChange.objects.get(location=setup.location)
    assert (change.version, change.stamp) == schedule_token(setup.location)
    assert len(change.added) == len(sessions) and change.removed == []
    proposal, count = queries(lambda: propose_series(setup.location, ep, earliest=MONDAY))
    assert count == 2
    assert proposal.sessions[0].start > MONDAY


def book_twice(clinic, setup, protocols):
    """Two bookings by "another process": this one's kept indexes are left at the version before both."""
    kept = kept_now(setup.location)
    ep = protocols["electroporation"]
    for _ in range(2):
        sessions = propose_series(setup.location, ep, earliest=MONDAY).sessions
        book_series(make_patient(clinic), ep, setup.location, sessions, actor=None)
    for key, entry in kept:
        index_cache.put(key, entry)


def test_a_missed_change_makes_the_reader_rebuild(clinic, setup, protocols):
    read_all(setup.location, protocols)
    book_twice(clinic, setup, protocols)
    ScheduleChange.objects.filter(location=setup.location).order_by("version").first().delete()
    counts = read_all(setup.location, protocols)
    assert min(counts) > 2  # rebuilt
    assert differences_from_a_rebuild(setup.location) == []


def test_an_unknown_kind_of_change_makes_the_reader_rebuild(clinic, setup, protocols):
    read_all(setup.location, protocols)
    book_twice(clinic, setup, protocols)
    ScheduleChange.objects.filter(location=setup.location).update(kind="hours")
    assert min(read_all(setup.location, protocols)) > 2
    assert differences_from_a_rebuild(setup.location) == []


def test_a_garbled_change_makes_the_reader_rebuild(clinic, setup, protocols):
    read_all(setup.location, protocols)
    book_twice(clinic, setup, protocols)
    ScheduleChange.objects.filter(location=setup.location).update(added=[["x"]])
    assert min(read_all(setup.location, protocols)) > 2
    assert differences_from_a_rebuild(setup.location) == []


def test_a_write_that_leaves_no_change_row_makes_the_reader_rebuild(clinic, setup, protocols):
    read_all(setup.location, protocols)
    TimeOff.objects.create(  # its signal moves the version; hours and leave are not patched
        staff=setup.practitioner, starts_at=MONDAY - timedelta(days=1), ends_at=MONDAY + timedelta(days=14)
    )
    assert not ScheduleChange.objects.exists()
    assert min(read_all(setup.location, protocols)) > 2
    assert differences_from_a_rebuild(setup.location) == []


def test_a_reader_too_far_behind_rebuilds(clinic, setup, protocols, monkeypatch):
    read_all(setup.location, protocols)
    book_twice(clinic, setup, protocols)
    # The package re-exports the cache under the module's name: patch the module itself.
    monkeypatch.setattr(sys.modules["mesoclinic.scheduling.selectors.index_cache"], "FEED_MAX_CHANGES", 1)
    assert min(read_all(setup.location, protocols)) > 2
    assert differences_from_a_rebuild(setup.location) == []


@override_settings(SCHEDULE_CHANGES_KEEP_HOURS=24)
def test_pruning_deletes_the_rows_older_than_the_kept_hours(clinic, setup, protocols):
    with time_machine.travel(datetime(2031, 3, 1, 12, tzinfo=WARSAW), tick=False):
        read_all(setup.location, protocols)
        book_twice(clinic, setup, protocols)
    with time_machine.travel(datetime(2031, 3, 2, 11, tzinfo=WARSAW), tick=False):
        cancel_appointment(Appointment.objects.order_by("pk").first(), reason="test", actor=None)
    with time_machine.travel(datetime(2031, 3, 2, 13, tzinfo=WARSAW), tick=False):
        assert prune_schedule_changes.call() == 2
    assert ScheduleChange.objects.count() == 1

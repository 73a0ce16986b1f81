"""A write of this process patches its kept free-time indexes on commit instead of dropping them: the
patched index must equal one rebuilt from the database, and any write it did not make forces a rebuild."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from mesoclinic.catalog.models import Protocol
from mesoclinic.scheduling.engine import ClinicIndex
from mesoclinic.scheduling.models import (
    Appointment,
    AppointmentStatus,
    ScheduleVersion,
    TimeOff,
    new_stamp,
)
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
    reschedule_appointment,
)
from mesoclinic.testing import (
    checked_in,
    make_patient,
    make_staff,
    no_show,
    treated_elsewhere,
)

pytestmark = pytest.mark.django_db
WARSAW = ZoneInfo("Europe/Warsaw")
MONDAY = datetime(2031, 3, 3, 9, 0, tzinfo=WARSAW)


@pytest.fixture
def protocols(clinic):
    found = {
        code: Protocol.objects.select_related("modality")
        .filter(clinic=clinic, modality__code=code)
        .order_by("slug")
        .first()
        for code in ("electroporation", "needle")
    }
    assert all(found.values())
    return found


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a write as if its transaction committed: its on-commit callbacks (the patch) run after it."""

    def run(fn):
        with django_capture_on_commit_callbacks(execute=True):
            return fn()

    return run


def queries(fn):
    with CaptureQueriesContext(connection) as captured:
        result = fn()
    return result, len(captured)


def kept_now(location):
    """The location's kept entries that are current (at its committed version)."""
    return index_cache.kept_at(location.pk, schedule_token(location))


def assert_equals_a_rebuild(location, entries):
    """Each kept entry's free time equals the one built from the database now, over the same days."""
    assert entries
    tz = location_timezone(location)
    for (_, modality, _), entry in entries:
        window = (
            datetime.combine(entry.first - timedelta(days=1), time(), tz),
            datetime.combine(entry.last + timedelta(days=2), time(), tz),
        )
        clinic, _ = engine_clinic(location, modality, window=window)
        rebuilt = ClinicIndex.build(clinic, entry.first, entry.last)
        assert dict(entry.index.free) == dict(rebuilt.free), modality


def warm(setup, protocols):
    """Keep an index per modality covering the weeks the operations touch (one query each after this)."""
    for protocol in protocols.values():
        assert propose_series(setup.location, protocol, earliest=MONDAY).feasible
    assert len(kept_now(setup.location)) == 2


def holding(clinic):
    return list(Appointment.objects.filter(clinic=clinic, status=AppointmentStatus.BOOKED).order_by("pk"))


def random_write(rng, clinic, setup, protocols, committed):
    """Book a series, cancel, move or mark a no-show, drawn with ``rng``; returns what it did."""
    booked = holding(clinic)
    what = rng.choice(["book", "book", "cancel", "move", "no_show"] if booked else ["book"])
    if what == "book":
        protocol = protocols[rng.choice(sorted(protocols))]
        earliest = MONDAY + timedelta(days=rng.randrange(0, 10), hours=rng.randrange(0, 8))
        proposal = propose_series(setup.location, protocol, earliest=earliest)
        if not proposal.feasible:
            return "full"
        committed(
            lambda: book_series(make_patient(clinic), protocol, setup.location, proposal.sessions, actor=None)
        )
    elif what == "cancel":
        committed(lambda: cancel_appointment(rng.choice(booked), reason="test", actor=None))
    elif what == "no_show":
        committed(lambda: no_show(rng.choice(booked)))
    else:
        appointment = rng.choice(booked)
        day = appointment.starts_at.astimezone(WARSAW).replace(hour=0, minute=0)
        free = available_starts(
            setup.location,
            appointment.protocol,
            day,
            day + timedelta(days=1),
            exclude_appointments=[appointment.pk],
        )
        if not free:
            return "no room to move"
        try:
            committed(lambda: reschedule_appointment(appointment, start=rng.choice(free).start, actor=None))
        except BookingError:  # a sibling was cancelled: the series' spacing refuses it, nothing written
            return "refused"
    return what


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_it_patches_the_kept_indexes_to_what_a_rebuild_gives(seed, clinic, setup, protocols, committed):
    rng = random.Random(seed)  # noqa: S311 — reproducible test operations, not secrets
    warm(setup, protocols)
    done = []
    for _ in range(12):
        done.append(random_write(rng, clinic, setup, protocols, committed))
        entries = kept_now(setup.location)
        assert len(entries) == 2, done  # both modalities' entries were patched to the new version
        assert_equals_a_rebuild(setup.location, entries)
    assert "book" in done and {"cancel", "move", "no_show"} & set(done)
    assert {"book", "cancel", "move", "no_show"} <= set(done) or seed != 1  # seed 1 does every kind
    _, count = queries(lambda: propose_series(setup.location, protocols["needle"], earliest=MONDAY))
    assert count == 1  # the version only: the patched index answers


def test_a_proposal_right_after_a_booking_reads_only_the_version(clinic, setup, protocols, committed):
    ep = protocols["electroporation"]
    warm(setup, protocols)
    sessions = propose_series(setup.location, ep, earliest=MONDAY).sessions
    committed(lambda: book_series(make_patient(clinic), ep, setup.location, sessions, actor=None))
    proposal, count = queries(lambda: propose_series(setup.location, ep, earliest=MONDAY))
    assert count == 1
    assert proposal.sessions[0].start > MONDAY  # the booked time is taken in the patched index


def test_a_write_by_another_process_forces_a_rebuild(clinic, setup, protocols, committed):
    ep = protocols["electroporation"]
    warm(setup, protocols)
    sessions = propose_series(setup.location, ep, earliest=MONDAY).sessions
    # Another process commits a write: the version moves on, and this process's indexes do not know why.
    ScheduleVersion.objects.filter(location=setup.location).update(
        version=F("version") + 1, previous_stamp=F("stamp"), stamp=new_stamp()
    )
    committed(lambda: book_series(make_patient(clinic), ep, setup.location, sessions, actor=None))
    assert kept_now(setup.location) == []  # this write did not start from their version: not patched
    proposal, count = queries(lambda: propose_series(setup.location, ep, earliest=MONDAY))
    assert count > 1  # rebuilt
    assert proposal.sessions[0].start > MONDAY
    assert_equals_a_rebuild(setup.location, kept_now(setup.location))


def test_a_rolled_back_write_patches_nothing(clinic, setup, protocols, committed):
    ep = protocols["electroporation"]
    warm(setup, protocols)
    before = {key: entry for key, entry in kept_now(setup.location)}
    sessions = propose_series(setup.location, ep, earliest=MONDAY).sessions

    def book_then_fail():
        with transaction.atomic():
            book_series(make_patient(clinic), ep, setup.location, sessions, actor=None)
            raise RuntimeError

    with pytest.raises(RuntimeError):
        committed(book_then_fail)
    assert dict(kept_now(setup.location)) == before
    assert propose_series(setup.location, ep, earliest=MONDAY).sessions == sessions


def test_a_later_write_in_the_same_transaction_is_not_hidden_by_the_patch(
    clinic, setup, protocols, committed
):
    ep = protocols["electroporation"]
    warm(setup, protocols)
    sessions = propose_series(setup.location, ep, earliest=MONDAY).sessions

    def book_then_take_the_week_off():
        with transaction.atomic():
            book_series(make_patient(clinic), ep, setup.location, sessions, actor=None)
            TimeOff.objects.create(
                staff=setup.practitioner,
                starts_at=MONDAY - timedelta(days=1),
                ends_at=MONDAY + timedelta(days=14),
            )

    committed(book_then_take_the_week_off)
    assert kept_now(setup.location) == []
    proposal, count = queries(lambda: propose_series(setup.location, ep, earliest=MONDAY))
    assert count > 1
    assert proposal.sessions[0].start >= MONDAY + timedelta(days=14)


def test_checking_in_and_completing_neither_bump_nor_patch(clinic, setup, protocols, committed):
    ep = protocols["electroporation"]
    doctor = committed(lambda: make_staff(clinic, "physician"))  # before warming: new staff bumps the version
    warm(setup, protocols)
    sessions = propose_series(setup.location, ep, earliest=MONDAY).sessions
    course = committed(lambda: book_series(make_patient(clinic), ep, setup.location, sessions, actor=None))
    token = schedule_token(setup.location)
    first = course.appointments.order_by("session_index").first()
    committed(lambda: checked_in(first))
    committed(lambda: treated_elsewhere(first, doctor))
    assert schedule_token(setup.location) == token
    assert_equals_a_rebuild(setup.location, kept_now(setup.location))

"""A practitioner who works at two locations: a write at one moves the other's kept free-time indexes too.

Booking the practitioner at A takes their time at B as well (the database's no-overlap check is per
practitioner, whatever the location). So the write bumps B's schedule version with A's (in primary-key
order, before anything else it locks) and writes B's change to the feed: B's kept indexes, in this process
(patched on commit) and in any other (patched from the feed), stop offering the booked time; cancelling
offers it again. Without it B went on proposing times the booking then refused ("not free").
"""

from __future__ import annotations

import multiprocessing
import random
import time as clock
import traceback
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, connections

from mesoclinic.accounts.models import Clinic, Location, StaffMember
from mesoclinic.accounts.services import add_location
from mesoclinic.scheduling.models import (
    Appointment,
    AppointmentStatus,
    OpeningHours,
    ScheduleChange,
    WorkingHours,
)
from mesoclinic.scheduling.selectors import index_cache, propose_series, schedule_token
from mesoclinic.scheduling.services import (
    BookingError,
    add_device,
    add_room,
    book_series,
    cancel_appointment,
)
from mesoclinic.scheduling.tests.test_availability_feed import (
    differences_from_a_rebuild,
    protocols_of,
    queries,
)
from mesoclinic.testing import make_patient, make_schedulable

pytestmark = pytest.mark.django_db
WARSAW = ZoneInfo("Europe/Warsaw")
MONDAY = datetime(2031, 3, 3, 9, 0, tzinfo=WARSAW)
TIMEOUT = 240


@pytest.fixture(autouse=True)
def empty_cache():
    index_cache.clear()
    yield
    index_cache.clear()


def second_location(clinic: Clinic, practitioner: StaffMember) -> Location:
    """Location B: open like A, with its own room and device, where A's practitioner works the same hours."""
    location = add_location(clinic, name="Branch", timezone="Europe/Warsaw", actor=None)
    for weekday in range(6):
        OpeningHours.objects.create(location=location, weekday=weekday, starts=time(8), ends=time(20))
    for weekday in range(5):
        WorkingHours.objects.create(
            staff=practitioner, location=location, weekday=weekday, starts=time(9), ends=time(17)
        )
    practitioner.locations.add(location)
    add_room(location, name="Room B", modalities=["needle", "electroporation"], actor=None)
    add_device(location, name="EP-B", modality="electroporation", actor=None)
    return location


@pytest.fixture
def two(clinic):
    setup = make_schedulable(clinic)
    return setup, second_location(clinic, setup.practitioner)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    def run(fn):
        with django_capture_on_commit_callbacks(execute=True):
            return fn()

    return run


def overlaps(sessions, practitioner, protocol):
    """The proposed sessions of ``practitioner`` that overlap a time the practitioner is booked anywhere."""
    held = list(
        Appointment.objects.filter(practitioner=practitioner, status=AppointmentStatus.BOOKED).values_list(
            "starts_at", "blocked_until"
        )
    )
    length = timedelta(minutes=protocol.session_minutes + protocol.buffer_minutes)
    return [
        s.start
        for s in sessions
        if s.practitioner == practitioner
        and any(s.start < end and start < s.start + length for start, end in held)
    ]


def book_at(location, protocol, clinic, *, earliest=MONDAY, born=date(1985, 3, 14)):
    sessions = propose_series(location, protocol, earliest=earliest).sessions
    return book_series(make_patient(clinic, birth_date=born), protocol, location, sessions, actor=None)


def test_a_booking_at_a_is_patched_into_bs_kept_index_on_commit(clinic, two, committed):
    setup, branch = two
    ep = protocols_of(clinic)["electroporation"]
    before = propose_series(branch, ep, earliest=MONDAY)  # B's index kept, with Monday 09:00 free
    assert before.sessions[0].start == MONDAY
    course = committed(lambda: book_at(setup.location, ep, clinic))
    assert course.appointments.order_by("starts_at").first().starts_at == MONDAY
    after, count = queries(lambda: propose_series(branch, ep, earliest=MONDAY))
    assert count == 1  # B's kept index was patched on commit: the version only
    assert after.sessions[0].start > MONDAY
    assert overlaps(after.sessions, setup.practitioner, ep) == []
    assert differences_from_a_rebuild(branch) == []
    # and what B offers can be booked: no refusal
    committed(lambda: book_series(make_patient(clinic), ep, branch, after.sessions, actor=None))


def test_a_booking_at_a_reaches_bs_index_in_another_process_through_the_feed(clinic, two):
    setup, branch = two
    ep = protocols_of(clinic)["electroporation"]
    propose_series(branch, ep, earliest=MONDAY)
    book_at(setup.location, ep, clinic)  # no on-commit inside the test's transaction: as another process
    change = ScheduleChange.objects.get(location=branch)
    assert (change.version, change.stamp) == schedule_token(branch)
    assert len(change.added) == ep.sessions and change.removed == []
    after, count = queries(lambda: propose_series(branch, ep, earliest=MONDAY))
    assert count == 2  # the version and the feed's rows: patched, not rebuilt
    assert overlaps(after.sessions, setup.practitioner, ep) == []
    assert differences_from_a_rebuild(branch) == []


def test_cancelling_at_a_offers_the_time_at_b_again(clinic, two, committed):
    setup, branch = two
    ep = protocols_of(clinic)["electroporation"]
    course = committed(lambda: book_at(setup.location, ep, clinic))
    assert propose_series(branch, ep, earliest=MONDAY).sessions[0].start > MONDAY
    for appointment in course.appointments.all():
        committed(lambda a=appointment: cancel_appointment(a, reason="test", actor=None))
    after, count = queries(lambda: propose_series(branch, ep, earliest=MONDAY))
    assert count == 1
    assert after.sessions[0].start == MONDAY
    assert differences_from_a_rebuild(branch) == []


def test_a_location_the_practitioner_does_not_serve_is_not_bumped(clinic, two):
    setup, _ = two
    other = add_location(clinic, name="Elsewhere", timezone="Europe/Warsaw", actor=None)
    token = schedule_token(other)
    book_at(setup.location, protocols_of(clinic)["needle"], clinic)
    assert schedule_token(other) == token
    assert not ScheduleChange.objects.filter(location=other).exists()


# --- Several processes -------------------------------------------------------------------------------------

ROUNDS = 4


def one_process(number, seed, where, barrier, results):
    """Process 0 books at A, process 1 at B, at the same moment each round; then each reads both locations:
    its kept indexes equal a rebuild and offer nothing the practitioner is booked at elsewhere."""
    try:
        index_cache.clear()
        rng = random.Random(seed * 100 + number)  # noqa: S311 — reproducible test operations, not secrets
        clinic = Clinic.objects.get(pk=where[0])
        locations = [Location.objects.get(pk=pk) for pk in where[1:3]]
        practitioner = StaffMember.objects.get(pk=where[3])
        protocols = protocols_of(clinic)
        for location in locations:
            for protocol in protocols.values():
                propose_series(location, protocol, earliest=MONDAY)
        for round_ in range(ROUNDS):
            barrier.wait(TIMEOUT)
            clock.sleep(rng.random() * 0.1)
            protocol = protocols[rng.choice(sorted(protocols))]
            earliest = MONDAY + timedelta(days=rng.randrange(0, 5), hours=rng.randrange(0, 6))
            try:
                book_at(
                    locations[number],
                    protocol,
                    clinic,
                    earliest=earliest,
                    born=date(1980 + number, 1, 1 + round_),
                )
                done = "book"
            except BookingError:  # the other process took the time first: refused, nothing written
                done = "refused"
            barrier.wait(TIMEOUT)
            found = []
            for location in locations:
                for protocol in protocols.values():
                    proposal = propose_series(location, protocol, earliest=MONDAY)
                    found += overlaps(proposal.sessions, practitioner, protocol)
                found += differences_from_a_rebuild(location)
            results.put((number, round_, done, found))
            barrier.wait(TIMEOUT)
    except BaseException:  # reported to the test, which fails on it
        results.put((number, "error", traceback.format_exc()))
        barrier.abort()
    finally:
        connections.close_all()
        results.put((number, "done"))


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("seed", [1, 2])
def test_processes_booking_one_practitioner_at_two_locations_see_each_others_bookings(seed, clinic):
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"] == ":memory:":
        pytest.skip("needs a file database so that processes have their own connections")
    setup = make_schedulable(clinic)
    branch = second_location(clinic, setup.practitioner)
    connections.close_all()
    fork = multiprocessing.get_context("fork")
    barrier, results = fork.Barrier(2), fork.Queue()
    where = (clinic.pk, setup.location.pk, branch.pk, setup.practitioner.pk)
    processes = [fork.Process(target=one_process, args=(n, seed, where, barrier, results)) for n in range(2)]
    for process in processes:
        process.start()
    reports, finished, errors = [], 0, []
    while finished < 2:
        report = results.get(timeout=TIMEOUT * 2)
        if report[1] == "done":
            finished += 1
        elif report[1] == "error":
            errors.append(report[2])
        else:
            reports.append(report)
    for process in processes:
        process.join(TIMEOUT)
    assert not errors, errors[0]
    assert len(reports) == 2 * ROUNDS
    assert all(found == [] for *_, found in reports), reports
    assert sum(done == "book" for _, _, done, _ in reports) >= ROUNDS
    assert Appointment.objects.filter(location=branch).exists()
    assert Appointment.objects.filter(location=setup.location).exists()

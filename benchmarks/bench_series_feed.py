"""Series offers on four app processes while another process writes once a second (the change feed).

The clinic and database are the booking benchmark's (``bench_booking_db``: one location, 50 practitioners,
20 rooms, 30 devices, 500,000 appointments; SQLite, or PostgreSQL at ``BENCH_DATABASE_URL``). Four reader
processes, forked, each with its own connection and its own kept indexes, as four gunicorn workers have,
call ``propose_series`` (6 sessions, 120-day horizon) for requests drawn as the booking benchmark draws
them (a protocol of any modality, spacing and length, a moment in 2027, same practitioner 70%), each
process its own 40, cycled. A fifth process writes once a second: it moves a booked session of 2027 to
another free start that day and, the next second, back (``reschedule_appointment``: one interval freed,
one booked, committed; the database ends as it was built).

Each reader warms up untimed (its requests twice, so its kept indexes cover their days), then the writer
starts and every call is timed for ``DURATION`` seconds. Run twice: with the change feed (each reader
patches its kept indexes with the feed's rows), and without it (``_caught_up`` answers None: what every
reader did before the feed: rebuild after any other process's write).

Prints table rows: operation (with the writes made and the share of calls that rebuilt), calls, median
and throughput of the four, then p95 and p99.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from datetime import time as wall
from typing import Any

import bench_booking_db as booking  # sets up Django on the benchmark's database
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from mesoclinic.accounts.models import Location
from mesoclinic.catalog.models import Protocol
from mesoclinic.scheduling.models import Appointment, AppointmentStatus
from mesoclinic.scheduling.selectors import SessionChoice, available_starts, index_cache, propose_series
from mesoclinic.scheduling.services import BookingError, reschedule_appointment

READERS = 4
REQUESTS = 40
DURATION = float(os.environ.get("BENCH_FEED_SECONDS", "60"))
WRITE_EVERY = 1.0
TZ = booking.TZ


def requests_for(reader: int, protocols: list[Protocol]) -> list[tuple[Protocol, datetime, bool]]:
    rng = random.Random(100 + reader)
    out = []
    for _ in range(REQUESTS):
        day = date(booking.MEASURED_YEAR, 1, 4) + timedelta(days=rng.randrange(220))
        out.append(
            (rng.choice(protocols), datetime.combine(day, wall(rng.randrange(8, 18)), TZ), rng.random() < 0.7)
        )
    return out


def reader(number: int, feed: bool, location_pk: int, start: Any, results: Any) -> None:
    """Warm up, wait for the start, then time every proposal until the run's end."""
    if not feed:
        sys.modules["mesoclinic.scheduling.selectors.index_cache"]._caught_up = lambda *args: None  # type: ignore[attr-defined]
    index_cache.clear()
    location = Location.objects.get(pk=location_pk)
    protocols = list(
        Protocol.objects.filter(clinic_id=location.clinic_id, slug__startswith="bench-")
        .select_related("modality")
        .order_by("slug")
    )
    requests = requests_for(number, protocols)
    for _ in range(2):
        for protocol, earliest, same in requests:
            propose_series(location, protocol, earliest=earliest, same_practitioner=same)
    start.wait()
    runs, cpu, rebuilt = [], [], 0
    end = time.monotonic() + DURATION
    i = 0
    while time.monotonic() < end:
        protocol, earliest, same = requests[i % len(requests)]
        i += 1
        with CaptureQueriesContext(connection) as captured:
            t0, c0 = time.perf_counter(), time.process_time()
            propose_series(location, protocol, earliest=earliest, same_practitioner=same)
            runs.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        rebuilt += len(captured) > 2  # the version (and the feed's rows) only, else a rebuild
    connections.close_all()
    results.put(("reader", runs, rebuilt, cpu))


def writer(location_pk: int, start: Any, results: Any) -> None:
    """Once a second: move a booked 2027 session to another free start that day, then back."""
    rng = random.Random(11)
    location = Location.objects.get(pk=location_pk)
    start.wait()
    end = time.monotonic() + DURATION
    writes, back = 0, None
    while time.monotonic() < end:
        t0 = time.monotonic()
        try:
            if back is not None:
                appointment, choice = back
                move(appointment, choice)
                back = None
                writes += 1
            else:
                back = move_somewhere(location, rng)
                writes += back is not None
        except BookingError:  # taken meanwhile: try another next second
            back = None
        time.sleep(max(0.0, t0 + WRITE_EVERY - time.monotonic()))
    if back is not None:
        move(*back)
    connections.close_all()
    results.put(("writer", writes))


def move(appointment: Appointment, choice: SessionChoice) -> None:
    reschedule_appointment(
        appointment,
        start=choice.start,
        practitioner=choice.practitioner,
        room=choice.room,
        device=choice.device,
        actor=None,
    )


def move_somewhere(location: Location, rng: random.Random) -> tuple[Appointment, SessionChoice] | None:
    day = date(booking.MEASURED_YEAR, 1, 4) + timedelta(days=rng.randrange(220))
    lo = datetime.combine(day, wall(), TZ)
    candidates = list(
        Appointment.objects.filter(
            location=location,
            status=AppointmentStatus.BOOKED,
            starts_at__gte=lo,
            starts_at__lt=lo + timedelta(days=1),
        )
        .select_related("protocol__modality", "practitioner", "room", "device", "location")
        .order_by("starts_at", "pk")[:20]
    )
    rng.shuffle(candidates)
    for appointment in candidates:
        free = [
            c
            for c in available_starts(
                location,
                appointment.protocol,
                lo,
                lo + timedelta(days=1),
                exclude_appointments=[appointment.pk],
            )
            if c.start != appointment.starts_at
        ]
        if free:
            original = SessionChoice(
                appointment.starts_at, appointment.practitioner, appointment.room, appointment.device
            )
            move(appointment, rng.choice(free))
            appointment.refresh_from_db()
            return appointment, original
    return None


def percentile(runs: list[float], q: float) -> float:
    ordered = sorted(runs)
    return ordered[round(q * (len(ordered) - 1))]


def run(location: Location, feed: bool) -> None:
    connections.close_all()  # every process opens its own connection
    fork = multiprocessing.get_context("fork")
    start, results = fork.Barrier(READERS + 2), fork.Queue()
    processes = [
        fork.Process(target=reader, args=(n, feed, location.pk, start, results)) for n in range(READERS)
    ]
    processes.append(fork.Process(target=writer, args=(location.pk, start, results)))
    for process in processes:
        process.start()
    start.wait()
    runs: list[float] = []
    cpu: list[float] = []
    rebuilt = writes = 0
    for _ in processes:
        report = results.get()
        if report[0] == "reader":
            runs += report[1]
            rebuilt += report[2]
            cpu += report[3]
        else:
            writes = report[1]
    for process in processes:
        process.join()
    how = "with the change feed" if feed else "without the feed (rebuilt after another's write)"
    vendor = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(connection.vendor, connection.vendor)
    label = (
        f"propose_series on {READERS} processes while a 5th writes 1/s, {how} ({vendor}, "
        f"{booking.TARGET:,} appointments; {writes} writes, {rebuilt / len(runs):.0%} of calls rebuilt; "
        f"load {os.getloadavg()[0]:.1f})"
    )
    median = statistics.median(runs)
    print(f"| {label} | {len(runs)} | {median * 1e3:.1f} ms | {READERS / median:,.0f}/s |")
    for q in (0.95, 0.99):
        print(f"| {label}, p{round(q * 100)} | {len(runs)} | {percentile(runs, q) * 1e3:.1f} ms | |")
    # The app process's own CPU time per call (not the database's): what a call costs on a free core.
    for q in (0.5, 0.95):
        print(
            f"| {label}, app CPU per call, p{round(q * 100)} | {len(cpu)} | {percentile(cpu, q) * 1e3:.1f} ms | |"
        )


def main() -> None:
    location, _ = booking.ensure_database()
    modes = os.environ.get("BENCH_FEED_MODES", "feed,nofeed").split(",")
    for mode in modes:
        run(location, feed=mode == "feed")


if __name__ == "__main__":
    main()

"""Booking against a real database: ``propose_series`` and ``available_starts`` with their queries included,
and the per-slot way (an EXISTS query per candidate slot and resource) for comparison.

The clinic: one location (Europe/Warsaw, open Mon-Sat 08:00-20:00), 50 practitioners (three weekly
patterns), 20 rooms and 30 devices, holidays, leave and device downtime, and 500,000 appointments that
never overlap on a practitioner, room or device (the database's own triggers or exclusion constraints
check every row). Twenty rooms cannot hold 500,000 sessions in one year (at most about 75,000 one-hour
sessions fit), so the measured year, 2027, is booked as a busy clinic is (47,548 sessions, 63% of room
time) and the years before it are the clinic's history (completed, cancelled and no-show appointments):
the queries must find one year's rows among all of them, as they will after a few years of use.

The database is built once and kept: SQLite at ``$MESOCLINIC_DATA_DIR/bench/booking-v<VERSION>.sqlite3``, or the
database at ``BENCH_DATABASE_URL`` (e.g. an empty PostgreSQL database; never point it at real data).

Prints table rows: operation, n, median time per call, calls per second (plus p99 and the first build).
Method, figures and limits: ``docs/performance.md``.
"""
# ruff: noqa: E402 — Django is configured from the environment before the project is imported.

from __future__ import annotations

import heapq
import os
import random
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as wall
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

VERSION = 2
DATA_DIR = Path(os.environ.get("MESOCLINIC_DATA_DIR") or Path.cwd() / "data")
DEFAULT_DB = DATA_DIR / "bench" / f"booking-v{VERSION}.sqlite3"
os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{DEFAULT_DB}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mesoclinic.settings")
DEFAULT_DB.parent.mkdir(parents=True, exist_ok=True)

import django

django.setup()

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection, transaction

from mesoclinic.accounts.models import Clinic, Location, Role, StaffMember
from mesoclinic.accounts.services import add_location, create_clinic
from mesoclinic.catalog.models import Modality, Protocol
from mesoclinic.catalog.services import load_default_catalog
from mesoclinic.patients.models import Patient
from mesoclinic.scheduling import services
from mesoclinic.scheduling.engine import NEEDLE
from mesoclinic.scheduling.models import (
    HOLDING_STATUSES,
    Appointment,
    AppointmentStatus,
    Device,
    DeviceDowntime,
    Holiday,
    OpeningHours,
    Room,
    TimeOff,
    WorkingHours,
    bump_schedule_versions,
)
from mesoclinic.scheduling.selectors import (
    SessionChoice,
    available_starts,
    engine_clinic,
    location_timezone,
    propose_series,
)

TZ = ZoneInfo("Europe/Warsaw")
SLUG = "bench-booking"
TARGET = 500_000
MEASURED_YEAR = 2027
PRACTITIONERS, ROOMS, DEVICES, PATIENTS = 50, 20, 30, 20_000
NEEDLE_FREE = ("electroporation", "cryo_electroporation", "iontophoresis", "sonophoresis", "oxygen_infusion")
MODALITIES = (NEEDLE, *NEEDLE_FREE)
SERIES = ((7, 1), (14, 2), (21, 3))  # interval ± tolerance, days
MINUTES = (30, 45, 60)
N_PROPOSE, N_AVAILABLE, N_PER_SLOT = 200, 72, 6
OPEN = (480, 1200)  # 08:00-20:00, Mon-Sat
WEEKS = (
    {d: [(540, 1020)] for d in range(5)},  # Mon-Fri 09:00-17:00
    {d: [(480, 720), (780, 1140)] for d in range(5)},  # Mon-Fri 08:00-12:00, 13:00-19:00
    {**{d: [(600, 1200)] for d in (1, 2, 3)}, 5: [(540, 840)]},  # Tue-Thu 10:00-20:00, Sat 09:00-14:00
)
# How full a room's day is: sessions back to back with short gaps until a cut-off between 16:00 and 20:00,
# then free. Busy mornings and free afternoons leave whole hours to book, as in a real clinic.
GAPS = (0, 0, 0, 0, 15, 15, 30)
CUTOFFS = (960, 1080, 1200, 1200, 1200)
HISTORY_STATUS = (
    [AppointmentStatus.COMPLETED] * 22 + [AppointmentStatus.CANCELLED] * 2 + [AppointmentStatus.NO_SHOW]
)


def buffer_for(minutes: int) -> int:
    return 10 if minutes == 30 else 15


def holidays(year: int) -> list[date]:
    return [
        date(year, m, d)
        for m, d in ((1, 1), (1, 6), (5, 1), (5, 3), (8, 15), (11, 1), (11, 11), (12, 25), (12, 26))
    ]


# --- Building the database (first run only) -----------------------------------------------------------


@dataclass
class Plan:
    """The synthetic clinic's shape, drawn once from a seeded generator."""

    practitioner_mods: list[frozenset[str]]
    practitioner_week: list[dict[int, list[tuple[int, int]]]]
    room_mods: list[frozenset[str]]
    device_mod: list[str]
    leave: dict[int, set[date]]  # practitioner index -> days off
    downtime: dict[int, set[date]]  # device index -> days down


def draw_plan(rng: random.Random, first_year: int) -> Plan:
    practitioner_mods = [
        frozenset({NEEDLE, *rng.sample(NEEDLE_FREE, rng.randint(1, 4))}) for _ in range(PRACTITIONERS)
    ]
    practitioner_week = [rng.choice(WEEKS) for _ in range(PRACTITIONERS)]
    room_mods = [frozenset({NEEDLE, *rng.sample(NEEDLE_FREE, 3)}) for _ in range(ROOMS)]
    device_mod = [NEEDLE_FREE[i % len(NEEDLE_FREE)] for i in range(DEVICES)]
    leave: dict[int, set[date]] = defaultdict(set)
    downtime: dict[int, set[date]] = defaultdict(set)
    for year in range(first_year, MEASURED_YEAR + 1):
        for p in range(PRACTITIONERS):
            for _ in range(2):  # two weeks of leave a year
                monday = date(year, 1, 4) + timedelta(weeks=rng.randrange(50))
                monday -= timedelta(days=monday.weekday())
                leave[p].update(monday + timedelta(days=k) for k in range(7))
        for d in range(DEVICES):
            for quarter in range(4):  # a service day per quarter
                downtime[d].add(date(year, 1 + 3 * quarter, 1) + timedelta(days=rng.randrange(85)))
    return Plan(practitioner_mods, practitioner_week, room_mods, device_mod, leave, downtime)


Row = tuple[
    int, int, int, int, int, int, int, int
]  # day ordinal, start min, minutes, p, r, d (-1), mod, patient


def day_rows(day: date, plan: Plan, rng: random.Random) -> list[Row]:
    """One local day's appointments, sweeping the rooms in time order (resources never overlap)."""
    if day.weekday() == 6 or day in set(holidays(day.year)):
        return []
    weekday = day.weekday()
    people = [
        p for p in range(PRACTITIONERS) if day not in plan.leave[p] and plan.practitioner_week[p].get(weekday)
    ]
    rng.shuffle(people)
    by_modality = {m: [p for p in people if m in plan.practitioner_mods[p]] for m in MODALITIES}
    devices = {
        m: [d for d in range(DEVICES) if plan.device_mod[d] == m and day not in plan.downtime[d]]
        for m in NEEDLE_FREE
    }
    busy_until: dict[tuple[str, int], int] = defaultdict(int)
    rooms = [(OPEN[0] + rng.choice((0, 0, 15, 30)), r) for r in range(ROOMS)]
    heapq.heapify(rooms)
    cutoff = [rng.choice(CUTOFFS) for _ in range(ROOMS)]
    rows: list[Row] = []
    while rooms:
        t, r = heapq.heappop(rooms)
        modality = rng.choice(sorted(plan.room_mods[r]))
        minutes = rng.choice(MINUTES)
        length = minutes + buffer_for(minutes)
        if t + length > cutoff[r]:
            continue  # the room is done for the day
        who = next(
            (
                p
                for p in by_modality[modality]
                if busy_until["p", p] <= t
                and any(a <= t and t + length <= b for a, b in plan.practitioner_week[p][weekday])
            ),
            None,
        )
        device = -1
        if who is not None and modality != NEEDLE:
            device = next((d for d in devices[modality] if busy_until["d", d] <= t), -2)
        if who is None or device == -2:
            heapq.heappush(rooms, (t + 15, r))
            continue
        busy_until["p", who] = t + length
        if device >= 0:
            busy_until["d", device] = t + length
        rows.append(
            (day.toordinal(), t, minutes, who, r, device, MODALITIES.index(modality), rng.randrange(PATIENTS))
        )
        heapq.heappush(rooms, (-(-(t + length) // 15) * 15 + rng.choice(GAPS), r))
    return rows


def generate(plan: Plan, rng: random.Random) -> list[Row]:
    """Days from 31 December of the measured year backwards until there are ``TARGET`` appointments."""
    days: list[list[Row]] = []
    total, day = 0, date(MEASURED_YEAR, 12, 31)
    while total < TARGET:
        rows = day_rows(day, plan, rng)
        days.append(rows)
        total += len(rows)
        day -= timedelta(days=1)
    days.reverse()
    days[0] = days[0][total - TARGET :]
    return [row for rows in days for row in rows]


def batched(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def build() -> float:
    """Create the clinic and its 500,000 appointments; return the seconds it took."""
    t0 = time.perf_counter()
    rng = random.Random(20270101)
    clinic = create_clinic(name="Benchmark Clinic", slug=SLUG, timezone="Europe/Warsaw", actor=None)
    location = add_location(clinic, name="Main", timezone="Europe/Warsaw", actor=None)
    load_default_catalog(clinic, actor=None)
    modality_rows = {m.code: m for m in Modality.objects.filter(clinic=clinic)}
    protocols = Protocol.objects.bulk_create(
        Protocol(
            clinic=clinic,
            slug=f"bench-{m}-{interval}d-{minutes}m",
            name=f"Benchmark {m} {interval}±{tolerance} days, {minutes} min",
            modality=modality_rows[m],
            sessions=6,
            interval_days=interval,
            tolerance_days=tolerance,
            session_minutes=minutes,
            buffer_minutes=buffer_for(minutes),
        )
        for m in MODALITIES
        for interval, tolerance in SERIES
        for minutes in MINUTES
    )
    protocol_for = {(p.modality.code, p.session_minutes): p.pk for p in protocols if p.interval_days == 14}
    rows_plan = draw_plan(rng, MEASURED_YEAR - 12)
    rows = generate(rows_plan, rng)
    first_year = date.fromordinal(rows[0][0]).year
    with transaction.atomic():
        OpeningHours.objects.bulk_create(
            OpeningHours(location=location, weekday=d, starts=wall(8), ends=wall(20)) for d in range(6)
        )
        users = User.objects.bulk_create(
            User(username=f"bench-practitioner-{i:02d}", password=make_password(None))
            for i in range(PRACTITIONERS)
        )
        staff = StaffMember.objects.bulk_create(
            StaffMember(
                user=user,
                clinic=clinic,
                role=Role.PHYSICIAN if i < 10 else Role.PRACTITIONER,
                display_name=f"Practitioner {i:02d}",
                modalities=sorted(rows_plan.practitioner_mods[i]),
            )
            for i, user in enumerate(users)
        )
        WorkingHours.objects.bulk_create(
            WorkingHours(staff=member, location=location, weekday=d, starts=_wall(a), ends=_wall(b))
            for i, member in enumerate(staff)
            for d, spans in rows_plan.practitioner_week[i].items()
            for a, b in spans
        )
        rooms = Room.objects.bulk_create(
            Room(
                clinic=clinic,
                location=location,
                name=f"Room {i:02d}",
                modalities=sorted(rows_plan.room_mods[i]),
            )
            for i in range(ROOMS)
        )
        devices = Device.objects.bulk_create(
            Device(clinic=clinic, location=location, name=f"Device {i:02d}", modality=rows_plan.device_mod[i])
            for i in range(DEVICES)
        )
        Holiday.objects.bulk_create(
            Holiday(location=location, date=day, name="Public holiday")
            for year in range(first_year, MEASURED_YEAR + 1)
            for day in holidays(year)
        )
        TimeOff.objects.bulk_create(
            TimeOff(staff=staff[p], starts_at=_local(day, 0), ends_at=_local(day, 1440), reason="Leave")
            for p, days in rows_plan.leave.items()
            for day in sorted(days)
        )
        DeviceDowntime.objects.bulk_create(
            DeviceDowntime(
                device=devices[d], starts_at=_local(day, 0), ends_at=_local(day, 1440), reason="Service"
            )
            for d, days in rows_plan.downtime.items()
            for day in sorted(days)
        )
        patients = Patient.objects.bulk_create(
            (
                Patient(
                    clinic=clinic, given_name="Bench", family_name=f"Patient {i}", birth_date=date(1980, 1, 1)
                )
                for i in range(PATIENTS)
            ),
            batch_size=2000,
        )
    measured = date(MEASURED_YEAR, 1, 1).toordinal()
    # Chronological order keeps each no-overlap check an index probe of the resource's last row or two.
    for chunk in batched(rows, 20_000):
        batch = []
        for ordinal, start, minutes, p, r, d, m, patient in chunk:
            starts_at = _local(date.fromordinal(ordinal), start)
            ends_at = starts_at + timedelta(minutes=minutes)
            batch.append(
                Appointment(
                    clinic=clinic,
                    location=location,
                    patient_id=patients[patient].pk,
                    protocol_id=protocol_for[MODALITIES[m], minutes],
                    practitioner_id=staff[p].pk,
                    room_id=rooms[r].pk,
                    device_id=devices[d].pk if d >= 0 else None,
                    starts_at=starts_at,
                    ends_at=ends_at,
                    buffer_minutes=buffer_for(minutes),
                    blocked_until=ends_at + timedelta(minutes=buffer_for(minutes)),
                    status=AppointmentStatus.BOOKED if ordinal >= measured else rng.choice(HISTORY_STATUS),
                )
            )
        with transaction.atomic():
            Appointment.objects.bulk_create(batch, batch_size=1000)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # what autovacuum does soon after a bulk load
    return time.perf_counter() - t0


def _wall(minutes: int) -> wall:
    return wall(minutes // 60, minutes % 60)


def _local(day: date, minutes: int) -> datetime:
    if minutes == 1440:
        return datetime.combine(day + timedelta(days=1), wall(), TZ).astimezone(UTC)
    return datetime.combine(day, _wall(minutes), TZ).astimezone(UTC)


def ensure_database() -> tuple[Location, float | None]:
    call_command("migrate", verbosity=0)
    clinic = Clinic.objects.filter(slug=SLUG).first()
    seconds = None
    if clinic is None:
        print(
            f"Building the benchmark database (first run only, 1-2 minutes): {connection.settings_dict['NAME']}",
            file=sys.stderr,
        )
        seconds = build()
        clinic = Clinic.objects.get(slug=SLUG)
    count = Appointment.objects.filter(clinic=clinic).count()
    if count != TARGET:
        sys.exit(f"The benchmark database is incomplete ({count:,} appointments): delete it and run again.")
    return Location.objects.get(clinic=clinic), seconds


# --- The per-slot way ---------------------------------------------------------------------------------


def per_slot_starts(
    location: Location, protocol: Protocol, start: datetime, end: datetime
) -> tuple[list[SessionChoice], int]:
    """Free starts the way most schedulers find them: for each 15-minute slot, ask the database about
    each qualified practitioner, then room, then device, in name order, until one of each is free.

    Generous to it: the weekly hours, holidays, leave and downtime are read once for the window (in
    Python), and the search stops at the first free resource of each kind. Returns the starts (with the
    resources picked, like ``available_starts``) and the number of EXISTS queries sent.
    """
    tz = location_timezone(location)
    modality = protocol.modality.code
    length = timedelta(minutes=protocol.session_minutes + protocol.buffer_minutes)
    hours: dict[int, dict[int, list[tuple[int, int]]]] = defaultdict(lambda: defaultdict(list))
    for span in WorkingHours.objects.filter(location=location):
        hours[span.staff_id][span.weekday].append((_minutes(span.starts), _minutes(span.ends)))
    opening: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for span in OpeningHours.objects.filter(location=location):
        opening[span.weekday].append((_minutes(span.starts), _minutes(span.ends)))

    def rid(name: str, pk: int) -> str:
        return f"{name} #{pk}"

    people = sorted(
        (
            m
            for m in StaffMember.objects.filter(
                clinic_id=location.clinic_id, is_active=True, role__in=[Role.PHYSICIAN, Role.PRACTITIONER]
            )
            if modality in m.modalities and hours.get(m.pk)
        ),
        key=lambda m: rid(m.display_name, m.pk),
    )
    rooms = sorted(
        (r for r in Room.objects.filter(location=location, is_active=True) if modality in r.modalities),
        key=lambda r: rid(r.name, r.pk),
    )
    devices = sorted(
        Device.objects.filter(location=location, is_active=True, modality=modality),
        key=lambda d: rid(d.name, d.pk),
    )
    closed = set(Holiday.objects.filter(location=location).values_list("date", flat=True))
    off: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    for o in TimeOff.objects.filter(staff__in=people, starts_at__lt=end + length, ends_at__gt=start):
        off[o.staff_id].append((o.starts_at, o.ends_at))
    down: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    for dd in DeviceDowntime.objects.filter(
        device__in=devices, starts_at__lt=end + length, ends_at__gt=start
    ):
        down[dd.device_id].append((dd.starts_at, dd.ends_at))
    queries = 0

    def taken(field: str, pk: int, t: datetime) -> bool:
        nonlocal queries
        queries += 1
        return Appointment.objects.filter(
            **{field: pk}, status__in=HOLDING_STATUSES, starts_at__lt=t + length, blocked_until__gt=t
        ).exists()

    def within(spans: list[tuple[int, int]], local: datetime) -> bool:
        a = local.hour * 60 + local.minute
        b = a + int(length.total_seconds()) // 60
        return any(s <= a and b <= e for s, e in spans)

    def clear(periods: list[tuple[datetime, datetime]], t: datetime) -> bool:
        return all(not (s < t + length and t < e) for s, e in periods)

    found: list[SessionChoice] = []
    day = start.astimezone(tz).date()
    while datetime.combine(day, wall(), tz) < end:
        if day not in closed:
            for slot in range(0, 1440, 15):
                local = datetime.combine(day, _wall(slot), tz)
                t = local.astimezone(UTC)
                if not (start <= t < end) or not within(opening[day.weekday()], local):
                    continue
                who = next(
                    (
                        p
                        for p in people
                        if within(hours[p.pk][day.weekday()], local)
                        and clear(off[p.pk], t)
                        and not taken("practitioner_id", p.pk, t)
                    ),
                    None,
                )
                if who is None:
                    continue
                room = next((r for r in rooms if not taken("room_id", r.pk, t)), None)
                if room is None:
                    continue
                device = None
                if modality != NEEDLE:
                    device = next(
                        (d for d in devices if clear(down[d.pk], t) and not taken("device_id", d.pk, t)), None
                    )
                    if device is None:
                        continue
                found.append(SessionChoice(local, who, room, device))
        day += timedelta(days=1)
    return found, queries


def _minutes(t: wall) -> int:
    return t.hour * 60 + t.minute


# --- Measuring ----------------------------------------------------------------------------------------


def percentile(runs: list[float], q: float) -> float:
    ordered = sorted(runs)
    return ordered[round(q * (len(ordered) - 1))]


def row(label: str, n: int, seconds: float) -> str:
    return f"| {label} | {n} | {seconds * 1e3:.1f} ms | {1 / seconds:,.1f}/s |"


def month_window(month: int) -> tuple[datetime, datetime]:
    nxt = date(MEASURED_YEAR + month // 12, month % 12 + 1, 1)
    return datetime.combine(date(MEASURED_YEAR, month, 1), wall(), TZ), datetime.combine(nxt, wall(), TZ)


WALKS = ("1st walk (kept index grows)", "2nd walk (kept index covers the days)")


def after_a_write(location: Location) -> None:
    """What a write by *another* process (or a change of hours) does to this process's kept indexes: the
    location's version moves on without a patch, so the next call rebuilds (untimed)."""
    bump_schedule_versions(location_id=location.pk)


class PatchTimer:
    """Times ``selectors.patch_kept_indexes`` as the services call it on commit (the writer's extra cost)."""

    def __init__(self) -> None:
        self.runs: list[float] = []
        self.patched: list[int] = []
        self._wrapped = services.patch_kept_indexes

    def __enter__(self) -> PatchTimer:
        def timed(*args: Any, **kwargs: Any) -> int:
            t0 = time.perf_counter()
            n = self._wrapped(*args, **kwargs)
            self.runs.append(time.perf_counter() - t0)
            self.patched.append(n)
            return n

        services.patch_kept_indexes = timed  # type: ignore[assignment]
        return self

    def __exit__(self, *exc: object) -> None:
        services.patch_kept_indexes = self._wrapped  # type: ignore[assignment]


def own_write(location: Location, modality: str, lo: datetime, hi: datetime, rng: random.Random) -> None:
    """Two real writes by this process (untimed): move a booked session of ``modality`` starting in
    ``[lo, hi)`` to another free start that day, then back. Each commits and patches the kept indexes;
    afterwards the appointments are as built, so the answers must not change.
    """
    tz = location_timezone(location)
    candidates = list(
        Appointment.objects.filter(
            location=location,
            status=AppointmentStatus.BOOKED,
            protocol__modality__code=modality,
            starts_at__gte=lo,
            starts_at__lt=hi,
        )
        .select_related("protocol__modality", "practitioner", "room", "device", "location")
        .order_by("starts_at", "pk")[:20]
    )
    rng.shuffle(candidates)
    for appointment in candidates:
        day = datetime.combine(appointment.starts_at.astimezone(tz).date(), wall(), tz)
        free = [
            c
            for c in available_starts(
                location,
                appointment.protocol,
                day,
                day + timedelta(days=1),
                exclude_appointments=[appointment.pk],
            )
            if c.start != appointment.starts_at
        ]
        if not free:
            continue
        there = rng.choice(free)
        back = SessionChoice(
            appointment.starts_at, appointment.practitioner, appointment.room, appointment.device
        )
        for move in (there, back):
            services.reschedule_appointment(
                appointment,
                start=move.start,
                practitioner=move.practitioner,
                room=move.room,
                device=move.device,
                actor=None,
            )
        return
    sys.exit(f"no {modality} session to move between {lo} and {hi}")


def measure_propose(location: Location, protocols: list[Protocol], what: str) -> None:
    """(a) ``propose_series`` for 6-session series from varied moments, modalities and spacings.

    Each call right after another process's write (its index is rebuilt), then the same requests twice with
    nothing written in between (the kept index grows, then is reused), then each right after a write of
    this process (its kept index is patched on commit). The answers must be the same every time.
    """
    rng = random.Random(7)
    requests = []
    for _ in range(N_PROPOSE):
        day = date(MEASURED_YEAR, 1, 4) + timedelta(days=rng.randrange(220))
        earliest = datetime.combine(day, wall(rng.randrange(8, 18)), TZ)
        requests.append((rng.choice(protocols), earliest, rng.random() < 0.7))
    for protocol, earliest, same in requests[:5]:  # warm the connection and the caches
        propose_series(location, protocol, earliest=earliest, same_practitioner=same)
    cold, reads, planned = [], [], 0
    answers = []
    for protocol, earliest, same in requests:
        after_a_write(location)
        t0 = time.perf_counter()
        proposal = propose_series(location, protocol, earliest=earliest, same_practitioner=same)
        cold.append(time.perf_counter() - t0)
        planned += proposal.feasible
        answers.append(proposal)
        t0 = time.perf_counter()
        window = (earliest - timedelta(days=1), earliest + timedelta(days=122))
        engine_clinic(location, protocol.modality.code, window=window)
        reads.append(time.perf_counter() - t0)
    walks: list[list[float]] = [[], []]
    for warm in walks:  # the first walk grows the kept indexes to the days asked for; the second reuses them
        for (protocol, earliest, same), expected in zip(requests, answers, strict=True):
            t0 = time.perf_counter()
            proposal = propose_series(location, protocol, earliest=earliest, same_practitioner=same)
            warm.append(time.perf_counter() - t0)
            if proposal != expected:
                sys.exit(f"a kept index answered differently for {protocol} from {earliest}")
    own: list[float] = []
    rng = random.Random(13)
    with PatchTimer() as patches:
        for (protocol, earliest, same), expected in zip(requests, answers, strict=True):
            own_write(location, protocol.modality.code, earliest, earliest + timedelta(days=60), rng)
            t0 = time.perf_counter()
            proposal = propose_series(location, protocol, earliest=earliest, same_practitioner=same)
            own.append(time.perf_counter() - t0)
            if proposal != expected:
                sys.exit(f"a patched index answered differently for {protocol} from {earliest}")
    if min(patches.patched) < 1:
        sys.exit("a write of this process patched no kept index")
    label = (
        f"propose_series: 6 sessions, 120-day horizon, after this process's own write ({what}; same answers)"
    )
    print(row(label, N_PROPOSE, statistics.median(own)))
    print(row("propose_series: after this process's own write, p99", N_PROPOSE, percentile(own, 0.99)))
    label = (
        f"patching the kept indexes on commit, per write ({statistics.median(patches.patched):.0f} indexes)"
    )
    print(row(label, len(patches.runs), statistics.median(patches.runs)))
    print(
        row(
            "patching the kept indexes on commit, per write, p99",
            len(patches.runs),
            percentile(patches.runs, 0.99),
        )
    )
    label = (
        f"propose_series: 6 sessions, 120-day horizon, after another process's write ({what}; "
        f"{planned}/{N_PROPOSE} planned)"
    )
    print(row(label, N_PROPOSE, statistics.median(cold)))
    print(row("propose_series: after another process's write, p99", N_PROPOSE, percentile(cold, 0.99)))
    for warm, name in zip(walks, WALKS, strict=True):
        print(
            row(
                f"propose_series: nothing written since, {name} (same answers)",
                N_PROPOSE,
                statistics.median(warm),
            )
        )
        print(row(f"propose_series: nothing written, {name}, p99", N_PROPOSE, percentile(warm, 0.99)))
    label = "propose_series: reading the DB alone (engine_clinic, 123-day window), median"
    print(row(label, N_PROPOSE, statistics.median(reads)))


Timed = dict[tuple[int, str], tuple[float, list[SessionChoice]]]


def measure_available(location: Location, by_modality: dict[str, Protocol], what: str) -> Timed:
    """(b) ``available_starts`` for each modality in each month of the measured year, after another
    process's write, then with nothing written, then after a write of this process (the answers must be
    the same)."""
    timed: Timed = {}
    for month in range(1, 13):
        for modality in MODALITIES:
            lo, hi = month_window(month)
            after_a_write(location)
            t0 = time.perf_counter()
            starts = available_starts(location, by_modality[modality], lo, hi)
            timed[month, modality] = (time.perf_counter() - t0, starts)
    walks: list[list[float]] = [[], []]
    for (
        warm
    ) in walks:  # the first walk grows the kept indexes to the months asked for; the second reuses them
        for (month, modality), (_, expected) in timed.items():
            lo, hi = month_window(month)
            t0 = time.perf_counter()
            starts = available_starts(location, by_modality[modality], lo, hi)
            warm.append(time.perf_counter() - t0)
            if _picked(starts) != _picked(expected):
                sys.exit(f"a kept index answered differently for {modality} in month {month}")
    own: list[float] = []
    rng = random.Random(17)
    for (month, modality), (_, expected) in timed.items():
        lo, hi = month_window(month)
        own_write(location, modality, lo, hi, rng)
        t0 = time.perf_counter()
        starts = available_starts(location, by_modality[modality], lo, hi)
        own.append(time.perf_counter() - t0)
        if _picked(starts) != _picked(expected):
            sys.exit(f"a patched index answered differently for {modality} in month {month}")
    label = (
        f"available_starts: one modality, one month, after this process's own write ({what}; same answers)"
    )
    print(row(label, len(own), statistics.median(own)))
    print(row("available_starts: after this process's own write, p99", len(own), percentile(own, 0.99)))
    runs = [seconds for seconds, _ in timed.values()]
    slots = sum(len(starts) for _, starts in timed.values()) // len(timed)
    label = f"available_starts: one modality, one month, after another process's write ({what}; {slots} starts/query)"
    print(row(label, len(timed), statistics.median(runs)))
    print(row("available_starts: after another process's write, p99", len(timed), percentile(runs, 0.99)))
    for warm, name in zip(walks, WALKS, strict=True):
        label = f"available_starts: nothing written since, {name} (same answers)"
        print(row(label, len(warm), statistics.median(warm)))
        print(row(f"available_starts: nothing written, {name}, p99", len(warm), percentile(warm, 0.99)))
    return timed


def _picked(starts: list[SessionChoice]) -> list[tuple[datetime, int, int, int | None]]:
    return [(s.start, s.practitioner.pk, s.room.pk, s.device.pk if s.device else None) for s in starts]


def measure_per_slot(location: Location, by_modality: dict[str, Protocol], timed: Timed) -> None:
    """(c) The per-slot way on a sample of the same months; its answers must equal ``available_starts``'."""
    slow, fast, queries = [], [], 0
    for month, modality in random.Random(11).sample(sorted(timed), N_PER_SLOT):
        lo, hi = month_window(month)
        t0 = time.perf_counter()
        starts, sent = per_slot_starts(location, by_modality[modality], lo, hi)
        slow.append(time.perf_counter() - t0)
        queries += sent
        seconds, expected = timed[month, modality]
        fast.append(seconds)
        if _picked(starts) != _picked(expected):
            sys.exit(f"per-slot and available_starts disagree for {modality} in month {month}")
    ratio = statistics.median(slow) / statistics.median(fast)
    label = (
        f"per-slot queries: one modality, one month ({queries // N_PER_SLOT:,} EXISTS/query; same answers)"
    )
    print(row(label, N_PER_SLOT, statistics.median(slow)))
    print(
        f"| per-slot / available_starts after another process's write, same {N_PER_SLOT} months "
        f"| {N_PER_SLOT} | {ratio:,.0f}× slower | |"
    )


def main() -> None:
    location, build_seconds = ensure_database()
    vendor = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(connection.vendor, connection.vendor)
    what = f"{vendor}, {TARGET:,} appointments"
    protocols = list(
        Protocol.objects.filter(clinic_id=location.clinic_id, slug__startswith="bench-").select_related(
            "modality"
        )
    )
    measure_propose(location, protocols, what)
    by_modality = {p.modality.code: p for p in protocols if p.session_minutes == 45 and p.interval_days == 14}
    timed = measure_available(location, by_modality, what)
    measure_per_slot(location, by_modality, timed)
    if build_seconds is not None:
        label = f"booking DB: first build ({TARGET:,} appointments, kept for later runs)"
        print(f"| {label} | 1 | {build_seconds:.0f} s | {TARGET / build_seconds:,.0f} appointments/s |")


if __name__ == "__main__":
    main()

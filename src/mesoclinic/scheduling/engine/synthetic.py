"""A synthetic, reproducible clinic for benchmarks and scale tests (not used by the engine itself).

Defaults match the performance target: 50 practitioners, 20 rooms, 30 devices, twelve months and
500,000 busy intervals (about 14 per resource and open day), in Europe/Warsaw so that both DST changes
fall inside the year.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from .model import NEEDLE, Clinic, Resource, ResourceKind, WeeklyHours

__all__ = ["NEEDLE_FREE_MODALITIES", "synthetic_clinic"]

NEEDLE_FREE_MODALITIES = (
    "electroporation",
    "cryo_electroporation",
    "iontophoresis",
    "sonophoresis",
    "oxygen_infusion",
)
_PRACTITIONER_WEEKS = (
    {d: [(540, 1020)] for d in range(5)},  # Mon-Fri 09:00-17:00
    {d: [(480, 720), (780, 1140)] for d in range(5)},  # Mon-Fri 08:00-12:00, 13:00-19:00
    {**{d: [(600, 1200)] for d in (1, 2, 3)}, 5: [(540, 840)]},  # Tue-Thu 10:00-20:00, Sat 09:00-14:00
)
_FACILITY_WEEK = {d: [(480, 1200)] for d in range(6)}  # Mon-Sat 08:00-20:00


def synthetic_clinic(
    *,
    seed: int = 1,
    practitioners: int = 50,
    rooms: int = 20,
    devices: int = 30,
    first: date = date(2027, 1, 1),
    days: int = 365,
    busy_total: int = 500_000,
    tz: tzinfo | None = None,
    slot_minutes: int = 15,
    busy_minutes: tuple[int, int] = (15, 45),
) -> Clinic:
    """Generate a clinic with random qualifications, weekly hours and busy intervals.

    Parameters
    ----------
    seed : int
        Seed of the private random generator (same seed, same clinic).
    practitioners, rooms, devices : int
        How many of each; devices are spread evenly over :data:`NEEDLE_FREE_MODALITIES`.
    first : date
        First local date that carries busy intervals.
    days : int
        Number of local dates that carry busy intervals.
    busy_total : int
        Busy intervals over all resources, spread evenly, placed inside the resource's hours on its
        open days (they may overlap each other).
    tz : tzinfo, optional
        Default ``Europe/Warsaw``.
    slot_minutes : int
        The clinic's grid.
    busy_minutes : (int, int)
        Shortest and longest busy interval, on a 5-minute grid. The default keeps a practitioner about
        70% booked; ``(15, 90)`` saturates the clinic.

    Returns
    -------
    Clinic
    """
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not security
    zone = tz or ZoneInfo("Europe/Warsaw")
    resources: list[Resource] = []
    specs: list[tuple[str, ResourceKind, frozenset[str], dict[int, list[tuple[int, int]]]]] = []
    for i in range(practitioners):
        mods = frozenset({NEEDLE, *rng.sample(NEEDLE_FREE_MODALITIES, rng.randint(1, 4))})
        specs.append((f"p{i:03d}", ResourceKind.PRACTITIONER, mods, rng.choice(_PRACTITIONER_WEEKS)))
    for i in range(rooms):
        mods = frozenset({NEEDLE, *rng.sample(NEEDLE_FREE_MODALITIES, 3)})
        specs.append((f"r{i:03d}", ResourceKind.ROOM, mods, _FACILITY_WEEK))
    for i in range(devices):
        mods = frozenset({NEEDLE_FREE_MODALITIES[i % len(NEEDLE_FREE_MODALITIES)]})
        specs.append((f"d{i:03d}", ResourceKind.DEVICE, mods, _FACILITY_WEEK))
    per_resource = busy_total // max(len(specs), 1)
    for rid, kind, mods, week in specs:
        open_days = [
            first + timedelta(days=k) for k in range(days) if (first + timedelta(days=k)).weekday() in week
        ]
        busy = []
        for _ in range(per_resource if open_days else 0):
            day = rng.choice(open_days)
            start_min, end_min = rng.choice(week[day.weekday()])
            length = rng.randrange(busy_minutes[0], busy_minutes[1] + 1, 5)
            begin = rng.randrange(start_min, max(end_min - length, start_min + 1), 5)
            local = datetime(day.year, day.month, day.day, begin // 60, begin % 60, tzinfo=zone)
            start = local.astimezone(UTC)
            busy.append((start, start + timedelta(minutes=length)))
        hours = WeeklyHours(tuple(tuple(week.get(d, ())) for d in range(7)))
        resources.append(Resource(rid, kind, mods, hours, tuple(busy)))
    return Clinic(zone, slot_minutes, tuple(resources))

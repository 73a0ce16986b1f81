"""The calendar's geometry: 15-minute rows, the blocks placed on them, and overlapping blocks side by side.

Plain data and arithmetic on aware datetimes and minutes after local midnight; nothing here reads the database.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from mesoclinic.scheduling.models import Appointment
from mesoclinic.scheduling.selectors import SLOT_MINUTES

MAX_LANES = 6


@dataclass
class Block:
    """Something placed on a calendar column: an appointment, a free band, or closed/off shading."""

    kind: str
    row: int
    span: int
    start: datetime
    end: datetime
    lane: int = 1
    appointment: Appointment | None = None
    label: str = ""
    url: str = ""


@dataclass
class Column:
    """One column of the calendar: a resource's day (day view) or a day (week view).

    ``key`` names it (``practitioner-5``, ``room-2``, ``device-3``, ``device-none`` or the ISO day); the
    calendar's drag-to-move script reads it to know what a drop into the column changes.
    ``day_start`` is the local midnight the grid's minutes count from.
    """

    key: str
    title: str
    subtitle: str
    day: date
    day_start: datetime | None = None
    blocks: list[Block] = field(default_factory=list)
    shading: list[Block] = field(default_factory=list)
    free: list[Block] = field(default_factory=list)
    closed: str = ""
    lanes: int = 1


@dataclass(frozen=True)
class Grid:
    """The rows of the calendar: 15-minute slots from ``first`` to ``last`` minutes after midnight."""

    first: int
    last: int

    @property
    def rows(self) -> int:
        return (self.last - self.first) // SLOT_MINUTES

    def place(self, start: datetime, end: datetime, day_start: datetime) -> tuple[int, int] | None:
        """Grid row and span of ``[start, end)`` on the day that starts at ``day_start``; None if outside."""
        lo = (start - day_start).total_seconds() / 60
        hi = (end - day_start).total_seconds() / 60
        lo, hi = max(lo, self.first), min(hi, self.last)
        if hi <= lo:
            return None
        row = int((lo - self.first) // SLOT_MINUTES) + 1
        span = max(1, math.ceil((hi - self.first) / SLOT_MINUTES) - row + 1)
        return row, span

    def hours(self) -> list[tuple[int, str]]:
        """(grid row, "09:00") for each full hour shown."""
        return [
            ((m - self.first) // SLOT_MINUTES + 1, f"{m // 60:02d}:00")
            for m in range(self.first, self.last, 60)
            if m % 60 == 0
        ]


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


def _complement(spans: Sequence[tuple[int, int]], lo: int, hi: int) -> list[tuple[int, int]]:
    """The parts of ``[lo, hi)`` not covered by ``spans`` (minutes)."""
    out, cursor = [], lo
    for a, b in sorted(spans):
        if a > cursor:
            out.append((cursor, min(a, hi)))
        cursor = max(cursor, b)
    if cursor < hi:
        out.append((cursor, hi))
    return [(a, b) for a, b in out if a < b]


def _assign_lanes(blocks: list[Block]) -> int:
    """Put overlapping blocks side by side; returns the number of lanes the column needs.

    A block that overlaps nothing gets lane 0: the whole width.
    """
    ends: list[datetime] = []
    cluster: list[Block] = []
    cluster_end: datetime | None = None
    for block in sorted(blocks, key=lambda b: (b.start, b.end)):
        if cluster_end is not None and block.start >= cluster_end:
            if len(cluster) == 1:
                cluster[0].lane = 0
            cluster = []
        cluster.append(block)
        cluster_end = block.end if cluster_end is None or len(cluster) == 1 else max(cluster_end, block.end)
        for lane, end in enumerate(ends):
            if end <= block.start:
                ends[lane] = block.end
                block.lane = lane + 1
                break
        else:
            ends.append(block.end)
            block.lane = len(ends)
    if len(cluster) == 1:
        cluster[0].lane = 0
    for block in blocks:
        block.lane = min(block.lane, MAX_LANES)
    return min(max(len(ends), 1), MAX_LANES)


def _free_runs(starts: Sequence[datetime]) -> list[tuple[datetime, datetime]]:
    """Consecutive slot starts merged into runs ``(first start, last start)``."""
    runs: list[tuple[datetime, datetime]] = []
    step = timedelta(minutes=SLOT_MINUTES)
    for moment in sorted(starts):
        if runs and moment - runs[-1][1] == step:
            runs[-1] = (runs[-1][0], moment)
        else:
            runs.append((moment, moment))
    return runs

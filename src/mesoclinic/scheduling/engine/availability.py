"""When can a session of a modality take place? Free time per resource, combined per modality.

A resource's **free time** over a window of local dates is its weekly hours, expanded date by date in
the clinic's zone (DST-correct, see :mod:`.localdays`), minus its busy intervals. It is computed once per
resource when a :class:`ClinicIndex` is built; every later question is answered from those sets by
binary search, never by rescanning busy intervals.

A session of a modality occupies ``L`` = duration + buffer seconds of one practitioner, one room and,
unless the modality is needle, one device, each qualified for the modality. Its **feasible starts** are

    ``∪ practitioners.shrink(L)  ∩  ∪ rooms.shrink(L)  ∩  ∪ devices.shrink(L)``

(for one named practitioner, only that practitioner's set), restricted to starts whose block ends by the
next local midnight, then snapped to the slot grid. ``shrink(L)`` turns free ``[a, b)`` into the starts
``[a, b - L]`` of a block of length ``L``.

Two ways to ask:

* :meth:`ClinicIndex.feasible_starts` / :meth:`ClinicIndex.slot_starts` materialise the answer over a
  window with the set operations above (a month for a modality: every bookable slot).
* :meth:`ClinicIndex.next_start` finds only the *first* feasible grid start at or after an instant by
  "leapfrogging" between the groups: each group moves the candidate to its earliest fitting start, until
  a full round leaves it unchanged. This is what the planner calls, a handful of times per local date.

References
----------
.. [1] Easy!Appointments, ``application/libraries/Availability.php`` (working plan minus breaks minus
   appointments, stepped every 15 minutes), https://github.com/alextselegidis/easyappointments
.. [2] Cal.com, ``packages/lib/slots.ts`` and issues #5277, #21103 (slot search that re-queries per slot
   or per member takes seconds), https://github.com/calcom/cal.com
.. [3] T. L. Veldhuizen, "Leapfrog Triejoin: a worst-case optimal join algorithm", ICDT 2014,
   doi:10.5441/002/icdt.2014.13 (the seek-to-the-largest-candidate intersection used by ``next_start``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from math import ceil, floor
from types import MappingProxyType

from .intervals import IntervalSet
from .localdays import LocalDays, epoch_seconds
from .model import NEEDLE, Clinic, Resource, ResourceKind

__all__ = ["ClinicIndex", "free_time"]

Group = Sequence[IntervalSet]


def free_time(resource: Resource, days: LocalDays) -> IntervalSet:
    """A resource's free time over the window of ``days``: weekly and extra hours minus busy intervals.

    Parameters
    ----------
    resource : Resource
    days : LocalDays
        The window of local dates and its time zone.

    Returns
    -------
    IntervalSet
        Instants (epoch seconds) inside the window when the resource is open and not busy.
    """
    return _free_on(resource, days, 0, days.n_days - 1)


def _free_on(resource: Resource, days: LocalDays, i: int, j: int) -> IntervalSet:
    """``free_time`` on the dates ``i .. j`` of the window only (instants ``day_start(i) .. day_end(j)``).

    Free time on one date depends only on that date's hours and on the busy intervals overlapping it,
    so the free time of the window is the union of its dates' (what ``ClinicIndex.with_busy`` relies on).
    Extra hours are rounded inwards to whole seconds and busy time outwards: neither gives away a second.
    """
    weekday0 = days.first.weekday()
    week = resource.hours.days
    lo, hi = days.day_start(i), days.day_end(j)
    pairs: list[tuple[int, int]] = []
    for k in range(i, j + 1):
        for start, end in week[(weekday0 + k) % 7]:
            pairs.extend(days.wall_range(k, start * 60, end * 60))
    for opens, closes in resource.extra:
        a = max(ceil(opens.timestamp()), lo)
        b = min(floor(closes.timestamp()), hi)
        if a < b:
            pairs.append((a, b))
    opened = IntervalSet.from_intervals(pairs)
    busy = []
    for (
        taken_from,
        taken_until,
    ) in resource.busy:  # aware, checked by Resource; timestamp() is the fast C path
        a = floor(taken_from.timestamp())
        b = ceil(taken_until.timestamp())
        if b > lo and a < hi:
            busy.append((a, b))
    return opened - IntervalSet.from_intervals(busy)


Span = tuple[datetime, datetime]
_NOTHING = IntervalSet()


@dataclass(frozen=True, eq=False)
class ClinicIndex:
    """Per-resource free time of a clinic over a window of local dates, ready for queries.

    Build with :meth:`build`. Immutable after construction; safe to share between queries.

    Attributes
    ----------
    clinic : Clinic
    days : LocalDays
        The window, time zone and slot grid.
    free : mapping of str to IntervalSet
        Free time of each resource by id.
    """

    clinic: Clinic
    days: LocalDays
    free: Mapping[str, IntervalSet]

    @classmethod
    def build(cls, clinic: Clinic, first: date, last: date) -> ClinicIndex:
        """Index ``clinic`` over the local dates ``first .. last`` (inclusive).

        Parameters
        ----------
        clinic : Clinic
        first, last : date
            Local dates in the clinic's zone.

        Returns
        -------
        ClinicIndex

        Notes
        -----
        Cost is one sort-and-sweep per resource, O(B log B + H) for B busy intervals and H hour
        intervals in the window.
        """
        days = LocalDays.build(clinic.timezone, first, last, slot_minutes=clinic.slot_minutes)
        free = {resource.id: free_time(resource, days) for resource in clinic.resources}
        return cls(clinic, days, MappingProxyType(free))

    def with_busy(self, changes: Mapping[str, tuple[Sequence[Span], Sequence[Span]]]) -> ClinicIndex:
        """This index after some resources' busy time changed: ``changes[id] = (added, removed)``.

        What a booking (added), a cancellation (removed) or a move (both) does to the free time, without
        rebuilding: only the changed resources are touched. A resource that only gains busy time loses
        exactly that time (a binary search per interval); one that loses some is recomputed on the local
        dates its changed intervals overlap (hours and extra hours minus its remaining busy time there).
        The result equals :meth:`build` of the changed clinic over the same dates (free sets and, for
        every interval inside the window, the busy lists).

        Parameters
        ----------
        changes : mapping of str to (sequence, sequence) of (datetime, datetime)
            Busy intervals added to and removed from each resource, aware; see
            :meth:`Resource.with_busy` (adding an interval already there changes nothing, so a booking
            applied twice is harmless; removing one of two equal intervals keeps the other). Ids that
            are not resources of the clinic, and intervals outside the window, are ignored.

        Returns
        -------
        ClinicIndex
            A new index; this one is unchanged (readers holding it are not disturbed).

        Raises
        ------
        ValueError
            If an added interval is naive or ends before it starts.
        """
        days = self.days
        by_id = {r.id: r for r in self.clinic.resources}
        free = dict(self.free)
        for rid, (added, removed) in changes.items():
            old = by_id.get(rid)
            if old is None:
                continue
            inside = [s for s in (*added, *removed) if _overlaps(s, days)]
            if not inside:
                continue
            new = old.with_busy([s for s in added if _overlaps(s, days)], removed)
            by_id[rid] = new
            if any(_overlaps(s, days) for s in removed):  # what else holds that time: recompute its dates
                for i, j in _date_runs(inside, days):
                    free[rid] = free[rid].splice(
                        days.day_start(i), days.day_end(j), _free_on(new, days, i, j)
                    )
            else:  # only booked: free time minus the new intervals, no need to look at the others
                for a, b in inside:
                    free[rid] = free[rid].splice(floor(a.timestamp()), ceil(b.timestamp()), _NOTHING)
        clinic = Clinic(
            self.clinic.timezone, self.clinic.slot_minutes, tuple(by_id[r.id] for r in self.clinic.resources)
        )
        return ClinicIndex(clinic, days, MappingProxyType(free))

    def within_daily(self, start_minute: int, end_minute: int) -> ClinicIndex:
        """This index with the practitioners' free time kept only between two wall-clock times of each date.

        A patient who can come only in the morning (or afternoon, or evening) asks for sessions whose whole
        block lies inside that part of every local date. Every session needs a practitioner, so narrowing
        the practitioners' free time is enough: the planner and the slot queries then find only starts
        whose ``[start, start + L)`` fits inside the window, on every date, DST dates included.

        Parameters
        ----------
        start_minute, end_minute : int
            Wall-clock minutes after local midnight, ``0 <= start_minute < end_minute <= 1440``.

        Returns
        -------
        ClinicIndex
            A new index over the same dates; this one is unchanged.

        Raises
        ------
        ValueError
            If the window is empty or outside one day.
        """
        if not 0 <= start_minute < end_minute <= 24 * 60:
            raise ValueError(
                f"daily window: need 0 <= start < end <= 1440 minutes, got {start_minute}, {end_minute}"
            )
        days = self.days
        window = IntervalSet.from_intervals(
            pair
            for i in range(days.n_days)
            for pair in days.wall_range(i, start_minute * 60, end_minute * 60)
        )
        free = {
            r.id: (self.free[r.id] & window if r.kind is ResourceKind.PRACTITIONER else self.free[r.id])
            for r in self.clinic.resources
        }
        return ClinicIndex(self.clinic, days, MappingProxyType(free))

    # -- who ---------------------------------------------------------------------------------------

    def qualified(self, kind: ResourceKind, modality: str) -> tuple[str, ...]:
        """Ids of the resources of ``kind`` qualified for ``modality``, sorted (the tie-break order)."""
        return tuple(sorted(r.id for r in self.clinic.resources if r.kind is kind and r.qualifies(modality)))

    def needs(self, modality: str) -> tuple[ResourceKind, ...]:
        """The kinds of resource a session of ``modality`` books (a device for all but needle)."""
        if modality == NEEDLE:
            return (ResourceKind.PRACTITIONER, ResourceKind.ROOM)
        return (ResourceKind.PRACTITIONER, ResourceKind.ROOM, ResourceKind.DEVICE)

    def candidates(self, modality: str, *, practitioner: str | None = None) -> list[tuple[str, ...]]:
        """Ids per needed kind (practitioners, rooms[, devices]); ``practitioner`` narrows the first.

        Raises
        ------
        ValueError
            If ``practitioner`` is not a practitioner qualified for ``modality``.
        """
        out = [self.qualified(kind, modality) for kind in self.needs(modality)]
        if practitioner is not None:
            if practitioner not in out[0]:
                raise ValueError(
                    f"practitioner: {practitioner!r} is not a practitioner qualified for {modality}"
                )
            out[0] = (practitioner,)
        return out

    # -- materialised answers ------------------------------------------------------------------------

    def feasible_starts(
        self, modality: str, length: int, lo: int, hi: int, *, practitioner: str | None = None
    ) -> IntervalSet:
        """Every instant in ``[lo, hi)`` at which a session occupying ``length`` seconds can start.

        Parameters
        ----------
        modality : str
        length : int
            Occupied seconds (duration + buffer), ``>= 1``.
        lo, hi : int
            Window of starts, epoch seconds.
        practitioner : str, optional
            Only this practitioner instead of any qualified one.

        Returns
        -------
        IntervalSet
            Not snapped to the grid; see :meth:`slot_starts`.
        """
        _check_length(length)
        lo, hi = max(lo, self.days.lo), min(hi, self.days.hi)
        if hi <= lo:
            return IntervalSet()
        result: IntervalSet | None = None
        for ids in self.candidates(modality, practitioner=practitioner):
            union = IntervalSet.union_all(self.free[i].clip(lo, hi + length).shrink(length) for i in ids)
            result = union if result is None else result & union
        assert result is not None  # noqa: S101 - needs() is never empty
        return result & self._same_day_starts(length, lo, hi)

    def slot_starts(
        self, modality: str, length: int, lo: int, hi: int, *, practitioner: str | None = None
    ) -> list[int]:
        """Grid instants in ``[lo, hi)`` at which a session occupying ``length`` seconds can start."""
        out: list[int] = []
        for a, b in self.feasible_starts(modality, length, lo, hi, practitioner=practitioner):
            out.extend(self.days.grid_points(a, b))
        return out

    def available_slots(
        self,
        modality: str,
        occupied_minutes: int,
        start: datetime,
        end: datetime,
        *,
        practitioner: str | None = None,
    ) -> tuple[datetime, ...]:
        """Bookable slot starts between ``start`` and ``end`` as local aware datetimes.

        Parameters
        ----------
        modality : str
        occupied_minutes : int
            Duration plus buffer, ``>= 1``.
        start, end : datetime
            Aware window of starts, half-open.
        practitioner : str, optional

        Returns
        -------
        tuple of datetime
            In the clinic's zone, with the local offset.
        """
        _check_length(occupied_minutes)
        starts = self.slot_starts(
            modality,
            occupied_minutes * 60,
            epoch_seconds(start),
            epoch_seconds(end),
            practitioner=practitioner,
        )
        return tuple(self.days.local(t) for t in starts)

    def _same_day_starts(self, length: int, lo: int, hi: int) -> IntervalSet:
        """Starts in ``[lo, hi)`` whose block of ``length`` ends by the next local midnight."""
        days = self.days
        pairs = []
        for i in range(max(days.day_of(lo), 0), min(days.day_of(hi - 1), days.n_days - 1) + 1):
            pairs.append((max(days.day_start(i), lo), min(days.day_end(i) - length + 1, hi)))
        return IntervalSet.from_intervals(p for p in pairs if p[0] < p[1])

    # -- first feasible start (planner) -----------------------------------------------------------------

    def groups(self, ids_per_kind: Sequence[Sequence[str]]) -> list[list[IntervalSet]]:
        """The free sets of ``ids_per_kind``, in the same shape (input of :meth:`next_start`)."""
        return [[self.free[i] for i in ids] for ids in ids_per_kind]

    def next_start(self, groups: Sequence[Group], length: int, lo: int, hi: int) -> int | None:
        """First grid instant ``s`` in ``[lo, hi)`` where every group has a member free for ``[s, s + length)``.

        Parameters
        ----------
        groups : sequence of sequence of IntervalSet
            One group per needed kind; a group is satisfied when *any* of its sets fits.
        length : int
            Occupied seconds, ``>= 1``.
        lo, hi : int
            Window of starts.

        Returns
        -------
        int or None
            The start, whose block also ends by the next local midnight; None if there is none.

        Notes
        -----
        Leapfrog search [3]_: the candidate only moves forward, each move to a boundary of some set or to
        the next grid point or day, so it terminates; at the fixed point every group fits, and no smaller
        candidate can, because each move skipped only starts some group cannot take.
        """
        days = self.days
        x = lo
        while True:
            g = days.grid_ceil(x)
            if g is None or g >= hi:
                return None
            y = g
            for group in groups:
                best: int | None = None
                for free in group:
                    f = free.next_fit(y, length)
                    if f is not None and (best is None or f < best):
                        best = f
                        if f == y:
                            break
                if best is None:
                    return None
                y = best
            if y == g:
                i = days.day_of(g)
                end = days.day_end(i)
                if g + length <= end:
                    return g
                x = end
            else:
                x = y

    def first_free(self, ids: Sequence[str], start: int, length: int) -> str | None:
        """The first id (in the given order) free for ``[start, start + length)``, or None."""
        for i in ids:
            if self.free[i].covers(start, start + length):
                return i
        return None


def _overlaps(span: Span, days: LocalDays) -> bool:
    """Whether the aware interval ``span`` overlaps the window of ``days``."""
    return ceil(span[1].timestamp()) > days.lo and floor(span[0].timestamp()) < days.hi


def _date_runs(spans: Sequence[Span], days: LocalDays) -> list[tuple[int, int]]:
    """The window's dates that ``spans`` overlap, as merged runs ``(first, last)`` of date indices."""
    ranges = sorted(
        (
            max(days.day_of(floor(a.timestamp())), 0),
            min(days.day_of(ceil(b.timestamp()) - 1), days.n_days - 1),
        )
        for a, b in spans
    )
    runs: list[tuple[int, int]] = []
    for i, j in ranges:
        if runs and i <= runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], max(runs[-1][1], j))
        else:
            runs.append((i, j))
    return runs


def _check_length(length: int) -> None:
    """Raise ValueError unless ``length`` is a positive int."""
    if not isinstance(length, int) or isinstance(length, bool) or length < 1:
        raise ValueError(f"length: expected a positive whole number, got {length!r}")

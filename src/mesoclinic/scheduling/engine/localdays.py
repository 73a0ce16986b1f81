"""Local calendar days of one time zone as UTC-epoch seconds: day boundaries, wall-clock hours, slot grid.

Everything the engine compares is an integer instant (seconds since the UTC epoch). What people write is
wall-clock time in the clinic's zone: "Mondays 09:00-13:00", "every 15 minutes from midnight", "14 days
later". :class:`LocalDays` translates between the two for a window of local dates, exactly across
daylight-saving changes, by splitting the window into *segments* of constant UTC offset.

Definitions (used by the whole engine)
--------------------------------------
* The **wall clock** of an instant ``u`` is ``u + offset(u)``; a wall-clock time "exists" on a date when
  some instant shows it. On a spring-forward day 02:00-02:59 exists nowhere; on a fall-back day
  02:00-02:59 is shown twice.
* **Local date** ``D`` is the interval from the first instant whose wall clock shows ``D`` (or later) up
  to the first that shows ``D + 1``.
* **Hours** ``[s, e)`` on date ``D`` are *all* instants of ``D`` whose wall clock shows a time in
  ``[s, e)``: a spring-forward day is an hour shorter inside hours that span the gap, a fall-back day an
  hour longer. ``e = 24:00`` means "to the end of the date".
* The **slot grid** is the set of instants whose wall clock shows a multiple of the slot length after
  midnight (wall-clock minutes, so "09:45" is on a 45-minute grid on every day, DST or not). Missing wall
  times have no grid point; repeated ones have two.

Assumption: the zone changes its offset at most once in any 6 hours and never moves its wall clock back
across midnight into the previous date (true of the tz database for every zone in current use).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo

_Date = date  # the type, under a name that the method LocalDays.date does not shadow

__all__ = ["LocalDays", "epoch_seconds"]

_DAY = 86_400
_SAMPLE = 6 * 3_600  # offset sampling step; transitions are assumed at least this far apart
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_MAX_DAYS = 40_000


def epoch_seconds(moment: datetime) -> int:
    """Seconds since the UTC epoch of an aware datetime, rounded down.

    Parameters
    ----------
    moment : datetime
        Must be timezone-aware.

    Returns
    -------
    int

    Raises
    ------
    ValueError
        If ``moment`` is naive.
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"moment: {moment.isoformat()} has no time zone (naive datetimes are ambiguous)")
    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    return delta.days * _DAY + delta.seconds


@dataclass(frozen=True, eq=False)
class LocalDays:
    """The local dates ``first .. first + n_days - 1`` of ``tz``, with their boundaries and slot grid.

    Build with :meth:`build`; the attributes are precomputed tables.

    Attributes
    ----------
    tz : tzinfo
        The zone (a :class:`zoneinfo.ZoneInfo`).
    first : date
        First local date of the window.
    slot_seconds : int
        Grid step in seconds.
    starts : tuple of int
        ``starts[i]`` is the first instant of date ``first + i``; ``n_days + 1`` entries, so date ``i``
        is ``[starts[i], starts[i + 1])``.
    seg_starts, seg_offsets : tuple of int
        Constant-offset segments: offset ``seg_offsets[k]`` (seconds east of UTC) holds from
        ``seg_starts[k]`` up to ``seg_starts[k + 1]``.
    irregular : dict of int to tuple of int
        For every date that contains an offset change, its explicit grid points; other dates are
        "regular" (one offset all day) and their grid is ``starts[i] + k * slot_seconds``.
    """

    tz: tzinfo
    first: date
    slot_seconds: int
    starts: tuple[int, ...]
    seg_starts: tuple[int, ...]
    seg_offsets: tuple[int, ...]
    irregular: dict[int, tuple[int, ...]]

    @classmethod
    def build(cls, tz: tzinfo, first: date, last: date, *, slot_minutes: int) -> LocalDays:
        """Tabulate the dates ``first .. last`` (inclusive) of ``tz``.

        Parameters
        ----------
        tz : tzinfo
            The clinic's zone, e.g. ``ZoneInfo("Europe/Warsaw")``.
        first, last : date
            Window of local dates, ``first <= last``.
        slot_minutes : int
            Grid step, 1 to 1440 minutes.

        Returns
        -------
        LocalDays

        Raises
        ------
        ValueError
            If the window is inverted or too long, or ``slot_minutes`` is out of range.
        """
        _check_window(first, last)
        _check_slot_minutes(slot_minutes)
        lo = _naive_midnight(first) - 2 * _DAY
        hi = _naive_midnight(last) + 3 * _DAY
        seg_starts, seg_offsets = _segments(tz, lo, hi)
        n = (last - first).days + 1
        starts = tuple(
            _first_at_or_after(seg_starts, seg_offsets, _naive_midnight(first + timedelta(days=i)))
            for i in range(n + 1)
        )
        step = slot_minutes * 60
        irregular: dict[int, tuple[int, ...]] = {}
        for i in range(n):
            a, b = starts[i], starts[i + 1]
            k = bisect_right(seg_starts, a) - 1
            if b - a == _DAY and bisect_left(seg_starts, b) - 1 == k:
                continue
            midnight = _naive_midnight(first + timedelta(days=i))
            points: set[int] = set()
            for wall in range(0, _DAY, step):
                hits = _wall_instants(
                    seg_starts, seg_offsets, a, b, wall_lo=midnight + wall, wall_hi=midnight + wall + 1
                )
                points.update(lo for lo, _ in hits)
            irregular[i] = tuple(sorted(points))
        return cls(tz, first, step, starts, seg_starts, seg_offsets, irregular)

    # -- dates -------------------------------------------------------------------------------------

    @property
    def n_days(self) -> int:
        """Number of local dates in the window."""
        return len(self.starts) - 1

    @property
    def lo(self) -> int:
        """First instant of the window."""
        return self.starts[0]

    @property
    def hi(self) -> int:
        """End (exclusive) of the window."""
        return self.starts[-1]

    def date(self, i: int) -> date:
        """The local date with index ``i``."""
        return self.first + timedelta(days=i)

    def index(self, day: _Date) -> int:
        """Index of the local date ``day`` (may lie outside ``0 .. n_days - 1``)."""
        return (day - self.first).days

    def day_of(self, t: int) -> int:
        """Index of the local date holding instant ``t``: -1 before the window, ``n_days`` after it."""
        return bisect_right(self.starts, t) - 1

    def day_start(self, i: int) -> int:
        """First instant of date ``i``."""
        return self.starts[i]

    def day_end(self, i: int) -> int:
        """First instant after date ``i``."""
        return self.starts[i + 1]

    def local(self, t: int) -> datetime:
        """Instant ``t`` as an aware datetime in the zone."""
        return datetime.fromtimestamp(t, self.tz)

    def offset(self, t: int) -> int:
        """UTC offset in seconds at instant ``t`` (inside the tabulated span)."""
        return self.seg_offsets[bisect_right(self.seg_starts, t) - 1]

    # -- wall clock --------------------------------------------------------------------------------

    def wall_range(self, i: int, start: int, end: int) -> list[tuple[int, int]]:
        """Instants of date ``i`` whose wall clock shows a time in ``[start, end)`` seconds after midnight.

        Parameters
        ----------
        i : int
            Date index, ``0 <= i < n_days``.
        start, end : int
            Wall-clock seconds after midnight, ``0 <= start < end <= 86400``.

        Returns
        -------
        list of (int, int)
            One interval on ordinary dates; up to one per offset segment on a DST date.
        """
        a, b = self.starts[i], self.starts[i + 1]
        if i not in self.irregular:
            return [(a + start, min(a + end, b))]
        midnight = _naive_midnight(self.first) + i * _DAY
        return _wall_instants(
            self.seg_starts, self.seg_offsets, a, b, wall_lo=midnight + start, wall_hi=midnight + end
        )

    def first_at_or_after(self, wall: datetime) -> int:
        """First instant whose wall clock shows ``wall`` (a naive local datetime) or later.

        Used for "``horizon_days`` after ``earliest``": a missing wall time maps to the moment the clocks
        jump past it, a repeated one to its first occurrence.
        """
        return _first_at_or_after(self.seg_starts, self.seg_offsets, _naive_seconds(wall))

    # -- grid --------------------------------------------------------------------------------------

    def grid_ceil(self, t: int) -> int | None:
        """The first slot-grid instant ``>= t`` inside the window, or None.

        Parameters
        ----------
        t : int
            Any instant; before the window it means the window's start.

        Returns
        -------
        int or None
        """
        starts = self.starts
        n = len(starts) - 1
        i = bisect_right(starts, t) - 1
        if i < 0:
            i, t = 0, starts[0]
        step = self.slot_seconds
        while i < n:
            grid = self.irregular.get(i)
            if grid is None:
                a = starts[i]
                g = a - ((a - t) // step) * step  # a + ceil((t - a) / step) * step
                if g < starts[i + 1]:
                    return g
            else:
                k = bisect_left(grid, t)
                if k < len(grid):
                    return grid[k]
            i += 1
            t = starts[i] if i < n else t
        return None

    def grid_points(self, lo: int, hi: int) -> list[int]:
        """All slot-grid instants in ``[lo, hi)``, in order."""
        out: list[int] = []
        g = self.grid_ceil(lo)
        step = self.slot_seconds
        while g is not None and g < hi:
            i = self.day_of(g)
            if i in self.irregular:
                grid = self.irregular[i]
                out.extend(p for p in grid[bisect_left(grid, g) :] if p < hi)
            else:
                end = min(self.starts[i + 1], hi)
                out.extend(range(g, end, step))
            g = self.grid_ceil(self.starts[i + 1]) if i + 1 < self.n_days else None
        return out

    def on_grid(self, t: int) -> bool:
        """Whether instant ``t`` is a slot-grid instant of the window."""
        return self.grid_ceil(t) == t


def _naive_midnight(day: date) -> int:
    """Wall-clock midnight of ``day`` as naive epoch seconds (what the clock shows, not an instant)."""
    return (day.toordinal() - _EPOCH_ORDINAL) * _DAY


def _naive_seconds(wall: datetime) -> int:
    """A naive local datetime as naive epoch seconds."""
    return _naive_midnight(wall.date()) + wall.hour * 3600 + wall.minute * 60 + wall.second


def _offset_at(tz: tzinfo, u: int) -> int:
    """UTC offset of ``tz`` at instant ``u``, in seconds."""
    off = datetime.fromtimestamp(u, tz).utcoffset()
    assert off is not None  # noqa: S101 - aware by construction
    return int(off.total_seconds())


def _segments(tz: tzinfo, lo: int, hi: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Constant-offset segments over ``[lo, hi)``: sample every 6 h, bisect each change to the second."""
    starts = [lo]
    offsets = [_offset_at(tz, lo)]
    u = lo
    while u < hi:
        v = u + _SAMPLE
        off = _offset_at(tz, v)
        if off != offsets[-1]:
            left, right = u, v  # offset(left) is the old one, offset(right) the new one
            while right - left > 1:
                mid = (left + right) // 2
                if _offset_at(tz, mid) == offsets[-1]:
                    left = mid
                else:
                    right = mid
            starts.append(right)
            offsets.append(off)
        u = v
    return tuple(starts), tuple(offsets)


def _first_at_or_after(seg_starts: tuple[int, ...], seg_offsets: tuple[int, ...], wall: int) -> int:
    """First instant whose wall clock (naive seconds) is ``>= wall``."""
    n = len(seg_starts)
    for k in range(n):
        o = seg_offsets[k]
        end = seg_starts[k + 1] if k + 1 < n else None
        if end is None or end + o > wall:
            return max(seg_starts[k], wall - o)
    raise AssertionError("unreachable: the last segment is unbounded")  # pragma: no cover


def _wall_instants(
    seg_starts: tuple[int, ...], seg_offsets: tuple[int, ...], a: int, b: int, *, wall_lo: int, wall_hi: int
) -> list[tuple[int, int]]:
    """Instants in ``[a, b)`` whose wall clock (naive seconds) lies in ``[wall_lo, wall_hi)``."""
    out: list[tuple[int, int]] = []
    n = len(seg_starts)
    for k in range(max(bisect_right(seg_starts, a) - 1, 0), n):
        s = seg_starts[k]
        if s >= b:
            break
        e = seg_starts[k + 1] if k + 1 < n else b
        o = seg_offsets[k]
        lo = max(s, a, wall_lo - o)
        hi = min(e, b, wall_hi - o)
        if lo < hi:
            out.append((lo, hi))
    return out


def _check_window(first: date, last: date) -> None:
    """Raise ValueError unless ``first <= last`` spans at most ``_MAX_DAYS`` dates."""
    if last < first:
        raise ValueError(f"last: {last.isoformat()} is before first {first.isoformat()}")
    if (last - first).days >= _MAX_DAYS:
        raise ValueError(f"last: window of {(last - first).days + 1} days is too long (max {_MAX_DAYS})")


def _check_slot_minutes(slot_minutes: int) -> None:
    """Raise ValueError unless ``slot_minutes`` is an int in 1..1440."""
    if not isinstance(slot_minutes, int) or not 1 <= slot_minutes <= 1440:
        raise ValueError(f"slot_minutes: expected 1 to 1440 minutes, got {slot_minutes!r}")

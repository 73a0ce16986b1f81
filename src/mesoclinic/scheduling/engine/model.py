"""Plain values of the scheduling core: resources, the clinic, a series request and the resulting plan.

Every value validates itself on construction with a ``_check_*`` helper whose ValueError starts with the
name of the bad field (``"tolerance_days: ..."``), so the JSON reader can prefix its path and callers in
Python get the same words.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from enum import StrEnum
from typing import TypedDict

__all__ = [
    "DAY_NAMES",
    "MAX_HORIZON_DAYS",
    "MAX_SESSIONS",
    "NEEDLE",
    "Clinic",
    "Plan",
    "PlanDict",
    "PlanRequest",
    "PlanStatus",
    "PlannedSession",
    "PlannedSessionDict",
    "Resource",
    "ResourceKind",
    "SeriesRequest",
    "WeeklyHours",
]

NEEDLE = "needle"
"""The one modality delivered without a device: its sessions book a practitioner and a room only."""

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""Day keys of weekly hours, Monday first (``date.weekday()`` order)."""

MAX_SESSIONS = 100
MAX_HORIZON_DAYS = 3660
YEARS = (1900, 9000)
"""Datetimes outside these years are rejected (a calendar window around them must stay representable)."""
_MINUTES_PER_DAY = 1440


class ResourceKind(StrEnum):
    """What a resource is; every session books one of each kind it needs."""

    PRACTITIONER = "practitioner"
    ROOM = "room"
    DEVICE = "device"


@dataclass(frozen=True, slots=True)
class WeeklyHours:
    """Opening hours per weekday as wall-clock minutes after midnight, half-open ``[start, end)``.

    Parameters
    ----------
    days : tuple of 7 tuples of (int, int)
        Monday first; each day a tuple of ``(start, end)`` minutes, ``0 <= start < end <= 1440``
        (1440 is "24:00", the end of the day). An empty day is closed. Overlapping or touching intervals
        are merged on construction.

    Raises
    ------
    ValueError
        ``days[1][0]: end 540 is not after start 780`` and the like.
    """

    days: tuple[tuple[tuple[int, int], ...], ...] = ((),) * 7

    def __post_init__(self) -> None:
        object.__setattr__(self, "days", _check_week(self.days))

    @classmethod
    def from_mapping(cls, hours: Mapping[str, Iterable[tuple[int, int]]]) -> WeeklyHours:
        """Build from ``{"mon": [(540, 780), ...], ...}``; missing days are closed.

        Raises
        ------
        ValueError
            For a key that is not one of :data:`DAY_NAMES`, or a bad interval.
        """
        for key in hours:
            if key not in DAY_NAMES:
                raise ValueError(f"hours: unknown day {key!r} (days: {', '.join(DAY_NAMES)})")
        return cls(tuple(tuple(hours.get(day, ())) for day in DAY_NAMES))

    @classmethod
    def every_day(cls, start: int, end: int) -> WeeklyHours:
        """The same ``[start, end)`` minutes on all seven days."""
        return cls(tuple(((start, end),) for _ in DAY_NAMES))


@dataclass(frozen=True, slots=True)
class Resource:
    """A practitioner, room or device that a session occupies.

    Parameters
    ----------
    id : str
        Unique in the clinic, non-empty; also the deterministic tie-break (smaller id wins).
    kind : ResourceKind
    modalities : frozenset of str
        Modality codes the resource is qualified or equipped for.
    hours : WeeklyHours
        When it can be booked, in the clinic's wall-clock time.
    busy : tuple of (datetime, datetime)
        Aware half-open intervals when it is already taken (appointments, breaks, leave).
    extra : tuple of (datetime, datetime)
        Aware half-open intervals when it can be booked *besides* its weekly hours (a practitioner's
        Saturday clinic). Busy time wins over both: the resource is free in ``hours ∪ extra − busy``.
    """

    id: str
    kind: ResourceKind
    modalities: frozenset[str]
    hours: WeeklyHours
    busy: tuple[tuple[datetime, datetime], ...] = ()
    extra: tuple[tuple[datetime, datetime], ...] = ()

    def __post_init__(self) -> None:
        _check_id(self.id)
        object.__setattr__(self, "kind", _check_kind(self.kind))
        object.__setattr__(self, "modalities", frozenset(self.modalities))
        _check_modalities(self.modalities)
        _check_busy(self.busy)
        _check_busy(self.extra, "extra")

    def qualifies(self, modality: str) -> bool:
        """Whether the resource can take part in a session of ``modality``."""
        return modality in self.modalities

    def with_busy(
        self,
        added: Iterable[tuple[datetime, datetime]] = (),
        removed: Iterable[tuple[datetime, datetime]] = (),
    ) -> Resource:
        """A copy whose busy time has ``added`` and lacks ``removed`` (an appointment booked, one freed).

        Parameters
        ----------
        added, removed : iterable of (datetime, datetime)
            Aware intervals, compared as instants. Each removed interval takes out one equal interval
            (another equal one, say a leave with the same bounds, stays); one that is absent is ignored.
            An added interval that is already busy is not added again, so adding twice is harmless.

        Returns
        -------
        Resource

        Raises
        ------
        ValueError
            ``busy[0]: ...`` if an added interval is not aware or ends before it starts. Only the added
            intervals are checked (the kept ones were checked when the resource was made), so a change
            costs one pass over the busy list.
        """
        plus = tuple((a.astimezone(UTC), b.astimezone(UTC)) for a, b in _aware_pairs(added))
        _check_busy(plus)
        busy = list(self.busy)
        for a, b in removed:
            span = (a.astimezone(UTC), b.astimezone(UTC))
            if span in busy:
                busy.remove(span)
        busy.extend(span for span in plus if span not in busy)
        out = object.__new__(Resource)
        for name in ("id", "kind", "modalities", "hours", "extra"):
            object.__setattr__(out, name, getattr(self, name))
        object.__setattr__(out, "busy", tuple(busy))
        return out


@dataclass(frozen=True, slots=True)
class Clinic:
    """The resources that sessions book, in one time zone, on one slot grid.

    Parameters
    ----------
    timezone : tzinfo
        The clinic's zone (a :class:`zoneinfo.ZoneInfo`); all wall-clock times are read in it.
    slot_minutes : int
        Starts lie on multiples of this many wall-clock minutes after local midnight, 1 to 1440.
    resources : tuple of Resource
        Unique ids.
    """

    timezone: tzinfo
    slot_minutes: int
    resources: tuple[Resource, ...]

    def __post_init__(self) -> None:
        _check_int(self.slot_minutes, "slot_minutes", 1, _MINUTES_PER_DAY)
        object.__setattr__(self, "resources", tuple(self.resources))
        _check_unique_ids(self.resources)


@dataclass(frozen=True, slots=True)
class SeriesRequest:
    """A treatment series to place: ``sessions`` sessions ``interval_days ± tolerance_days`` apart.

    Parameters
    ----------
    modality : str
        Modality code; every modality except :data:`NEEDLE` also needs a device.
    sessions : int
        Number of sessions, 1 to :data:`MAX_SESSIONS`.
    interval_days : int
        Target gap between consecutive sessions in local calendar days, ``>= 1``.
    duration_minutes : int
        Length of one session, ``>= 1``; ``end`` of a planned session is start + duration.
    earliest : datetime
        Aware; no session starts before it.
    tolerance_days : int, default 0
        Allowed deviation from ``interval_days``; must be below ``interval_days`` so that consecutive
        sessions fall on different days.
    buffer_minutes : int, default 0
        Cleaning/turnover time after a session during which its resources stay occupied.
        ``duration_minutes + buffer_minutes`` must be at most 1440 (one day).
    same_practitioner : bool, default True
        Whether one practitioner must do every session.
    horizon_days : int, default 120
        The last session starts at the latest ``horizon_days`` local calendar days after ``earliest``
        (same wall-clock time; a skipped time means the moment the clocks jump), 1 to
        :data:`MAX_HORIZON_DAYS`.
    """

    modality: str
    sessions: int
    interval_days: int
    duration_minutes: int
    earliest: datetime
    tolerance_days: int = 0
    buffer_minutes: int = 0
    same_practitioner: bool = True
    horizon_days: int = 120

    def __post_init__(self) -> None:
        _check_modality(self.modality, "modality")
        _check_int(self.sessions, "sessions", 1, MAX_SESSIONS)
        _check_int(self.interval_days, "interval_days", 1, MAX_HORIZON_DAYS)
        _check_int(self.tolerance_days, "tolerance_days", 0, MAX_HORIZON_DAYS)
        if self.tolerance_days >= self.interval_days:
            raise ValueError(
                f"tolerance_days: must be less than interval_days ({self.tolerance_days} >= "
                f"{self.interval_days}), so that consecutive sessions fall on different days"
            )
        _check_int(self.duration_minutes, "duration_minutes", 1, _MINUTES_PER_DAY)
        _check_int(self.buffer_minutes, "buffer_minutes", 0, _MINUTES_PER_DAY)
        if self.duration_minutes + self.buffer_minutes > _MINUTES_PER_DAY:
            raise ValueError(
                f"buffer_minutes: duration_minutes + buffer_minutes is "
                f"{self.duration_minutes + self.buffer_minutes} minutes, more than a day (1440)"
            )
        _check_aware(self.earliest, "earliest")
        if not isinstance(self.same_practitioner, bool):
            raise ValueError(f"same_practitioner: expected true or false, got {self.same_practitioner!r}")
        _check_int(self.horizon_days, "horizon_days", 1, MAX_HORIZON_DAYS)

    @property
    def occupied_minutes(self) -> int:
        """How long each session holds its resources: duration plus buffer."""
        return self.duration_minutes + self.buffer_minutes

    @property
    def min_gap(self) -> int:
        """Fewest local calendar days between consecutive sessions (at least 1)."""
        return self.interval_days - self.tolerance_days

    @property
    def max_gap(self) -> int:
        """Most local calendar days between consecutive sessions."""
        return self.interval_days + self.tolerance_days


@dataclass(frozen=True, slots=True)
class PlanRequest:
    """A clinic and the series to plan in it (what ``plan-series`` reads)."""

    clinic: Clinic
    series: SeriesRequest


class PlanStatus(StrEnum):
    """Whether a plan was found."""

    PLANNED = "planned"
    INFEASIBLE = "infeasible"


class PlannedSessionDict(TypedDict):
    """JSON form of a :class:`PlannedSession`."""

    index: int
    start: str
    end: str
    practitioner: str
    room: str
    device: str | None


class PlanDict(TypedDict, total=False):
    """JSON form of a :class:`Plan`: ``sessions`` when planned, ``reason`` when infeasible."""

    status: str
    sessions: list[PlannedSessionDict]
    reason: str


@dataclass(frozen=True, slots=True)
class PlannedSession:
    """One placed session: 1-based ``index``, local aware ``start``/``end`` (end excludes the buffer)."""

    index: int
    start: datetime
    end: datetime
    practitioner: str
    room: str
    device: str | None

    def as_dict(self) -> PlannedSessionDict:
        """JSON form, times in ISO 8601 with the local UTC offset."""
        return {
            "index": self.index,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "practitioner": self.practitioner,
            "room": self.room,
            "device": self.device,
        }


@dataclass(frozen=True, slots=True)
class Plan:
    """The planner's answer: the sessions, or why there are none.

    Parameters
    ----------
    status : PlanStatus
    sessions : tuple of PlannedSession
        Empty when infeasible.
    reason : str or None
        When infeasible, what blocks the series, in words a receptionist understands.
    """

    status: PlanStatus
    sessions: tuple[PlannedSession, ...] = ()
    reason: str | None = field(default=None)

    @classmethod
    def infeasible(cls, reason: str) -> Plan:
        """An infeasible plan with its reason."""
        return cls(PlanStatus.INFEASIBLE, (), reason)

    def as_dict(self) -> PlanDict:
        """JSON form: ``{"status": "planned", "sessions": [...]}`` or ``{"status": "infeasible", "reason": ...}``."""
        if self.status is PlanStatus.PLANNED:
            return {"status": self.status.value, "sessions": [s.as_dict() for s in self.sessions]}
        return {"status": self.status.value, "reason": self.reason or ""}


def _check_int(value: object, name: str, lo: int, hi: int) -> None:
    """Raise ValueError unless ``value`` is an int (not a bool) in ``lo .. hi``."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{name}: expected a whole number, got {value!r}")
    if value < lo:
        raise ValueError(f"{name}: must be at least {lo}, got {value}")
    if value > hi:
        raise ValueError(f"{name}: must be at most {hi}, got {value}")


def _check_kind(value: object) -> ResourceKind:
    """Return ``value`` as a :class:`ResourceKind`, or raise ValueError naming the allowed kinds."""
    try:
        return ResourceKind(value)  # type: ignore[arg-type]  # any value is tried: a wrong one raises, named below
    except ValueError:
        kinds = ", ".join(kind.value for kind in ResourceKind)
        raise ValueError(f"kind: unknown kind {value!r} (kinds: {kinds})") from None


def _check_aware(value: object, name: str) -> None:
    """Raise ValueError unless ``value`` is an aware datetime within :data:`YEARS`."""
    if not isinstance(value, datetime):
        raise ValueError(f"{name}: expected a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name}: {value.isoformat()} has no time zone")
    if not YEARS[0] <= value.year <= YEARS[1]:
        raise ValueError(f"{name}: {value.isoformat()} is outside the years {YEARS[0]} to {YEARS[1]}")


def _check_id(value: object) -> None:
    """Raise ValueError unless ``value`` is a non-empty string."""
    if not isinstance(value, str) or not value:
        raise ValueError(f"id: expected a non-empty string, got {value!r}")


def _check_modality(value: object, name: str) -> None:
    """Raise ValueError unless ``value`` is a non-empty string."""
    if not isinstance(value, str) or not value:
        raise ValueError(f"{name}: expected a non-empty modality code, got {value!r}")


def _check_modalities(values: frozenset[object]) -> None:
    """Raise ValueError unless every modality is a non-empty string."""
    for value in sorted(values, key=repr):
        _check_modality(value, "modalities")


def _check_week(days: object) -> tuple[tuple[tuple[int, int], ...], ...]:
    """Validate seven days of ``(start, end)`` minutes; return them sorted and merged."""
    if not isinstance(days, tuple) or len(days) != len(DAY_NAMES):
        raise ValueError("days: expected a tuple of 7 days, Monday first")
    week: list[tuple[tuple[int, int], ...]] = []
    for d, day in enumerate(days):
        spans: list[tuple[int, int]] = []
        for k, span in enumerate(day):
            where = f"days[{d}][{k}]"
            if not isinstance(span, tuple) or len(span) != 2:
                raise ValueError(f"{where}: expected (start, end) minutes")
            start, end = span
            _check_int(start, f"{where} start", 0, _MINUTES_PER_DAY - 1)
            _check_int(end, f"{where} end", 1, _MINUTES_PER_DAY)
            if end <= start:
                raise ValueError(f"{where}: end {end} is not after start {start}")
            spans.append((start, end))
        merged: list[tuple[int, int]] = []
        for start, end in sorted(spans):
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], end))
            else:
                merged.append((start, end))
        week.append(tuple(merged))
    return tuple(week)


def _aware_pairs(spans: Iterable[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """``spans`` as a list, each checked to be a pair of aware datetimes (before ``astimezone`` sees it)."""
    out = list(spans)
    for k, span in enumerate(out):
        if not isinstance(span, tuple) or len(span) != 2:
            raise ValueError(f"busy[{k}]: expected (start, end)")
        _check_aware(span[0], f"busy[{k}] start")
        _check_aware(span[1], f"busy[{k}] end")
    return out


def _check_busy(busy: object, name: str = "busy") -> None:
    """Raise ValueError unless ``busy`` is a tuple of aware ``(start, end)`` with ``start < end``."""
    if not isinstance(busy, tuple):
        raise ValueError(f"{name}: expected a tuple of (start, end), got {type(busy).__name__}")
    for k, span in enumerate(busy):
        if not isinstance(span, tuple) or len(span) != 2:
            raise ValueError(f"{name}[{k}]: expected (start, end)")
        _check_aware(span[0], f"{name}[{k}] start")
        _check_aware(span[1], f"{name}[{k}] end")
        if span[1].timestamp() <= span[0].timestamp():  # not `<=`: same-zone comparison ignores fold
            raise ValueError(
                f"{name}[{k}]: end {span[1].isoformat()} is not after start {span[0].isoformat()}"
            )


def _check_unique_ids(resources: tuple[Resource, ...]) -> None:
    """Raise ValueError if two resources share an id or an entry is not a Resource."""
    seen: set[str] = set()
    for k, resource in enumerate(resources):
        if not isinstance(resource, Resource):
            raise ValueError(f"resources[{k}]: expected a Resource, got {type(resource).__name__}")
        if resource.id in seen:
            raise ValueError(f"resources[{k}]: duplicate id {resource.id!r}")
        seen.add(resource.id)

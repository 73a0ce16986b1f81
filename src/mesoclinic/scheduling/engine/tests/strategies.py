"""Builders and Hypothesis strategies shared by the scheduling core's tests."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from mesoclinic.scheduling.engine import (
    Clinic,
    PlanRequest,
    Resource,
    ResourceKind,
    SeriesRequest,
    WeeklyHours,
)

WARSAW = ZoneInfo("Europe/Warsaw")
SPRING_FORWARD = date(2027, 3, 28)  # Warsaw: 02:00 CET -> 03:00 CEST
FALL_BACK = date(2027, 10, 31)  # Warsaw: 03:00 CEST -> 02:00 CET
MONDAY = date(2027, 1, 4)

# Zones and dates near their offset changes: Warsaw (1 h), Lord Howe (30 min), UTC (none).
ZONES = {
    "Europe/Warsaw": (SPRING_FORWARD, FALL_BACK),
    "Australia/Lord_Howe": (date(2027, 4, 4), date(2027, 10, 3)),
    "UTC": (date(2027, 6, 1),),
}
HALF_HOUR = 1800


def at(day: date, hhmm: str, tz: ZoneInfo = WARSAW, *, fold: int = 0) -> datetime:
    """Aware local datetime ``day hh:mm`` in ``tz``."""
    hours, minutes = map(int, hhmm.split(":"))
    return datetime.combine(day, time(hours, minutes)).replace(tzinfo=tz, fold=fold)


def hours(**days: Iterable[tuple[str, str]]) -> WeeklyHours:
    """``hours(mon=[("09:00", "13:00")])`` -> WeeklyHours."""

    def minutes(text: str) -> int:
        h, m = map(int, text.split(":"))
        return h * 60 + m

    return WeeklyHours.from_mapping(
        {d: [(minutes(a), minutes(b)) for a, b in spans] for d, spans in days.items()}
    )


ALL_WEEK = hours(**{d: [("00:00", "24:00")] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")})
OFFICE = hours(**{d: [("09:00", "17:00")] for d in ("mon", "tue", "wed", "thu", "fri")})


def resource(
    rid: str,
    kind: str,
    modalities: Iterable[str] = ("needle", "electroporation"),
    week: WeeklyHours = OFFICE,
    busy: Iterable[tuple[datetime, datetime]] = (),
) -> Resource:
    """A resource with office hours by default."""
    return Resource(rid, ResourceKind(kind), frozenset(modalities), week, tuple(busy))


def clinic(*resources: Resource, slot_minutes: int = 15, tz: ZoneInfo = WARSAW) -> Clinic:
    """A clinic in Warsaw on a 15-minute grid by default."""
    return Clinic(tz, slot_minutes, resources)


def basic_clinic(**kwargs: object) -> Clinic:
    """anna (practitioner), room-1, ep-1 (electroporation device), office hours."""
    return clinic(
        resource("anna", "practitioner"),
        resource("room-1", "room"),
        resource("ep-1", "device", ["electroporation"]),
        **kwargs,  # type: ignore[arg-type]  # Hypothesis draws the values of the declared types; the dict is typed loosely
    )


def series(**overrides: object) -> SeriesRequest:
    """A 4-session electroporation series from Monday 2027-01-04 09:00, overridable."""
    values: dict[str, object] = {
        "modality": "electroporation",
        "sessions": 4,
        "interval_days": 14,
        "tolerance_days": 2,
        "duration_minutes": 30,
        "buffer_minutes": 10,
        "earliest": at(MONDAY, "09:00"),
        "same_practitioner": True,
        "horizon_days": 120,
    }
    values.update(overrides)
    return SeriesRequest(**values)  # type: ignore[arg-type]  # Hypothesis draws the values of the declared types; the dict is typed loosely


# -- small random instances for the oracle tests ---------------------------------------------------------


@st.composite
def _week(draw: st.DrawFn) -> WeeklyHours:
    """Weekly hours on half-hour boundaries: closed days, 24-hour days, one or two spans."""
    days = []
    for _ in range(7):
        shape = draw(st.sampled_from(["closed", "all", "all", "spans", "spans", "spans"]))
        if shape == "closed":
            days.append(())
        elif shape == "all":
            days.append(((0, 1440),))
        else:
            spans = draw(st.lists(st.tuples(st.integers(0, 47), st.integers(2, 24)), min_size=1, max_size=2))
            days.append(tuple((a * 30, min(a + n, 48) * 30) for a, n in spans))
    return WeeklyHours(tuple(days))


def _real(naive: datetime, tz: ZoneInfo) -> datetime:
    """``naive`` in ``tz``; a skipped wall time becomes the instant Python maps it to (always real)."""
    return naive.replace(tzinfo=tz).astimezone(UTC).astimezone(tz)


@st.composite
def instances(draw: st.DrawFn) -> PlanRequest:
    """A small random clinic and series, near a DST change, on a half-hour lattice (brute-forceable)."""
    zone = draw(st.sampled_from(sorted(ZONES)))
    tz = ZoneInfo(zone)
    start_day = draw(st.sampled_from(ZONES[zone])) - timedelta(days=draw(st.integers(0, 5)))
    earliest = _real(
        datetime.combine(start_day, time()) + timedelta(minutes=30 * draw(st.integers(0, 47))), tz
    )
    modality = draw(st.sampled_from(["needle", "electroporation"]))
    both = frozenset({"needle", "electroporation"})
    codes = st.sampled_from([both] * 6 + [frozenset({"needle"}), frozenset({"electroporation"})])
    resources = []
    for kind, low, high in (("practitioner", 1, 2), ("room", 1, 2), ("device", 1, 2)):
        for k in range(draw(st.integers(low, high))):
            busy = []
            for _ in range(draw(st.integers(0, 4))):
                begin = _real(
                    datetime.combine(start_day + timedelta(days=draw(st.integers(0, 8))), time())
                    + timedelta(minutes=30 * draw(st.integers(0, 47))),
                    tz,
                )
                busy.append((begin, begin + timedelta(minutes=30 * draw(st.integers(1, 10)))))
            mods = frozenset({"electroporation"}) if kind == "device" else draw(codes)
            resources.append(Resource(f"{kind[0]}{k}", ResourceKind(kind), mods, draw(_week()), tuple(busy)))
    interval = draw(st.integers(1, 4))
    request = SeriesRequest(
        modality=modality,
        sessions=draw(st.integers(1, 3)),
        interval_days=interval,
        tolerance_days=draw(st.integers(0, interval - 1)),
        duration_minutes=draw(st.sampled_from([30, 60, 90])),
        buffer_minutes=draw(st.sampled_from([0, 30])),
        earliest=earliest,
        same_practitioner=draw(st.booleans()),
        horizon_days=draw(st.integers(1, 8)),
    )
    return PlanRequest(Clinic(tz, draw(st.sampled_from([60, 90, 120])), tuple(resources)), request)


@st.composite
def long_series(draw: st.DrawFn) -> PlanRequest:
    """Longer series (up to 6 sessions) on a one-start-per-day grid: exercises the DP over days.

    Slots are 1440 minutes (every start at local midnight), so each usable date has one start and
    brute force over start sequences stays small while paths, ties and dead ends get long.
    """
    start_day = SPRING_FORWARD - timedelta(days=draw(st.integers(0, 20)))
    horizon = draw(st.integers(8, 30))
    resources = []
    for k in range(draw(st.integers(1, 3))):
        closed = draw(st.sets(st.integers(0, horizon), max_size=horizon // 2))
        busy = tuple(
            (at(start_day + timedelta(days=d), "00:00"), at(start_day + timedelta(days=d), "01:00"))
            for d in sorted(closed)
        )
        resources.append(Resource(f"p{k}", ResourceKind.PRACTITIONER, frozenset({"needle"}), ALL_WEEK, busy))
    resources.append(Resource("room", ResourceKind.ROOM, frozenset({"needle"}), ALL_WEEK))
    interval = draw(st.integers(1, 5))
    request = SeriesRequest(
        modality="needle",
        sessions=draw(st.sampled_from([2, 3, 4, 5, 6, 6])),
        interval_days=interval,
        tolerance_days=draw(st.integers(0, min(interval - 1, 2))),
        duration_minutes=60,
        earliest=at(start_day, "00:00"),
        same_practitioner=draw(st.booleans()),
        horizon_days=horizon,
    )
    return PlanRequest(Clinic(WARSAW, 1440, tuple(resources)), request)

"""An independent validator and a brute-force planner, written from the rules, not from the engine.

Nothing here uses the engine's interval sets, local-day tables or search: times are handled with
``datetime`` and ``zoneinfo`` alone, one sample instant at a time. Both take a ``step`` (seconds): every
boundary of the instance (hours, busy times, durations, DST changes) must lie on that step from the
start instants for sampling to be exact; the default of one minute holds for every real instance.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from mesoclinic.scheduling.engine import (
    NEEDLE,
    Plan,
    PlannedSession,
    PlanRequest,
    PlanStatus,
    Resource,
    ResourceKind,
)

Objective = tuple[int, int, tuple[int, ...]]


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def _wall(request: PlanRequest, u: int) -> datetime:
    return datetime.fromtimestamp(u, UTC).astimezone(request.clinic.timezone)


def horizon_end(request: PlanRequest) -> int:
    """First instant whose wall clock shows ``earliest`` + ``horizon_days`` days or later."""
    tz = request.clinic.timezone
    series = request.series
    target = series.earliest.astimezone(tz).replace(tzinfo=None) + timedelta(days=series.horizon_days)
    u0 = _epoch(target.replace(tzinfo=tz, fold=0))
    u1 = _epoch(target.replace(tzinfo=tz, fold=1))
    for u in range(min(u0, u1), max(u0, u1) + 1, 60):
        if _wall(request, u).replace(tzinfo=None) >= target:
            return u
    raise AssertionError("unreachable")


def on_grid(request: PlanRequest, u: int) -> bool:
    """The wall clock at ``u`` shows a whole multiple of ``slot_minutes`` after midnight."""
    wall = _wall(request, u)
    return wall.second == 0 and (wall.hour * 60 + wall.minute) % request.clinic.slot_minutes == 0


def block_free(request: PlanRequest, resource: Resource, u: int, length: int, step: int) -> bool:
    """``resource`` is open and not busy for ``[u, u + length)``, all on the local date of ``u``."""
    first = _wall(request, u)
    if _wall(request, u + length - 1).date() != first.date():
        return False
    for v in range(u, u + length, step):
        wall = _wall(request, v)
        if wall.date() != first.date():
            return False
        minute = wall.hour * 60 + wall.minute
        if not any(s <= minute < e for s, e in resource.hours.days[wall.weekday()]):
            return False
    return all(not (_epoch(a) < u + length and u < _epoch(b)) for a, b in resource.busy)


def objective(request: PlanRequest, starts: tuple[int, ...]) -> Objective:
    """``(first start, total deviation from interval_days, starts)``: the choice rules as a tuple."""
    dates = [_wall(request, u).date() for u in starts]
    deviation = sum(abs((b - a).days - request.series.interval_days) for a, b in itertools.pairwise(dates))
    return (starts[0], deviation, starts)


def violations(request: PlanRequest, plan: Plan, step: int = 60) -> list[str]:
    """Every rule a planned series breaks (empty when the plan is valid)."""
    if plan.status is not PlanStatus.PLANNED:
        return ["plan is not planned"]
    out: list[str] = []
    if [s.index for s in plan.sessions] != list(range(1, request.series.sessions + 1)):
        out.append(f"indices {[s.index for s in plan.sessions]}")
    hi = horizon_end(request)
    for s in plan.sessions:
        out.extend(_session_violations(request, s, hi, step))
    out.extend(_series_violations(request, plan))
    return out


def _session_violations(request: PlanRequest, s: PlannedSession, hi: int, step: int) -> list[str]:
    """Rules about one session: times, grid, window, resources qualified, open and free."""
    series = request.series
    by_id = {r.id: r for r in request.clinic.resources}
    u = _epoch(s.start)
    checks = {
        "start not in the local offset": s.start.utcoffset() == _wall(request, u).utcoffset(),
        "end is not start + duration": _epoch(s.end) - u == series.duration_minutes * 60,
        "off the grid": on_grid(request, u),
        "before earliest": u >= _epoch(series.earliest),
        "beyond the horizon": u <= hi,
        "needle with a device": series.modality != NEEDLE or s.device is None,
    }
    out = [f"session {s.index}: {what}" for what, ok in checks.items() if not ok]
    needed = [(s.practitioner, ResourceKind.PRACTITIONER), (s.room, ResourceKind.ROOM)]
    if series.modality != NEEDLE:
        needed.append((s.device, ResourceKind.DEVICE))
    for rid, kind in needed:
        resource = by_id.get(rid or "")
        if resource is None or resource.kind is not kind or series.modality not in resource.modalities:
            out.append(f"session {s.index}: {rid!r} is not a qualified {kind}")
        elif not block_free(request, resource, u, series.occupied_minutes * 60, step):
            out.append(f"session {s.index}: {rid} is closed or busy")
    return out


def _series_violations(request: PlanRequest, plan: Plan) -> list[str]:
    """Rules between sessions: no overlaps on shared resources, gaps, same practitioner."""
    series, tz = request.series, request.clinic.timezone
    length = series.occupied_minutes * 60
    out = []
    for a, b in itertools.combinations(plan.sessions, 2):
        shared = {a.practitioner, a.room, a.device} & {b.practitioner, b.room, b.device} - {None}
        ua, ub = _epoch(a.start), _epoch(b.start)
        if shared and ua < ub + length and ub < ua + length:
            out.append(f"sessions {a.index} and {b.index} overlap")
    for a, b in itertools.pairwise(plan.sessions):
        gap = (b.start.astimezone(tz).date() - a.start.astimezone(tz).date()).days
        if not series.min_gap <= gap <= series.max_gap:
            out.append(f"sessions {a.index}->{b.index}: {gap} days apart")
    if series.same_practitioner and len({s.practitioner for s in plan.sessions}) > 1:
        out.append("several practitioners")
    return out


@dataclass(frozen=True)
class BruteResult:
    """The best plan by enumeration: its objective, and the practitioner when ``same_practitioner``."""

    objective: Objective
    practitioner: str


def brute_force(request: PlanRequest, step: int = 60) -> BruteResult | None:
    """Enumerate every grid start × resource assignment; return the best plan's objective, or None.

    Candidate starts are all instants from ``earliest`` to the horizon, every ``step`` seconds, that lie
    on the grid. Sequences of starts are enumerated with the gap rule, sorted by the choice rules, and
    the first one with a valid assignment (every combination of qualified resources tried, overlaps
    between sessions checked) is the optimum.
    """
    clinic, series = request.clinic, request.series
    length = series.occupied_minutes * 60
    kinds = [ResourceKind.PRACTITIONER, ResourceKind.ROOM]
    if series.modality != NEEDLE:
        kinds.append(ResourceKind.DEVICE)
    pools = [
        sorted(
            (r for r in clinic.resources if r.kind is kind and series.modality in r.modalities),
            key=lambda r: r.id,
        )
        for kind in kinds
    ]
    lo, hi = _epoch(series.earliest), horizon_end(request) + 1
    first = lo + (-lo) % step if lo % step else lo
    combos: dict[int, list[tuple[str, ...]]] = {}
    for u in range(first, hi, step):
        if not on_grid(request, u):
            continue
        free = [[r.id for r in pool if block_free(request, r, u, length, step)] for pool in pools]
        if all(free):
            combos[u] = list(itertools.product(*free))
    practitioners = [r.id for r in pools[0]] if series.same_practitioner else [""]
    best: BruteResult | None = None
    for p in practitioners:
        options = {u: [c for c in cs if not p or c[0] == p] for u, cs in combos.items()}
        options = {u: cs for u, cs in options.items() if cs}
        ordered = sorted(options)
        dates = {u: _wall(request, u).date() for u in ordered}
        # The first start is the first rule, so the first u1 with any valid completion wins; among its
        # completions every sequence is enumerated and tried in objective order.
        for u1 in ordered:
            found = None
            for obj, seq in sorted(
                (objective(request, seq), seq) for seq in _completions(request, ordered, dates, (u1,))
            ):
                if _assignable(seq, [options[u] for u in seq], length):
                    found = BruteResult(obj, p)
                    break
            if found is not None:
                if best is None or (found.objective, p) < (best.objective, best.practitioner):
                    best = found
                break
    return best


def _completions(
    request: PlanRequest, starts: list[int], dates: dict, seq: tuple[int, ...]
) -> list[tuple[int, ...]]:
    """All start sequences extending ``seq`` to ``sessions`` starts whose local dates obey the gap rule."""
    series = request.series
    if len(seq) == series.sessions:
        return [seq]
    out: list[tuple[int, ...]] = []
    for u in starts:
        if u > seq[-1] and series.min_gap <= (dates[u] - dates[seq[-1]]).days <= series.max_gap:
            out.extend(_completions(request, starts, dates, (*seq, u)))
    return out


def _assignable(seq: tuple[int, ...], options: list[list[tuple[str, ...]]], length: int) -> bool:
    """Some choice of one resource combination per session has no two sessions overlapping on a resource."""
    for choice in itertools.product(*options):
        ok = True
        for (i, a), (j, b) in itertools.combinations(enumerate(choice), 2):
            if set(a) & set(b) and seq[i] < seq[j] + length and seq[j] < seq[i] + length:
                ok = False
                break
        if ok:
            return True
    return False

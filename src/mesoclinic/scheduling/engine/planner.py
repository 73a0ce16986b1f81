"""Plan a treatment series: ``n`` sessions ``interval ± tolerance`` local days apart, each with its resources.

The problem
-----------
Session ``k`` needs a practitioner, a room and (except for needle) a device, all qualified for the
modality and all free for ``L`` = duration + buffer from its start. Starts lie on the slot grid, not
before ``earliest``, the last at or before ``earliest + horizon_days`` (same wall-clock time that many
local days later); consecutive sessions are ``g ∈ [I - T, I + T]`` local calendar days apart. Among feasible plans the planner returns the one with

1. the earliest first session, then
2. the smallest total deviation ``Σ |g_k - I|``, then
3. the earliest starts, compared session by session (lexicographically), then
4. the smallest practitioner id (with ``same_practitioner``), and in every session the smallest room,
   device (and, without ``same_practitioner``, practitioner) id free at the chosen start.

Why a DP over days is exact (and CP-SAT is not needed)
------------------------------------------------------
Two preconditions, both enforced, make the sessions of a plan independent of each other:

* ``T < I``, so consecutive sessions are at least one local date apart (checked by
  :class:`~.model.SeriesRequest`), and
* a session's block ``[start, start + L)`` ends by the local midnight after its start (a rule of the
  engine: nobody is booked across midnight; ``L <= 24 h`` is checked by :class:`~.model.SeriesRequest`).

So every session lies inside its own local date, and two sessions of one plan can never overlap, nor
touch each other's buffer, whatever resources they share. Feasibility of a plan is then a property of
its dates alone: date ``d`` is usable iff some grid start on ``d`` has a free practitioner (the chosen one,
with ``same_practitioner``), room and device. Within a usable date the earliest feasible start is best
for rule 3 and costs nothing for rules 1-2, and later dates have later starts, so rules 1-3 compare
date sequences. The optimum is found by

* trying first dates ``d1`` in increasing order (rule 1: the first that completes wins), and
* for each, a forward dynamic programme over the layers ``k = 2..n`` whose states are dates, keeping
  per date the best ``(deviation, date path)``. Keeping only that is safe: if a path to date ``e``
  could be replaced by one with smaller deviation, or equal deviation and a lexicographically smaller
  prefix, the same replacement improves every completion (Bellman's principle of optimality [1]_).

With ``same_practitioner`` the search runs per practitioner (in order of their earliest free start,
stopping once that is later than the best plan's first session) and the best plan wins.

Cost. Date usability is asked lazily and memoised, each answer one leapfrog search over per-resource
free time (:meth:`~.availability.ClinicIndex.next_start`), so a typical request looks at a few dozen
dates. A layer's transition minimises ``dev[d] + |e - d - I|`` over a window of predecessors;
splitting ``|.|`` at ``g = I`` makes it two sliding-window minima (monotonic deques), so a layer costs
O(dates in reach), not O(dates x (2T + 1)), and paths are compared in O(1) through their rank in the
layer. A ``(session, date)`` state that could not be completed is remembered as dead (whether it can
be completed does not depend on how it was reached), so later first dates never expand it again.

The search is complete: if any plan exists within the horizon it is found; otherwise the reason names
the first session that cannot be placed, from the attempt that got furthest into the series.

A constraint solver (CP-SAT with optional intervals and NoOverlap, as in [2]_ and [3]_) would be needed
if sessions of one plan could compete for the same resource time; the preconditions rule that out, and
the exact DP answers in milliseconds with no dependency and a reason on failure.

References
----------
.. [1] R. Bellman, *Dynamic Programming*, Princeton University Press, 1957, ch. III (principle of
   optimality).
.. [2] Google OR-Tools, "Scheduling with CP-SAT", ``ortools/sat/docs/scheduling.md``,
   https://github.com/google/or-tools
.. [3] CSPLib prob091, Medical Appointment Sequence Scheduling, https://www.csplib.org/Problems/prob091
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import cast

from .availability import ClinicIndex, Group
from .localdays import epoch_seconds
from .model import Clinic, Plan, PlannedSession, PlanStatus, ResourceKind, SeriesRequest

__all__ = ["plan_series", "plan_series_in", "planning_window"]

_KIND_MISSING = {
    ResourceKind.PRACTITIONER: "no practitioner is qualified for {m}",
    ResourceKind.ROOM: "no room is equipped for {m}",
    ResourceKind.DEVICE: "no device for {m}",
}
_MAX_NAMES = 6


def planning_window(clinic: Clinic, series: SeriesRequest) -> tuple[datetime, datetime]:
    """The local wall-clock window ``[earliest, earliest + horizon_days]`` that the plan's starts lie in.

    Parameters
    ----------
    clinic : Clinic
    series : SeriesRequest

    Returns
    -------
    (datetime, datetime)
        Naive local wall-clock times: ``earliest`` in the clinic's zone, and the same wall time
        ``horizon_days`` local calendar days later.
    """
    start = series.earliest.astimezone(clinic.timezone).replace(tzinfo=None)
    return start, start + timedelta(days=series.horizon_days)


def plan_series(clinic: Clinic, series: SeriesRequest) -> Plan:
    """Plan ``series`` in ``clinic``: the best feasible sessions, or why there are none.

    Parameters
    ----------
    clinic : Clinic
        Resources, time zone and slot grid.
    series : SeriesRequest
        What to place and under which constraints (validated on construction).

    Returns
    -------
    Plan
        ``planned`` with the sessions chosen by the rules in the module docstring, or ``infeasible``
        with a reason.

    See Also
    --------
    plan_series_in : the same on a prebuilt :class:`~.availability.ClinicIndex`.
    """
    start, end = planning_window(clinic, series)
    return plan_series_in(ClinicIndex.build(clinic, start.date(), end.date()), series)


def plan_series_in(index: ClinicIndex, series: SeriesRequest) -> Plan:
    """Plan ``series`` against a prebuilt index (build it once, ask many times).

    Parameters
    ----------
    index : ClinicIndex
        Must cover the local dates from ``earliest`` to ``earliest + horizon_days``.
    series : SeriesRequest

    Returns
    -------
    Plan

    Raises
    ------
    ValueError
        If the index does not cover the planning window.
    """
    days = index.days
    start_wall, end_wall = planning_window(index.clinic, series)
    _check_covers(index, start_wall, end_wall)
    lo = epoch_seconds(series.earliest)
    hi = days.first_at_or_after(end_wall) + 1  # the horizon is inclusive: starts lie in [lo, hi)
    ids = index.candidates(series.modality)
    for kind, found in zip(index.needs(series.modality), ids, strict=True):
        if not found:
            return Plan.infeasible(_KIND_MISSING[kind].format(m=series.modality))
    span = (series.sessions - 1) * series.min_gap
    if span > series.horizon_days:
        return Plan.infeasible(
            f"the series does not fit within {_days(series.horizon_days)}: {series.sessions} sessions at "
            f"least {_days(series.min_gap)} apart need {_days(span)}"
        )
    ctx = _Context(index, series, lo, hi)
    practitioners, *others = ids
    if series.same_practitioner:
        searches = [_Search(ctx, [[index.free[p]], *index.groups(others)], (p,)) for p in practitioners]
    else:
        searches = [_Search(ctx, index.groups(ids), practitioners)]
    return _best_plan(ctx, searches, ids)


@dataclass
class _Context:
    """What every search of one request shares."""

    index: ClinicIndex
    series: SeriesRequest
    lo: int
    hi: int
    length: int = 0
    first_day: int = 0
    last_day: int = 0

    def __post_init__(self) -> None:
        days = self.index.days
        self.length = self.series.occupied_minutes * 60
        self.first_day = days.day_of(self.lo)
        self.last_day = days.day_of(self.hi - 1)


@dataclass(order=True)
class _Failure:
    """How far one attempt got: ``session`` could not be placed (1 = not even the first)."""

    session: int
    beyond: bool = field(compare=False, default=False)
    blocked: bool = field(compare=False, default=False)
    who: tuple[str, ...] = field(compare=False, default=())


@dataclass
class _Found:
    """A complete plan of one search: its objective and its starts."""

    objective: tuple[int, int, tuple[int, ...], str]
    starts: tuple[int, ...]
    practitioner: str | None


class _Search:
    """First-date loop plus layered DP over dates for one practitioner group (see module docstring)."""

    def __init__(self, ctx: _Context, groups: Sequence[Group], who: tuple[str, ...]) -> None:
        self.ctx = ctx
        self.groups = groups
        self.who = who
        self.memo: dict[int, int | None] = {}
        self.none_from: int | None = None
        self.dead: set[tuple[int, int]] = set()
        self.failure = _Failure(0)

    def start_on(self, d: int) -> int | None:
        """Earliest feasible grid start on date index ``d`` (memoised; one search fills a whole run)."""
        ctx = self.ctx
        if d < ctx.first_day or d > ctx.last_day:
            return None
        if d in self.memo:
            return self.memo[d]
        if self.none_from is not None and d >= self.none_from:
            return None
        days = ctx.index.days
        s = ctx.index.next_start(self.groups, ctx.length, max(days.day_start(d), ctx.lo), ctx.hi)
        if s is None:
            self.none_from = d
            return None
        found = days.day_of(s)
        for k in range(d, found):
            self.memo[k] = None
        self.memo[found] = s
        return s if found == d else None

    def _cut_by_horizon(self, d: int) -> bool:
        """Whether date ``d`` is the horizon's last date and has a feasible start only after it ends."""
        ctx = self.ctx
        if d != ctx.last_day:
            return False
        days = ctx.index.days
        lo = max(days.day_start(d), ctx.lo)
        return ctx.index.next_start(self.groups, ctx.length, lo, days.day_end(d)) is not None

    def next_usable_day(self, d: int) -> int | None:
        """The first date index ``>= d`` with a feasible start, or None."""
        while d <= self.ctx.last_day:
            if self.start_on(d) is not None:
                return d
            if self.none_from is not None and d >= self.none_from:
                return None
            d += 1
        return None

    def run(self, bound: int | None) -> _Found | None:
        """Best plan of this search whose first start is ``<= bound`` (None: unbounded), or None."""
        ctx = self.ctx
        d1 = self.next_usable_day(ctx.first_day)
        if d1 is None:
            self.failure = _Failure(1, blocked=True, who=self.who)
        series = ctx.series
        latest = ctx.last_day - (series.sessions - 1) * series.min_gap  # later first dates cannot fit
        while d1 is not None:
            first = self.memo[d1]
            assert first is not None  # noqa: S101 - next_usable_day checked it
            if bound is not None and first > bound:
                return None
            if d1 > latest:
                self.failure = max(self.failure, _Failure(2, beyond=True, who=self.who))
                return None
            found = self._chain(d1)
            if found is not None:
                return found
            d1 = self.next_usable_day(d1 + 1)
        return None

    def _chain(self, d1: int) -> _Found | None:
        """Forward DP from session 1 on date ``d1``: the best ``(deviation, date path)`` per date, by layers.

        Paths are not stored: each date keeps its deviation, its predecessor, and the *rank* of its path
        within the layer (paths of equal length compare lexicographically by the predecessor's rank,
        then by their last date), so every comparison is O(1). States that failed to complete in an
        earlier attempt are skipped (``dead``): whether ``(session, date)`` can be completed does not
        depend on how it was reached. Dates too late to fit the remaining sessions are pruned.
        """
        ctx, series = self.ctx, self.ctx.series
        n, lo_gap = series.sessions, series.min_gap
        layer: list[tuple[int, int, int]] = [(d1, 0, 0)]  # (date, deviation so far, rank), by date
        parents: list[dict[int, int]] = []
        explored: list[tuple[int, list[int]]] = [(1, [d1])]
        for k in range(2, n + 1):
            latest = ctx.last_day - (n - k) * lo_gap  # later dates leave no room for the rest
            best, beyond, blocked = self._step(k, layer, latest)
            if not best:
                self.dead.update((j, d) for j, dates in explored for d in dates)
                self.failure = max(self.failure, _Failure(k, beyond=beyond, blocked=blocked, who=self.who))
                return None
            order = sorted(best, key=lambda e: (best[e][1], e))
            ranks = {e: r for r, e in enumerate(order)}
            layer = [(e, best[e][0], ranks[e]) for e in sorted(best)]
            parents.append({e: best[e][2] for e in best})
            explored.append((k, list(best)))
        dev, _, end = min((dev, rank, e) for e, dev, rank in layer)
        path = [end]
        for links in reversed(parents):
            path.append(links[path[-1]])
        starts = tuple(self.memo[d] for d in reversed(path))
        assert all(s is not None for s in starts)  # noqa: S101 - every path date is usable
        who = self.who[0] if series.same_practitioner else ""
        return _Found((starts[0], dev, starts, who), starts, who or None)  # type: ignore[arg-type]  # every start is an int: asserted on the line above

    def _step(
        self, k: int, layer: list[tuple[int, int, int]], latest: int
    ) -> tuple[dict[int, tuple[int, int, int]], bool, bool]:
        """Best predecessor of every usable date of layer ``k``, by sliding-window minima.

        The cost of reaching ``e`` from ``d`` is ``dev[d] + |e - d - I|``: for gaps ``>= I`` it is
        ``(dev[d] - d) + (e - I)``, for gaps ``<= I`` it is ``(dev[d] + d) + (I - e)``. Each part is a
        minimum of a key over a window of ``d`` that slides right with ``e``, kept in a monotonic deque
        [4]_, so a layer costs O(dates) rather than O(dates x (2T + 1)). Ties go to the smaller
        predecessor rank (the lexicographically smaller path).

        Returns
        -------
        best : dict
            ``e -> (deviation, predecessor rank, predecessor date)``.
        beyond, blocked : bool
            Whether some candidate date lay past ``latest``, or was reachable but not usable.

        References
        ----------
        .. [4] D. Lemire, "Streaming maximum-minimum filter using no more than three comparisons per
           element", Nordic Journal of Computing 13(4), 2006, arXiv:cs/0610046.
        """
        series = self.ctx.series
        interval, lo_gap, hi_gap = series.interval_days, series.min_gap, series.max_gap
        dates = [d for d, _, _ in layer]
        high: deque[tuple[int, int, int]] = deque()  # (dev - d, rank, d): gaps >= I
        low: deque[tuple[int, int, int]] = deque()  # (dev + d, rank, d): gaps <= I
        i_high = i_low = 0
        best: dict[int, tuple[int, int, int]] = {}
        blocked = False
        beyond = dates[-1] + hi_gap > latest
        for e in range(dates[0] + lo_gap, min(dates[-1] + hi_gap, latest) + 1):
            while i_high < len(layer) and dates[i_high] <= e - interval:
                d, dev, rank = layer[i_high]
                _push(high, (dev - d, rank, d))
                i_high += 1
            while high and high[0][2] < e - hi_gap:
                high.popleft()
            while i_low < len(layer) and dates[i_low] <= e - lo_gap:
                d, dev, rank = layer[i_low]
                _push(low, (dev + d, rank, d))
                i_low += 1
            while low and low[0][2] < e - interval:
                low.popleft()
            if not high and not low:
                continue
            if (k, e) in self.dead:
                continue
            if self.start_on(e) is None:
                if self._cut_by_horizon(e):
                    beyond = True
                else:
                    blocked = True
                continue
            options = []
            if high:
                key, rank, d = high[0]
                options.append((key + e - interval, rank, d))
            if low:
                key, rank, d = low[0]
                options.append((key + interval - e, rank, d))
            best[e] = min(options)
        return best, beyond, blocked


def _push(window: deque[tuple[int, int, int]], item: tuple[int, int, int]) -> None:
    """Append ``item`` to a monotonic deque of ``(key, rank, date)``, dropping entries it dominates."""
    while window and window[-1][:2] >= item[:2]:
        window.pop()
    window.append(item)


def _best_plan(ctx: _Context, searches: list[_Search], ids: list[tuple[str, ...]]) -> Plan:
    """Run the searches (best first start first, pruned by the best plan so far) and build the plan."""
    order: list[tuple[int, tuple[str, ...], _Search]] = []
    for search in searches:
        d = search.next_usable_day(ctx.first_day)
        if d is None:
            search.failure = _Failure(1, blocked=True, who=search.who)
        else:
            # next_usable_day returns a day whose first start it has memoised (never None).
            order.append((cast(int, search.memo[d]), search.who, search))
    order.sort(key=lambda item: (item[0], item[1]))
    best: _Found | None = None
    for first, _, search in order:
        if best is not None and first > best.objective[0]:
            break
        found = search.run(None if best is None else best.objective[0])
        if found is not None and (best is None or found.objective < best.objective):
            best = found
    if best is None:
        return Plan.infeasible(_reason(ctx, searches, ids))
    return _plan(ctx, best, ids)


def _plan(ctx: _Context, found: _Found, ids: list[tuple[str, ...]]) -> Plan:
    """Assign resources (smallest free id per kind) to the chosen starts and build the :class:`Plan`."""
    index, length = ctx.index, ctx.length
    duration = ctx.series.duration_minutes * 60
    sessions = []
    for n, start in enumerate(found.starts, 1):
        chosen = [
            found.practitioner or index.first_free(ids[0], start, length),
            *(index.first_free(kind_ids, start, length) for kind_ids in ids[1:]),
        ]
        assert all(chosen), "the leapfrog search guaranteed a free resource per kind"  # noqa: S101
        sessions.append(
            PlannedSession(
                index=n,
                start=index.days.local(start),
                end=index.days.local(start + duration),
                practitioner=chosen[0],  # type: ignore[arg-type]  # every kind has a free resource: asserted above
                room=chosen[1],  # type: ignore[arg-type]  # every kind has a free resource: asserted above
                device=chosen[2] if len(chosen) > 2 else None,
            )
        )
    return Plan(PlanStatus.PLANNED, tuple(sessions))


def _reason(ctx: _Context, searches: list[_Search], ids: list[tuple[str, ...]]) -> str:
    """Why no plan exists, from the attempt that got furthest into the series (ties: first practitioner)."""
    failure = max(searches, key=lambda s: s.failure.session).failure
    series, days = ctx.series, ctx.index.days
    until = _local_text(days.local(ctx.hi - 1))
    if failure.session <= 1:
        block = f"{ctx.length // 60}-minute"
        if series.buffer_minutes:
            block += f" ({series.duration_minutes}-minute session + {series.buffer_minutes}-minute buffer)"
        kinds = _join(
            [
                f"{kind.value} ({_names(kind_ids, 'or')})"
                for kind, kind_ids in zip(ctx.index.needs(series.modality), ids, strict=True)
            ],
            "and",
        )
        return (
            f"no session of {series.modality} can be placed between {_local_text(days.local(ctx.lo))} "
            f"and {until}: no {kinds} are free together for a {block} slot"
        )
    k = failure.session
    gaps = (
        f"{series.min_gap}–{series.max_gap} days"
        if series.tolerance_days
        else f"exactly {_days(series.interval_days)}"
    )
    where = f"session {k} cannot be placed {gaps} after session {k - 1}"
    names = _names([*failure.who, *(i for kind_ids in ids[1:] for i in kind_ids)], "or")
    fit = f"the series does not fit within {_days(series.horizon_days)}"
    if failure.beyond and not failure.blocked:
        text = f"{fit}: session {series.sessions} would start after {until}"
    elif failure.beyond:
        text = (
            f"{fit}: {where} early enough for session {series.sessions} to start by {until}: "
            f"{names} is busy or closed on every such day"
        )
    else:
        text = f"{where}: {names} is busy or closed on every such day"
    if series.same_practitioner and len(ids[0]) > 1:
        text = (
            f"none of the {len(ids[0])} qualified practitioners can do all {series.sessions} sessions; "
            f"with {failure.who[0]}, who gets furthest, {text}"
        )
    return text


def _names(ids: Sequence[str], conjunction: str) -> str:
    """``"a, b or c"``; long lists end with ``"or 12 other resources"``."""
    ids = list(dict.fromkeys(ids))
    if len(ids) > _MAX_NAMES:
        head, rest = ids[: _MAX_NAMES - 1], len(ids) - _MAX_NAMES + 1
        return f"{', '.join(head)} {conjunction} {rest} other resources"
    return _join(ids, conjunction)


def _join(parts: Sequence[str], conjunction: str) -> str:
    """``"a, b or c"`` (``"a"``, ``"a or b"``)."""
    if len(parts) <= 1:
        return "".join(parts)
    return f"{', '.join(parts[:-1])} {conjunction} {parts[-1]}"


def _days(n: int) -> str:
    """``"1 day"``, ``"14 days"``."""
    return f"{n} day" if n == 1 else f"{n} days"


def _local_text(moment: datetime) -> str:
    """``2027-05-04 09:00`` (local wall clock, for reasons)."""
    return moment.strftime("%Y-%m-%d %H:%M")


def _check_covers(index: ClinicIndex, start: datetime, end: datetime) -> None:
    """Raise ValueError unless ``index`` covers the local dates of ``[start, end]``."""
    days = index.days
    first, last = days.first, days.date(days.n_days - 1)
    if start.date() < first or end.date() > last:
        raise ValueError(
            f"index: covers {first.isoformat()} to {last.isoformat()}, the series needs "
            f"{start.date().isoformat()} to {end.date().isoformat()}"
        )

"""Pure scheduling core: free time, bookable slots and treatment-series plans for a clinic.

No Django, no settings, no clock: callers pass the clinic (resources, time zone, slot grid) and the
request, including its ``earliest`` moment; every result is a plain value. Modules:

* :mod:`.intervals`: immutable sets of half-open integer intervals (the arithmetic);
* :mod:`.localdays`: local dates, wall-clock hours and the slot grid of a time zone, DST-correct;
* :mod:`.availability`: per-resource free time and feasible starts per modality (:class:`ClinicIndex`);
* :mod:`.planner`: the series planner (:func:`plan_series`), exact by dynamic programming over days;
* :mod:`.request`: the JSON form read by ``mesoclinic plan-series``;
* :mod:`.synthetic`: a reproducible synthetic clinic for benchmarks and scale tests.
"""

from __future__ import annotations

from .availability import ClinicIndex, free_time
from .intervals import IntervalSet
from .localdays import LocalDays, epoch_seconds
from .model import (
    DAY_NAMES,
    NEEDLE,
    Clinic,
    Plan,
    PlanDict,
    PlannedSession,
    PlanRequest,
    PlanStatus,
    Resource,
    ResourceKind,
    SeriesRequest,
    WeeklyHours,
)
from .planner import plan_series, plan_series_in, planning_window
from .request import PlanInputError, parse_local_datetime, parse_wall_time, plan_request_from_json

__all__ = [
    "DAY_NAMES",
    "NEEDLE",
    "Clinic",
    "ClinicIndex",
    "IntervalSet",
    "LocalDays",
    "Plan",
    "PlanDict",
    "PlanInputError",
    "PlanRequest",
    "PlanStatus",
    "PlannedSession",
    "Resource",
    "ResourceKind",
    "SeriesRequest",
    "WeeklyHours",
    "epoch_seconds",
    "free_time",
    "parse_local_datetime",
    "parse_wall_time",
    "plan_request_from_json",
    "plan_series",
    "plan_series_in",
    "planning_window",
]

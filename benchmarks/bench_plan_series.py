"""Planning a 6-session series on a synthetic clinic (pure core, no database).

The clinic: 50 practitioners, 20 rooms, 30 devices, twelve months, 500,000 busy intervals; its index
(free time per resource) is built once and shared, as a long-lived process would. Each plan: a random
modality, 6 sessions 14 ± 2 (or 7 ± 1, 21 ± 3) days apart, 30-60 minutes plus a 10-15 minute buffer, from
a random moment in the first eight months, 120-day horizon, same practitioner or not. The same requests
are then planned in a saturated clinic (busy intervals of 15-90 instead of 15-45 minutes), where many
series are infeasible and the search explores every first date.

Prints table rows: operation, n, median time per call, calls per second (plus p99, and the plan computed
from scratch including building the index for its 120-day window, as ``mesoclinic plan-series`` does).
"""

from __future__ import annotations

import random
import statistics
import time
from datetime import date, datetime, timedelta

from mesoclinic.scheduling.engine import (
    NEEDLE,
    ClinicIndex,
    PlanStatus,
    SeriesRequest,
    plan_series,
    plan_series_in,
)
from mesoclinic.scheduling.engine.synthetic import NEEDLE_FREE_MODALITIES, synthetic_clinic

N = 500
N_COLD = 10
MODALITIES = (NEEDLE, *NEEDLE_FREE_MODALITIES)


def requests(rng: random.Random, tz: object, n: int) -> list[SeriesRequest]:
    out = []
    for _ in range(n):
        interval, tolerance = rng.choice(((14, 2), (7, 1), (21, 3)))
        day = date(2027, 1, 1) + timedelta(days=rng.randrange(240))
        out.append(
            SeriesRequest(
                modality=rng.choice(MODALITIES),
                sessions=6,
                interval_days=interval,
                tolerance_days=tolerance,
                duration_minutes=rng.choice((30, 45, 60)),
                buffer_minutes=rng.choice((10, 15)),
                earliest=datetime(day.year, day.month, day.day, rng.randrange(8, 18), tzinfo=tz),  # type: ignore[arg-type]
                same_practitioner=rng.random() < 0.7,
                horizon_days=120,
            )
        )
    return out


def percentile(runs: list[float], q: float) -> float:
    ordered = sorted(runs)
    return ordered[round(q * (len(ordered) - 1))]


def timed(index: ClinicIndex, series: list[SeriesRequest]) -> tuple[list[float], int]:
    runs, planned = [], 0
    for request in series:
        t0 = time.perf_counter()
        plan = plan_series_in(index, request)
        runs.append(time.perf_counter() - t0)
        planned += plan.status is PlanStatus.PLANNED
    return runs, planned


def main() -> None:
    clinic = synthetic_clinic()
    index = ClinicIndex.build(clinic, date(2027, 1, 1), date(2027, 12, 31))
    series = requests(random.Random(3), clinic.timezone, N)
    runs, planned = timed(index, series)
    median, p99 = statistics.median(runs), percentile(runs, 0.99)
    label = f"plan-series: 6 sessions, shared index ({planned}/{N} planned)"
    print(f"| {label} | {N} | {median * 1e3:.2f} ms | {1 / median:,.0f}/s |")
    print(f"| plan-series: 6 sessions, shared index, p99 | {N} | {p99 * 1e3:.2f} ms | {1 / p99:,.0f}/s |")
    saturated = synthetic_clinic(busy_minutes=(15, 90))
    runs, planned = timed(ClinicIndex.build(saturated, date(2027, 1, 1), date(2027, 12, 31)), series)
    median, p99 = statistics.median(runs), percentile(runs, 0.99)
    label = f"plan-series: 6 sessions, saturated clinic, busy 15-90 min ({planned}/{N} planned), median / p99"
    print(f"| {label} | {N} | {median * 1e3:.2f} ms / {p99 * 1e3:.2f} ms | {1 / median:,.0f}/s |")
    cold = []
    for request in series[:N_COLD]:
        t0 = time.perf_counter()
        plan_series(clinic, request)
        cold.append(time.perf_counter() - t0)
    cold_median = statistics.median(cold)
    print(
        f"| plan-series: 6 sessions, from scratch (index of the 120-day window built per call) | {N_COLD} "
        f"| {cold_median * 1e3:.0f} ms | {1 / cold_median:,.1f}/s |"
    )


if __name__ == "__main__":
    main()

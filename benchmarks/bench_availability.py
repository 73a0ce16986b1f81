"""Availability of one modality over one month, on a synthetic clinic (pure core, no database).

The clinic: 50 practitioners, 20 rooms, 30 devices, twelve months, 500,000 busy intervals. The index
(free time per resource) is built once; each query materialises every bookable 15-minute slot start of
one modality in a calendar month (practitioner ∩ ∪rooms ∩ ∪devices, snapped to the grid).

Prints table rows: operation, n, median time per call, calls per second (plus p99 and the one-off build).
"""

from __future__ import annotations

import random
import statistics
import time
from datetime import date, datetime

from mesoclinic.scheduling.engine import NEEDLE, ClinicIndex, epoch_seconds
from mesoclinic.scheduling.engine.synthetic import NEEDLE_FREE_MODALITIES, synthetic_clinic

N = 200
MODALITIES = (NEEDLE, *NEEDLE_FREE_MODALITIES)


def main() -> None:
    clinic = synthetic_clinic()
    busy = sum(len(r.busy) for r in clinic.resources)
    start = time.perf_counter()
    index = ClinicIndex.build(clinic, date(2027, 1, 1), date(2027, 12, 31))
    build = time.perf_counter() - start
    rng = random.Random(2)
    tz = clinic.timezone
    runs, slots = [], 0
    for _ in range(N):
        modality = rng.choice(MODALITIES)
        month = rng.randint(1, 11)
        lo = epoch_seconds(datetime(2027, month, 1, tzinfo=tz))
        hi = epoch_seconds(datetime(2027, month + 1, 1, tzinfo=tz))
        length = rng.choice((30, 45, 60)) * 60 + rng.choice((0, 10, 15)) * 60
        t0 = time.perf_counter()
        slots += len(index.slot_starts(modality, length, lo, hi))
        runs.append(time.perf_counter() - t0)
    runs.sort()
    median, p99 = statistics.median(runs), runs[int(0.99 * (len(runs) - 1))]
    what = f"{len(clinic.resources)} resources, {busy:,} busy"
    print(
        f"| availability: one modality, one month ({what}; {slots // N} slots/query) | {N} | {median * 1e3:.1f} ms | {1 / median:,.0f}/s |"
    )
    print(f"| availability: one modality, one month, p99 | {N} | {p99 * 1e3:.1f} ms | {1 / p99:,.0f}/s |")
    print(
        f"| availability: build index, 12 months ({what}), once | 1 | {build * 1e3:.0f} ms | {1 / build:,.2f}/s |"
    )


if __name__ == "__main__":
    main()

"""Screening throughput: the pure core against the default rule table (no database).

Prints one table row: operation, n, median time per call, calls per second.
"""

from __future__ import annotations

import random
import statistics
import time
from datetime import date

from mesoclinic.clinical_codes.vocabulary import CONDITIONS, IMPLANTS, MEDICATIONS, MODALITIES
from mesoclinic.safety.rules import Medication, PatientHistory, ProtocolSpec, default_rule_table, screen

N = 20_000


def histories(rng: random.Random) -> list[PatientHistory]:
    out = []
    for _ in range(N):
        out.append(
            PatientHistory(
                birth_date=date(rng.randint(1950, 2010), rng.randint(1, 12), rng.randint(1, 28)),
                conditions=frozenset(rng.sample(sorted(CONDITIONS), rng.randint(0, 3))),
                medications=tuple(
                    Medication(code) for code in rng.sample(sorted(MEDICATIONS), rng.randint(0, 2))
                ),
                implants=frozenset(rng.sample(sorted(IMPLANTS), rng.randint(0, 1))),
                allergies=frozenset(
                    rng.sample(["lidocaine", "dmae", "vitamin_c", "procaine"], rng.randint(0, 1))
                ),
            )
        )
    return out


def main() -> None:
    rng = random.Random(1)
    rules = default_rule_table()
    patients = histories(rng)
    specs = [ProtocolSpec(m, ("hyaluronic_acid", "lidocaine", "vitamin_c")) for m in MODALITIES]
    on = date(2027, 1, 1)
    runs = []
    for _ in range(5):
        start = time.perf_counter()
        for i, patient in enumerate(patients):
            screen(patient, specs[i % len(specs)], on=on, rules=rules)
        runs.append(time.perf_counter() - start)
    per_call = statistics.median(runs) / N
    print(f"| screen (pure core, default table) | {N} | {per_call * 1e6:.1f} µs | {1 / per_call:,.0f}/s |")


if __name__ == "__main__":
    main()

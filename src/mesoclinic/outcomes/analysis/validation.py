"""Accuracy and repeatability figures on synthetic skin, printed as Markdown tables for docs/analysis.md.

Run ``python -m mesoclinic.outcomes.analysis.validation [SEEDS] [RECAPTURES]`` (default 10 and 8). The test
suite checks the same properties on fewer seeds (``outcomes/analysis/tests``).
"""

from __future__ import annotations

import statistics
import sys

from .metrics import METRIC_NAMES
from .pipeline import analyze
from .synthetic import Capture, SkinSpec, capture, make_scene, recaptures

__all__ = ["accuracy_rows", "main", "repeatability_rows"]

SPEC = SkinSpec(spots=8, wrinkles=3, redness=2, pores=10)
REPEATED = METRIC_NAMES


def _whole(shot: Capture, *, card: bool = True) -> dict[str, float]:
    box = shot.card_box if card else None
    return analyze(shot.image, region="whole", reference_box=box).regions["whole"]


def accuracy_rows(seeds: int) -> list[tuple[str, float, float]]:
    """(metric, mean |relative error|, max |relative error|) against the drawn truth."""
    errors: dict[str, list[float]] = {}
    for seed in range(seeds):
        scene = make_scene(SPEC, seed=seed)
        truth, measured = scene.truth, _whole(capture(scene, seed=seed))
        expected = {
            "spot_count": truth.spot_count,
            "pore_count": truth.pore_count,
            "spot_area_fraction": truth.fraction(truth.spot_area),
            "wrinkle_area_fraction": truth.fraction(truth.wrinkle_area),
            "wrinkle_length_density": truth.wrinkle_length / truth.skin_area,
            "redness_area_fraction": truth.fraction(truth.redness_area),
        }
        for metric, value in expected.items():
            errors.setdefault(metric, []).append(abs(measured[metric] - value) / value)
    return [(metric, statistics.fmean(values), max(values)) for metric, values in errors.items()]


def repeatability_rows(seeds: int, n: int, *, card: bool = True) -> list[tuple[str, float, float]]:
    """(metric, mean CV, max CV) over ``n`` re-captures of each of ``seeds`` scenes."""
    cvs: dict[str, list[float]] = {metric: [] for metric in REPEATED}
    for seed in range(seeds):
        runs = [
            _whole(shot, card=card) for shot in recaptures(make_scene(SPEC, seed=seed), n, seed=1000 + seed)
        ]
        for metric in REPEATED:
            values = [run[metric] for run in runs]
            mean = statistics.fmean(values)
            cvs[metric].append(statistics.pstdev(values) / abs(mean) if mean else 0.0)
    return [(metric, statistics.fmean(values), max(values)) for metric, values in cvs.items()]


def main(argv: list[str] | None = None) -> None:
    """Print the tables."""
    args = sys.argv[1:] if argv is None else argv
    seeds = int(args[0]) if args else 10
    n = int(args[1]) if len(args) > 1 else 8
    print(f"Accuracy ({seeds} scenes of 320×320 px: 8 spots, 10 pores, 3 wrinkles, 2 red patches)\n")
    print("| metric | mean relative error | max relative error |\n|---|---|---|")
    for metric, mean, worst in accuracy_rows(seeds):
        print(f"| {metric} | {mean:.1%} | {worst:.1%} |")
    for card in (True, False):
        label = "exposure normalised on the grey card" if card else "no grey card"
        print(
            f"\nRepeatability ({seeds} scenes × {n} re-captures: shift ≤ 4 px, roll ≤ 2°, exposure ±10 %; {label})\n"
        )
        print("| metric | mean CV | max CV |\n|---|---|---|")
        for metric, mean, worst in repeatability_rows(seeds, n, card=card):
            print(f"| {metric} | {mean:.2%} | {worst:.2%} |")
    print("\nReal faces: python -m mesoclinic.outcomes.analysis.evaluation (docs/analysis.md).")


if __name__ == "__main__":
    main()

"""Accuracy and repeatability figures on synthetic skin, printed as Markdown tables for docs/analysis.md.

Run ``python -m mesoclinic.outcomes.analysis.validation [SEEDS] [RECAPTURES]`` (default 10 and 8). The test
suite checks the same properties on fewer seeds (``outcomes/analysis/tests``).
"""

from __future__ import annotations

import statistics
import sys

import cv2
import numpy as np

from .face import REGION_NAMES
from .metrics import METRIC_NAMES
from .pipeline import Analysis, analyze, compare
from .synthetic import Capture, SkinSpec, capture, make_scene, recaptures

__all__ = ["accuracy_rows", "face_rows", "main", "repeatability_rows"]

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


FACE_METRICS = ("lab_l_mean", "lab_a_mean", "lab_b_mean", "ita_deg", "texture_roughness")


def face_rows(n: int, *, seed: int = 0) -> list[tuple[str, float, float, float, float]]:
    """(metric, mean and max CV over the nine regions detecting the face each time, then with :func:`compare`).

    The photo is scikit-image's public-domain astronaut portrait, re-photographed ``n`` times with a shift of up
    to 6 px and a roll of up to 2° (same exposure: colour normalisation is measured on the synthetic scenes).
    """
    from skimage import data  # noqa: PLC0415 - only this report needs the sample portrait

    portrait = data.astronaut().astype(np.float32) / 255
    rng = np.random.default_rng(seed)
    detected: list[Analysis] = []
    registered: list[Analysis] = []
    for _ in range(n):
        matrix = cv2.getRotationMatrix2D((256, 256), float(rng.uniform(-2, 2)), 1.0)
        matrix[:, 2] += rng.uniform(-6, 6, size=2)
        shot = np.clip(cv2.warpAffine(portrait, matrix, (512, 512), borderMode=cv2.BORDER_REFLECT), 0, 1)
        detected.append(analyze(shot))
        registered.append(compare(portrait, shot).follow_up)
    rows = []
    for metric in FACE_METRICS:
        plain, aligned = _region_cvs(detected, metric), _region_cvs(registered, metric)
        rows.append((metric, statistics.fmean(plain), max(plain), statistics.fmean(aligned), max(aligned)))
    return rows


def _region_cvs(runs: list[Analysis], metric: str) -> list[float]:
    cvs = []
    for name in REGION_NAMES:
        values = [run.regions[name][metric] for run in runs]
        cvs.append(statistics.pstdev(values) / abs(statistics.fmean(values)))
    return cvs


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
    print(f"\nFace regions ({n} re-photographs of the astronaut portrait: shift ≤ 6 px, roll ≤ 2°)\n")
    print(
        "| metric | detected each time: mean / max CV | registered (compare): mean / max CV |\n|---|---|---|"
    )
    for metric, mean, worst, aligned_mean, aligned_worst in face_rows(n):
        print(f"| {metric} | {mean:.2%} / {worst:.2%} | {aligned_mean:.2%} / {aligned_worst:.2%} |")


if __name__ == "__main__":
    main()

"""Evaluation on real faces: repeatability, false flags, detection of painted changes, refusals and placement.

``python -m mesoclinic.outcomes.analysis.evaluation [--portraits DIR] [--captures N] [--trials N]`` prints the
tables of docs/analysis.md ("Measured on real faces"). It takes a few minutes on two cores; it is a report,
not a test (``tests/test_evaluation.py`` runs a small version of it to keep the figures from regressing).

The faces are real portraits whose licence allows it (:mod:`.portraits`), each enlarged to a 6 MP "studio"
photo (2 : 3 or the portrait's own aspect). A *re-capture* of a studio photo imitates taking the same photo again
with a tablet on a stand: a similarity about the centre (shift 1–3 % of the width in a random direction, roll
±3°, scale ±5 %), exposure ±10 % and white balance ±5 % (red and blue gains) in linear light, a Gaussian blur
of σ ≤ 0.8 px, sensor noise and JPEG at quality 70–95. Changes are painted on the skin of the studio photo
before it is re-captured:

* ``spots``: 10 spots 12 L* darker (and 4 b* browner) of radius 3 % of the eye distance (≈ 2 mm) on the
  cheeks and forehead;
* ``redness``: a disk of radius 12 % of the eye distance on the left cheek, a* + 12 at the same L*;
* ``lines``: three faint horizontal forehead lines 8 L* darker, 1 % of the eye distance wide, 35–50 % long.

Each comparison is what the clinic runs: :func:`.pipeline.compare` of a re-capture (with or without the change)
against a re-capture of the unchanged photo, judged by :mod:`.repeatability`.
"""

from __future__ import annotations

import argparse
import io
import itertools
import math
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
from PIL import Image

from .colour import linear_to_srgb, rgb_to_lab, srgb_to_linear
from .face import REGION_NAMES, FaceFrame, FaceNotFoundError, detect_face
from .pipeline import Analysis, compare, preview
from .portraits import PORTRAITS, folder_portraits, portrait
from .registration import RegistrationError
from .repeatability import METHOD_SPREAD, Repeatability, Spread, assess_change, pool, spread_from_captures

__all__ = ["main", "recapture", "studio"]

STUDIO_PIXELS = 6_000_000
#: VISIA's published test–retest CVs (Canfield precision study; /work/shared research notes), per metric family.
VISIA_CV: dict[str, float] = {
    "texture_roughness": 0.02,
    "spot_area_fraction": 0.02,  # brown spots < 2 %
    "redness_area_fraction": 0.04,
    "pore_count": 0.04,
    "spot_count": 0.06,
    "wrinkle_area_fraction": 0.06,
    "wrinkle_length_density": 0.06,
    "lab_l_mean": 0.02,
    "lab_a_mean": 0.02,
    "lab_b_mean": 0.02,
}
#: Below these means a CV says nothing (a region without spots has CV 0/0): such cells are left out.
CV_FLOOR: dict[str, float] = {
    "spot_count": 1.0,
    "pore_count": 2.0,
    "spot_area_fraction": 0.001,
    "wrinkle_area_fraction": 0.001,
    "wrinkle_length_density": 0.0002,
    "redness_area_fraction": 0.01,
}


def studio(image: np.ndarray, pixels: int = STUDIO_PIXELS) -> np.ndarray:
    """The portrait enlarged (Lanczos) to about ``pixels`` pixels: the 6 MP photo the re-captures start from."""
    factor = math.sqrt(pixels / (image.shape[0] * image.shape[1]))
    size = (round(image.shape[1] * factor), round(image.shape[0] * factor))
    return np.clip(cv2.resize(image, size, interpolation=cv2.INTER_LANCZOS4), 0, 1).astype(np.float32)


@dataclass(frozen=True)
class Recapture:
    image: np.ndarray
    matrix: np.ndarray  # studio pixel → re-capture pixel (2×3)


def recapture(image: np.ndarray, rng: np.random.Generator, *, photometric: bool = True) -> Recapture:
    """The same photo taken again (see the module docstring); ``photometric=False`` keeps exposure and colour."""
    height, width = image.shape[:2]
    angle = rng.uniform(0, 2 * math.pi)
    distance = rng.uniform(0.01, 0.03) * width
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), rng.uniform(-3, 3), rng.uniform(0.95, 1.05))
    matrix[:, 2] += (distance * math.cos(angle), distance * math.sin(angle))
    moved = cv2.warpAffine(
        image, matrix, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT
    )
    linear = srgb_to_linear(np.clip(moved, 0, 1))
    if photometric:
        gains = np.array([rng.uniform(0.95, 1.05), 1.0, rng.uniform(0.95, 1.05)], dtype=np.float32)
        linear = linear * gains * np.float32(rng.uniform(0.9, 1.1))
    sigma = rng.uniform(0.0, 0.8)
    if sigma > 0.05:
        linear = cv2.GaussianBlur(linear, (0, 0), sigma)
    srgb = linear_to_srgb(np.clip(linear, 0, 1)) + rng.normal(0, 1.0 / 255, linear.shape).astype(np.float32)
    out = io.BytesIO()
    Image.fromarray((np.clip(srgb, 0, 1) * 255 + 0.5).astype(np.uint8)).save(
        out, "JPEG", quality=int(rng.integers(70, 96))
    )
    decoded = np.asarray(Image.open(io.BytesIO(out.getvalue())).convert("RGB"), dtype=np.float32) / 255
    return Recapture(decoded, matrix)


# ---------------------------------------------------------------------------------------------------------
# Painting changes on the skin


def _paint(image: np.ndarray, mask: np.ndarray, d_l: float, d_a: float, d_b: float) -> np.ndarray:
    """Add (ΔL*, Δa*, Δb*) weighted by ``mask`` (0–1) to ``image`` (sRGB), inside the mask's bounding box."""
    ys, xs = np.nonzero(mask > 0)
    if len(ys) == 0:
        return image
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    out = image.copy()
    crop = out[y0:y1, x0:x1]
    lab = rgb_to_lab(crop)
    weight = mask[y0:y1, x0:x1, None].astype(np.float32)
    lab += weight * np.array([d_l, d_a, d_b], dtype=np.float32)
    out[y0:y1, x0:x1] = np.clip(cv2.cvtColor(lab, cv2.COLOR_Lab2RGB), 0, 1)
    return out


def _disk_mask(shape: tuple[int, int], centres: Sequence[tuple[float, float]], radius: float) -> np.ndarray:
    mask = np.zeros(shape, dtype=np.float32)
    for x, y in centres:
        cv2.circle(mask, (round(x * 16), round(y * 16)), round(radius * 16), 1.0, -1, cv2.LINE_AA, shift=4)
    return cv2.GaussianBlur(mask, (0, 0), 1.0)


def _inside(
    face: FaceFrame, names: Sequence[str], rng: np.random.Generator, n: int, margin: float
) -> list[tuple[float, float]]:
    """``n`` random points inside the named regions, at least ``margin`` px from their edges."""
    points: list[tuple[float, float]] = []
    polygons = [face.polygon(name).astype(np.float32) for name in names]
    tries = 0
    while len(points) < n and tries < 20000:
        tries += 1
        polygon = polygons[int(rng.integers(len(polygons)))]
        x0, y0 = polygon.min(axis=0)
        x1, y1 = polygon.max(axis=0)
        point = (float(rng.uniform(x0, x1)), float(rng.uniform(y0, y1)))
        if cv2.pointPolygonTest(polygon, point, True) >= margin and all(
            math.dist(point, other) > 3 * margin for other in points
        ):
            points.append(point)
    return points


def paint_spots(image: np.ndarray, face: FaceFrame, rng: np.random.Generator) -> np.ndarray:
    radius = 0.03 * face.unit
    centres = _inside(face, ("cheek_left", "cheek_right", "forehead"), rng, 10, 2 * radius)
    return _paint(image, _disk_mask(image.shape[:2], centres, radius), -12.0, 0.0, 4.0)


def paint_redness(image: np.ndarray, face: FaceFrame, rng: np.random.Generator) -> np.ndarray:
    radius = 0.12 * face.unit
    centre = _inside(face, ("cheek_left",), rng, 1, 0.5 * radius) or [
        tuple(face.polygon("cheek_left").mean(axis=0))
    ]
    return _paint(image, _disk_mask(image.shape[:2], centre[:1], radius), 0.0, 12.0, 0.0)


def paint_lines(image: np.ndarray, face: FaceFrame, rng: np.random.Generator) -> np.ndarray:
    polygon = face.polygon("forehead")
    (x0, y0), (x1, y1) = polygon.min(axis=0), polygon.max(axis=0)
    mask = np.zeros(image.shape[:2], dtype=np.float32)
    width = max(2, round(0.01 * face.unit))
    for k in range(3):
        y = y0 + (y1 - y0) * (0.3 + 0.2 * k) + rng.uniform(-0.03, 0.03) * face.unit
        length = rng.uniform(0.35, 0.5) * face.unit
        cx = (x0 + x1) / 2 + rng.uniform(-0.15, 0.15) * face.unit
        cv2.line(
            mask,
            (round(cx - length / 2), round(y)),
            (round(cx + length / 2), round(y)),
            1.0,
            width,
            cv2.LINE_AA,
        )
    return _paint(image, cv2.GaussianBlur(mask, (0, 0), 0.7), -8.0, 0.0, 0.0)


#: change → (painter, region(s) it is painted in, metric that must be flagged, sign of the expected change)
CHANGES: dict[str, tuple[Callable[..., Any], tuple[str, ...], str, int]] = {
    "10 spots, 12 L* darker": (
        paint_spots,
        ("cheek_left", "cheek_right", "forehead"),
        "spot_area_fraction",
        +1,
    ),
    "red patch, a* + 12": (paint_redness, ("cheek_left",), "redness_area_fraction", +1),
    "3 faint forehead lines": (paint_lines, ("forehead",), "wrinkle_area_fraction", +1),
}


# ---------------------------------------------------------------------------------------------------------
# The evaluation


@dataclass
class FaceResult:
    name: str
    refused: str = ""
    follow_ups: list[Analysis] | None = None
    colour_follow_ups: list[Analysis] | None = None
    eye_errors: list[float] | None = None
    ious: list[float] | None = None
    registration_errors: list[float] | None = None
    registration_failures: int = 0


def _eye_error(studio_face: FaceFrame, shot: Recapture, found: FaceFrame) -> float:
    """Distance between the found iris centres and the studio ones moved by the known transform, / E."""
    expected = studio_face.transformed(shot.matrix)
    errors = [
        math.dist(a, b)
        for a, b in (
            (expected.eye_image_left, found.eye_image_left),
            (expected.eye_image_right, found.eye_image_right),
        )
    ]
    return max(errors) / expected.unit


def _registration_error(comparison: object, base: Recapture, shot: Recapture) -> float:
    """How far the registration puts the baseline's face centre from where it truly is in the follow-up, / E."""
    face = comparison.baseline.face  # type: ignore[attr-defined]  # a Comparison of outcomes.analysis.compare, typed object to keep this module free of it
    truth = np.vstack([shot.matrix, [0, 0, 1]]) @ np.linalg.inv(np.vstack([base.matrix, [0, 0, 1]]))
    centre = (np.array(face.eye_image_left) + np.array(face.eye_image_right)) / 2 + (0.0, 0.5 * face.unit)
    found = comparison.registration.matrix  # type: ignore[attr-defined]  # a Comparison of outcomes.analysis.compare, typed object to keep this module free of it
    return float(
        np.linalg.norm(found[:, :2] @ centre + found[:, 2] - (truth[:2, :2] @ centre + truth[:2, 2]))
        / face.unit
    )


def _iou(a: np.ndarray, b: np.ndarray, shape: tuple[int, int]) -> float:
    ma, mb = np.zeros(shape, np.uint8), np.zeros(shape, np.uint8)
    cv2.fillPoly(ma, [np.round(a).astype(np.int32)], 1)
    cv2.fillPoly(mb, [np.round(b).astype(np.int32)], 1)
    union = np.logical_or(ma, mb).sum()
    return float(np.logical_and(ma, mb).sum() / union) if union else 0.0


def evaluate_face(
    name: str,
    image: np.ndarray,
    captures: int,
    seed: int,
    *,
    pixels: int = STUDIO_PIXELS,
    colour: bool = True,
) -> FaceResult:
    """Re-capture one studio photo ``captures`` times; compare each with the first, as a clinic would.

    With ``colour`` the same is done again without exposure and white-balance changes (colour repeatability).
    """
    rng = np.random.default_rng(seed)
    photo = studio(image, pixels)
    try:
        studio_face = detect_face(preview(photo)).scaled(photo.shape[1] / preview(photo).shape[1])
    except FaceNotFoundError as exc:
        return FaceResult(name, refused=str(exc))
    follow_ups: list[Analysis] = []
    colour_follow_ups: list[Analysis] = []
    eye_errors: list[float] = []
    ious: list[float] = []
    registration_errors: list[float] = []
    result = FaceResult(
        name,
        follow_ups=follow_ups,
        colour_follow_ups=colour_follow_ups,
        eye_errors=eye_errors,
        ious=ious,
        registration_errors=registration_errors,
    )
    runs = ((True, follow_ups), (False, colour_follow_ups)) if colour else ((True, follow_ups),)
    for photometric, bucket in runs:
        shots = [recapture(photo, rng, photometric=photometric) for _ in range(captures + 1)]
        for shot in shots[1:]:
            try:
                comparison = compare(shots[0].image, shot.image)
            except RegistrationError:
                result.registration_failures += 1
                continue
            except FaceNotFoundError as exc:
                return FaceResult(name, refused=str(exc))
            bucket.append(comparison.follow_up)
            registration_errors.append(_registration_error(comparison, shots[0], shot))
            if photometric and comparison.follow_up_face is not None:
                eye_errors.append(_eye_error(studio_face, shot, comparison.follow_up_face))
                base_found = comparison.baseline.face
                if base_found is None:  # the regions are compared only where the baseline's face was found
                    continue
                back = shots[0].matrix
                for region in REGION_NAMES:
                    # the follow-up's own regions, and the baseline's moved by the true transform
                    truth = (
                        np.vstack([base_found.polygon(region).T, np.ones(len(base_found.polygon(region)))]).T
                        @ np.linalg.inv(np.vstack([back, [0, 0, 1]])).T
                    )[:, :2] @ shot.matrix[:, :2].T + shot.matrix[:, 2]
                    ious.append(_iou(comparison.follow_up_face.polygon(region), truth, shot.image.shape[:2]))
    return result


def cv_table(
    results: list[FaceResult], metrics: Sequence[str], colour: bool = False
) -> dict[str, list[float]]:
    """Per metric, the CV of every (face, region) cell whose mean is above :data:`CV_FLOOR`."""
    table: dict[str, list[float]] = defaultdict(list)
    for result in results:
        runs = (result.colour_follow_ups if colour else result.follow_ups) or []
        if len(runs) < 3:
            continue
        for region in REGION_NAMES:
            for metric in metrics:
                values = [run.regions[region][metric] for run in runs if region in run.regions]
                if len(values) < 3:
                    continue
                mean = statistics.fmean(values)
                if abs(mean) < CV_FLOOR.get(metric, 1e-9):
                    continue
                table[metric].append(statistics.stdev(values) / abs(mean))
    return table


def false_flags(results: list[FaceResult], repeatability: Repeatability | None) -> tuple[int, int]:
    """(flagged, judged) over unchanged re-captures: consecutive follow-ups compared with each other.

    With ``repeatability`` None, each face's SD is estimated from its first half of follow-ups (a clinic's
    test–retest) and the flags are counted on its second half.
    """
    flagged = judged = 0
    for result in results:
        runs = result.follow_ups or []
        if len(runs) < 4:
            continue
        if repeatability is None:
            half = len(runs) // 2
            spreads = pool([spread_from_captures([r.regions for r in runs[:half]])])
            rep, tested = Repeatability(by_region=spreads), runs[half:]
        else:
            rep, tested = repeatability, runs
        for before, after in itertools.pairwise(tested):
            for region, metrics in before.regions.items():
                if region not in after.regions:
                    continue
                for metric, value in metrics.items():
                    verdict = assess_change(value, after.regions[region][metric], rep.spread(region, metric))
                    if verdict.measurable:
                        judged += 1
                        flagged += verdict.beyond
    return flagged, judged


def detection(
    name: str,
    image: np.ndarray,
    trials: int,
    seed: int,
    *,
    pixels: int = STUDIO_PIXELS,
    changes: Sequence[str] | None = None,
) -> dict[str, tuple[int, int]]:
    """Per painted change: (flagged, trials) with the method's default repeatability."""
    rng = np.random.default_rng(seed)
    photo = studio(image, pixels)
    small = preview(photo)
    face = detect_face(small).scaled(photo.shape[1] / small.shape[1])
    found: dict[str, tuple[int, int]] = {}
    for label, (painter, regions, metric, sign) in CHANGES.items():
        if changes is not None and label not in changes:
            continue
        hits = 0
        for _ in range(trials):
            changed = painter(photo, face, rng)
            before, after = recapture(photo, rng), recapture(changed, rng)
            try:
                comparison = compare(before.image, after.image)
            except (RegistrationError, FaceNotFoundError):
                continue
            hit = False
            for region in regions:
                if region not in comparison.baseline.regions or region not in comparison.follow_up.regions:
                    continue
                verdict = assess_change(
                    comparison.baseline.regions[region][metric],
                    comparison.follow_up.regions[region][metric],
                    METHOD_SPREAD.get(metric),
                )
                hit = hit or (verdict.beyond and verdict.change * sign > 0)
            hits += hit
        found[label] = (hits, trials)
    return found


def _faces(folder: str | None) -> dict[str, np.ndarray]:
    faces = {name: portrait(name) for name in PORTRAITS}
    if folder:
        faces.update(folder_portraits(folder))
    return faces


def _median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mesoclinic.outcomes.analysis.evaluation")
    parser.add_argument("--portraits", help="a folder of more portraits (scripts/fetch-portraits.sh)")
    parser.add_argument("--captures", type=int, default=8, help="re-captures per face (default 8)")
    parser.add_argument(
        "--trials", type=int, default=10, help="trials per painted change and face (default 10)"
    )
    parser.add_argument("--seed", type=int, default=0)
    options = parser.parse_args(argv)
    faces = _faces(options.portraits)
    started = time.perf_counter()
    results = [
        evaluate_face(name, image, options.captures, options.seed + i)
        for i, (name, image) in enumerate(faces.items())
    ]
    measured = [r for r in results if not r.refused]
    print(
        f"Faces: {len(faces)}; measurable at 6 MP: {len(measured)}; re-captures per face: {options.captures}\n"
    )
    print("| face | result |\n|---|---|")
    for r in results:
        print(f"| {r.name} | {r.refused or 'measured'} |")
    eye = [e for r in measured for e in (r.eye_errors or [])]
    ious = [i for r in measured for i in (r.ious or [])]
    failures = sum(r.registration_failures for r in measured)
    print(
        f"\nPlacement: iris error vs the known transform median {_median(eye):.2%} of the eye distance "
        f"(p90 {np.percentile(eye, 90) if eye else float('nan'):.2%}); region IoU with the true regions median "
        f"{_median(ious):.3f} (p10 {np.percentile(ious, 10) if ious else float('nan'):.3f}); "
        f"registration failures {failures}\n"
    )
    structure = (
        "texture_roughness",
        "spot_area_fraction",
        "spot_count",
        "pore_count",
        "redness_area_fraction",
        "wrinkle_area_fraction",
        "wrinkle_length_density",
        "lab_l_mean",
        "lab_a_mean",
        "lab_b_mean",
    )
    table = cv_table(measured, structure)
    colour = cv_table(measured, ("lab_l_mean", "lab_a_mean", "lab_b_mean"), colour=True)
    print("| metric | median CV | p75 CV | p90 CV | cells | VISIA |\n|---|---|---|---|---|---|")
    for metric in structure:
        values = table.get(metric, [])
        p75, p90 = (np.percentile(values, q) if values else float("nan") for q in (75, 90))
        print(
            f"| {metric} | {_median(values):.2%} | {p75:.2%} | {p90:.2%} | {len(values)} | {VISIA_CV[metric]:.0%} |"
        )
    for metric, values in colour.items():
        print(
            f"| {metric} (no exposure/white-balance change) | {_median(values):.2%} | "
            f"{np.percentile(values, 75):.2%} | {np.percentile(values, 90):.2%} | {len(values)} | {VISIA_CV[metric]:.0%} |"
        )
    errors = [e for r in measured for e in (r.registration_errors or [])]
    if errors:
        print(
            f"\nRegistration error against the known transform (face centre): median {_median(errors):.3%} of the "
            f"eye distance, max {max(errors):.3%}"
        )
    flagged, judged = false_flags(measured, Repeatability())
    own_flagged, own_judged = false_flags(measured, None)
    print(
        f"\nUnchanged re-captures flagged beyond repeatability: {flagged}/{judged} = "
        f"{flagged / max(judged, 1):.1%} with the method's default spread; {own_flagged}/{own_judged} = "
        f"{own_flagged / max(own_judged, 1):.1%} with each face's own test–retest (first half of its captures)"
    )
    if options.trials <= 0:
        print(f"\n({time.perf_counter() - started:.0f} s)")
        return 0
    print("\n| change painted on real skin | flagged | rate |\n|---|---|---|")
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for i, r in enumerate(measured):
        for label, (hits, trials) in detection(
            r.name, faces[r.name], options.trials, options.seed + 100 + i
        ).items():
            totals[label][0] += hits
            totals[label][1] += trials
    for label, (hits, trials) in totals.items():
        print(f"| {label} | {hits}/{trials} | {hits / max(trials, 1):.0%} |")
    print(f"\n({time.perf_counter() - started:.0f} s)")
    return 0


def suggested_spread(results: list[FaceResult]) -> dict[str, Spread]:
    """Per metric, the pooled CV and floor the evaluation measured (to update :data:`.repeatability.METHOD_SPREAD`)."""
    table = cv_table(results, tuple(METHOD_SPREAD))
    return {
        metric: Spread(cv=_median(values), floor=METHOD_SPREAD[metric].floor)
        for metric, values in table.items()
    }


if __name__ == "__main__":
    sys.exit(main())

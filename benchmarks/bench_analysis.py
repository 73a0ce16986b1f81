"""Full face analysis of a 6 MP photo (2000×3000 JPEG), as ``mesoclinic analyze`` runs it (pure core), on one core.

The photo: Grace Hopper's public-domain portrait (matplotlib's sample data) enlarged to 2000×3000 px (the eyes
≈ 330 px apart), given a fine skin-like grain (so the JPEG and the filters see real detail) and saved as a JPEG of
quality 92. Each run reads the file and analyses it: quality, face mesh, the face's checks (pose, expression,
size, blur, clipping), the nine regions. The first run, which loads MediaPipe's graph and TensorFlow Lite, is a
warm-up and not counted ("after start-up"). OpenCV is limited to one thread; run it as
``taskset -c 0 .venv/bin/python benchmarks/bench_analysis.py`` to hold MediaPipe's threads to one core too.
Target: ≤ 1 s on one core.

Prints table rows: operation, n, median time per call, calls per second; then the max, and the median of each
stage (read, preview, quality, face mesh, face grid and checks, per-pixel maps, region metrics).
"""

from __future__ import annotations

import io
import statistics
import time
from collections.abc import Callable
from typing import Any

import cv2
import numpy as np
from PIL import Image

from mesoclinic.outcomes.analysis import (
    analyze,
    assess_quality,
    detect_face,
    face_grid,
    feature_maps,
    load_image,
    measure_regions,
    preview,
)
from mesoclinic.outcomes.analysis.pipeline import face_image_checks
from mesoclinic.outcomes.analysis.portraits import portrait

RUNS = 7
SIZE = (2000, 3000)


def photo() -> bytes:
    """The 6 MP JPEG described in the module docstring."""
    face = (portrait("hopper") * 255).astype(np.float32)
    height = round(face.shape[1] * SIZE[1] / SIZE[0])  # crop to 2 : 3 before enlarging
    face = face[:height] if height <= face.shape[0] else face
    large = cv2.resize(face, SIZE, interpolation=cv2.INTER_CUBIC)
    grain = cv2.GaussianBlur(
        np.random.default_rng(0).normal(0, 4, large.shape[:2]).astype(np.float32), (0, 0), 1.2
    )
    buffer = io.BytesIO()
    Image.fromarray(np.clip(large + grain[:, :, None], 0, 255).astype(np.uint8)).save(
        buffer, "JPEG", quality=92
    )
    return buffer.getvalue()


def timed(call: Callable[..., Any], *args: Any) -> tuple[float, Any]:
    t0 = time.perf_counter()
    value = call(*args)
    return time.perf_counter() - t0, value


def main() -> None:
    cv2.setNumThreads(1)
    jpeg = photo()
    analyze(load_image(jpeg))  # warm-up: MediaPipe's graph, TensorFlow Lite, imports
    totals: list[float] = []
    stages: dict[str, list[float]] = {}
    for _ in range(RUNS):
        total, _ = timed(lambda: analyze(load_image(jpeg)))
        totals.append(total)
        t_read, image = timed(load_image, jpeg)
        t_preview, small = timed(preview, image)
        t_quality, _ = timed(assess_quality, small)
        t_face, face = timed(detect_face, small)
        t_grid, grid = timed(face_grid, image, face.scaled(image.shape[1] / small.shape[1]))
        t_checks, _ = timed(face_image_checks, grid)
        t_maps, maps = timed(feature_maps, grid.rgb)
        t_regions, _ = timed(measure_regions, maps, grid)
        for name, value in (
            ("read JPEG (decode, EXIF, float RGB)", t_read),
            (f"preview ({small.shape[1]}×{small.shape[0]} px, area averaging)", t_preview),
            ("quality on the preview (blur, exposure)", t_quality),
            ("face mesh on the preview (MediaPipe, 478 landmarks)", t_face),
            (f"face grid ({grid.rgb.shape[1]}×{grid.rgb.shape[0]} px)", t_grid),
            ("face checks on the grid (blur, clipping)", t_checks),
            ("per-pixel maps (Lab, two contrasts, Hessian lines, segmentation, erythema, texture)", t_maps),
            ("nine regions' metrics", t_regions),
        ):
            stages.setdefault(name, []).append(value)
    median, worst = statistics.median(totals), max(totals)
    label = (
        "analyze: 6 MP face photo (2000×3000 JPEG), read + quality + face mesh + checks + 9 regions, 1 thread"
    )
    print(f"| {label} | {RUNS} | {median:.2f} s | {1 / median:.2f}/s |")
    print(f"| analyze: 6 MP face photo, max of {RUNS} | {RUNS} | {worst:.2f} s | {1 / worst:.2f}/s |")
    for name, values in stages.items():
        stage = statistics.median(values)
        print(f"| analyze stage: {name} | {RUNS} | {stage * 1e3:.0f} ms | {1 / stage:,.1f}/s |")


if __name__ == "__main__":
    main()

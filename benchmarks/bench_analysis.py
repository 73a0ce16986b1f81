"""Full face analysis of a 6 MP photo (3000×2000 JPEG), as ``mesoclinic analyze`` runs it (pure core).

The photo: scikit-image's public-domain astronaut portrait cropped to 3:2, enlarged to 3000×2000 px, given a
fine skin-like grain (so the JPEG and the filters see real detail) and saved as a JPEG of quality 92. Each run
reads the file and analyses the nine face regions; the first run, which loads OpenCV's cascades, is a warm-up
and not counted. Target: < 3 s on 2 cores.

Prints table rows: operation, n, median time per call, calls per second; then the max, and the median of each
stage (read, preview, quality, face detection, face grid, per-pixel maps, region metrics).
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
from skimage import data

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

RUNS = 7
SIZE = (3000, 2000)


def photo() -> bytes:
    """The 6 MP JPEG described in the module docstring."""
    portrait = data.astronaut()[:341]
    large = cv2.resize(portrait, SIZE, interpolation=cv2.INTER_CUBIC).astype(np.float32)
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
    jpeg = photo()
    analyze(load_image(jpeg))  # warm-up: cascades, imports
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
        t_maps, maps = timed(feature_maps, grid.rgb)
        t_regions, _ = timed(measure_regions, maps, grid)
        for name, value in (
            ("read JPEG (decode, EXIF, float RGB)", t_read),
            (f"preview ({small.shape[1]}×{small.shape[0]} px, area averaging)", t_preview),
            ("quality on the preview (blur, exposure)", t_quality),
            ("face and eyes on the preview (Haar)", t_face),
            (f"face grid ({grid.rgb.shape[1]}×{grid.rgb.shape[0]} px)", t_grid),
            ("per-pixel maps (Lab, contrast, Sato, segmentation, skeleton)", t_maps),
            ("nine regions' metrics", t_regions),
        ):
            stages.setdefault(name, []).append(value)
    median, worst = statistics.median(totals), max(totals)
    label = "analyze: 6 MP face photo (3000×2000 JPEG), read + quality + face + 9 regions"
    print(f"| {label} | {RUNS} | {median:.2f} s | {1 / median:.2f}/s |")
    print(f"| analyze: 6 MP face photo, max of {RUNS} | {RUNS} | {worst:.2f} s | {1 / worst:.2f}/s |")
    for name, values in stages.items():
        stage = statistics.median(values)
        print(f"| analyze stage: {name} | {RUNS} | {stage * 1e3:.0f} ms | {1 / stage:,.1f}/s |")


if __name__ == "__main__":
    main()

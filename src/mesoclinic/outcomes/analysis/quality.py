"""Capture quality: is the photo sharp and well exposed enough to measure?

Both checks run on a grey copy resized so its longer side is :data:`QUALITY_SIDE` px, so the thresholds mean
the same for a 1 MP tablet photo and a 24 MP camera file.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from ._checks import _check_rgb
from .colour import linear_luminance

__all__ = ["QUALITY_SIDE", "Quality", "QualityThresholds", "assess_quality"]

QUALITY_SIDE = 1000


@dataclass(frozen=True)
class QualityThresholds:
    """Limits of an acceptable capture; a value outside them gives a warning, never a refusal.

    ``min_sharpness``: variance of the Laplacian of the grey image (0–255 scale) at 1000 px; in-focus face
    photos score several hundred, a visibly soft one below 60. ``max_highlights``: fraction of pixels with a
    channel at 250/255 or more (flash glare, blown skin). ``max_shadows``: fraction with every channel at
    5/255 or less. ``luminance_range``: the mean L* of a usable exposure.
    """

    min_sharpness: float = 60.0
    max_highlights: float = 0.02
    max_shadows: float = 0.05
    luminance_range: tuple[float, float] = (25.0, 85.0)


@dataclass(frozen=True)
class Quality:
    """The quality of one capture: measured values, pass flags and plain-words warnings."""

    sharpness: float
    highlights_fraction: float
    shadows_fraction: float
    mean_luminance: float
    sharp: bool
    exposure_ok: bool
    warnings: tuple[str, ...] = field(default=())

    @property
    def passed(self) -> bool:
        """True when the photo is sharp and well exposed."""
        return self.sharp and self.exposure_ok

    def as_dict(self) -> dict[str, object]:
        """The JSON form printed by ``mesoclinic analyze``."""
        return {
            "blur_laplacian_var": round(self.sharpness, 2),
            "sharp": self.sharp,
            "highlights_fraction": round(self.highlights_fraction, 5),
            "shadows_fraction": round(self.shadows_fraction, 5),
            "mean_luminance_l": round(self.mean_luminance, 2),
            "exposure_ok": self.exposure_ok,
            "passed": self.passed,
            "warnings": list(self.warnings),
        }


def assess_quality(image: np.ndarray, thresholds: QualityThresholds | None = None) -> Quality:
    """Measure blur and exposure of an RGB photo.

    Parameters
    ----------
    image : (H, W, 3) ndarray
        sRGB, float in [0, 1] or integers.
    thresholds : QualityThresholds, optional
        Limits for the pass flags.

    Returns
    -------
    Quality

    References
    ----------
    .. [1] Pech-Pacheco, J. L., Cristóbal, G., Chamorro-Martínez, J., Fernández-Valdivia, J. (2000). Diatom
        autofocusing in brightfield microscopy: a comparative study. Proceedings of the 15th International
        Conference on Pattern Recognition, 3, 314-317. :DOI:`10.1109/ICPR.2000.903548`
    """
    rgb = _check_rgb(image)
    limits = thresholds or QualityThresholds()
    height, width = rgb.shape[:2]
    scale = QUALITY_SIDE / max(height, width)
    if scale < 1:
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY) * np.float32(255)
    sharpness = float(cv2.Laplacian(grey, cv2.CV_32F, ksize=1).var())
    brightest = rgb.max(axis=2)
    highlights = float((brightest >= 250 / 255).mean())
    shadows = float((brightest <= 5 / 255).mean())
    # the mean needs no detail: a quarter-size copy saves most of the sRGB decoding
    coarse = cv2.resize(
        rgb, (max(1, rgb.shape[1] // 4), max(1, rgb.shape[0] // 4)), interpolation=cv2.INTER_AREA
    )
    y = float(linear_luminance(coarse).mean())
    mean_l = 116.0 * y ** (1 / 3) - 16.0 if y > 0.008856 else 903.3 * y
    warnings: list[str] = []
    sharp = sharpness >= limits.min_sharpness
    if not sharp:
        warnings.append("the photo looks blurred: hold the camera still and focus on the face")
    low, high = limits.luminance_range
    if highlights > limits.max_highlights:
        warnings.append("part of the photo is over-exposed (glare): reduce the light or the flash")
    if shadows > limits.max_shadows:
        warnings.append("part of the photo is under-exposed: add light")
    if not low <= mean_l <= high:
        warnings.append("the photo is too dark" if mean_l < low else "the photo is too bright")
    exposure_ok = (
        highlights <= limits.max_highlights and shadows <= limits.max_shadows and low <= mean_l <= high
    )
    return Quality(sharpness, highlights, shadows, mean_l, sharp, exposure_ok, tuple(warnings))

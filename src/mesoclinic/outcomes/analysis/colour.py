"""Colour conversions: sRGB to linear light, luminance, CIE L*a*b* (D65) and the individual typology angle."""

from __future__ import annotations

import math

import cv2
import numpy as np

__all__ = ["ita_degrees", "linear_luminance", "rgb_to_lab", "srgb_to_linear"]

_LUMA = np.array([0.2126, 0.7152, 0.0722], dtype=np.float32)  # ITU-R BT.709 / sRGB primaries


def srgb_to_linear(rgb: np.ndarray) -> np.ndarray:
    """Undo the sRGB transfer curve (IEC 61966-2-1) so exposure is a plain multiplication."""
    rgb = rgb.astype(np.float32, copy=False)
    return np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4).astype(np.float32)


def linear_to_srgb(linear: np.ndarray) -> np.ndarray:
    """Apply the sRGB transfer curve to linear light in [0, 1]."""
    linear = np.clip(linear, 0, 1).astype(np.float32, copy=False)
    return np.where(linear <= 0.0031308, linear * 12.92, 1.055 * linear ** (1 / 2.4) - 0.055).astype(
        np.float32
    )


def linear_luminance(rgb: np.ndarray) -> np.ndarray:
    """Relative luminance Y in [0, 1] of sRGB values: the quantity a change of exposure multiplies."""
    return srgb_to_linear(rgb) @ _LUMA


def rgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """CIE L*a*b* (D65) of sRGB float values in [0, 1]: L* in [0, 100], a* and b* roughly in [-128, 127]."""
    return cv2.cvtColor(np.ascontiguousarray(rgb, dtype=np.float32), cv2.COLOR_RGB2Lab)


def ita_degrees(l_star: float, b_star: float) -> float:
    """Individual typology angle, ITA° = atan2(L* − 50, b*) in degrees.

    Higher is lighter skin: > 55 very light, 41–55 light, 28–41 intermediate, 10–28 tan, −30–10 brown,
    < −30 dark. ``atan2`` keeps the angle defined when b* is 0.

    References
    ----------
    .. [1] Chardon, A., Cretois, I., Hourseau, C. (1991). Skin colour typology and suntanning pathways.
        International Journal of Cosmetic Science, 13(4), 191-208.
        :DOI:`10.1111/j.1467-2494.1991.tb00561.x`
    """
    return math.degrees(math.atan2(l_star - 50.0, b_star))

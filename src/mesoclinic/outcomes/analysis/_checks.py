"""Validation helpers shared by the analysis core: each raises ValueError naming the bad parameter."""

from __future__ import annotations

import math

import numpy as np

__all__ = ["_check_choice", "_check_positive", "_check_probability", "_check_rgb"]


def _check_rgb(image: object, name: str = "image", *, min_side: int = 1) -> np.ndarray:
    """Return ``image`` as a float32 (H, W, 3) array in [0, 1]; reject anything else by name.

    Integer images are scaled by their dtype's maximum, so uint8 and uint16 photos are accepted as they are.
    """
    if not isinstance(image, np.ndarray):
        raise ValueError(f"{name} must be a numpy array, not {type(image).__name__}")
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"{name} must have shape (height, width, 3), not {image.shape}")
    if min(image.shape[:2]) < min_side:
        raise ValueError(
            f"{name} must be at least {min_side}×{min_side} px, not {image.shape[1]}×{image.shape[0]}"
        )
    if np.issubdtype(image.dtype, np.integer):
        return image.astype(np.float32) / np.float32(np.iinfo(image.dtype).max)
    if not np.issubdtype(image.dtype, np.floating):
        raise ValueError(f"{name} must hold integers or floats, not {image.dtype}")
    out = image.astype(np.float32, copy=False)
    low, high = float(out.min()), float(out.max())  # NaN propagates through min and max; one pass each
    if not (np.isfinite(low) and np.isfinite(high)):
        raise ValueError(f"{name} contains NaN or infinite values")
    if low < -1e-3 or high > 1 + 1e-3:
        raise ValueError(f"{name} must hold values in [0, 1] when it is a float array")
    return np.clip(out, 0.0, 1.0) if low < 0 or high > 1 else out


def _check_positive(value: float, name: str) -> float:
    """Return ``value`` as a float if it is finite and > 0."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value <= 0
    ):
        raise ValueError(f"{name} must be a positive number, not {value!r}")
    return float(value)


def _check_probability(value: float, name: str) -> float:
    """Return ``value`` as a float if it lies in [0, 1]."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ValueError(f"{name} must be a number between 0 and 1, not {value!r}")
    return float(value)


def _check_choice(value: str, name: str, choices: tuple[str, ...]) -> str:
    """Return ``value`` if it is one of ``choices``."""
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(choices)}, not {value!r}")
    return value

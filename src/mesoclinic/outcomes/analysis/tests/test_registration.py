"""Registration recovers known shifts and rotations of a re-capture."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from mesoclinic.outcomes.analysis import RegistrationError, register
from mesoclinic.outcomes.analysis.synthetic import capture

from .helpers import scene


def expected(shift: tuple[float, float], rotation: float) -> tuple[np.ndarray, float]:
    """Where the baseline's origin lands after ``capture``'s rotation about the canvas centre and shift."""
    sc = scene(seed=0)
    full, margin = sc.lab.shape[0], sc.spec.margin
    matrix = cv2.getRotationMatrix2D((full / 2, full / 2), rotation, 1.0)
    matrix[:, 2] += shift
    origin = matrix[:, :2] @ np.array([margin, margin]) + matrix[:, 2] - margin
    return origin, math.degrees(math.atan2(matrix[1, 0], matrix[0, 0]))


@pytest.mark.parametrize(("shift", "rotation"), [((5.0, -3.0), 0.0), ((0.0, 0.0), 2.0), ((-4.0, 6.0), -1.5)])
def test_ecc_recovers_shift_and_rotation(shift, rotation):
    baseline = capture(scene(seed=0)).image
    follow_up = capture(scene(seed=0), shift=shift, rotation_deg=rotation, exposure=1.1, seed=1).image
    result = register(baseline, follow_up)
    origin, angle = expected(shift, rotation)
    assert result.shift == pytest.approx(tuple(origin), abs=0.3)
    assert result.rotation_deg == pytest.approx(angle, abs=0.1)


def test_features_recover_a_similarity():
    baseline = capture(scene(seed=0)).image
    follow_up = capture(scene(seed=0), shift=(3.0, 2.0), rotation_deg=1.0, seed=2).image
    result = register(baseline, follow_up, method="features")
    origin, angle = expected((3.0, 2.0), 1.0)
    assert result.shift == pytest.approx(tuple(origin), abs=1.0)
    assert result.rotation_deg == pytest.approx(angle, abs=0.3)
    assert result.scale == pytest.approx(1.0, abs=0.01)


def test_the_warped_follow_up_lines_up_with_the_baseline():
    baseline = capture(scene(seed=0), noise=0.0).image
    follow_up = capture(scene(seed=0), shift=(4.0, -2.0), rotation_deg=1.5, noise=0.0).image
    result = register(baseline, follow_up)
    inner = result.valid.copy()
    inner[:8], inner[-8:], inner[:, :8], inner[:, -8:] = False, False, False, False
    before = np.abs(follow_up - baseline)[inner].mean()
    after = np.abs(result.warped - baseline)[inner].mean()
    assert after < before / 3


def test_featureless_images_cannot_be_aligned_by_features():
    flat = np.full((64, 64, 3), 0.5, dtype=np.float32)
    with pytest.raises(RegistrationError):
        register(flat, flat, method="features")


def test_it_rejects_an_unknown_method():
    image = np.zeros((32, 32, 3), dtype=np.float32)
    with pytest.raises(ValueError, match="method"):
        register(image, image, method="sift")

"""Quality checks: blur by variance of the Laplacian, exposure by clipping and mean luminance."""

from __future__ import annotations

import cv2
import numpy as np

from mesoclinic.outcomes.analysis import assess_quality
from mesoclinic.outcomes.analysis.synthetic import capture

from .helpers import scene


def sharp_photo() -> np.ndarray:
    rng = np.random.default_rng(0)
    return np.clip(0.5 + 0.08 * rng.standard_normal((300, 400, 3)), 0, 1).astype(np.float32)


def test_a_sharp_well_exposed_photo_passes():
    quality = assess_quality(sharp_photo())
    assert quality.sharp and quality.exposure_ok and quality.passed
    assert quality.warnings == ()


def test_a_blurred_photo_is_flagged():
    blurred = cv2.GaussianBlur(sharp_photo(), (0, 0), 6)
    quality = assess_quality(blurred)
    assert not quality.sharp
    assert "blurred" in quality.warnings[0]


def test_blur_is_judged_at_a_normalised_size():
    small = capture(scene(seed=0)).image
    large = cv2.resize(small, (1280, 1280), interpolation=cv2.INTER_LINEAR)
    assert assess_quality(large).sharpness < assess_quality(small).sharpness


def test_blown_highlights_are_flagged():
    photo = sharp_photo()
    photo[:60] = 1.0
    quality = assess_quality(photo)
    assert not quality.exposure_ok and quality.highlights_fraction > 0.1
    assert any("over-exposed" in warning for warning in quality.warnings)


def test_a_dark_photo_is_flagged():
    quality = assess_quality(sharp_photo() * 0.1)
    assert not quality.exposure_ok
    assert any("too dark" in warning or "under-exposed" in warning for warning in quality.warnings)


def test_the_json_form_has_pass_flags():
    data = assess_quality(sharp_photo()).as_dict()
    assert {"blur_laplacian_var", "sharp", "exposure_ok", "passed", "warnings"} <= set(data)

"""The face frame and its nine regions, on the public-domain astronaut portrait bundled with scikit-image."""

from __future__ import annotations

from functools import cache

import cv2
import numpy as np
import pytest
from skimage import data

from mesoclinic.outcomes.analysis import REGION_NAMES, FaceNotFoundError, analyze, compare, detect_face
from mesoclinic.outcomes.analysis.synthetic import capture

from .helpers import scene


@cache
def astronaut() -> np.ndarray:
    return data.astronaut().astype(np.float32) / 255


def test_it_finds_the_astronauts_face_and_eyes():
    face = detect_face(astronaut())
    x, y, w, _ = face.box
    assert face.eyes_detected
    assert 150 < x < 200 and 50 < y < 90 and 80 < w < 120
    assert abs(face.roll_deg) < 10


def test_all_nine_regions_lie_inside_the_image():
    face = detect_face(astronaut())
    for name in REGION_NAMES:
        polygon = face.polygon(name)
        assert (polygon >= 0).all() and (polygon[:, 0] < 512).all() and (polygon[:, 1] < 512).all(), name


def test_patient_left_regions_are_on_the_image_right():
    face = detect_face(astronaut())
    for name in ("periorbital", "cheek", "nasolabial"):
        assert face.polygon(f"{name}_left")[:, 0].mean() > face.polygon(f"{name}_right")[:, 0].mean()


def test_regions_run_from_forehead_down_to_chin():
    face = detect_face(astronaut())
    order = ["forehead", "glabella", "periorbital_left", "cheek_left", "chin"]
    heights = [face.polygon(name)[:, 1].mean() for name in order]
    assert heights == sorted(heights)


def test_a_face_analysis_measures_every_region():
    analysis = analyze(astronaut())
    assert tuple(analysis.regions) == REGION_NAMES
    for metrics in analysis.regions.values():
        assert all(np.isfinite(value) for value in metrics.values())


def test_a_photo_without_a_face_is_refused_with_a_hint():
    with pytest.raises(FaceNotFoundError, match="whole"):
        analyze(capture(scene(seed=0)).image)


def test_the_face_grid_makes_metrics_independent_of_photo_size():
    small = analyze(astronaut()).regions["cheek_left"]
    large = analyze(np.clip(cv2.resize(astronaut(), (1024, 1024)), 0, 1)).regions["cheek_left"]
    for metric in ("lab_l_mean", "lab_a_mean", "lab_b_mean"):
        assert large[metric] == pytest.approx(small[metric], abs=1.5), metric


def recaptured_astronaut(shift: tuple[float, float], rotation: float) -> np.ndarray:
    matrix = cv2.getRotationMatrix2D((256, 256), rotation, 1.0)
    matrix[:, 2] += shift
    return np.clip(cv2.warpAffine(astronaut(), matrix, (512, 512), borderMode=cv2.BORDER_REFLECT), 0, 1)


def test_a_follow_up_is_measured_on_the_baselines_regions():
    comparison = compare(astronaut(), recaptured_astronaut((5.0, -4.0), 1.5))
    assert comparison.follow_up.face == comparison.baseline.face
    assert comparison.registration.rotation_deg == pytest.approx(-1.5, abs=0.2)


def test_colour_is_unchanged_when_the_same_face_is_photographed_again():
    change = compare(astronaut(), recaptured_astronaut((-6.0, 3.0), -2.0)).change()
    for name in REGION_NAMES:
        for metric in ("lab_l_mean", "lab_a_mean", "lab_b_mean"):
            assert change[name][metric] == pytest.approx(0.0, abs=0.5), (name, metric)


def test_without_eyes_the_regions_come_from_the_face_box():
    blurred_eyes = astronaut().copy()
    blurred_eyes[88:118, 185:265] = cv2.GaussianBlur(blurred_eyes[88:118, 185:265], (0, 0), 5)
    face = detect_face(blurred_eyes)
    x, y, w, h = face.box
    assert not face.eyes_detected
    assert face.eye_image_left == pytest.approx((x + 0.28 * w, y + 0.38 * h))
    assert face.roll_deg == 0.0

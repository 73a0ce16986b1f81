"""The face mesh, the pose, the nine anatomical regions, and the refusal of faces that cannot be measured.

Real faces from installed packages (public domain): Grace Hopper's portrait (matplotlib), enlarged so the face
has the pixels the metrics need (``studio_portrait``), and the astronaut portrait (scikit-image).
"""

from __future__ import annotations

import math
from dataclasses import replace
from functools import cache

import cv2
import numpy as np
import pytest

from mesoclinic.outcomes.analysis import (
    REGION_NAMES,
    FaceFrame,
    FaceLimits,
    FaceNotFoundError,
    FaceRefusedError,
    RegistrationError,
    analyze,
    check_face,
    compare,
    detect_face,
    photo_problems,
    register_faces,
)
from mesoclinic.outcomes.analysis.portraits import portrait, studio_portrait
from mesoclinic.outcomes.analysis.synthetic import capture

from .helpers import scene


@cache
def studio() -> np.ndarray:
    return studio_portrait()


@cache
def studio_face() -> FaceFrame:
    return detect_face(studio())


@cache
def studio_analysis():
    return analyze(studio())


def recaptured(image: np.ndarray, *, shift=(0.0, 0.0), rotation=0.0, scale=1.0) -> np.ndarray:
    height, width = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), rotation, scale)
    matrix[:, 2] += shift
    return np.clip(cv2.warpAffine(image, matrix, (width, height), borderMode=cv2.BORDER_REFLECT), 0, 1)


def test_it_places_478_landmarks_with_the_irises():
    face = studio_face()
    assert face.landmarks.shape == (478, 3)
    assert 180 < face.unit < 240  # Hopper's 84 px between the eyes, enlarged 2.5×
    assert face.eye_image_left[0] < face.eye_image_right[0]


def test_a_frontal_face_has_small_roll_yaw_and_pitch():
    face = studio_face()
    assert abs(face.roll_deg) < 5 and abs(face.yaw_deg) < 8 and abs(face.pitch_deg) < 8


def test_roll_follows_a_rotated_photo():
    tilted = detect_face(recaptured(studio(), rotation=10.0))
    assert tilted.roll_deg - studio_face().roll_deg == pytest.approx(-10.0, abs=1.0)


def turned(face: FaceFrame, degrees: float) -> FaceFrame:
    """The mesh turned about the vertical axis through the nose bridge (positive: to the patient's right)."""
    points = face.landmarks.copy()
    centre = points[168].copy()
    angle = math.radians(degrees)
    x, z = points[:, 0] - centre[0], points[:, 2] - centre[2]
    points[:, 0] = centre[0] + x * math.cos(angle) + z * math.sin(angle)
    points[:, 2] = centre[2] - x * math.sin(angle) + z * math.cos(angle)
    return FaceFrame(landmarks=points)


def test_yaw_measures_a_turned_mesh():
    assert turned(studio_face(), 25.0).yaw_deg - studio_face().yaw_deg == pytest.approx(25.0, abs=2.0)


def test_all_nine_regions_lie_inside_the_photo():
    face, (height, width) = studio_face(), studio().shape[:2]
    for name in REGION_NAMES:
        polygon = face.polygon(name)
        assert (polygon >= 0).all() and (polygon[:, 0] < width).all() and (polygon[:, 1] < height).all(), name


def test_patient_left_regions_are_on_the_image_right():
    face = studio_face()
    for name in ("periorbital", "cheek", "nasolabial"):
        assert face.polygon(f"{name}_left")[:, 0].mean() > face.polygon(f"{name}_right")[:, 0].mean()


def test_the_forehead_is_above_the_brows_and_the_chin_below_the_lower_lip():
    face = studio_face()
    to_frame = np.linalg.inv(np.vstack([face.to_image(), [0, 0, 1]]))[:2]  # upright, y down, in E

    def upright(points: np.ndarray) -> np.ndarray:
        return points @ to_frame[:, :2].T + to_frame[:, 2]

    brow_tops = upright(face.landmarks[[105, 334, 66, 296], :2])[:, 1].min()
    lower_lip = upright(face.landmarks[[17], :2])[0, 1]  # the lower lip's lowest point
    assert upright(face.polygon("forehead"))[:, 1].max() < brow_tops
    assert upright(face.polygon("chin"))[:, 1].min() >= lower_lip - 0.01


def test_regions_run_from_forehead_down_to_chin():
    face = studio_face()
    order = ["forehead", "glabella", "periorbital_left", "cheek_left", "chin"]
    heights = [face.polygon(name)[:, 1].mean() for name in order]
    assert heights == sorted(heights)


def test_a_face_analysis_measures_every_region_and_reports_the_face():
    result = studio_analysis()
    assert tuple(result.regions) == REGION_NAMES
    block = result.as_dict()
    assert {"eye_distance_px", "roll_deg", "yaw_deg", "pitch_deg"} <= set(block["face"])
    assert len(block["regions"]["chin"]["polygon"]) == len(result.polygons["chin"]) >= 4


def test_a_photo_without_a_face_is_refused_with_a_hint():
    with pytest.raises(FaceNotFoundError, match="whole"):
        analyze(capture(scene(seed=0)).image)


def test_a_face_with_too_few_pixels_is_refused():
    with pytest.raises(FaceRefusedError, match="px between the eyes"):
        analyze(portrait("astronaut"))


def test_half_a_face_at_the_edge_of_the_photo_is_refused():
    face = studio_face()
    cut = round(face.landmarks[1, 0])  # through the nose tip
    with pytest.raises(FaceRefusedError, match="outside the photo"):
        analyze(np.ascontiguousarray(studio()[:, :cut]))


def test_a_blurred_face_is_refused():
    assert any("blurred" in p for p in photo_problems(cv2.GaussianBlur(studio(), (0, 0), 4.0)))


def test_the_measurable_portrait_passes_the_upload_check():
    assert photo_problems(studio()) == []


def moved(face: FaceFrame, changes: dict[int, tuple[float, float]]) -> FaceFrame:
    points = face.landmarks.copy()
    for index, (dx, dy) in changes.items():
        points[index, :2] += (dx * face.unit, dy * face.unit)
    return replace(face, landmarks=points)


def test_closed_eyes_are_refused_in_words():
    face = studio_face()
    points = face.landmarks.copy()
    points[[159, 386]] = points[[145, 374]]  # upper lids down onto the lower lids
    height, width = studio().shape[:2]
    problems = check_face(replace(face, landmarks=points), width, height)
    assert any("both eyes closed" in problem for problem in problems)


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({14: (0, 0.4)}, "mouth is open"),
        ({105: (0, -0.2), 334: (0, -0.2)}, "brows are raised"),
    ],
)
def test_expression_is_refused_in_words(changes, words):
    face = moved(studio_face(), changes)
    height, width = studio().shape[:2]
    assert any(words in problem for problem in check_face(face, width, height))


def test_a_turned_face_is_refused_for_the_front_view_but_fits_a_45_degree_view():
    face = turned(studio_face(), 45.0)
    height, width = studio().shape[:2]
    assert any("turned" in p for p in check_face(face, width, height, FaceLimits.for_view("front")))
    assert not any("turned" in p for p in check_face(face, width, height, FaceLimits.for_view("left_45")))


def test_a_follow_up_is_registered_on_the_landmarks_and_measured_on_the_baselines_regions():
    follow = recaptured(studio(), shift=(25.0, -15.0), rotation=2.0, scale=1.04)
    comparison = compare(studio(), follow)
    registration = comparison.registration
    assert registration.method == "landmarks+ecc"
    assert registration.residual_px < 0.05 * studio_face().unit
    assert registration.rotation_deg == pytest.approx(-2.0, abs=0.2)
    assert registration.scale == pytest.approx(1.04, abs=0.005)
    carried = comparison.follow_up.face.polygon("chin")
    expected = (
        comparison.baseline.face.polygon("chin") @ registration.matrix[:, :2].T + registration.matrix[:, 2]
    )
    assert np.abs(carried - expected).max() < 0.01


def test_colour_is_unchanged_when_the_same_face_is_photographed_again():
    change = compare(studio(), recaptured(studio(), shift=(-12.0, 8.0), rotation=-1.5)).change()
    for name in REGION_NAMES:
        for metric in ("lab_l_mean", "lab_a_mean", "lab_b_mean"):
            assert change[name][metric] == pytest.approx(0.0, abs=0.5), (name, metric)


def test_a_follow_up_that_does_not_line_up_is_an_error_in_words():
    other = detect_face(recaptured(studio(), rotation=4.0))
    stretched = replace(other, landmarks=other.landmarks * (1.0, 1.35, 1.0))  # not a similarity
    with pytest.raises(RegistrationError, match="does not line up"):
        register_faces(studio(), studio(), studio_face(), stretched)

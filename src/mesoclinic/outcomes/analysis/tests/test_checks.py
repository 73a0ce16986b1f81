"""Bad arguments to the core fail with a ValueError that names the parameter."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mesoclinic.outcomes.analysis import MetricParameters, ita_degrees, rgb_to_lab
from mesoclinic.outcomes.analysis._checks import _check_probability, _check_rgb
from mesoclinic.outcomes.analysis.synthetic import SkinSpec, capture, make_scene


@pytest.mark.parametrize(
    ("field", "value"),
    [("spot_contrast", 0), ("pore_max_diameter", -1.0), ("mm_per_px", 0.0), ("background_window", math.nan)],
)
def test_metric_parameters_name_a_bad_threshold(field, value):
    with pytest.raises(ValueError, match=field):
        MetricParameters(**{field: value})


def test_metric_parameters_need_a_wrinkle_scale():
    with pytest.raises(ValueError, match="wrinkle_sigmas"):
        MetricParameters(wrinkle_sigmas=())


def test_it_accepts_uint8_and_uint16_images():
    assert _check_rgb(np.full((4, 4, 3), 255, dtype=np.uint8)).max() == 1.0
    assert _check_rgb(np.full((4, 4, 3), 65535, dtype=np.uint16)).max() == 1.0


def test_it_refuses_nan_pixels():
    image = np.zeros((4, 4, 3), dtype=np.float32)
    image[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        _check_rgb(image)


def test_it_refuses_floats_outside_0_1():
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        _check_rgb(np.full((4, 4, 3), 2.0))


def test_it_refuses_a_list():
    with pytest.raises(ValueError, match="numpy array"):
        _check_rgb([[0, 0, 0]])


def test_probability_is_between_0_and_1():
    with pytest.raises(ValueError, match="share"):
        _check_probability(1.5, "share")


def test_a_scene_has_room_for_its_features():
    with pytest.raises(ValueError, match="spots \\+ wrinkles"):
        make_scene(SkinSpec(size=160, spots=10, wrinkles=2))


def test_exposure_must_be_positive():
    with pytest.raises(ValueError, match="exposure"):
        capture(make_scene(SkinSpec(spots=1, wrinkles=0, redness=0)), exposure=0)


def test_ita_is_zero_at_mid_lightness_and_rises_with_lightness():
    assert ita_degrees(50.0, 15.0) == 0.0
    assert ita_degrees(70.0, 15.0) > ita_degrees(60.0, 15.0) > 0


def test_ita_is_defined_when_b_is_zero():
    assert ita_degrees(70.0, 0.0) == 90.0


def test_white_is_lab_100_0_0():
    assert rgb_to_lab(np.ones((1, 1, 3), dtype=np.float32))[0, 0] == pytest.approx(
        (100.0, 0.0, 0.0), abs=0.01
    )

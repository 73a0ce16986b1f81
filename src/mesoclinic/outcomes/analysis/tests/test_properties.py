"""Properties of the metrics that hold for any skin, not just the validation scenes."""

from __future__ import annotations

import numpy as np
import pytest

from mesoclinic.outcomes.analysis import METRIC_NAMES, analyze, normalise_exposure
from mesoclinic.outcomes.analysis.synthetic import SkinSpec, capture, make_scene

from .helpers import scene

COLOUR_FREE = (
    "spot_count",
    "spot_area_fraction",
    "pore_count",
    "wrinkle_area_fraction",
    "wrinkle_length_density",
    "texture_roughness",
)


def whole(image: np.ndarray) -> dict[str, float]:
    return analyze(image, region="whole").regions["whole"]


def test_it_reports_exactly_the_contract_metrics_plus_pore_count():
    assert set(whole(np.full((64, 64, 3), 0.6, dtype=np.float32))) == set(METRIC_NAMES)


def test_uniform_skin_has_no_spots_or_wrinkles():
    metrics = whole(np.full((128, 128, 3), (0.85, 0.62, 0.52), dtype=np.float32))
    assert (metrics["spot_count"], metrics["spot_area_fraction"], metrics["pore_count"]) == (0, 0.0, 0)
    assert (metrics["wrinkle_area_fraction"], metrics["wrinkle_length_density"]) == (0.0, 0.0)
    assert metrics["texture_roughness"] == pytest.approx(0.0, abs=1e-3)


def test_skin_texture_alone_has_no_spots_or_wrinkles():
    bare = make_scene(SkinSpec(spots=0, wrinkles=0, redness=0, card=False), seed=5)
    metrics = whole(capture(bare).image)
    assert metrics["spot_count"] < 1.0  # the grain's darkest specks add less than one spot in all
    assert metrics["wrinkle_area_fraction"] < 1e-4  # at most a faint fraction of one line-like speck


@pytest.mark.parametrize("gain", [0.9, 1.1])
def test_exposure_within_tolerance_leaves_colour_free_metrics_unchanged(gain):
    image = capture(scene(seed=0)).image
    reference, scaled = whole(image), whole(normalise_exposure(image, gain))
    assert scaled["spot_count"] == pytest.approx(reference["spot_count"], abs=0.01)
    assert scaled["pore_count"] == pytest.approx(reference["pore_count"], abs=1)
    for metric in ("spot_area_fraction", "wrinkle_area_fraction"):
        assert scaled[metric] == pytest.approx(reference[metric], abs=5e-4)
    assert scaled["wrinkle_length_density"] == pytest.approx(reference["wrinkle_length_density"], abs=5e-5)
    assert scaled["texture_roughness"] == pytest.approx(reference["texture_roughness"], abs=0.05)


def test_exposure_changes_colour_metrics_without_a_grey_card():
    image = capture(scene(seed=0)).image
    assert whole(normalise_exposure(image, 1.1))["lab_l_mean"] > whole(image)["lab_l_mean"] + 1


def test_a_grey_card_cancels_exposure():
    shot = capture(scene(seed=0))
    brighter = capture(scene(seed=0), exposure=1.1)
    plain = analyze(shot.image, region="whole", reference_box=shot.card_box).regions["whole"]
    lit = analyze(brighter.image, region="whole", reference_box=brighter.card_box).regions["whole"]
    assert lit["lab_l_mean"] == pytest.approx(plain["lab_l_mean"], abs=0.2)


def test_a_scale_turns_length_density_into_per_millimetre():
    from mesoclinic.outcomes.analysis import MetricParameters  # noqa: PLC0415

    image = capture(scene(seed=0)).image
    per_px = analyze(image, region="whole").regions["whole"]["wrinkle_length_density"]
    params = MetricParameters(mm_per_px=0.25)
    per_mm = analyze(image, region="whole", params=params).regions["whole"]["wrinkle_length_density"]
    assert per_mm == pytest.approx(per_px / 0.25)


def test_it_rejects_an_unknown_region():
    with pytest.raises(ValueError, match="region"):
        analyze(np.zeros((64, 64, 3), dtype=np.float32), region="neck")


def test_it_rejects_a_grey_card_outside_the_photo():
    with pytest.raises(ValueError, match="reference_box"):
        analyze(np.zeros((64, 64, 3), dtype=np.float32), region="whole", reference_box=(60, 60, 10, 10))


def test_it_rejects_a_grey_image_array():
    with pytest.raises(ValueError, match="image must have shape"):
        analyze(np.zeros((64, 64), dtype=np.float32), region="whole")

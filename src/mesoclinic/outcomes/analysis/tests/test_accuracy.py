"""Accuracy on synthetic skin with known features: counts within 10 %, areas within 15 %."""

from __future__ import annotations

import pytest

from .helpers import measure_scene, scene

SEEDS = (0, 1, 2)


@pytest.mark.parametrize("seed", SEEDS)
def test_it_counts_spots_within_10_percent(seed):
    truth = scene(seed=seed).truth
    assert measure_scene(seed=seed)["spot_count"] == pytest.approx(truth.spot_count, rel=0.10)


@pytest.mark.parametrize("seed", SEEDS)
def test_it_separates_pores_from_spots_by_size(seed):
    truth = scene(seed=seed).truth
    assert measure_scene(seed=seed)["pore_count"] == pytest.approx(truth.pore_count, rel=0.25)


@pytest.mark.parametrize("seed", SEEDS)
def test_it_measures_spot_area_within_15_percent(seed):
    truth = scene(seed=seed).truth
    expected = truth.fraction(truth.spot_area)
    assert measure_scene(seed=seed)["spot_area_fraction"] == pytest.approx(expected, rel=0.15)


@pytest.mark.parametrize("seed", SEEDS)
def test_it_measures_redness_area_within_15_percent(seed):
    truth = scene(seed=seed).truth
    expected = truth.fraction(truth.redness_area)
    assert measure_scene(seed=seed)["redness_area_fraction"] == pytest.approx(expected, rel=0.15)


@pytest.mark.parametrize("seed", SEEDS)
def test_it_measures_wrinkle_area_within_15_percent(seed):
    truth = scene(seed=seed).truth
    expected = truth.fraction(truth.wrinkle_area)
    assert measure_scene(seed=seed)["wrinkle_area_fraction"] == pytest.approx(expected, rel=0.15)


@pytest.mark.parametrize("seed", SEEDS)
def test_it_measures_wrinkle_length_density_within_15_percent(seed):
    truth = scene(seed=seed).truth
    expected = truth.wrinkle_length / truth.skin_area
    assert measure_scene(seed=seed)["wrinkle_length_density"] == pytest.approx(expected, rel=0.15)


def test_it_measures_the_drawn_skin_colour():
    metrics = measure_scene(seed=0)
    spec = scene(seed=0).spec
    # features darken L* and add a* / b* in a few % of the area; the grey card normalises exposure to ±1 L*
    assert metrics["lab_l_mean"] == pytest.approx(spec.l_star, abs=1.5)
    assert metrics["lab_a_mean"] == pytest.approx(spec.a_star, abs=1.0)
    assert metrics["lab_b_mean"] == pytest.approx(spec.b_star, abs=1.0)

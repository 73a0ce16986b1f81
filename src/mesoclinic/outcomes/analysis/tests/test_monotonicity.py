"""Every metric moves one way as its feature gets more severe."""

from __future__ import annotations

from dataclasses import replace
from itertools import pairwise

import pytest

from .helpers import SEVERE, measure_scene

BASE = replace(SEVERE, spots=4, wrinkles=2, redness=1, pores=0)


def series(metric: str, **steps: tuple) -> list[float]:
    ((name, values),) = steps.items()
    return [measure_scene(replace(BASE, **{name: value}), 4)[metric] for value in values]


def increasing(values: list[float]) -> bool:
    return all(a < b for a, b in pairwise(values))


@pytest.mark.parametrize("metric", ["spot_count", "spot_area_fraction", "texture_roughness"])
def test_it_rises_with_the_number_of_spots(metric):
    assert increasing(series(metric, spots=(1, 4, 8)))


@pytest.mark.parametrize("metric", ["wrinkle_area_fraction", "wrinkle_length_density"])
def test_it_rises_with_the_number_of_wrinkles(metric):
    assert increasing(series(metric, wrinkles=(1, 3, 6)))


def test_wrinkle_area_rises_with_wrinkle_width():
    assert increasing(series("wrinkle_area_fraction", wrinkle_width=(2, 3, 5)))


@pytest.mark.parametrize("metric", ["redness_area_fraction", "lab_a_mean"])
def test_it_rises_with_the_number_of_red_patches(metric):
    assert increasing(series(metric, redness=(0, 2, 4)))


def test_pore_count_rises_with_the_number_of_pores():
    assert increasing(series("pore_count", pores=(0, 5, 10)))


def test_texture_roughness_rises_with_skin_texture():
    assert increasing(series("texture_roughness", texture=(0.4, 0.8, 1.6)))


@pytest.mark.parametrize(("metric", "direction"), [("lab_l_mean", 1), ("ita_deg", 1)])
def test_it_follows_skin_lightness(metric, direction):
    values = series(metric, l_star=(55.0, 62.0, 70.0))
    assert increasing([direction * v for v in values])


@pytest.mark.parametrize(("metric", "direction"), [("lab_b_mean", 1), ("ita_deg", -1)])
def test_it_follows_skin_yellowness(metric, direction):
    values = series(metric, b_star=(12.0, 16.0, 22.0))
    assert increasing([direction * v for v in values])

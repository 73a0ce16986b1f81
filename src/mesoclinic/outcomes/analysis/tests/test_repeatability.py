"""Repeatability over re-captures (shift ≤ 4 px, roll ≤ 2°, exposure ±10 %), as a coefficient of variation."""

from __future__ import annotations

import statistics
from functools import cache

import pytest

from mesoclinic.outcomes.analysis.synthetic import recaptures

from .helpers import measure, scene

COLOUR = ("lab_l_mean", "lab_a_mean", "lab_b_mean", "ita_deg")
FEATURES = ("spot_count", "spot_area_fraction", "wrinkle_area_fraction", "wrinkle_length_density")
SEEDS = (0, 1, 2)


@cache
def runs(seed: int) -> list[dict[str, float]]:
    return [measure(shot) for shot in recaptures(scene(seed=seed), 5, seed=100 + seed)]


def cv(seed: int, metric: str) -> float:
    values = [run[metric] for run in runs(seed)]
    return statistics.pstdev(values) / abs(statistics.fmean(values))


@pytest.mark.parametrize("seed", SEEDS)
def test_colour_metrics_repeat_within_2_percent(seed):
    cvs = {metric: cv(seed, metric) for metric in COLOUR}
    assert max(cvs.values()) <= 0.02, cvs


@pytest.mark.parametrize("seed", SEEDS)
def test_spot_and_wrinkle_metrics_repeat_within_6_percent(seed):
    cvs = {metric: cv(seed, metric) for metric in FEATURES}
    assert max(cvs.values()) <= 0.06, cvs


@pytest.mark.parametrize("seed", SEEDS)
def test_redness_area_repeats_within_4_percent(seed):
    assert cv(seed, "redness_area_fraction") <= 0.04

"""Shared helpers of the analysis tests: analyse a synthetic capture, cached per scene."""

from __future__ import annotations

from functools import cache

from mesoclinic.outcomes.analysis import analyze
from mesoclinic.outcomes.analysis.synthetic import Capture, SkinSpec, SyntheticScene, capture, make_scene

SEVERE = SkinSpec(spots=8, wrinkles=3, redness=2, pores=10)


@cache
def scene(spec: SkinSpec = SEVERE, seed: int = 0) -> SyntheticScene:
    return make_scene(spec, seed=seed)


def measure(shot: Capture) -> dict[str, float]:
    """The metrics of the single ``whole`` region, exposure normalised on the grey card when there is one."""
    return analyze(shot.image, region="whole", reference_box=shot.card_box).regions["whole"]


@cache
def measure_scene(spec: SkinSpec = SEVERE, seed: int = 0) -> dict[str, float]:
    return measure(capture(scene(spec, seed)))

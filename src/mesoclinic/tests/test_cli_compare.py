"""``mesoclinic compare BASELINE FOLLOWUP [--json]``: registration, before/after/change, repeatability, errors."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
from PIL import Image

from mesoclinic import cli
from mesoclinic.outcomes.analysis import REGION_NAMES
from mesoclinic.outcomes.analysis.portraits import studio_portrait
from mesoclinic.outcomes.analysis.synthetic import SkinSpec, capture, make_scene

PREFIX = "mesoclinic compare: error: "


def save(path, pixels: np.ndarray) -> str:
    Image.fromarray((np.clip(pixels, 0, 1) * 255 + 0.5).astype(np.uint8)).save(path, quality=92)
    return str(path)


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    """A baseline portrait and the same face photographed again: moved, turned 2°, 3 % closer."""
    folder = tmp_path_factory.mktemp("compare")
    face = studio_portrait()
    height, width = face.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), 2.0, 1.03)
    matrix[:, 2] += (20.0, -12.0)
    moved = cv2.warpAffine(face, matrix, (width, height), borderMode=cv2.BORDER_REFLECT)
    return save(folder / "baseline.jpg", face), save(folder / "follow-up.jpg", moved)


def run(*args: str) -> int:
    return cli.main(["compare", *args])


def error(capsys) -> str:
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(PREFIX) and err.count("\n") == 1
    return err


def test_it_prints_the_registration_and_each_metrics_verdict(photos, capsys):
    assert run(*photos, "--json") == 0
    out, err = capsys.readouterr()
    assert err == ""
    report = json.loads(out)
    assert report["registration"]["method"] == "landmarks+ecc"
    assert 0 <= report["registration"]["residual_px"] < 10
    assert set(report["regions"]) == set(REGION_NAMES)
    row = report["regions"]["cheek_left"]["lab_a_mean"]
    assert {"before", "after", "change", "beyond_repeatability"} <= set(row)
    assert row["change"] == pytest.approx(row["after"] - row["before"], abs=1e-5)
    assert isinstance(row["beyond_repeatability"], bool)


def test_the_same_face_photographed_again_shows_no_colour_change_beyond_repeatability(photos, capsys):
    run(*photos, "--json")
    report = json.loads(capsys.readouterr().out)
    for region in REGION_NAMES:
        for metric in ("lab_l_mean", "lab_a_mean", "lab_b_mean"):
            assert not report["regions"][region][metric]["beyond_repeatability"], (region, metric)


def test_without_json_it_prints_one_line_per_metric(photos, capsys):
    assert run(*photos) == 0
    out = capsys.readouterr().out
    assert out.startswith("registration: landmarks+ecc, residual")
    assert "within repeatability" in out


def test_a_follow_up_without_a_face_exits_2_saying_so(photos, tmp_path, capsys):
    skin = save(tmp_path / "skin.jpg", capture(make_scene(SkinSpec(card=False), seed=1)).image)
    assert run(photos[0], skin, "--json") == 2
    assert "face" in error(capsys)


def test_an_unreadable_baseline_exits_2_naming_the_file(photos, tmp_path, capsys):
    notes = tmp_path / "notes.jpg"
    notes.write_text("not a photo", encoding="utf-8")
    assert run(str(notes), photos[1], "--json") == 2
    message = error(capsys)
    assert "notes.jpg" in message and "not an image file" in message

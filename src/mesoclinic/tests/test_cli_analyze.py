"""``mesoclinic analyze PHOTO [--region face|whole] --json``: the contract, the table and bad files."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image
from skimage import data

from mesoclinic import cli
from mesoclinic.outcomes.analysis import REGION_NAMES
from mesoclinic.outcomes.analysis.portraits import studio_portrait
from mesoclinic.outcomes.analysis.synthetic import SkinSpec, capture, make_scene

PREFIX = "mesoclinic analyze: error: "
METRICS = {
    "spot_count",
    "spot_area_fraction",
    "wrinkle_area_fraction",
    "wrinkle_length_density",
    "lab_l_mean",
    "lab_a_mean",
    "lab_b_mean",
    "ita_deg",
    "redness_area_fraction",
    "texture_roughness",
}


@pytest.fixture
def skin_png(tmp_path):
    scene = make_scene(SkinSpec(spots=4, wrinkles=2, card=False), seed=3)
    path = tmp_path / "closeup.png"
    Image.fromarray((capture(scene).image * 255).round().astype(np.uint8)).save(path)
    return str(path)


@pytest.fixture(scope="module")
def face_jpeg(tmp_path_factory):
    """Grace Hopper's public-domain portrait, enlarged so the face has the pixels the metrics need."""
    path = tmp_path_factory.mktemp("face") / "face.jpg"
    Image.fromarray((studio_portrait() * 255 + 0.5).astype(np.uint8)).save(path, quality=92)
    return str(path)


@pytest.fixture
def small_face_jpeg(tmp_path):
    """The astronaut portrait: 43 px between the eyes, too few for the metrics."""
    path = tmp_path / "small-face.jpg"
    Image.fromarray(data.astronaut()).save(path, quality=92)
    return str(path)


def run(*args: str) -> int:
    return cli.main(["analyze", *args])


def output(capsys) -> dict:
    out, err = capsys.readouterr()
    assert err == ""
    return json.loads(out)


def error(capsys) -> str:
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(PREFIX) and err.count("\n") == 1
    return err


def test_it_prints_the_contract_for_a_whole_close_up(skin_png, capsys):
    assert run(skin_png, "--region", "whole", "--json") == 0
    result = output(capsys)
    assert {"image", "quality", "regions", "face"} <= set(result)
    assert result["face"] is None
    assert result["colour_reference"] == "none"  # no grey card: the colour means are uncorrected
    assert result["image"] == {"width": 320, "height": 320}
    assert list(result["regions"]) == ["whole"]
    assert set(result["regions"]["whole"]) >= METRICS


def test_it_analyses_the_nine_face_regions_by_default(face_jpeg, capsys):
    assert run(face_jpeg, "--json") == 0
    result = output(capsys)
    assert result["image"] == {"width": 1280, "height": 1500}
    assert list(result["regions"]) == list(REGION_NAMES)
    for metrics in result["regions"].values():
        assert set(metrics) >= METRICS


def test_it_reports_the_face_pose_and_each_regions_polygon(face_jpeg, capsys):
    assert run(face_jpeg, "--json") == 0
    result = output(capsys)
    face = result["face"]
    assert 180 < face["eye_distance_px"] < 240
    assert {"roll_deg", "yaw_deg", "pitch_deg"} <= set(face)
    for metrics in result["regions"].values():
        polygon = np.array(metrics["polygon"])
        assert polygon.shape[1] == 2 and len(polygon) >= 4
        assert (polygon[:, 0] < 1280).all() and (polygon[:, 1] < 1500).all()


def test_a_face_too_small_to_measure_exits_2_saying_why(small_face_jpeg, capsys):
    assert run(small_face_jpeg, "--json") == 2
    message = error(capsys)
    assert "face" in message and "px between the eyes" in message


def test_the_quality_block_has_blur_and_exposure(skin_png, capsys):
    run(skin_png, "--region", "whole", "--json")
    quality = output(capsys)["quality"]
    assert {"blur_laplacian_var", "sharp", "highlights_fraction", "shadows_fraction", "exposure_ok"} <= set(
        quality
    )


def test_without_json_it_prints_a_table(skin_png, capsys):
    assert run(skin_png, "--region", "whole") == 0
    out, _ = capsys.readouterr()
    assert "photo: 320×320 px" in out
    assert out.splitlines()[-1].startswith("whole ")
    assert "spots" in out and "ITA°" in out


def test_a_photo_without_a_face_exits_2_and_points_to_whole(skin_png, capsys):
    assert run(skin_png, "--json") == 2
    message = error(capsys)
    assert "no face found" in message and "use region 'whole'" in message
    assert "face" in message


def test_a_text_file_named_jpg_exits_2(tmp_path, capsys):
    path = tmp_path / "notes.jpg"
    path.write_text("patient notes, not a photo", encoding="utf-8")
    assert run(str(path), "--json") == 2
    assert "not an image file" in error(capsys)


def test_a_truncated_jpeg_exits_2(tmp_path, capsys):
    path = tmp_path / "cut.jpg"
    Image.effect_noise((256, 256), 60).convert("RGB").save(path, quality=90)
    path.write_bytes(path.read_bytes()[:3000])
    assert run(str(path), "--region", "whole", "--json") == 2
    assert "truncated" in error(capsys)


def test_a_decompression_bomb_exits_2(tmp_path, capsys):
    path = tmp_path / "bomb.png"
    Image.new("1", (8_000, 8_000)).save(path)
    assert run(str(path), "--region", "whole", "--json") == 2
    assert "decompression bomb" in error(capsys)


def test_a_1x1_image_exits_2(tmp_path, capsys):
    path = tmp_path / "dot.png"
    Image.new("RGB", (1, 1), (200, 150, 130)).save(path)
    assert run(str(path), "--region", "whole", "--json") == 2
    assert "too small" in error(capsys)


def test_a_missing_file_exits_2(tmp_path, capsys):
    assert run(str(tmp_path / "absent.jpg"), "--json") == 2
    assert "no such file" in error(capsys)


def test_an_unknown_region_is_a_usage_error(skin_png, capsys):
    assert run(skin_png, "--region", "neck") == 2
    assert "invalid choice" in capsys.readouterr().err


def test_it_runs_without_django_or_a_database(skin_png):
    code = (
        "import sys; from mesoclinic.cli import main; "
        f"rc = main(['analyze', {skin_png!r}, '--region', 'whole', '--json']); "
        "assert 'django' not in sys.modules, 'django was imported'; sys.exit(rc)"
    )
    done = subprocess.run(  # noqa: S603 - our own interpreter and a fixed snippet
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["regions"]["whole"]["spot_count"] >= 0

"""Reading photos: formats, EXIF orientation and the guards against bad files."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from mesoclinic.outcomes.analysis import ImageLimits, ImageLoadError, load_image


def encoded(image: Image.Image, fmt: str = "PNG", **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def test_it_reads_a_png_as_rgb_floats():
    pixels = load_image(encoded(Image.new("RGB", (80, 64), (255, 128, 0))))
    assert pixels.shape == (64, 80, 3) and pixels.dtype == np.float32
    assert pixels[0, 0] == pytest.approx((1.0, 128 / 255, 0.0))


def test_it_applies_the_exif_orientation():
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated 90° clockwise on display
    data = encoded(Image.new("RGB", (100, 70), (10, 20, 30)), "JPEG", exif=exif.tobytes())
    assert load_image(data).shape[:2] == (100, 70)


def test_it_reads_greyscale_and_alpha_images_as_rgb():
    assert load_image(encoded(Image.new("L", (64, 64), 100))).shape == (64, 64, 3)
    assert load_image(encoded(Image.new("RGBA", (64, 64), (1, 2, 3, 4)))).shape == (64, 64, 3)


def test_it_reads_from_a_path(tmp_path):
    path = tmp_path / "photo.png"
    path.write_bytes(encoded(Image.new("RGB", (64, 64))))
    assert load_image(path).shape == (64, 64, 3)


def test_it_refuses_a_text_file():
    with pytest.raises(ImageLoadError, match="not an image"):
        load_image(b"hello, this is not a photo")


def test_it_refuses_a_truncated_jpeg():
    data = encoded(Image.effect_noise((256, 256), 60).convert("RGB"), "JPEG")
    with pytest.raises(ImageLoadError, match="truncated"):
        load_image(data[: len(data) // 2])


def test_it_refuses_a_decompression_bomb_from_its_header():
    bomb = encoded(Image.new("1", (8_000, 8_000)))  # 64 MP of zeros compress to a few kB
    assert len(bomb) < 50_000
    with pytest.raises(ImageLoadError, match="decompression bomb"):
        load_image(bomb)


def test_it_refuses_an_image_too_small_to_analyse():
    with pytest.raises(ImageLoadError, match="1×1 px, too small"):
        load_image(encoded(Image.new("RGB", (1, 1))))


def test_it_refuses_a_file_over_the_size_limit():
    with pytest.raises(ImageLoadError, match="larger than"):
        load_image(encoded(Image.effect_noise((64, 64), 60)), ImageLimits(max_bytes=1000))


def test_it_refuses_an_unaccepted_format():
    with pytest.raises(ImageLoadError, match="GIF images are not accepted"):
        load_image(encoded(Image.new("RGB", (64, 64)), "GIF"))


def test_it_names_a_missing_file(tmp_path):
    with pytest.raises(ImageLoadError, match="no such file"):
        load_image(tmp_path / "absent.jpg")


def test_it_refuses_an_empty_file():
    with pytest.raises(ImageLoadError, match="empty"):
        load_image(b"")

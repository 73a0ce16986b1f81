"""Reading a photo safely: type, size and decompression-bomb checks before any pixel is decoded.

Uploads and the ``mesoclinic analyze`` command go through :func:`load_image`, so a hostile or broken file
fails with one typed error (:class:`ImageLoadError`) whose message fits on one line.
"""

from __future__ import annotations

import io
import os
import warnings
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

__all__ = ["ALLOWED_FORMATS", "ImageLimits", "ImageLoadError", "load_image"]

#: Formats a camera or tablet produces; anything else (SVG, PDF, GIF animations...) is refused.
ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP", "TIFF")


class ImageLoadError(ValueError):
    """The file is not a photo we can analyse; ``str(error)`` is one line for a receptionist."""


@dataclass(frozen=True)
class ImageLimits:
    """What a photo may be.

    ``max_pixels`` guards against decompression bombs: a small file that claims a huge canvas is refused from
    its header, before decoding. 40 MP covers every phone and DSLR in clinical use.
    """

    max_bytes: int = 40 * 1024 * 1024
    max_pixels: int = 40_000_000
    min_side: int = 64


def load_image(
    source: str | os.PathLike[str] | bytes | BinaryIO, limits: ImageLimits | None = None
) -> np.ndarray:
    """Read a photo into an RGB float32 array in [0, 1], EXIF orientation applied.

    Parameters
    ----------
    source : path, bytes or binary file
        The photo.
    limits : ImageLimits, optional
        Size limits; the defaults suit clinical photos.

    Returns
    -------
    (H, W, 3) float32 ndarray
        sRGB values in [0, 1], upright as the camera held it.

    Raises
    ------
    ImageLoadError
        Unreadable, unsupported, truncated, too large, too small, or a decompression bomb.
    """
    limits = limits or ImageLimits()
    data = _read_bytes(source, limits)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                _check_header(image, limits)
                image.load()
                upright = ImageOps.exif_transpose(image)
                return _to_float_rgb(upright)
    except ImageLoadError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageLoadError("the image claims too many pixels (possible decompression bomb)") from None
    except UnidentifiedImageError:
        raise ImageLoadError("not an image file (JPEG, PNG, WebP or TIFF expected)") from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ImageLoadError(f"the image is damaged or truncated ({_one_line(exc)})") from None


def _read_bytes(source: str | os.PathLike[str] | bytes | BinaryIO, limits: ImageLimits) -> bytes:
    """Read at most ``max_bytes`` + 1 bytes so an oversized file is refused without reading it all."""
    if isinstance(source, bytes):
        data = source
    elif isinstance(source, str | os.PathLike):
        try:
            with open(source, "rb") as handle:
                data = handle.read(limits.max_bytes + 1)
        except FileNotFoundError:
            raise ImageLoadError(f"{os.fspath(source)}: no such file") from None
        except IsADirectoryError:
            raise ImageLoadError(f"{os.fspath(source)}: is a directory, not an image") from None
        except OSError as exc:
            raise ImageLoadError(f"{os.fspath(source)}: cannot read ({_one_line(exc)})") from None
    else:
        data = source.read(limits.max_bytes + 1)
    if len(data) > limits.max_bytes:
        raise ImageLoadError(f"the file is larger than {limits.max_bytes // (1024 * 1024)} MB")
    if not data:
        raise ImageLoadError("the file is empty")
    return data


def _check_header(image: Image.Image, limits: ImageLimits) -> None:
    """Refuse by format and declared size, from the header alone."""
    if image.format not in ALLOWED_FORMATS:
        raise ImageLoadError(f"{image.format or 'unknown'} images are not accepted (JPEG, PNG, WebP or TIFF)")
    width, height = image.size
    if width * height > limits.max_pixels:
        raise ImageLoadError(
            f"the image is {width}×{height} px, more than {limits.max_pixels / 1e6:g} MP (possible decompression bomb)"
        )
    if min(width, height) < limits.min_side:
        raise ImageLoadError(
            f"the image is {width}×{height} px, too small to analyse (at least {limits.min_side} px per side)"
        )


def _to_float_rgb(image: Image.Image) -> np.ndarray:
    """Convert any Pillow mode to RGB float32 in [0, 1] (16-bit greys keep their precision)."""
    if image.mode in {"I;16", "I;16B", "I;16L", "I"}:
        grey = np.asarray(image, dtype=np.float32)
        peak = 65535.0 if image.mode.startswith("I;16") or grey.max() > 255 else 255.0
        grey = np.clip(grey / peak, 0, 1)
        return np.repeat(grey[:, :, None], 3, axis=2)
    if image.mode != "RGB":
        image = image.convert("RGBA").convert("RGB") if "A" in image.getbands() else image.convert("RGB")
    return np.asarray(image, dtype=np.uint8).astype(np.float32) * np.float32(1 / 255)


def _one_line(value: object) -> str:
    return " ".join(str(value).split())

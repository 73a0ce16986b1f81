"""Real portraits whose licence allows their use, loaded from installed packages (never stored in the repo).

The evaluation (:mod:`.evaluation`) and the tests measure the method on real faces. Each portrait is read at
run time from a package that already ships it, with its source and licence recorded here:

* ``hopper``: Grace Hopper, U.S. Navy official photograph (public domain, a work of the U.S. federal
  government), shipped by matplotlib as ``mpl-data/sample_data/grace_hopper.jpg`` (from Wikimedia Commons,
  File:Grace_Hopper.jpg); 512×600 px.
* ``astronaut``: Eileen Collins, NASA portrait (public domain), shipped by scikit-image as
  ``skimage.data.astronaut()``; 512×512 px.

More portraits are read from a folder when one is given (:func:`folder_portraits`): ``scripts/fetch-portraits.sh``
fills ``data/portraits/`` with the White House photographs (public domain, works of the U.S. federal
government; their EXIF descriptions say so) that the ``face_recognition`` 1.3.0 source package (MIT) ships as
test images, fetched from PyPI with pip. None of these files is committed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

__all__ = ["PORTRAITS", "folder_portraits", "portrait", "studio_portrait"]

#: name → (who, source, licence)
PORTRAITS: dict[str, tuple[str, str, str]] = {
    "hopper": (
        "Grace Hopper",
        "matplotlib sample_data/grace_hopper.jpg (Wikimedia Commons File:Grace_Hopper.jpg)",
        "public domain (U.S. Navy official photograph)",
    ),
    "astronaut": ("Eileen Collins", "scikit-image data.astronaut()", "public domain (NASA)"),
}


def portrait(name: str) -> np.ndarray:
    """The portrait ``name`` as sRGB float32 in [0, 1], read from the package that ships it."""
    if name == "hopper":
        from matplotlib import cbook  # noqa: PLC0415 — matplotlib is installed for mediapipe anyway

        from .loading import load_image  # noqa: PLC0415

        return load_image(Path(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)).read_bytes())
    if name == "astronaut":
        from skimage import data  # noqa: PLC0415

        pixels = data.astronaut()  # type: ignore[no-untyped-call]  # scikit-image's sample data has no annotations
        return np.asarray(pixels, dtype=np.float32) / np.float32(255)
    raise ValueError(f"portrait must be one of {', '.join(PORTRAITS)}, not {name!r}")


def studio_portrait(name: str = "hopper", *, scale: float = 2.5, exposure: float = 0.8) -> np.ndarray:
    """A portrait enlarged so the face has the pixels the metrics need, and exposed down from its glare.

    Grace Hopper's 1984 portrait has 84 px between the eyes and a brightly lit face: enlarged 2.5× (Lanczos)
    and darkened to 80 % in linear light it passes the checks of a measurable front view, so tests can run the
    whole face pipeline on a real face. Its finest detail is that of the original, not of a 6 MP camera.
    """
    import cv2  # noqa: PLC0415

    from .colour import linear_to_srgb, srgb_to_linear  # noqa: PLC0415

    image = portrait(name)
    size = (round(image.shape[1] * scale), round(image.shape[0] * scale))
    large = np.clip(cv2.resize(image, size, interpolation=cv2.INTER_LANCZOS4), 0, 1)
    return linear_to_srgb(srgb_to_linear(large) * exposure)


def folder_portraits(folder: str | Path) -> dict[str, np.ndarray]:
    """Every JPEG and PNG in ``folder`` (e.g. ``data/portraits`` from ``scripts/fetch-portraits.sh``), by stem."""
    from .loading import load_image  # noqa: PLC0415

    found = {}
    for path in sorted(Path(folder).glob("*")):
        if path.suffix.lower() in {".jpg", ".jpeg", ".png"}:
            found[path.stem] = load_image(path)
    return found

"""Finding the face and placing the nine clinical regions on it, fully offline.

OpenCV's bundled Haar cascades [1]_ [2]_ find the face box and, when they can, the two eyes. The eyes define a
face frame: origin midway between the eye centres, x along the eye line (towards the image right), y
downwards, unit E = the distance between the eye centres (≈ the interpupillary distance, about 62 mm in
adults [3]_). When the eyes are not found they are placed from the face box (centres at 28 % and 72 % of its
width, 38 % of its height, measured on OpenCV's frontal-face cascade). Region polygons are fixed in that frame,
from average adult facial proportions [3]_: brows ≈ 0.35 E above the eye line, forehead up to 1 E above it,
nasal alae ≈ ±0.3 E at 0.7 E below it, mouth corners ≈ ±0.4 E at 1.05 E, menton ≈ 1.75 E.

Left and right are the PATIENT's: on an unmirrored frontal photo the patient's left is on the image right.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import cv2
import numpy as np

__all__ = [
    "FACE_REGIONS",
    "REGION_NAMES",
    "FaceFrame",
    "FaceNotFoundError",
    "detect_face",
]

DETECTION_SIDE = 800  # the cascade runs on a copy this long: fast, and enough for a face filling the frame

# Polygons in the face frame (units of E), drawn for the region on the IMAGE LEFT; the image-right twin is the
# mirror image (x → −x). The image left of a frontal photo is the patient's right.
_PERIORBITAL = ((-0.28, 0.16), (-0.80, 0.16), (-0.80, -0.20), (-1.02, -0.20), (-1.02, 0.40), (-0.28, 0.40))
_CHEEK = ((-0.50, 0.45), (-0.98, 0.45), (-0.98, 0.95), (-0.62, 1.05), (-0.48, 0.80))
_NASOLABIAL = ((-0.30, 0.62), (-0.42, 0.62), (-0.56, 1.12), (-0.44, 1.12))
_SIDED = {"periorbital": _PERIORBITAL, "cheek": _CHEEK, "nasolabial": _NASOLABIAL}
_CENTRAL = {
    "forehead": ((-0.80, -1.00), (0.80, -1.00), (0.80, -0.48), (-0.80, -0.48)),
    "glabella": ((-0.16, -0.46), (0.16, -0.46), (0.16, -0.06), (-0.16, -0.06)),
    "chin": ((-0.30, 1.35), (0.30, 1.35), (0.26, 1.65), (-0.26, 1.65)),
}


def _build_regions() -> dict[str, tuple[tuple[float, float], ...]]:
    regions: dict[str, tuple[tuple[float, float], ...]] = {
        "forehead": _CENTRAL["forehead"],
        "glabella": _CENTRAL["glabella"],
    }
    for name, polygon in _SIDED.items():
        regions[f"{name}_right"] = polygon  # image left = patient's right
        regions[f"{name}_left"] = tuple((-x, y) for x, y in polygon)
    regions["chin"] = _CENTRAL["chin"]
    return regions


#: Region polygons in face-frame units (see the module docstring), patient's left/right.
FACE_REGIONS: dict[str, tuple[tuple[float, float], ...]] = _build_regions()
REGION_NAMES: tuple[str, ...] = (
    "forehead",
    "glabella",
    "periorbital_left",
    "periorbital_right",
    "cheek_left",
    "cheek_right",
    "nasolabial_left",
    "nasolabial_right",
    "chin",
)
#: The part of the face frame the analysis grid covers (x0, y0, x1, y1), in units of E.
FRAME_EXTENT = (-1.10, -1.05, 1.10, 1.72)


class FaceNotFoundError(ValueError):
    """No frontal face in the photo; a close-up of skin should be analysed with region ``whole``."""


@dataclass(frozen=True)
class FaceFrame:
    """Where the face is: the face box and eye centres in image pixels, and whether the eyes were seen."""

    box: tuple[int, int, int, int]
    eye_image_left: tuple[float, float]
    eye_image_right: tuple[float, float]
    eyes_detected: bool

    @property
    def unit(self) -> float:
        """E: the distance between the eye centres, in image pixels."""
        (x0, y0), (x1, y1) = self.eye_image_left, self.eye_image_right
        return math.hypot(x1 - x0, y1 - y0)

    @property
    def roll_deg(self) -> float:
        """Head roll: the angle of the eye line, in degrees (positive = clockwise on screen)."""
        (x0, y0), (x1, y1) = self.eye_image_left, self.eye_image_right
        return math.degrees(math.atan2(y1 - y0, x1 - x0))

    def to_image(self) -> np.ndarray:
        """The 2×3 affine matrix from face-frame units to image pixels."""
        (x0, y0), (x1, y1) = self.eye_image_left, self.eye_image_right
        ux, uy = x1 - x0, y1 - y0  # E along the eye line
        return np.array([[ux, -uy, (x0 + x1) / 2], [uy, ux, (y0 + y1) / 2]], dtype=np.float64)

    def scaled(self, factor: float) -> FaceFrame:
        """The same frame in an image ``factor`` times larger (found on a preview, used on the photo)."""
        (lx, ly), (rx, ry) = self.eye_image_left, self.eye_image_right
        x, y, w, h = self.box
        return FaceFrame(
            box=(round(x * factor), round(y * factor), round(w * factor), round(h * factor)),
            eye_image_left=(lx * factor, ly * factor),
            eye_image_right=(rx * factor, ry * factor),
            eyes_detected=self.eyes_detected,
        )

    def polygon(self, name: str) -> np.ndarray:
        """Region ``name`` as an (N, 2) array of image pixel coordinates."""
        points = np.asarray(FACE_REGIONS[name], dtype=np.float64)
        matrix = self.to_image()
        return points @ matrix[:, :2].T + matrix[:, 2]


def detect_face(image: np.ndarray) -> FaceFrame:
    """Find the largest frontal face and its eyes.

    Parameters
    ----------
    image : (H, W, 3) float32 ndarray
        sRGB in [0, 1].

    Returns
    -------
    FaceFrame

    Raises
    ------
    FaceNotFoundError
        When no frontal face is found.

    References
    ----------
    .. [1] Viola, P., Jones, M. (2001). Rapid object detection using a boosted cascade of simple features.
        Proceedings of CVPR 2001, I-511-I-518. :DOI:`10.1109/CVPR.2001.990517`
    .. [2] Lienhart, R., Maydt, J. (2002). An extended set of Haar-like features for rapid object detection.
        Proceedings of ICIP 2002, I-900-I-903. :DOI:`10.1109/ICIP.2002.1038171`
    .. [3] Farkas, L. G., Katic, M. J., Forrest, C. R., et al. (2005). International anthropometric study of
        facial morphology in various ethnic groups/races. Journal of Craniofacial Surgery, 16(4), 615-646.
        :DOI:`10.1097/01.scs.0000171847.58031.9e`
    """
    height, width = image.shape[:2]
    scale = min(1.0, DETECTION_SIDE / max(height, width))
    small = image
    if scale < 1:
        small = cv2.resize(image, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA)
    grey = cv2.equalizeHist((cv2.cvtColor(small, cv2.COLOR_RGB2GRAY) * 255).astype(np.uint8))
    side = min(grey.shape)
    faces = _cascade("haarcascade_frontalface_default.xml").detectMultiScale(
        grey, scaleFactor=1.1, minNeighbors=5, minSize=(max(24, side // 8),) * 2
    )
    if len(faces) == 0:
        raise FaceNotFoundError("no face found in the photo (use region 'whole' for a close-up of skin)")
    # the largest face whose two eyes are found; a cascade false positive (a badge, a pattern) rarely has eyes
    candidates = sorted((tuple(int(v) for v in f) for f in faces), key=lambda f: f[2] * f[3], reverse=True)
    found = ((f, _eyes(grey, *f)) for f in candidates)
    (x, y, w, h), eyes = next(((f, e) for f, e in found if e is not None), (candidates[0], None))
    detected = eyes is not None
    if eyes is None:
        eyes = ((x + 0.28 * w, y + 0.38 * h), (x + 0.72 * w, y + 0.38 * h))
    (lx, ly), (rx, ry) = eyes
    return FaceFrame(
        box=(round(x / scale), round(y / scale), round(w / scale), round(h / scale)),
        eye_image_left=(lx / scale, ly / scale),
        eye_image_right=(rx / scale, ry / scale),
        eyes_detected=detected,
    )


def _eyes(grey: np.ndarray, x: int, y: int, w: int, h: int) -> tuple[tuple[float, float], ...] | None:
    """The two eye centres in the upper part of the face box, or None when they are not both plausible."""
    top = grey[y : y + int(0.6 * h), x : x + w]
    found = _cascade("haarcascade_eye.xml").detectMultiScale(
        top, scaleFactor=1.1, minNeighbors=5, minSize=(max(8, w // 10),) * 2, maxSize=(w // 3,) * 2
    )
    centres = [(x + ex + ew / 2, y + ey + eh / 2) for ex, ey, ew, eh in found]
    left = [c for c in centres if c[0] < x + 0.5 * w]
    right = [c for c in centres if c[0] >= x + 0.5 * w]
    if not left or not right:
        return None
    # the eye nearest its expected place on each side; a nostril or brow found as an "eye" loses
    best_left = min(left, key=lambda c: abs(c[0] - (x + 0.28 * w)) + abs(c[1] - (y + 0.38 * h)))
    best_right = min(right, key=lambda c: abs(c[0] - (x + 0.72 * w)) + abs(c[1] - (y + 0.38 * h)))
    distance = math.dist(best_left, best_right)
    if not 0.25 * w <= distance <= 0.7 * w or abs(best_left[1] - best_right[1]) > 0.25 * distance:
        return None
    return best_left, best_right


@cache
def _cascade(name: str) -> cv2.CascadeClassifier:
    """Load one of OpenCV's bundled cascades once per process."""
    classifier = cv2.CascadeClassifier(cv2.data.haarcascades + name)
    if classifier.empty():  # pragma: no cover - only when OpenCV ships without its data
        raise RuntimeError(f"OpenCV's {name} is missing (opencv-python-headless < 5 bundles it)")
    return classifier

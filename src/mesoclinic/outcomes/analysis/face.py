"""The face, its pose and expression, and the nine clinical regions, from the face mesh (fully offline).

The 478 landmarks of :mod:`.landmarks` define

* a **face frame**: origin midway between the iris centres, x along the eye line (towards the image right),
  y downwards, unit E = the distance between the iris centres (≈ the interpupillary distance, about 62 mm in
  adults [1]_); the analysis grid is this frame resampled (see :mod:`.pipeline`);
* the **pose**: roll from the eye line; yaw and pitch from the mesh's depth (``z``) along the eye line and
  along the nasion–menton line;
* the **expression**: how open each eye is (lid gap / eye width), how open the mouth is (inner-lip gap / E),
  how high the brows sit (brow top to iris centre / E);
* the nine **regions**, polygons whose vertices are mesh landmarks (or points between two of them): so a
  region follows the anatomy of each face, not average proportions.

  ========================  ================================================================================
  forehead                  above the brows (a third of the way from the brow tops to mid-forehead) up to
                            the mesh's upper edge, which lies below the hairline
  glabella                  between the brow heads, from the nasion up to the forehead's lower edge
  periorbital left/right    the lateral canthus (crow's feet) and the lower lid below the lash line, down to
                            the infraorbital rim
  cheek left/right          the malar cheek below the infraorbital rim, lateral to the nasolabial band
  nasolabial left/right     the fold from beside the nasal ala down to beside the mouth corner
  chin                      below the lower lip (the mentolabial sulcus) down to above the menton
  ========================  ================================================================================

:func:`check_face` says in words why a face cannot be measured (no face, part of it outside the photo, eyes
closed, turned or tilted beyond the view's tolerance, mouth open, brows raised, too few pixels), so a photo
that cannot be measured is refused rather than measured wrongly.

Left and right are the PATIENT's: on an unmirrored frontal photo the patient's left is on the image right.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import cv2
import numpy as np

from .landmarks import LANDMARKER, find_faces

__all__ = [
    "FACE_REGIONS",
    "REGION_NAMES",
    "FaceFrame",
    "FaceLimits",
    "FaceNotFoundError",
    "FaceRefusedError",
    "check_face",
    "detect_face",
]

Vertex = int | tuple[int, int, float]  # a landmark, or (a, b, t): the point (1 − t)·a + t·b


def _between(a: int, b: int, t: float) -> tuple[int, int, float]:
    return (a, b, t)


_UP = 0.35  # the forehead and glabella start this far from the brow tops towards mid-forehead (off the brows)
#: Region polygons as face-mesh landmark indices (MediaPipe's canonical topology, 468 points + irises).
FACE_REGIONS: dict[str, tuple[Vertex, ...]] = {
    "forehead": (
        103, 67, 109, 10, 338, 297, 332,
        _between(334, 333, _UP), _between(296, 299, _UP), _between(336, 337, _UP), _between(9, 151, _UP),
        _between(107, 108, _UP), _between(66, 69, _UP), _between(105, 104, _UP),
    ),
    "glabella": (
        _between(107, 108, _UP), _between(9, 151, _UP), _between(336, 337, _UP), 285, 417, 168, 193, 55,
    ),
    "periorbital_left": (353, 383, 368, 264, 345, 346, 347, 348, 349, 350, 452, 451, 450, 449, 448, 261, 446, 265),
    "periorbital_right": (124, 156, 139, 34, 116, 117, 118, 119, 120, 121, 232, 231, 230, 229, 228, 31, 226, 35),
    "cheek_left": (345, 346, 347, 348, 330, 266, 425, 427, 411, 376, 352),
    "cheek_right": (116, 117, 118, 119, 101, 36, 205, 207, 187, 147, 123),
    "nasolabial_left": (266, 423, 391, 322, 410, 287, 432, 436, 425),
    "nasolabial_right": (36, 203, 165, 92, 186, 57, 212, 216, 205),
    "chin": (83, 18, 313, 421, 428, 396, 175, 171, 208, 201),
}  # fmt: skip
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
#: Regions on one side of the face (hidden when the head is turned away for a 45° view).
SIDE_OF_REGION = {name: name.rsplit("_", 1)[1] for name in REGION_NAMES if name.endswith(("_left", "_right"))}

# Landmarks used for the frame, pose and expression (MediaPipe indices; "right" = the patient's right).
_IRIS_RIGHT, _IRIS_LEFT = 468, 473
_EYE_OUTER_RIGHT, _EYE_INNER_RIGHT, _EYE_OUTER_LEFT, _EYE_INNER_LEFT = 33, 133, 263, 362
_LID_UPPER_RIGHT, _LID_LOWER_RIGHT, _LID_UPPER_LEFT, _LID_LOWER_LEFT = 159, 145, 386, 374
_LIP_INNER_UPPER, _LIP_INNER_LOWER = 13, 14
_BROW_TOP_RIGHT, _BROW_TOP_LEFT = 105, 334
_NASION, _MENTON = 168, 152
_FACE_OVAL = (
    10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377, 152, 148, 176,
    149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109,
)  # fmt: skip
#: The nasion–menton line of a face looking straight at the camera leans this much in the mesh's depth
#: (measured on frontal portraits; subtracted so a frontal face has pitch 0).
_PITCH_OFFSET_DEG = 9.0


class FaceNotFoundError(ValueError):
    """No face in the photo; a close-up of skin should be analysed with region ``whole``."""


class FaceRefusedError(FaceNotFoundError):
    """A face was found but cannot be measured (pose, expression, size, blur, exposure); the message says why."""


@dataclass(frozen=True)
class FaceLimits:
    """What a face must be for its regions to be measured (defaults: the front view).

    min_eye_distance_px
        Fewest photo pixels between the iris centres: the analysis grid has 200 px there, so a face with
        fewer pixels would be enlarged and its pores and fine lines would be interpolation, not skin.
    expected_yaw_deg, max_yaw_off_deg
        The view's head turn and the tolerance around it (front: 0 ± 15°; 45° views: ±45 ± 12°).
    max_pitch_deg, max_roll_deg
        Head tilt up/down, and sideways (roll is corrected by the frame; beyond this the photo is crooked).
    min_eye_openness
        Lid gap / eye width below which an eye counts as closed (open eyes measure 0.2–0.4).
    max_mouth_gap
        Inner-lip gap / E above which the mouth counts as open (a smile showing teeth measures up to ~0.25).
    max_brow_height
        Brow top to iris centre / E above which the brows count as raised (relaxed brows measure 0.30–0.38).
    min_inside_fraction
        Fraction of the face outline that must lie inside the photo.
    """

    min_eye_distance_px: float = 180.0
    expected_yaw_deg: float = 0.0
    max_yaw_off_deg: float = 15.0
    max_pitch_deg: float = 15.0
    max_roll_deg: float = 20.0
    min_eye_openness: float = 0.12
    max_mouth_gap: float = 0.30
    max_brow_height: float = 0.46
    min_inside_fraction: float = 0.995

    @classmethod
    def for_view(cls, view: str, **overrides: float) -> FaceLimits:
        """The limits of a standard view: ``front``, ``left_45`` (left cheek to the camera) or ``right_45``."""
        yaw = {"front": 0.0, "left_45": 45.0, "right_45": -45.0}.get(view)
        if yaw is None:
            raise ValueError(f"view must be front, left_45 or right_45, not {view!r}")
        tolerance = 15.0 if view == "front" else 12.0
        values: dict[str, float] = {"expected_yaw_deg": yaw, "max_yaw_off_deg": tolerance, **overrides}
        return cls(**values)


@dataclass(frozen=True)
class FaceFrame:
    """A face found in a photo: its landmarks in image pixels, and what follows from them.

    ``landmarks`` is a (478, 3) array: ``x``, ``y`` in image pixels, ``z`` the mesh's relative depth.
    """

    landmarks: np.ndarray = field(repr=False)
    landmarker: str = LANDMARKER

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FaceFrame):
            return NotImplemented
        return self.landmarker == other.landmarker and np.array_equal(self.landmarks, other.landmarks)

    def __hash__(self) -> int:
        return hash((self.landmarker, self.landmarks.tobytes()))

    def _xy(self, index: int) -> np.ndarray:
        return self.landmarks[index, :2]

    @property
    def eye_image_left(self) -> tuple[float, float]:
        """The iris centre on the image left (the patient's right eye)."""
        x, y = self._xy(_IRIS_RIGHT)
        return float(x), float(y)

    @property
    def eye_image_right(self) -> tuple[float, float]:
        """The iris centre on the image right (the patient's left eye)."""
        x, y = self._xy(_IRIS_LEFT)
        return float(x), float(y)

    @property
    def box(self) -> tuple[int, int, int, int]:
        """The face outline's bounding box (x, y, w, h) in image pixels."""
        outline = self.landmarks[list(_FACE_OVAL), :2]
        x0, y0 = np.floor(outline.min(axis=0)).astype(int)
        x1, y1 = np.ceil(outline.max(axis=0)).astype(int)
        return int(x0), int(y0), int(x1 - x0), int(y1 - y0)

    @property
    def unit(self) -> float:
        """E: the distance between the iris centres, in image pixels."""
        (x0, y0), (x1, y1) = self.eye_image_left, self.eye_image_right
        return math.hypot(x1 - x0, y1 - y0)

    @property
    def roll_deg(self) -> float:
        """Head roll: the angle of the eye line, in degrees (positive = clockwise on screen)."""
        (x0, y0), (x1, y1) = self.eye_image_left, self.eye_image_right
        return math.degrees(math.atan2(y1 - y0, x1 - x0))

    def _axes(self) -> tuple[np.ndarray, np.ndarray]:
        """Unit vectors of the face in 3-D: across (outer eye corners) and down (nasion to menton)."""
        points = self.landmarks
        across = points[_EYE_OUTER_LEFT] - points[_EYE_OUTER_RIGHT]
        across = across / max(float(np.linalg.norm(across)), 1e-9)
        down = points[_MENTON] - points[_NASION]
        down = down - across * float(np.dot(across, down))
        down = down / max(float(np.linalg.norm(down)), 1e-9)
        return across, down

    @property
    def yaw_deg(self) -> float:
        """Head turn in degrees: 0 facing the camera, positive turned to the patient's right (left cheek shown)."""
        across, _ = self._axes()
        return math.degrees(math.asin(float(np.clip(-across[2], -1, 1))))

    @property
    def pitch_deg(self) -> float:
        """Head tilt in degrees: 0 facing the camera, positive chin up."""
        _, down = self._axes()
        return math.degrees(math.atan2(float(down[2]), float(down[1]))) - _PITCH_OFFSET_DEG

    @property
    def eye_openness(self) -> tuple[float, float]:
        """Lid gap / eye width of the patient's (left, right) eye: open eyes 0.2–0.4, closed below 0.1."""

        def ratio(upper: int, lower: int, outer: int, inner: int) -> float:
            width = float(np.linalg.norm(self._xy(outer) - self._xy(inner)))
            return float(np.linalg.norm(self._xy(upper) - self._xy(lower))) / max(width, 1e-9)

        return (
            ratio(_LID_UPPER_LEFT, _LID_LOWER_LEFT, _EYE_OUTER_LEFT, _EYE_INNER_LEFT),
            ratio(_LID_UPPER_RIGHT, _LID_LOWER_RIGHT, _EYE_OUTER_RIGHT, _EYE_INNER_RIGHT),
        )

    @property
    def mouth_gap(self) -> float:
        """Gap between the inner lips / E: 0 closed, about 0.1–0.25 smiling with teeth, more when talking."""
        gap = float(np.linalg.norm(self._xy(_LIP_INNER_UPPER) - self._xy(_LIP_INNER_LOWER)))
        return gap / max(self.unit, 1e-9)

    @property
    def brow_height(self) -> float:
        """Mean height of the brow tops above the iris centres / E (relaxed 0.30–0.38, raised more)."""
        right = float(np.linalg.norm(self._xy(_BROW_TOP_RIGHT) - self._xy(_IRIS_RIGHT)))
        left = float(np.linalg.norm(self._xy(_BROW_TOP_LEFT) - self._xy(_IRIS_LEFT)))
        return (right + left) / 2 / max(self.unit, 1e-9)

    def inside_fraction(self, width: int, height: int) -> float:
        """Fraction of the face outline's landmarks that lie inside a ``width``×``height`` photo."""
        outline = self.landmarks[list(_FACE_OVAL), :2]
        inside = (
            (outline[:, 0] >= 0) & (outline[:, 0] < width) & (outline[:, 1] >= 0) & (outline[:, 1] < height)
        )
        return float(inside.mean())

    def to_image(self) -> np.ndarray:
        """The 2×3 affine matrix from face-frame units to image pixels."""
        (x0, y0), (x1, y1) = self.eye_image_left, self.eye_image_right
        ux, uy = x1 - x0, y1 - y0  # E along the eye line
        return np.array([[ux, -uy, (x0 + x1) / 2], [uy, ux, (y0 + y1) / 2]], dtype=np.float64)

    def scaled(self, factor: float) -> FaceFrame:
        """The same face in an image ``factor`` times larger (found on a preview, used on the photo)."""
        return FaceFrame(landmarks=self.landmarks * factor, landmarker=self.landmarker)

    def transformed(self, matrix: np.ndarray) -> FaceFrame:
        """The face moved by a 2×3 affine ``matrix`` (image to image); depth scales with the matrix."""
        points = self.landmarks.copy()
        points[:, :2] = points[:, :2] @ matrix[:, :2].T + matrix[:, 2]
        points[:, 2] *= math.sqrt(abs(float(np.linalg.det(matrix[:, :2]))))
        return FaceFrame(landmarks=points, landmarker=self.landmarker)

    def polygon(self, name: str) -> np.ndarray:
        """Region ``name`` as an (N, 2) array of image pixel coordinates."""
        return np.array([self._vertex(v) for v in FACE_REGIONS[name]], dtype=np.float64)

    def _vertex(self, vertex: Vertex) -> np.ndarray:
        if isinstance(vertex, tuple):
            a, b, t = vertex
            return (1 - t) * self._xy(a) + t * self._xy(b)
        return self._xy(vertex)

    def visible_regions(self) -> tuple[str, ...]:
        """The regions facing the camera: beyond 20° of yaw the far side's regions are foreshortened away."""
        yaw = self.yaw_deg
        if abs(yaw) <= 20:
            return REGION_NAMES
        hidden = "right" if yaw > 0 else "left"  # turned to the patient's right: the right side turns away
        return tuple(name for name in REGION_NAMES if SIDE_OF_REGION.get(name) != hidden)

    def as_dict(self) -> dict[str, object]:
        """The ``face`` block of ``mesoclinic analyze --json``."""
        left, right = self.eye_openness
        return {
            "landmarker": self.landmarker,
            "eye_distance_px": round(self.unit, 2),
            "roll_deg": round(self.roll_deg, 2),
            "yaw_deg": round(self.yaw_deg, 2),
            "pitch_deg": round(self.pitch_deg, 2),
            "box": list(self.box),
            "eyes": {
                "image_left": [round(v, 2) for v in self.eye_image_left],
                "image_right": [round(v, 2) for v in self.eye_image_right],
            },
            "eye_openness": {"left": round(left, 3), "right": round(right, 3)},
            "mouth_gap": round(self.mouth_gap, 3),
            "brow_height": round(self.brow_height, 3),
        }


def detect_face(image: np.ndarray) -> FaceFrame:
    """Find the largest face and place its landmarks.

    Parameters
    ----------
    image : (H, W, 3) float32 ndarray
        sRGB in [0, 1]; a preview about 1000 px long is enough (see :func:`.landmarks.find_faces`).

    Returns
    -------
    FaceFrame

    Raises
    ------
    FaceNotFoundError
        When no face is found.

    References
    ----------
    .. [1] Farkas, L. G., Katic, M. J., Forrest, C. R., et al. (2005). International anthropometric study of
        facial morphology in various ethnic groups/races. Journal of Craniofacial Surgery, 16(4), 615-646.
        :DOI:`10.1097/01.scs.0000171847.58031.9e`
    """
    faces = find_faces(image)
    if not faces:
        raise FaceNotFoundError("no face found in the photo (use region 'whole' for a close-up of skin)")
    return FaceFrame(landmarks=faces[0])


def check_face(face: FaceFrame, width: int, height: int, limits: FaceLimits | None = None) -> list[str]:
    """Why this face cannot be measured, in words (an empty list when it can).

    Parameters
    ----------
    face : FaceFrame
        In the coordinates of the ``width``×``height`` photo.
    width, height : int
        The photo's size in pixels.
    limits : FaceLimits, optional
        The view's tolerances (default: the front view).
    """
    limits = limits or FaceLimits()
    problems: list[str] = []
    if face.inside_fraction(width, height) < limits.min_inside_fraction:
        problems.append("part of the face is outside the photo: frame the whole face")
    closed = [
        side
        for side, value in zip(("left", "right"), face.eye_openness, strict=True)
        if value < limits.min_eye_openness
    ]
    if closed:
        which = "both eyes" if len(closed) == 2 else f"the {closed[0]} eye"
        problems.append(
            f"the face has {which} closed: ask the patient to open their eyes and look at the camera"
        )
    yaw_off = face.yaw_deg - limits.expected_yaw_deg
    if abs(yaw_off) > limits.max_yaw_off_deg:
        problems.append(
            f"the face is turned {abs(yaw_off):.0f}° from the view's position (at most "
            f"{limits.max_yaw_off_deg:.0f}°): turn the head {'left' if yaw_off > 0 else 'right'} towards the camera"
        )
    if abs(face.pitch_deg) > limits.max_pitch_deg:
        direction = "up" if face.pitch_deg > 0 else "down"
        problems.append(
            f"the face is tilted {abs(face.pitch_deg):.0f}° {direction} (at most {limits.max_pitch_deg:.0f}°): "
            "level the chin"
        )
    if abs(face.roll_deg) > limits.max_roll_deg:
        problems.append(
            f"the face is tilted {abs(face.roll_deg):.0f}° sideways (at most {limits.max_roll_deg:.0f}°): "
            "hold the head and the camera upright"
        )
    if face.mouth_gap > limits.max_mouth_gap:
        problems.append("the face's mouth is open: ask for a relaxed, closed mouth")
    if face.brow_height > limits.max_brow_height:
        problems.append("the face's brows are raised: ask the patient to relax the forehead")
    if face.unit < limits.min_eye_distance_px:
        problems.append(
            f"the face is too small in the photo ({face.unit:.0f} px between the eyes, at least "
            f"{limits.min_eye_distance_px:.0f} needed): move the camera closer or use a higher resolution"
        )
    return problems


def region_mask(polygon: np.ndarray, to_grid: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """A boolean mask of ``shape`` with ``polygon`` (image pixels) drawn through the 2×3 ``to_grid`` map."""
    points = polygon @ to_grid[:, :2].T + to_grid[:, 2]
    mask = np.zeros(shape, dtype=np.uint8)
    cv2.fillPoly(mask, [np.round(points * 16).astype(np.int32)], 1, lineType=cv2.LINE_8, shift=4)
    return mask.astype(bool)

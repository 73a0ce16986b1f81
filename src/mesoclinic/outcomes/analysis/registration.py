"""Registering a follow-up photo onto its baseline, so the same patch of skin is compared.

Faces (:func:`register_faces`): a similarity (rotation, uniform scale, shift) fitted to the face-mesh landmarks
that expression does not move (eye corners, nose bridge, alae), refined by ECC [1]_ on the skin around them
with an affine model, and checked: the landmarks' residual after the transform is reported, and a follow-up
whose face does not line up with the baseline's (a different expression, a different person, a failed fit) is
an error in words, never a silent measurement.

Close-ups (:func:`register`): ``ecc`` (default) maximises the enhanced correlation coefficient [1]_ for a
rigid (Euclidean) motion, coarse to fine on a grey pyramid: precise and robust to exposure, for re-captures in
a standard set-up (small shift and roll). ``features`` matches ORB key points [2]_ and fits a similarity
(rotation, uniform scale, shift) with RANSAC: for a camera that moved closer or further.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import cv2
import numpy as np

from ._checks import _check_choice, _check_rgb

if TYPE_CHECKING:
    from .face import FaceFrame

__all__ = ["MAX_RESIDUAL_FRACTION", "Registration", "RegistrationError", "register", "register_faces"]

_REGISTRATION_SIDE = 512  # the pyramid's finest level is at most this long; the transform is then scaled up
#: Face-mesh landmarks that expression hardly moves: eye corners, the nose bridge and tip, the alae.
STABLE_LANDMARKS = (33, 133, 263, 362, 168, 6, 197, 195, 5, 4, 1, 98, 327, 2, 129, 358, 55, 285, 8, 9)
#: Largest RMS landmark residual after registration, as a fraction of the eye distance. The landmarks of two
#: re-captures of one face disagree by 1–3 % of E once aligned (more on a turned head); a different expression
#: or person, or a fit that failed, by more.
MAX_RESIDUAL_FRACTION = 0.05
_ECC_UNIT_PX = 120  # ECC refines on a copy with this many pixels between the eyes
_MIN_ECC_SCORE = 0.9  # correlation below this: ECC found no convincing fit (another expression, hair moved)


class RegistrationError(ValueError):
    """The follow-up could not be aligned with the baseline (too different, or too little texture)."""


@dataclass(frozen=True)
class Registration:
    """How the follow-up maps onto the baseline.

    ``matrix`` (2×3) maps baseline pixel coordinates to follow-up pixel coordinates; ``warped`` is the
    follow-up resampled on the baseline's grid and ``valid`` marks the pixels it actually covers (both made
    on first use). ``method`` says how it was found; ``residual_px`` is the RMS distance, in baseline pixels,
    between the baseline's stable landmarks and the follow-up's carried back (faces only).
    """

    matrix: np.ndarray
    score: float
    follow_up: np.ndarray = field(repr=False)
    baseline_shape: tuple[int, int]
    method: str = "ecc"
    residual_px: float | None = None
    eye_distance_px: float | None = None

    @cached_property
    def warped(self) -> np.ndarray:
        """The follow-up resampled on the baseline's pixel grid (edges filled from the nearest pixel)."""
        height, width = self.baseline_shape
        flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
        return cv2.warpAffine(
            self.follow_up, self.matrix, (width, height), flags=flags, borderMode=cv2.BORDER_REPLICATE
        )

    @cached_property
    def valid(self) -> np.ndarray:
        """The baseline pixels the follow-up covers."""
        height, width = self.baseline_shape
        inside = np.ones(self.follow_up.shape[:2], dtype=np.uint8)
        flags = cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP
        return cv2.warpAffine(inside, self.matrix, (width, height), flags=flags) > 0

    def as_dict(self) -> dict[str, object]:
        """The ``registration`` block of ``mesoclinic compare --json``."""
        return {
            "method": self.method,
            "residual_px": None if self.residual_px is None else round(self.residual_px, 3),
            "residual_fraction": (
                None
                if self.residual_px is None or not self.eye_distance_px
                else round(self.residual_px / self.eye_distance_px, 5)
            ),
            "rotation_deg": round(self.rotation_deg, 4),
            "scale": round(self.scale, 6),
            "shift": [round(v, 3) for v in self.shift],
            "score": round(self.score, 6),
            "matrix": np.asarray(self.matrix).round(6).tolist(),
        }

    @property
    def rotation_deg(self) -> float:
        """Rotation of the follow-up relative to the baseline, in degrees."""
        return math.degrees(math.atan2(self.matrix[1, 0], self.matrix[0, 0]))

    @property
    def scale(self) -> float:
        """Scale of the follow-up relative to the baseline."""
        return math.hypot(self.matrix[0, 0], self.matrix[1, 0])

    @property
    def shift(self) -> tuple[float, float]:
        """Where the baseline's origin lands in the follow-up (px)."""
        return float(self.matrix[0, 2]), float(self.matrix[1, 2])


def register(baseline: np.ndarray, follow_up: np.ndarray, *, method: str = "ecc") -> Registration:
    """Align ``follow_up`` onto ``baseline``.

    Parameters
    ----------
    baseline, follow_up : (H, W, 3) ndarray
        sRGB photos, float in [0, 1] or integers; they may differ in size.
    method : {"ecc", "features"}
        Rigid ECC alignment, or ORB features with a RANSAC similarity.

    Returns
    -------
    Registration

    Raises
    ------
    RegistrationError
        When no alignment is found.

    References
    ----------
    .. [1] Evangelidis, G. D., Psarakis, E. Z. (2008). Parametric image alignment using enhanced correlation
        coefficient maximization. IEEE Transactions on Pattern Analysis and Machine Intelligence, 30(10),
        1858-1865. :DOI:`10.1109/TPAMI.2008.113`
    .. [2] Rublee, E., Rabaud, V., Konolige, K., Bradski, G. (2011). ORB: an efficient alternative to SIFT or
        SURF. Proceedings of ICCV 2011, 2564-2571. :DOI:`10.1109/ICCV.2011.6126544`
    """
    base = _check_rgb(baseline, "baseline", min_side=16)
    follow = _check_rgb(follow_up, "follow_up", min_side=16)
    _check_choice(method, "method", ("ecc", "features"))
    scale = min(1.0, _REGISTRATION_SIDE / max(*base.shape[:2], *follow.shape[:2]))
    base_grey, follow_grey = _grey(base, scale), _grey(follow, scale)
    small, score = (_ecc if method == "ecc" else _features)(base_grey, follow_grey)
    matrix = small.copy()
    matrix[:, 2] /= scale  # the linear part is scale-free; the shift is in pixels of the small copies
    return Registration(
        matrix=matrix, score=score, follow_up=follow, baseline_shape=base.shape[:2], method=method
    )


def register_faces(
    baseline: np.ndarray, follow_up: np.ndarray, base_face: FaceFrame, follow_face: FaceFrame
) -> Registration:
    """Align the follow-up's face onto the baseline's: landmarks, then ECC on the skin, then a residual check.

    Parameters
    ----------
    baseline, follow_up : (H, W, 3) ndarray
        sRGB photos, float in [0, 1] or integers; they may differ in size.
    base_face, follow_face : FaceFrame
        Each photo's face, in its own pixel coordinates.

    Returns
    -------
    Registration
        ``method`` is ``landmarks+ecc`` when ECC improved the fit, ``landmarks`` when it did not converge or
        made the landmarks fit worse.

    Raises
    ------
    RegistrationError
        When the faces do not line up: the RMS residual of the stable landmarks exceeds
        :data:`MAX_RESIDUAL_FRACTION` of the eye distance.
    """
    base = _check_rgb(baseline, "baseline", min_side=16)
    follow = _check_rgb(follow_up, "follow_up", min_side=16)
    index = list(STABLE_LANDMARKS)
    src = base_face.landmarks[index, :2].astype(np.float32)
    dst = follow_face.landmarks[index, :2].astype(np.float32)
    matrix, _ = cv2.estimateAffinePartial2D(src, dst, method=cv2.LMEDS)
    if matrix is None:
        raise RegistrationError("the follow-up's face could not be lined up with the baseline's")
    unit = base_face.unit
    method, score = "landmarks", 0.0
    refined = _refine_ecc(base, follow, base_face, matrix)
    if refined is not None:
        candidate, candidate_score = refined
        # ECC aligns the skin far more finely than landmarks place it (0.03 % of E against their 1–3 % on
        # simulated re-captures); it is kept when it correlates well and the landmarks still agree with it
        if (
            candidate_score >= _MIN_ECC_SCORE
            and _residual(candidate, src, dst) <= MAX_RESIDUAL_FRACTION * unit
        ):
            matrix, method, score = candidate, "landmarks+ecc", candidate_score
    residual = _residual(matrix, src, dst)
    if residual > MAX_RESIDUAL_FRACTION * unit:
        raise RegistrationError(
            f"the follow-up's face does not line up with the baseline's (landmarks {residual:.1f} px apart "
            f"after alignment, {residual / unit:.1%} of the eye distance; at most {MAX_RESIDUAL_FRACTION:.0%}): "
            "retake it with the baseline's pose and a relaxed expression"
        )
    return Registration(
        matrix=matrix.astype(np.float64),
        score=score,
        follow_up=follow,
        baseline_shape=base.shape[:2],
        method=method,
        residual_px=residual,
        eye_distance_px=unit,
    )


def _residual(matrix: np.ndarray, src: np.ndarray, dst: np.ndarray) -> float:
    """RMS distance (baseline pixels) between baseline landmarks and the follow-up's, mapped back."""
    moved = src @ matrix[:, :2].T + matrix[:, 2]
    scale = math.sqrt(abs(float(np.linalg.det(matrix[:, :2])))) or 1.0
    return float(np.sqrt(((moved - dst) ** 2).sum(axis=1).mean())) / scale


def _refine_ecc(
    base: np.ndarray, follow: np.ndarray, base_face: FaceFrame, matrix: np.ndarray
) -> tuple[np.ndarray, float] | None:
    """Affine ECC on the central face (eyes to chin), at ``_ECC_UNIT_PX`` pixels per eye distance."""
    factor = min(1.0, _ECC_UNIT_PX / base_face.unit)
    outline = np.vstack([base_face.polygon(n) for n in ("periorbital_left", "periorbital_right", "chin")])
    x0, y0 = np.maximum(np.floor(outline.min(axis=0)).astype(int), 0)
    x1, y1 = np.minimum(np.ceil(outline.max(axis=0)).astype(int), (base.shape[1], base.shape[0]))
    if x1 - x0 < 16 or y1 - y0 < 16:
        return None
    crop = base[y0:y1, x0:x1]
    size = (max(16, round(crop.shape[1] * factor)), max(16, round(crop.shape[0] * factor)))
    template = _grey(cv2.resize(crop, size, interpolation=cv2.INTER_AREA), 1.0)
    # template pixel → baseline pixel → follow-up pixel → shrunk follow-up pixel
    small_to_base = np.array([[crop.shape[1] / size[0], 0, x0], [0, crop.shape[0] / size[1], y0], [0, 0, 1]])
    follow_factor = factor / math.sqrt(abs(float(np.linalg.det(matrix[:, :2]))))
    follow_size = (
        max(16, round(follow.shape[1] * follow_factor)),
        max(16, round(follow.shape[0] * follow_factor)),
    )
    follow_small = cv2.resize(follow, follow_size, interpolation=cv2.INTER_AREA)
    to_small = np.diag([follow_size[0] / follow.shape[1], follow_size[1] / follow.shape[0], 1.0])
    warp = (to_small @ np.vstack([matrix, [0, 0, 1]]) @ small_to_base)[:2].astype(np.float32)
    criteria = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 60, 1e-5)
    try:
        score, warp = cv2.findTransformECC(  # type: ignore[call-overload]  # inputMask None: no mask, as OpenCV documents; its stubs want an array
            _normalised(template),
            _normalised(_grey(follow_small, 1.0)),
            warp,
            cv2.MOTION_AFFINE,
            criteria,
            None,
            3,
        )
    except cv2.error:
        return None
    refined = np.linalg.inv(to_small) @ np.vstack([warp, [0, 0, 1]]) @ np.linalg.inv(small_to_base)
    return refined[:2], float(score)


def _grey(image: np.ndarray, scale: float) -> np.ndarray:
    """A small grey copy, log-compressed so that exposure differences matter less."""
    if scale < 1:
        size = (max(16, round(image.shape[1] * scale)), max(16, round(image.shape[0] * scale)))
        image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    return np.asarray(np.log(grey + np.float32(0.01)), dtype=np.float32)


def _ecc(base: np.ndarray, follow: np.ndarray) -> tuple[np.ndarray, float]:
    """Euclidean ECC, three pyramid levels, starting from the phase-correlation shift."""
    (dx, dy), _ = cv2.phaseCorrelate(*_same_size(base, follow))
    levels = 3
    warp = np.array([[1, 0, dx / 2 ** (levels - 1)], [0, 1, dy / 2 ** (levels - 1)]], dtype=np.float32)
    criteria = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 100, 1e-5)
    score = 0.0
    for level in reversed(range(levels)):
        factor = 2**level
        b = cv2.resize(base, (base.shape[1] // factor, base.shape[0] // factor), interpolation=cv2.INTER_AREA)
        f = cv2.resize(
            follow, (follow.shape[1] // factor, follow.shape[0] // factor), interpolation=cv2.INTER_AREA
        )
        b, f = _normalised(b), _normalised(f)
        try:
            score, warp = cv2.findTransformECC(b, f, warp, cv2.MOTION_EUCLIDEAN, criteria, None, 3)  # type: ignore[call-overload]  # inputMask None: no mask, as OpenCV documents; its stubs want an array
        except cv2.error:
            raise RegistrationError("the follow-up could not be aligned with the baseline") from None
        if level:
            warp[:, 2] *= 2
    return warp.astype(np.float64), float(score)


def _features(base: np.ndarray, follow: np.ndarray) -> tuple[np.ndarray, float]:
    """ORB matches and a RANSAC similarity; the score is the inlier fraction."""
    orb = cv2.ORB.create(nfeatures=2000)
    b8, f8 = (
        cv2.normalize(x, None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)  # type: ignore[call-overload]  # dst None: OpenCV allocates the output; its stubs want an array
        for x in (base, follow)
    )
    kb, db = orb.detectAndCompute(b8, None)
    kf, df = orb.detectAndCompute(f8, None)
    if db is None or df is None or len(kb) < 4 or len(kf) < 4:
        raise RegistrationError("too little detail to align the follow-up with the baseline")
    matches = cv2.BFMatcher(cv2.NORM_HAMMING, crossCheck=True).match(db, df)
    if len(matches) < 4:
        raise RegistrationError("too few matching points between the follow-up and the baseline")
    src = np.array([kb[m.queryIdx].pt for m in matches], dtype=np.float32)
    dst = np.array([kf[m.trainIdx].pt for m in matches], dtype=np.float32)
    matrix, inliers = cv2.estimateAffinePartial2D(src, dst, method=cv2.RANSAC, ransacReprojThreshold=2.0)
    if matrix is None or inliers is None or inliers.sum() < 4:
        raise RegistrationError("no consistent alignment between the follow-up and the baseline")
    return np.asarray(matrix, dtype=np.float64), float(inliers.mean())


def _same_size(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    height, width = min(a.shape[0], b.shape[0]), min(a.shape[1], b.shape[1])
    return a[:height, :width], b[:height, :width]


def _normalised(image: np.ndarray) -> np.ndarray:
    """Zero mean and unit variance, which ECC expects for a stable start."""
    return np.asarray((image - image.mean()) / max(float(image.std()), 1e-6), dtype=np.float32)

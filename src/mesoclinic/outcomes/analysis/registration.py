"""Registering a follow-up photo onto its baseline, so the same patch of skin is compared.

Two methods: ``ecc`` (default) maximises the enhanced correlation coefficient [1]_ for a rigid (Euclidean)
motion, coarse to fine on a grey pyramid: precise and robust to exposure, for re-captures in a standard
set-up (small shift and roll). ``features`` matches ORB key points [2]_ and fits a similarity (rotation,
uniform scale, shift) with RANSAC: for a camera that moved closer or further.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from ._checks import _check_choice, _check_rgb

__all__ = ["Registration", "RegistrationError", "register"]

_REGISTRATION_SIDE = 512  # the pyramid's finest level is at most this long; the transform is then scaled up


class RegistrationError(ValueError):
    """The follow-up could not be aligned with the baseline (too different, or too little texture)."""


@dataclass(frozen=True)
class Registration:
    """How the follow-up maps onto the baseline.

    ``matrix`` (2×3) maps baseline pixel coordinates to follow-up pixel coordinates; ``warped`` is the
    follow-up resampled on the baseline's grid and ``valid`` marks the pixels it actually covers.
    """

    matrix: np.ndarray
    warped: np.ndarray
    valid: np.ndarray
    score: float

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
    height, width = base.shape[:2]
    flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
    warped = cv2.warpAffine(follow, matrix, (width, height), flags=flags, borderMode=cv2.BORDER_REPLICATE)
    inside = np.ones(follow.shape[:2], dtype=np.uint8)
    valid = (
        cv2.warpAffine(inside, matrix, (width, height), flags=cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP) > 0
    )
    return Registration(matrix=matrix, warped=warped, valid=valid, score=score)


def _grey(image: np.ndarray, scale: float) -> np.ndarray:
    """A small grey copy, log-compressed so that exposure differences matter less."""
    if scale < 1:
        size = (max(16, round(image.shape[1] * scale)), max(16, round(image.shape[0] * scale)))
        image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    return np.log(grey + np.float32(0.01)).astype(np.float32)


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
            score, warp = cv2.findTransformECC(b, f, warp, cv2.MOTION_EUCLIDEAN, criteria, None, 3)
        except cv2.error:
            raise RegistrationError("the follow-up could not be aligned with the baseline") from None
        if level:
            warp[:, 2] *= 2
    return warp.astype(np.float64), float(score)


def _features(base: np.ndarray, follow: np.ndarray) -> tuple[np.ndarray, float]:
    """ORB matches and a RANSAC similarity; the score is the inlier fraction."""
    orb = cv2.ORB_create(nfeatures=2000)
    b8, f8 = (cv2.normalize(x, None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8) for x in (base, follow))
    kb, db = orb.detectAndCompute(b8, None)
    kf, df = orb.detectAndCompute(f8, None)
    if db is None or df is None or len(kb) < 4 or len(kf) < 4:
        raise RegistrationError("too little detail to align the follow-up with the baseline")
    matches = cv2.BFMatcher(cv2.NORM_HAMMING, crossCheck=True).match(db, df)
    if len(matches) < 4:
        raise RegistrationError("too few matching points between the follow-up and the baseline")
    src = np.float32([kb[m.queryIdx].pt for m in matches])
    dst = np.float32([kf[m.trainIdx].pt for m in matches])
    matrix, inliers = cv2.estimateAffinePartial2D(src, dst, method=cv2.RANSAC, ransacReprojThreshold=2.0)
    if matrix is None or inliers is None or inliers.sum() < 4:
        raise RegistrationError("no consistent alignment between the follow-up and the baseline")
    return matrix.astype(np.float64), float(inliers.mean())


def _same_size(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    height, width = min(a.shape[0], b.shape[0]), min(a.shape[1], b.shape[1])
    return a[:height, :width], b[:height, :width]


def _normalised(image: np.ndarray) -> np.ndarray:
    """Zero mean and unit variance, which ECC expects for a stable start."""
    return ((image - image.mean()) / max(float(image.std()), 1e-6)).astype(np.float32)

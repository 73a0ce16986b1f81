"""One photo in, regions and metrics out: the analysis behind ``mesoclinic analyze`` and the photo worker.

The analysis runs on a grid of fixed resolution, whatever the photo's size, so a 24 MP file costs about
what a 1 MP one does and a region's pixels measure the same anatomy at any camera distance:

* ``face``: the face frame (see :mod:`.face`) resampled so the eye centres are :data:`FACE_UNIT_PX` apart
  and the eye line is horizontal; the nine regions are polygons on that grid.
* ``whole``: the whole photo (minus a grey card, if one is named), resized so its longer side is at most
  :data:`WHOLE_SIDE` px; one region called ``whole``.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ._checks import _check_choice, _check_rgb
from .colour import linear_luminance, linear_to_srgb, srgb_to_linear
from .face import FACE_REGIONS, FRAME_EXTENT, REGION_NAMES, FaceFrame, detect_face
from .metrics import FeatureMaps, MetricParameters, feature_maps, region_metrics
from .quality import QUALITY_SIDE, Quality, QualityThresholds, assess_quality
from .registration import Registration, register

__all__ = [
    "FACE_UNIT_PX",
    "WHOLE_SIDE",
    "Analysis",
    "AnalysisGrid",
    "Comparison",
    "analyze",
    "compare",
    "face_grid",
    "normalise_exposure",
    "preview",
    "whole_grid",
]

FACE_UNIT_PX = 200  # analysis-grid pixels between the eye centres (≈ 0.31 mm per px for a 62 mm distance)
WHOLE_SIDE = 1024
GREY_CARD_Y = 0.18  # linear luminance of an 18 % grey card (L* ≈ 49.5)
Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class AnalysisGrid:
    """The photo resampled for analysis, with one boolean mask per region and each region's outline.

    ``polygons`` are in the photo's pixel coordinates (for overlays); ``to_grid`` maps photo pixels to
    grid pixels (2×3 affine).
    """

    rgb: np.ndarray
    masks: dict[str, np.ndarray]
    polygons: dict[str, np.ndarray]
    to_grid: np.ndarray


@dataclass(frozen=True)
class Analysis:
    """The result of :func:`analyze`: photo size, quality, per-region metrics and, for faces, the frame."""

    width: int
    height: int
    quality: Quality
    regions: dict[str, dict[str, float]]
    face: FaceFrame | None

    def as_dict(self) -> dict[str, object]:
        """The JSON form printed by ``mesoclinic analyze --json``."""
        return {
            "image": {"width": self.width, "height": self.height},
            "quality": self.quality.as_dict(),
            "regions": {
                name: {
                    key: (value if isinstance(value, int) else round(value, 6))
                    for key, value in metrics.items()
                }
                for name, metrics in self.regions.items()
            },
        }


def analyze(
    image: np.ndarray,
    *,
    region: str = "face",
    params: MetricParameters | None = None,
    thresholds: QualityThresholds | None = None,
    reference_box: Box | None = None,
    face: FaceFrame | None = None,
) -> Analysis:
    """Analyse a photo: quality, then the metrics of every region.

    Parameters
    ----------
    image : (H, W, 3) ndarray
        sRGB photo, float in [0, 1] or integers.
    region : {"face", "whole"}
        ``face`` finds the face and its nine regions; ``whole`` treats the photo as one region (close-ups).
    params : MetricParameters, optional
    thresholds : QualityThresholds, optional
    reference_box : (x, y, w, h), optional
        A neutral grey card in the photo. When given, exposure is normalised so the card reads 18 % grey
        (colour metrics become comparable across captures) and the card is left out of the regions.
    face : FaceFrame, optional
        Use this face frame instead of detecting one (``region="face"`` only): a follow-up registered onto
        its baseline is measured on exactly the baseline's regions (see :func:`compare`).

    Returns
    -------
    Analysis

    Raises
    ------
    FaceNotFoundError
        ``region="face"`` and no face was found.
    ValueError
        A bad argument; the message names it.
    """
    rgb = _check_rgb(image, min_side=16)
    _check_choice(region, "region", ("face", "whole"))
    params = params or MetricParameters()
    small = preview(rgb)  # one small copy serves the quality checks and the face detector
    quality = assess_quality(small, thresholds)
    if region == "face" and face is None:
        face = detect_face(small).scaled(rgb.shape[1] / small.shape[1])
    elif region == "whole":
        face = None
    grid = face_grid(rgb, face) if face is not None else whole_grid(rgb, reference_box)
    work = grid.rgb
    if reference_box is not None:
        work = normalise_exposure(work, _card_gain(rgb, reference_box))
    maps = feature_maps(work, params)
    return Analysis(
        width=rgb.shape[1],
        height=rgb.shape[0],
        quality=quality,
        regions=measure_regions(maps, grid, params),
        face=face,
    )


@dataclass(frozen=True)
class Comparison:
    """A baseline and a follow-up measured on the same regions, with the registration that aligned them."""

    baseline: Analysis
    follow_up: Analysis
    registration: Registration

    def change(self) -> dict[str, dict[str, float]]:
        """Follow-up minus baseline, per region and metric (absolute change, in the metric's own unit)."""
        return {
            name: {key: self.follow_up.regions[name][key] - value for key, value in metrics.items()}
            for name, metrics in self.baseline.regions.items()
            if name in self.follow_up.regions
        }


def compare(
    baseline: np.ndarray,
    follow_up: np.ndarray,
    *,
    region: str = "face",
    params: MetricParameters | None = None,
    method: str = "ecc",
) -> Comparison:
    """Measure a follow-up on the baseline's regions: register it onto the baseline, then reuse the face frame.

    Detecting the face again on the follow-up would move each region by the detector's jitter (a few pixels
    of eye position); registration moves the follow-up instead, so both photos are measured on the same skin.
    Pixels the follow-up does not cover are filled from its edge; keep shifts small (a standard set-up).
    """
    before = analyze(baseline, region=region, params=params)
    registration = register(baseline, follow_up, method=method)
    after = analyze(registration.warped, region=region, params=params, face=before.face)
    return Comparison(baseline=before, follow_up=after, registration=registration)


def measure_regions(
    maps: FeatureMaps, grid: AnalysisGrid, params: MetricParameters | None = None
) -> dict[str, dict[str, float]]:
    """The metrics of every region of ``grid`` that has pixels."""
    return {name: region_metrics(maps, mask, params) for name, mask in grid.masks.items() if mask.any()}


def face_grid(image: np.ndarray, face: FaceFrame, unit_px: int = FACE_UNIT_PX) -> AnalysisGrid:
    """Resample the face frame of ``image`` to an upright grid with ``unit_px`` between the eye centres.

    The photo is first cropped to the frame and shrunk with area averaging (no aliasing), then rotated by the
    head roll; parts of the frame outside the photo are left out of every region.
    """
    x0, y0, x1, y1 = FRAME_EXTENT
    width, height = round((x1 - x0) * unit_px), round((y1 - y0) * unit_px)
    to_image = face.to_image()
    # grid (gx, gy) → frame (gx / unit + x0, gy / unit + y0) → image
    grid_to_frame = np.array([[1 / unit_px, 0, x0], [0, 1 / unit_px, y0], [0, 0, 1]])
    grid_to_image = np.vstack([to_image, [0, 0, 1]]) @ grid_to_frame
    corners = np.array([[0, 0, 1], [width, 0, 1], [0, height, 1], [width, height, 1]], dtype=np.float64)
    image_corners = corners @ grid_to_image[:2].T
    h_img, w_img = image.shape[:2]
    cx0, cy0 = np.maximum(np.floor(image_corners.min(axis=0)).astype(int) - 2, 0)
    cx1, cy1 = np.minimum(np.ceil(image_corners.max(axis=0)).astype(int) + 2, (w_img, h_img))
    if cx1 - cx0 < 8 or cy1 - cy0 < 8:
        raise ValueError("the face frame lies outside the image")
    crop = image[cy0:cy1, cx0:cx1]
    shrink = min(1.0, unit_px / face.unit)
    if shrink < 1:
        size = (max(1, round(crop.shape[1] * shrink)), max(1, round(crop.shape[0] * shrink)))
        crop = cv2.resize(crop, size, interpolation=cv2.INTER_AREA)
    sx, sy = crop.shape[1] / (cx1 - cx0), crop.shape[0] / (cy1 - cy0)
    image_to_crop = np.array([[sx, 0, -sx * cx0], [0, sy, -sy * cy0], [0, 0, 1]])
    grid_to_crop = (image_to_crop @ grid_to_image)[:2]
    inverse = cv2.WARP_INVERSE_MAP | cv2.INTER_LINEAR
    rgb = cv2.warpAffine(crop, grid_to_crop, (width, height), flags=inverse, borderMode=cv2.BORDER_REPLICATE)
    inside = np.ones(crop.shape[:2], dtype=np.uint8)
    valid = cv2.warpAffine(inside, grid_to_crop, (width, height), flags=inverse | cv2.INTER_NEAREST) > 0
    valid = cv2.erode(valid.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    masks, polygons = {}, {}
    for name in REGION_NAMES:
        points = (np.asarray(FACE_REGIONS[name]) - (x0, y0)) * unit_px
        mask = np.zeros((height, width), dtype=np.uint8)
        cv2.fillPoly(mask, [np.round(points).astype(np.int32)], 1)
        masks[name] = mask.astype(bool) & valid
        polygons[name] = face.polygon(name)
    to_grid = np.linalg.inv(grid_to_image)[:2]
    return AnalysisGrid(rgb=np.clip(rgb, 0, 1), masks=masks, polygons=polygons, to_grid=to_grid)


def whole_grid(image: np.ndarray, reference_box: Box | None = None, side: int = WHOLE_SIDE) -> AnalysisGrid:
    """The whole photo as one region, at most ``side`` px long, minus a grey card if one is named."""
    height, width = image.shape[:2]
    scale = min(1.0, side / max(height, width))
    rgb = image
    if scale < 1:
        rgb = cv2.resize(image, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA)
    mask = np.ones(rgb.shape[:2], dtype=bool)
    if reference_box is not None:
        x, y, w, h = _check_box(reference_box, width, height)
        pad = 3 + 0.1 * max(w, h)
        mask[
            max(0, int((y - pad) * scale)) : int((y + h + pad) * scale) + 1,
            max(0, int((x - pad) * scale)) : int((x + w + pad) * scale) + 1,
        ] = False
    outline = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float64)
    to_grid = np.array([[rgb.shape[1] / width, 0, 0], [0, rgb.shape[0] / height, 0]])
    return AnalysisGrid(rgb=rgb, masks={"whole": mask}, polygons={"whole": outline}, to_grid=to_grid)


def preview(image: np.ndarray) -> np.ndarray:
    """``image`` shrunk (area averaging) so its longer side is at most :data:`QUALITY_SIDE` px."""
    height, width = image.shape[:2]
    scale = QUALITY_SIDE / max(height, width)
    if scale >= 1:
        return image
    return cv2.resize(image, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA)


def normalise_exposure(image: np.ndarray, gain: float) -> np.ndarray:
    """Multiply the linear light of ``image`` by ``gain`` (an exposure change undone), back to sRGB."""
    return linear_to_srgb(srgb_to_linear(image) * gain)


def _card_gain(image: np.ndarray, box: Box) -> float:
    """The gain that makes the middle 60 % of the grey card read :data:`GREY_CARD_Y`."""
    x, y, w, h = _check_box(box, image.shape[1], image.shape[0])
    inner = image[y + int(0.2 * h) : y + h - int(0.2 * h), x + int(0.2 * w) : x + w - int(0.2 * w)]
    level = float(linear_luminance(inner).mean()) if inner.size else 0.0
    if level <= 1e-4:
        raise ValueError("reference_box is black: it must frame a neutral grey card")
    return GREY_CARD_Y / level


def _check_box(box: Box, width: int, height: int) -> Box:
    """Return ``box`` (x, y, w, h) if it lies inside a ``width``×``height`` photo."""
    try:
        x, y, w, h = (int(v) for v in box)
    except (TypeError, ValueError):
        raise ValueError(f"reference_box must be four integers x, y, w, h, not {box!r}") from None
    if w < 4 or h < 4 or x < 0 or y < 0 or x + w > width or y + h > height:
        raise ValueError(
            f"reference_box {box!r} must be at least 4×4 px and inside the {width}×{height} photo"
        )
    return x, y, w, h

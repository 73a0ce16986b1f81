"""One photo in, regions and metrics out: the analysis behind ``mesoclinic analyze`` and the photo worker.

The analysis runs on a grid of fixed resolution, whatever the photo's size, so a 24 MP file costs about
what a 1 MP one does and a region's pixels measure the same anatomy at any camera distance:

* ``face``: the face frame (see :mod:`.face`) resampled so the iris centres are :data:`FACE_UNIT_PX` apart
  and the eye line is horizontal; the nine regions are the face mesh's polygons drawn on that grid.
* ``whole``: the whole photo (minus a grey card, if one is named), resized so its longer side is at most
  :data:`WHOLE_SIDE` px; one region called ``whole``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from ._checks import _check_choice, _check_rgb
from .colour import linear_luminance, linear_to_srgb, srgb_to_linear
from .face import (
    FaceFrame,
    FaceLimits,
    FaceNotFoundError,
    FaceRefusedError,
    check_face,
    detect_face,
    region_mask,
)
from .metrics import FeatureMaps, MetricParameters, feature_maps, region_metrics
from .quality import QUALITY_SIDE, Quality, QualityThresholds, assess_quality
from .registration import Registration, register, register_faces

__all__ = [
    "FACE_UNIT_PX",
    "WHOLE_SIDE",
    "Analysis",
    "AnalysisGrid",
    "Comparison",
    "analyze",
    "compare",
    "face_grid",
    "face_image_checks",
    "normalise_exposure",
    "photo_problems",
    "preview",
    "whole_grid",
]

FACE_UNIT_PX = 200  # analysis-grid pixels between the eye centres (≈ 0.31 mm per px for a 62 mm distance)
FRAME_MARGIN = 0.15  # the grid reaches this far (in E) beyond the regions: context for the background median
#: Sharpness of the eyes on the face grid below which a photo is refused as blurred (see ``face_image_checks``).
MIN_FACE_SHARPNESS = 0.28
MAX_CLIPPED_SKIN = 0.05  # fraction of a region's pixels that may be blown out or black
WHOLE_SIDE = 1024
GREY_CARD_Y = 0.18  # linear luminance of an 18 % grey card (L* ≈ 49.5)
Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class AnalysisGrid:
    """The photo resampled for analysis, with one boolean mask per region and each region's outline.

    ``polygons`` are in the photo's pixel coordinates (for overlays); ``to_grid`` maps photo pixels to
    grid pixels (2×3 affine); ``valid`` marks the grid pixels the photo covers.
    """

    rgb: np.ndarray
    masks: dict[str, np.ndarray]
    polygons: dict[str, np.ndarray]
    to_grid: np.ndarray
    valid: np.ndarray | None = None
    frame_origin: tuple[float, float] = (0.0, 0.0)


@dataclass(frozen=True)
class Analysis:
    """The result of :func:`analyze`: photo size, quality, per-region metrics and, for faces, the frame."""

    width: int
    height: int
    quality: Quality
    regions: dict[str, dict[str, float]]
    face: FaceFrame | None

    polygons: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    unmeasured: dict[str, str] = field(default_factory=dict)
    colour_reference: str = "none"

    def as_dict(self) -> dict[str, object]:
        """The JSON form printed by ``mesoclinic analyze --json``.

        ``face`` is the landmarker's view of the face (null for ``whole``); each region carries its
        ``polygon`` in the photo's pixel coordinates.
        """
        regions: dict[str, dict[str, object]] = {}
        for name, metrics in self.regions.items():
            regions[name] = {
                key: (value if isinstance(value, int) else round(value, 6)) for key, value in metrics.items()
            }
            if name in self.polygons:
                regions[name]["polygon"] = np.round(self.polygons[name], 1).tolist()
        return {
            "image": {"width": self.width, "height": self.height},
            "quality": self.quality.as_dict(),
            "face": self.face.as_dict() if self.face is not None else None,
            "regions": regions,
            "unmeasured": dict(self.unmeasured),
            # colour means are corrected only against a reference in the photo; "none" marks them uncorrected
            "colour_reference": self.colour_reference,
        }


def analyze(
    image: np.ndarray,
    *,
    region: str = "face",
    params: MetricParameters | None = None,
    thresholds: QualityThresholds | None = None,
    reference_box: Box | None = None,
    face: FaceFrame | None = None,
    limits: FaceLimits | None = None,
) -> Analysis:
    """Analyse a photo: quality, the face and whether it can be measured, then the metrics of every region.

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
        Use this face instead of finding one (``region="face"`` only): a follow-up registered onto its
        baseline is measured on exactly the baseline's regions (see :func:`compare`). Its pose and expression
        are not checked again (the caller did); blur and clipping of the skin still are.
    limits : FaceLimits, optional
        The view's tolerances for pose, expression and size (default: the front view).

    Returns
    -------
    Analysis

    Raises
    ------
    FaceNotFoundError
        ``region="face"`` and no face was found.
    FaceRefusedError
        ``region="face"`` and the face cannot be measured; the message says why, in words.
    ValueError
        A bad argument; the message names it.
    """
    rgb = _check_rgb(image, min_side=16)
    _check_choice(region, "region", ("face", "whole"))
    params = params or MetricParameters()
    small = preview(rgb)  # one small copy serves the quality checks and the landmarker
    quality = assess_quality(small, thresholds)
    if region == "whole":
        face = None
    elif face is None:
        face = detect_face(small).scaled(rgb.shape[1] / small.shape[1])
        _refuse(check_face(face, rgb.shape[1], rgb.shape[0], limits))
    grid = face_grid(rgb, face) if face is not None else whole_grid(rgb, reference_box)
    unmeasured: dict[str, str] = {}
    if face is not None:
        problems, unmeasured = face_image_checks(grid)
        _refuse(problems)
    work = grid.rgb
    if reference_box is not None:
        work = normalise_exposure(work, _card_gain(rgb, reference_box))
    # the redness reference: every region's skin but blown-out pixels, the same set whichever regions a
    # slightly different exposure pushes over the clipping limit
    skin = np.zeros(work.shape[:2], dtype=bool)
    for mask in grid.masks.values():
        skin |= mask
    skin &= grid.rgb.max(axis=2) < 250 / 255
    maps = feature_maps(work, params, skin=skin)
    return Analysis(
        width=rgb.shape[1],
        height=rgb.shape[0],
        quality=quality,
        regions={
            name: metrics
            for name, metrics in measure_regions(maps, grid, params).items()
            if name not in unmeasured
        },
        face=face,
        polygons=grid.polygons,
        unmeasured=unmeasured,
        colour_reference="grey card (exposure)" if reference_box is not None else "none",
    )


def photo_problems(image: np.ndarray, *, limits: FaceLimits | None = None) -> list[str]:
    """Why a face photo cannot be measured, in words; an empty list when it can (the upload's check).

    The same checks :func:`analyze` refuses on: a face, inside the photo, eyes open, pose and expression
    within the view's ``limits``, enough pixels, sharp, not clipped everywhere. Runs the landmarker on a
    preview and builds the face grid (a few hundred milliseconds for a 6 MP photo); measures nothing.
    """
    rgb = _check_rgb(image, min_side=16)
    small = preview(rgb)
    try:
        face = detect_face(small).scaled(rgb.shape[1] / small.shape[1])
    except FaceNotFoundError as exc:
        return [str(exc)]
    problems = check_face(face, rgb.shape[1], rgb.shape[0], limits)
    if problems:
        return problems
    return face_image_checks(face_grid(rgb, face))[0]


def _refuse(problems: list[str]) -> None:
    if problems:
        raise FaceRefusedError("this face cannot be measured: " + "; ".join(problems))


def face_image_checks(grid: AnalysisGrid) -> tuple[list[str], dict[str, str]]:
    """Blur and clipping of the face on its analysis grid, in words.

    Returns the problems that refuse the whole photo, and the regions that cannot be measured with the
    reason (more than :data:`MAX_CLIPPED_SKIN` of their pixels blown out by glare or black in shadow: the
    region is left out, the others are measured). A photo whose every region is clipped is refused.
    """
    problems = []
    unmeasured: dict[str, str] = {}
    for name, mask in grid.masks.items():
        if not mask.any():
            continue
        brightest = grid.rgb[mask].max(axis=1)
        if float((brightest >= 250 / 255).mean()) > MAX_CLIPPED_SKIN:
            unmeasured[name] = "over-exposed (glare)"
        elif float((brightest <= 8 / 255).mean()) > MAX_CLIPPED_SKIN:
            unmeasured[name] = "in deep shadow"
    if grid.masks and len(unmeasured) == len(grid.masks):
        problems.append(
            "the face is over-exposed or in shadow everywhere: light the face evenly, without glare"
        )
    if face_sharpness(grid) < MIN_FACE_SHARPNESS:
        problems.append("the face is blurred: hold the camera still and focus on the eyes")
    return problems, unmeasured


def face_sharpness(grid: AnalysisGrid) -> float:
    """How sharp the eyes are on the face grid: fine-scale over medium-scale contrast of ln Y.

    The ratio of the standard deviations of ln Y − G(σ = 1 px) and G(1 px) − G(3 px) in a band across the eyes
    (lashes, iris and lid edges are there in every face). It is independent of exposure (ln Y) and of the
    photo's size (the grid has 200 px between the eyes), and far less of the face than the plain Laplacian
    variance: in-focus faces measure 0.35–0.5, a face blurred by σ ≥ 1 grid pixel (≈ 0.3 mm) below 0.28.
    """
    x0, y0 = grid.frame_origin
    unit = FACE_UNIT_PX
    top, bottom = round((-0.30 - y0) * unit), round((0.20 - y0) * unit)
    left, right = round((-0.85 - x0) * unit), round((0.85 - x0) * unit)
    band = grid.rgb[max(0, top) : max(0, bottom), max(0, left) : max(0, right)]
    if min(band.shape[:2], default=0) < 8:
        return 0.0
    log_y = np.log(np.maximum(linear_luminance(band), 1e-4)).astype(np.float32)
    fine = cv2.GaussianBlur(log_y, (0, 0), 1.0)
    medium = float((fine - cv2.GaussianBlur(log_y, (0, 0), 3.0)).std())
    return float((log_y - fine).std()) / max(medium, 1e-6)


@dataclass(frozen=True)
class Comparison:
    """A baseline and a follow-up measured on the same regions, with the registration that aligned them.

    ``follow_up.face`` and its polygons are the baseline's, carried into the follow-up's pixel coordinates by
    the registration; ``follow_up_face`` is the face found on the follow-up itself (its pose and expression).
    """

    baseline: Analysis
    follow_up: Analysis
    registration: Registration
    follow_up_face: FaceFrame | None = None

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
    limits: FaceLimits | None = None,
) -> Comparison:
    """Measure a follow-up on the baseline's regions: register it onto the baseline, then reuse the regions.

    Faces (``region="face"``): the follow-up's own face is found and checked like any photo's (pose,
    expression, size), then registered onto the baseline with a similarity from the landmarks that do not
    move with expression, refined by ECC on the skin; the residual is checked (see
    :func:`.registration.register_faces`). The baseline's regions are then carried into the follow-up by that
    transform, so both visits are measured on the same skin without resampling the follow-up twice.

    Close-ups (``region="whole"``): ``method`` (``ecc`` or ``features``) aligns the whole photos.

    Raises
    ------
    FaceNotFoundError, FaceRefusedError
        Either photo has no face, or one that cannot be measured.
    RegistrationError
        The follow-up cannot be lined up with the baseline; the message says why.
    """
    before = analyze(baseline, region=region, params=params, limits=limits)
    if region == "face" and before.face is not None:
        follow = _check_rgb(follow_up, "follow_up", min_side=16)
        small = preview(follow)
        follow_face = detect_face(small).scaled(follow.shape[1] / small.shape[1])
        _refuse(check_face(follow_face, follow.shape[1], follow.shape[0], limits))
        registration = register_faces(baseline, follow, before.face, follow_face)
        carried = before.face.transformed(registration.matrix)
        after = analyze(follow, region=region, params=params, face=carried)
        return Comparison(
            baseline=before, follow_up=after, registration=registration, follow_up_face=follow_face
        )
    registration = register(baseline, follow_up, method=method)
    after = analyze(registration.warped, region=region, params=params)
    return Comparison(baseline=before, follow_up=after, registration=registration)


def measure_regions(
    maps: FeatureMaps, grid: AnalysisGrid, params: MetricParameters | None = None
) -> dict[str, dict[str, float]]:
    """The metrics of every region of ``grid`` that has pixels."""
    return {name: region_metrics(maps, mask, params) for name, mask in grid.masks.items() if mask.any()}


def face_grid(image: np.ndarray, face: FaceFrame, unit_px: int = FACE_UNIT_PX) -> AnalysisGrid:
    """Resample the face of ``image`` to an upright grid with ``unit_px`` between the iris centres.

    The grid covers the regions' polygons plus a margin. The photo is first cropped to it and shrunk with
    area averaging (no aliasing), then rotated by the head roll; parts outside the photo are left out of every
    region. Regions the head's turn hides (45° views) are left out.
    """
    to_image = face.to_image()
    to_frame = np.linalg.inv(np.vstack([to_image, [0, 0, 1]]))[:2]
    names = face.visible_regions()
    polygons = {name: face.polygon(name) for name in names}
    frame_points = np.vstack([p @ to_frame[:, :2].T + to_frame[:, 2] for p in polygons.values()])
    x0, y0 = frame_points.min(axis=0) - FRAME_MARGIN
    x1, y1 = frame_points.max(axis=0) + FRAME_MARGIN
    x0, y0, x1, y1 = max(x0, -2.0), max(y0, -2.0), min(x1, 2.0), min(y1, 3.0)  # a broken mesh stays bounded
    width, height = round((x1 - x0) * unit_px), round((y1 - y0) * unit_px)
    # grid (gx, gy) → frame (gx / unit + x0, gy / unit + y0) → image
    grid_to_frame = np.array([[1 / unit_px, 0, x0], [0, 1 / unit_px, y0], [0, 0, 1]])
    grid_to_image = np.vstack([to_image, [0, 0, 1]]) @ grid_to_frame
    corners = np.array([[0, 0, 1], [width, 0, 1], [0, height, 1], [width, height, 1]], dtype=np.float64)
    image_corners = corners @ grid_to_image[:2].T
    h_img, w_img = image.shape[:2]
    cx0, cy0 = np.maximum(np.floor(image_corners.min(axis=0)).astype(int) - 2, 0)
    cx1, cy1 = np.minimum(np.ceil(image_corners.max(axis=0)).astype(int) + 2, (w_img, h_img))
    if cx1 - cx0 < 8 or cy1 - cy0 < 8:
        raise FaceRefusedError("the face lies outside the photo")
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
    to_grid = np.linalg.inv(grid_to_image)[:2]
    masks = {
        name: region_mask(polygon, to_grid, (height, width)) & valid for name, polygon in polygons.items()
    }
    return AnalysisGrid(
        rgb=np.clip(rgb, 0, 1),
        masks=masks,
        polygons=polygons,
        to_grid=to_grid,
        valid=valid,
        frame_origin=(float(x0), float(y0)),
    )


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

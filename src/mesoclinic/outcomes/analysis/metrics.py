"""Skin metrics on an analysis grid: dark features (spots, pores, wrinkles), colour, redness and texture.

Everything that finds features works on the logarithm of linear luminance, ln Y. A change of exposure
multiplies Y, so it only adds a constant to ln Y, which the local background subtraction and the Hessian both
remove: spot and wrinkle results do not depend on exposure (up to clipping and 8-bit rounding).

The *contrast* of a pixel is c = ln(B) − ln(Y), where B is the local background luminance (a median over a
window much larger than any spot). c = 0.15 means "15 % darker than the surrounding skin" (ln 1.16).
A feature's extent is where c is at least half of its own peak contrast (full width at half maximum), so the
measured area does not depend on how dark the feature is.

No metric flips at a hard threshold (method 2): each spot or pore counts with a weight that ramps from 0 to 1
across its thresholds (peak contrast, size, elongation), so a feature near a threshold adds a fraction in every
capture instead of 0 in one and 1 in the next (counts are "effective counts", decimals), and a feature on a
region's edge counts by the share of it inside. The spot area (method 3) segments nothing: each pixel counts by
its darkness relative to the skin where the dark is compact. Wrinkles are weighed pixel by pixel (ridge strength,
line-likeness, darkness), with no segmentation that noise could break. Redness is the erythema index
ln(R/G) in linear light relative to the face's own skin: exposure and white-balance gains cancel exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
from scipy import ndimage

from ._checks import _check_positive
from .colour import ita_degrees, linear_luminance, rgb_to_lab, srgb_to_linear

__all__ = [
    "METRIC_NAMES",
    "FeatureMaps",
    "MetricParameters",
    "feature_maps",
    "region_metrics",
    "sato_dark_ridges",
]

METRIC_NAMES = (
    "spot_count",
    "spot_area_fraction",
    "pore_count",
    "wrinkle_area_fraction",
    "wrinkle_length_density",
    "lab_l_mean",
    "lab_a_mean",
    "lab_b_mean",
    "ita_deg",
    "redness_area_fraction",
    "texture_roughness",
)
_EIGHT = np.ones((3, 3), dtype=bool)
_SIZE_RAMP = 0.3  # spot against pore: from 0.7 to 1.3 times the area of a pore-sized disk
_ELONGATION_RAMP = 0.25  # compact against line-like: axis ratio 2.25 to 3.75


@dataclass(frozen=True)
class MetricParameters:
    """Thresholds of the metrics, in analysis-grid pixels (face grid: 200 px between the eye centres).

    Every threshold is soft: a weight ramps from 0 to 1 across ``threshold × (1 ± ramp)`` (spots and pores)
    or ``threshold × (1 ± line_ramp)`` (wrinkles), so nothing flips between two captures.

    spot_area_sigma, spot_area_contrast
        The spot area (method 3) is measured pixel by pixel on the contrast of ln Y smoothed by
        ``spot_area_sigma`` px (pores, a pixel or two across, fade at this scale; spots of 1.5 mm and more
        keep their contrast). A pixel weighs min(c / c₁, 1) × ramp(c; c₀ → c₁) with (c₀, c₁) =
        ``spot_area_contrast``: nothing below c₀ (skin grain), in proportion to its darkness up to c₁ (35 %
        darker than the skin), whole above it. No feature is segmented, so no feature is gained or lost whole.
    compact_sigma, compact_anisotropy
        Hessian scale (px) and the anisotropy ramp (λ₁ − |λ₂|)/(|λ₁| + |λ₂|) above which a dark pixel is on a
        line (a wrinkle or fold) rather than a compact spot, for the spot area.
    spot_contrast
        Peak contrast c at which a spot or pore counts half (0.15: 16 % darker than the surrounding skin; a
        solar lentigo is typically 5–15 L* units darker, 20–60 %).
    floor_contrast
        Lowest contrast that can belong to a feature at all (noise below it is ignored).
    pore_max_diameter
        Compact dark features about this equivalent diameter (px) are half pore, half spot; smaller ones are
        pores, larger ones spots (VISIA separates the two by size). On the face grid 5 px ≈ 1.5 mm.
    max_elongation
        Principal-axis ratio at which a dark feature stops counting as compact (a spot or pore).
    wrinkle_contrast
        Contrast c at which a line pixel counts half as wrinkle (0.16: 15 % darker than the skin beside it).
    wrinkle_sigmas, ridge_threshold
        Scales (px) of the Sato line measure on ln Y, and the response at which a pixel counts half as a line.
    min_anisotropy
        (λ₁ − |λ₂|) / (λ₁ + |λ₂|) of the Hessian at which a pixel counts half as line-like rather than a blob.
    background_window
        Side of the median window that estimates the local skin luminance (px); spots must be smaller.
    contrast_sigma, pore_contrast_sigma
        Gaussian smoothing (px) of ln Y before the contrast of spots (and wrinkles), and of pores, is taken:
        below it are sensor noise and JPEG blocks (pores, a pixel or two across, need the finer one).
    redness_delta
        Erythema index Δe = ln(R/G) (linear light) above the median of the face's measured skin at which a
        pixel counts half as red (0.19 ≈ a* + 7 at the same L*). A ratio of channels relative to the face's
        own skin: exposure and white-balance gains cancel exactly; a global rise in redness shows in
        ``lab_a_mean`` instead. The weight ramps over ±``redness_ramp``.
    ramp, line_ramp
        Half-widths of the soft thresholds of contrast (spots, pores) and of lines, as fractions of each
        threshold (the size and elongation ramps are fixed: ±30 % and ±25 %).
    texture_inner_sigma, texture_sigma
        The band (px) of ln Y whose fluctuation is the texture: structure between ≈ 0.5 and 1.2 mm on the face
        grid, above the scale where blur, JPEG blocks and sensor noise act.
    mm_per_px
        Size of an analysis-grid pixel when a scale is known; then length density is per mm, not per px.
    """

    spot_contrast: float = 0.15
    floor_contrast: float = 0.05
    spot_area_sigma: float = 2.0
    spot_area_contrast: tuple[float, float] = (0.06, 0.30)
    compact_sigma: float = 3.0
    compact_anisotropy: tuple[float, float] = (0.5, 0.8)
    pore_max_diameter: float = 5.0
    max_elongation: float = 3.0
    wrinkle_contrast: float = 0.16
    wrinkle_sigmas: tuple[float, ...] = (1.5,)
    ridge_threshold: float = 0.06
    background_window: int = 61
    contrast_sigma: float = 1.0
    pore_contrast_sigma: float = 0.6
    redness_delta: float = 0.19
    redness_ramp: float = 0.06
    ramp: float = 0.4
    line_ramp: float = 0.4
    min_anisotropy: float = 0.7
    texture_inner_sigma: float = 1.5
    texture_sigma: float = 4.0
    mm_per_px: float | None = None

    def __post_init__(self) -> None:
        for name in (
            "spot_contrast",
            "floor_contrast",
            "spot_area_sigma",
            "compact_sigma",
            "pore_max_diameter",
            "max_elongation",
            "wrinkle_contrast",
            "ridge_threshold",
            "background_window",
            "contrast_sigma",
            "pore_contrast_sigma",
            "texture_sigma",
            "texture_inner_sigma",
            "redness_delta",
            "redness_ramp",
            "ramp",
            "line_ramp",
            "min_anisotropy",
        ):
            _check_positive(getattr(self, name), name)
        if not self.wrinkle_sigmas:
            raise ValueError("wrinkle_sigmas must name at least one scale")
        for sigma in self.wrinkle_sigmas:
            _check_positive(sigma, "wrinkle_sigmas")
        for name in ("ramp", "line_ramp", "min_anisotropy"):
            if getattr(self, name) >= 1:
                raise ValueError(f"{name} must be below 1, not {getattr(self, name)!r}")
        for name in ("spot_area_contrast", "compact_anisotropy"):
            low, high = getattr(self, name)
            if not 0 <= low < high:
                raise ValueError(f"{name} must be two increasing non-negative numbers, not {(low, high)!r}")
        if self.texture_inner_sigma >= self.texture_sigma:
            raise ValueError("texture_inner_sigma must be smaller than texture_sigma")
        if self.mm_per_px is not None:
            _check_positive(self.mm_per_px, "mm_per_px")


@dataclass(frozen=True)
class FeatureMaps:
    """Per-pixel maps of one analysis grid, shared by all its regions (and by overlays).

    ``spots``, ``pores``, ``wrinkles`` and ``redness`` are weights in [0, 1] (the soft thresholds).
    ``spot_density`` and ``pore_density`` spread each feature's weight evenly over its pixels, so a region's
    count is the sum over its pixels: a feature straddling the region's edge counts by the share inside it,
    and does not jump in or out with a sub-pixel shift of the region.
    """

    lab: np.ndarray
    contrast: np.ndarray
    spots: np.ndarray
    pores: np.ndarray
    wrinkles: np.ndarray
    line_length: np.ndarray
    redness: np.ndarray
    texture: np.ndarray
    spot_density: np.ndarray
    pore_density: np.ndarray
    redness_reference: float = 0.0


def feature_maps(
    rgb: np.ndarray, params: MetricParameters | None = None, skin: np.ndarray | None = None
) -> FeatureMaps:
    """Compute every per-pixel map of an analysis grid.

    Parameters
    ----------
    rgb : (H, W, 3) float32 ndarray
        sRGB in [0, 1], already at the analysis resolution.
    params : MetricParameters, optional
    skin : (H, W) bool ndarray, optional
        The pixels of skin whose median erythema index is the redness reference (the union of the measured
        regions); the whole grid when not given.

    Returns
    -------
    FeatureMaps

    References
    ----------
    .. [1] Sato, Y., Nakajima, S., Shiraga, N., et al. (1998). Three-dimensional multi-scale line filter for
        segmentation and visualization of curvilinear structures in medical images. Medical Image Analysis,
        2(2), 143-168. :DOI:`10.1016/S1361-8415(98)80009-1`
    .. [2] Takiwaki, H. (1998). Measurement of skin color: practical application and theoretical
        considerations. The Journal of Medical Investigation, 44(3-4), 121-126. (erythema index from the
        red/green ratio)
    """
    p = params or MetricParameters()
    log_y = np.log(np.maximum(linear_luminance(rgb), 1e-4)).astype(np.float32)
    background = _background(log_y, p.background_window)
    contrast = background - cv2.GaussianBlur(log_y, (0, 0), p.contrast_sigma)
    _, _, spot_density, _ = _dark_features(contrast, p)
    spots = _spot_weights(log_y, background, p)
    # pores are a pixel or two across on the grid: they are found on a less smoothed contrast
    fine = background - cv2.GaussianBlur(log_y, (0, 0), p.pore_contrast_sigma)
    _, pores, _, pore_density = _dark_features(fine, p)
    wrinkles, line_width = _line_weights(log_y, contrast, p)
    lab = rgb_to_lab(rgb)
    linear = np.maximum(srgb_to_linear(rgb), 1e-4)
    erythema = cv2.GaussianBlur(np.log(linear[:, :, 0] / linear[:, :, 1]).astype(np.float32), (0, 0), 1.0)
    reference = float(np.median(erythema[skin] if skin is not None and skin.any() else erythema))
    redness = _ramp(erythema - reference, p.redness_delta - p.redness_ramp, p.redness_delta + p.redness_ramp)
    texture = cv2.GaussianBlur(log_y, (0, 0), p.texture_inner_sigma) - cv2.GaussianBlur(
        log_y, (0, 0), p.texture_sigma
    )
    return FeatureMaps(
        lab=lab,
        contrast=contrast,
        spots=spots,
        pores=pores,
        wrinkles=wrinkles,
        line_length=wrinkles / line_width,
        redness=redness,
        texture=texture,
        spot_density=spot_density,
        pore_density=pore_density,
        redness_reference=reference,
    )


def _line_weights(
    log_y: np.ndarray, contrast: np.ndarray, p: MetricParameters
) -> tuple[np.ndarray, np.ndarray]:
    """Per pixel, how much it belongs to a wrinkle (0–1), and the width (px) of the line it lies on.

    A pixel is a wrinkle pixel as far as it is on a dark ridge (Sato's σ²·λ₁ above ``ridge_threshold``), the
    ridge is line-like rather than a blob (anisotropy above ``min_anisotropy``) and it is darker than the skin
    around it (contrast above ``wrinkle_contrast``); each soft. Measured pixel by pixel, with no segmentation,
    so a line is not gained or lost whole when noise breaks it in two. The width is that of the scale with the
    strongest response (2σ), so the weights summed and divided by it estimate the lines' length.
    """
    r = p.line_ramp
    best = np.zeros(log_y.shape, dtype=np.float32)
    width = np.full(log_y.shape, 2.0 * p.wrinkle_sigmas[0], dtype=np.float32)
    for sigma in p.wrinkle_sigmas:
        largest, smallest = _hessian_eigenvalues(log_y, sigma)
        anisotropy = (largest - np.abs(smallest)) / (np.abs(largest) + np.abs(smallest) + 1e-6)
        weight = _ramp(largest, p.ridge_threshold * (1 - r), p.ridge_threshold * (1 + r)) * _ramp(
            anisotropy, p.min_anisotropy * (1 - r / 2), min(p.min_anisotropy * (1 + r / 2), 0.999)
        )
        better = weight > best
        best = np.where(better, weight, best)
        width = np.where(better, np.float32(2.0 * sigma), width)
    dark = _ramp(contrast, p.wrinkle_contrast * (1 - r), p.wrinkle_contrast * (1 + r))
    return (best * dark).astype(np.float32), width


def _spot_weights(log_y: np.ndarray, background: np.ndarray, p: MetricParameters) -> np.ndarray:
    """Per pixel, how much of it is spot (0–1): its darkness relative to the skin, where the dark is compact.

    The contrast c = ln B − G(``spot_area_sigma``) ∗ ln Y weighs each pixel min(c / c₁, 1), ramped in from c₀
    (``spot_area_contrast``), times compactness: 1 − ramp of the Hessian anisotropy at ``compact_sigma``
    (lines and folds are left to the wrinkle metrics). Continuous in every input: a spot that fades by a
    little loses a little, and one near the threshold adds a little in every capture instead of all or
    nothing. Exposure adds a constant to ln Y, which the background removes.
    """
    low, high = p.spot_area_contrast
    contrast = background - cv2.GaussianBlur(log_y, (0, 0), p.spot_area_sigma)
    largest, smallest = _hessian_eigenvalues(log_y, p.compact_sigma)
    anisotropy = (largest - np.abs(smallest)) / (np.abs(largest) + np.abs(smallest) + 1e-6)
    compact = 1 - _ramp(anisotropy, *p.compact_anisotropy)
    darkness = np.clip(contrast / high, 0.0, 1.0) * _ramp(contrast, low, high)
    return np.asarray(darkness * compact, dtype=np.float32)


def _ramp(value: np.ndarray, low: float, high: float) -> np.ndarray:
    """0 below ``low``, 1 above ``high``, linear between: a soft threshold."""
    return np.clip((value - low) / (high - low), 0.0, 1.0).astype(np.float32)


def region_metrics(
    maps: FeatureMaps, mask: np.ndarray, params: MetricParameters | None = None
) -> dict[str, float]:
    """The metrics of one region (``mask`` True inside it) of an analysis grid.

    Spot and pore counts count features whose centre lies in the region; areas count the region's own pixels.
    ITA° is computed from the region's mean L* and b* (the mean of per-pixel angles is unstable where b* ≈ 0).
    """
    p = params or MetricParameters()
    n = int(mask.sum())
    if n == 0:
        raise ValueError("mask selects no pixel of the analysis grid")
    lab = maps.lab[mask]
    l_mean, a_mean, b_mean = (float(v) for v in lab.mean(axis=0))
    density = float(maps.line_length[mask].sum()) / n
    if p.mm_per_px:
        density /= p.mm_per_px
    return {
        "spot_count": float(maps.spot_density[mask].sum()),
        "spot_area_fraction": float(maps.spots[mask].mean()),
        "pore_count": float(maps.pore_density[mask].sum()),
        "wrinkle_area_fraction": float(maps.wrinkles[mask].mean()),
        "wrinkle_length_density": density,
        "lab_l_mean": l_mean,
        "lab_a_mean": a_mean,
        "lab_b_mean": b_mean,
        "ita_deg": ita_degrees(l_mean, b_mean),
        "redness_area_fraction": float(maps.redness[mask].mean()),
        "texture_roughness": float(maps.texture[mask].std()) * 100.0,
    }


def sato_dark_ridges(image: np.ndarray, sigmas: tuple[float, ...]) -> np.ndarray:
    """Sato's 2-D line measure for dark ridges: max over scales of σ²·max(λ₁, 0), λ₁ the larger Hessian eigenvalue.

    The same measure as ``skimage.filters.sato(image, sigmas, black_ridges=True)`` (correlation > 0.99 on
    skin texture), with the Gaussian-derivative Hessian computed by separable OpenCV filters: about 20 times
    faster, which keeps a whole face under a second.

    References
    ----------
    .. [1] Sato, Y., Nakajima, S., Shiraga, N., et al. (1998). Three-dimensional multi-scale line filter for
        segmentation and visualization of curvilinear structures in medical images. Medical Image Analysis,
        2(2), 143-168. :DOI:`10.1016/S1361-8415(98)80009-1`
    """
    image = np.ascontiguousarray(image, dtype=np.float32)
    out = np.zeros_like(image)
    for sigma in sigmas:
        largest, _ = _hessian_eigenvalues(image, sigma)
        np.maximum(out, np.maximum(largest, 0), out=out)
    return out


def _hessian_eigenvalues(image: np.ndarray, sigma: float) -> tuple[np.ndarray, np.ndarray]:
    """σ²-normalised eigenvalues (larger, smaller) of the Gaussian-derivative Hessian, separable filters."""
    image = np.ascontiguousarray(image, dtype=np.float32)
    radius = int(4 * sigma + 0.5)
    x = np.arange(-radius, radius + 1, dtype=np.float64)
    g = np.exp(-(x**2) / (2 * sigma**2))
    g /= g.sum()
    g1, g2 = (-x / sigma**2 * g), ((x**2 / sigma**4 - 1 / sigma**2) * g)
    k0, k1, k2 = (k.astype(np.float32) for k in (g, g1, g2))
    hxx = cv2.sepFilter2D(image, cv2.CV_32F, k2, k0, borderType=cv2.BORDER_REFLECT)
    hyy = cv2.sepFilter2D(image, cv2.CV_32F, k0, k2, borderType=cv2.BORDER_REFLECT)
    hxy = cv2.sepFilter2D(image, cv2.CV_32F, k1, k1, borderType=cv2.BORDER_REFLECT)
    half_trace, root = (hxx + hyy) / 2, np.sqrt(((hxx - hyy) / 2) ** 2 + hxy**2)
    return sigma**2 * (half_trace + root), sigma**2 * (half_trace - root)


def _background(log_y: np.ndarray, window: int) -> np.ndarray:
    """Local skin level: a median over ``window`` px, computed at a quarter of the resolution for speed."""
    height, width = log_y.shape
    factor = 4 if min(height, width) >= 64 else 1
    small = cv2.resize(
        log_y, (max(1, width // factor), max(1, height // factor)), interpolation=cv2.INTER_AREA
    )
    size = max(3, (window // factor) | 1)
    background = ndimage.median_filter(small, size=size, mode="reflect")
    return np.asarray(cv2.resize(background, (width, height), interpolation=cv2.INTER_LINEAR))


def _dark_features(
    contrast: np.ndarray, p: MetricParameters
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Segment dark features at half their peak contrast and weigh each as a spot and as a pore.

    Every weight is a product of soft thresholds (:func:`_ramp`, half-width ``p.ramp`` of each threshold):
    compactness (principal-axis ratio around ``max_elongation``), peak contrast, and size (spots against
    pores around ``pore_max_diameter``). Returns the per-pixel weights of spots and pores, and the same
    weights spread over each feature's pixels (summed over a region they give its effective count).
    """
    r = p.ramp
    floor = min(p.floor_contrast, p.spot_contrast * (1 - r))
    candidates, n = ndimage.label(contrast > floor, structure=_EIGHT)
    empty = np.zeros(contrast.shape, dtype=np.float32)
    if n == 0:
        return empty, empty.copy(), empty.copy(), empty.copy()
    peaks = np.zeros(n + 1, dtype=np.float32)
    np.maximum.at(peaks, candidates.ravel(), contrast.ravel())
    peaks[0] = np.inf
    core = contrast >= np.maximum(floor, 0.5 * peaks[candidates])
    labels, n = ndimage.label(core & (candidates > 0), structure=_EIGHT)
    if n == 0:
        return empty, empty.copy(), empty.copy(), empty.copy()
    flat = labels.ravel()
    ys, xs = np.indices(labels.shape, dtype=np.float64)
    area = np.bincount(flat, minlength=n + 1).astype(np.float64)
    safe = np.maximum(area, 1)
    mx = np.bincount(flat, xs.ravel(), n + 1) / safe
    my = np.bincount(flat, ys.ravel(), n + 1) / safe
    cxx = np.bincount(flat, xs.ravel() ** 2, n + 1) / safe - mx**2 + 1 / 12
    cyy = np.bincount(flat, ys.ravel() ** 2, n + 1) / safe - my**2 + 1 / 12
    cxy = np.bincount(flat, (xs * ys).ravel(), n + 1) / safe - mx * my
    half_trace, root = (cxx + cyy) / 2, np.sqrt(((cxx - cyy) / 2) ** 2 + cxy**2)
    major, minor = half_trace + root, np.maximum(half_trace - root, 1e-9)
    elongation = np.sqrt(major / minor)
    peak = np.zeros(n + 1, dtype=np.float32)
    np.maximum.at(peak, flat, contrast.ravel())

    def soft(value: np.ndarray, threshold: float, half_width: float) -> np.ndarray:
        return _ramp(value, threshold * (1 - half_width), threshold * (1 + half_width))

    compact = 1 - soft(elongation, p.max_elongation, _ELONGATION_RAMP)
    large = soft(area, math.pi * (p.pore_max_diameter / 2) ** 2, _SIZE_RAMP)
    dark = soft(peak, p.spot_contrast, r)
    spot = compact * dark * large
    pore = compact * dark * (1 - large) * (area >= 2)
    spot[0] = pore[0] = 0.0
    return (
        spot.astype(np.float32)[labels],
        pore.astype(np.float32)[labels],
        (spot / safe).astype(np.float32)[labels],
        (pore / safe).astype(np.float32)[labels],
    )

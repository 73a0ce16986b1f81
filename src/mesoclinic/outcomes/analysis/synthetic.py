"""Synthetic skin with known features, for validating the metrics and their repeatability.

A scene is drawn in CIE L*a*b*: a skin tone with coloured (spatially correlated) noise, pigmented spots
(disks of known count and radius, darker and browner), pores (tiny dark disks), wrinkles (dark lines of
known length and width), redness patches (disks with raised a*, same L*) and, optionally, a neutral grey card
for exposure normalisation. Features lie in their own cells of a grid, away from the border, so the truth is
exact. :func:`capture` then photographs the scene: a small shift and rotation, an exposure factor applied in
linear light, sensor noise, 8-bit rounding. Everything is deterministic from the seed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import cv2
import numpy as np

from ._checks import _check_positive
from .colour import linear_to_srgb, srgb_to_linear

__all__ = ["Capture", "SkinSpec", "SyntheticScene", "capture", "make_scene", "recaptures"]

_CARD_L = 50.0  # an 18 % grey card: L* 50, a* = b* = 0
_CARD_SIDE = 28


@dataclass(frozen=True)
class SkinSpec:
    """What to draw. Sizes are pixels of the captured image; colours are L*a*b* (D65)."""

    size: int = 320
    margin: int = 24
    l_star: float = 65.0
    a_star: float = 12.0
    b_star: float = 16.0
    texture: float = 0.8
    spots: int = 6
    spot_radius: tuple[float, float] = (5.0, 9.0)
    spot_depth: float = 12.0
    pores: int = 0
    wrinkles: int = 2
    wrinkle_length: tuple[float, float] = (40.0, 60.0)
    wrinkle_width: int = 3
    wrinkle_depth: float = 10.0
    redness: int = 1
    redness_radius: tuple[float, float] = (12.0, 20.0)
    redness_delta: float = 12.0
    card: bool = True


@dataclass(frozen=True)
class Truth:
    """What was drawn, in pixels of the unshifted capture."""

    spot_count: int
    spot_area: int
    pore_count: int
    wrinkle_length: float
    wrinkle_area: int
    redness_area: int
    skin_area: int

    def fraction(self, area: float) -> float:
        """``area`` as a fraction of the skin (the image minus the grey card)."""
        return area / self.skin_area


@dataclass(frozen=True)
class SyntheticScene:
    """A drawn scene: L*a*b* canvas (with a margin for shifts and rotations), the truth and the card box."""

    spec: SkinSpec
    lab: np.ndarray
    truth: Truth
    card_box: tuple[int, int, int, int] | None = field(default=None)


@dataclass(frozen=True)
class Capture:
    """One photograph of a scene: sRGB float32 image and where the grey card lies in it (x, y, w, h)."""

    image: np.ndarray
    card_box: tuple[int, int, int, int] | None


def make_scene(spec: SkinSpec | None = None, seed: int = 0) -> SyntheticScene:
    """Draw a scene from ``spec``; the same seed draws the same scene."""
    spec = spec or SkinSpec()
    _check_positive(spec.size, "size")
    rng = np.random.default_rng(seed)
    full = spec.size + 2 * spec.margin
    lab = np.empty((full, full, 3), dtype=np.float32)
    for channel, (base, amplitude) in enumerate(
        ((spec.l_star, spec.texture), (spec.a_star, 0.5 * spec.texture), (spec.b_star, 0.5 * spec.texture))
    ):
        lab[:, :, channel] = base + amplitude * _coloured_noise(rng, full)
    cells = _cells(spec, rng)
    feature = np.zeros((full, full), dtype=bool)
    spot_area = wrinkle_area = 0
    wrinkle_length = 0.0
    dark = np.zeros((full, full), dtype=np.float32)
    brown = np.zeros((full, full), dtype=np.float32)
    for _ in range(spec.spots):
        cx, cy = cells.pop()
        radius = rng.uniform(*spec.spot_radius)
        disk = _disk(full, cx, cy, radius)
        spot_area += int(disk.sum())
        depth = spec.spot_depth * rng.uniform(0.9, 1.1)
        dark += disk * depth
        brown += disk * 0.5 * depth
        feature |= disk
    for _ in range(spec.wrinkles):
        cx, cy = cells.pop()
        length = rng.uniform(*spec.wrinkle_length)
        angle = rng.uniform(0, math.pi)
        line = _line(full, (cx, cy), length, angle, spec.wrinkle_width)
        wrinkle_area += int(line.sum())
        wrinkle_length += length
        dark += line * spec.wrinkle_depth * rng.uniform(0.9, 1.1)
        feature |= line
    pore_count = _draw_pores(spec, rng, dark, feature)
    redness = np.zeros((full, full), dtype=bool)
    for _ in range(spec.redness):
        cx, cy = rng.uniform(spec.margin + 30, spec.margin + spec.size - 30, size=2)
        redness |= _disk(full, cx, cy, rng.uniform(*spec.redness_radius))
    card_box = None
    if spec.card:
        x = y = spec.margin + 16  # far enough in to stay in frame after a shift and a rotation
        card_box = (x, y, _CARD_SIDE, _CARD_SIDE)
        redness[y : y + _CARD_SIDE, x : x + _CARD_SIDE] = False
    # soft edges: symmetric blur keeps the half-height contour on the drawn boundary
    lab[:, :, 0] -= cv2.GaussianBlur(dark, (0, 0), 0.7)
    lab[:, :, 2] += cv2.GaussianBlur(brown, (0, 0), 0.7)
    lab[:, :, 1] += spec.redness_delta * cv2.GaussianBlur(redness.astype(np.float32), (0, 0), 0.7)
    if card_box is not None:
        x, y, w, h = card_box
        lab[y : y + h, x : x + w] = (_CARD_L, 0.0, 0.0)
    inner = slice(spec.margin, spec.margin + spec.size)
    card_area = _CARD_SIDE * _CARD_SIDE if spec.card else 0
    truth = Truth(
        spot_count=spec.spots,
        spot_area=spot_area,
        pore_count=pore_count,
        wrinkle_length=wrinkle_length,
        wrinkle_area=wrinkle_area,
        redness_area=int(redness[inner, inner].sum()),
        skin_area=spec.size * spec.size - card_area,
    )
    return SyntheticScene(spec=spec, lab=lab, truth=truth, card_box=card_box)


def capture(
    scene: SyntheticScene,
    *,
    shift: tuple[float, float] = (0.0, 0.0),
    rotation_deg: float = 0.0,
    exposure: float = 1.0,
    noise: float = 0.004,
    seed: int = 0,
) -> Capture:
    """Photograph ``scene``: rotate about the centre, shift (px), scale exposure in linear light, add noise.

    The result is rounded to 8 bits, as a camera file would be, and returned as float32 in [0, 1].
    """
    _check_positive(exposure, "exposure")
    spec = scene.spec
    full = scene.lab.shape[0]
    rgb = np.clip(cv2.cvtColor(scene.lab, cv2.COLOR_Lab2RGB), 0, 1)
    centre = (full / 2, full / 2)
    matrix = cv2.getRotationMatrix2D(centre, rotation_deg, 1.0)
    matrix[:, 2] += np.asarray(shift)
    moved = cv2.warpAffine(rgb, matrix, (full, full), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    lit = linear_to_srgb(srgb_to_linear(moved) * exposure)
    rng = np.random.default_rng(seed)
    lit = lit + rng.normal(0, noise, lit.shape).astype(np.float32)
    inner = slice(spec.margin, spec.margin + spec.size)
    image = (np.clip(lit[inner, inner], 0, 1) * 255 + 0.5).astype(np.uint8).astype(np.float32) / 255
    card = None
    if scene.card_box is not None:
        x, y, w, h = scene.card_box
        corners = np.array([[x, y], [x + w, y], [x, y + h], [x + w, y + h]], dtype=np.float64)
        moved_corners = corners @ matrix[:, :2].T + matrix[:, 2] - spec.margin
        x0, y0 = np.floor(moved_corners.min(axis=0)).astype(int)
        x1, y1 = np.ceil(moved_corners.max(axis=0)).astype(int)
        x0, y0 = max(int(x0), 0), max(int(y0), 0)
        x1, y1 = min(int(x1), spec.size), min(int(y1), spec.size)
        card = (x0, y0, x1 - x0, y1 - y0)
    return Capture(image=image, card_box=card)


def recaptures(
    scene: SyntheticScene,
    n: int,
    *,
    seed: int = 0,
    max_shift: float = 4.0,
    max_rotation_deg: float = 2.0,
    exposure_range: float = 0.10,
) -> list[Capture]:
    """``n`` re-captures of ``scene`` with random shifts, rotations and exposure within ±``exposure_range``."""
    rng = np.random.default_rng(seed)
    return [
        capture(
            scene,
            shift=tuple(rng.uniform(-max_shift, max_shift, size=2)),
            rotation_deg=float(rng.uniform(-max_rotation_deg, max_rotation_deg)),
            exposure=float(1 + rng.uniform(-exposure_range, exposure_range)),
            seed=int(rng.integers(1 << 30)),
        )
        for _ in range(n)
    ]


def _draw_pores(spec: SkinSpec, rng: np.random.Generator, dark: np.ndarray, feature: np.ndarray) -> int:
    """Add up to ``spec.pores`` tiny dark disks, 4 px or more away from other features; return how many."""
    drawn = 0
    for _ in range(spec.pores * 50):
        if drawn == spec.pores:
            break
        cx, cy = rng.uniform(spec.margin + 4, spec.margin + spec.size - 4, size=2)
        disk = _disk(dark.shape[0], cx, cy, 1.2)
        if (cv2.dilate(feature.astype(np.uint8), np.ones((9, 9), np.uint8)).astype(bool) & disk).any():
            continue
        dark += disk * spec.spot_depth
        feature |= disk
        drawn += 1
    return drawn


def _coloured_noise(rng: np.random.Generator, size: int) -> np.ndarray:
    """Zero-mean, unit-SD noise with a grain of a few pixels and a faint large-scale mottle, like skin."""
    fine = cv2.GaussianBlur(rng.standard_normal((size, size)).astype(np.float32), (0, 0), 1.5)
    coarse = cv2.GaussianBlur(rng.standard_normal((size, size)).astype(np.float32), (0, 0), 12.0)
    noise = fine / fine.std() + 0.5 * coarse / max(float(coarse.std()), 1e-6)
    return np.asarray(noise / noise.std())


def _cells(spec: SkinSpec, rng: np.random.Generator) -> list[tuple[float, float]]:
    """Centres of a shuffled grid of cells of about 80 px, away from the border and the grey card."""
    per_side = max(1, spec.size // 80)
    step = spec.size / per_side
    cells = [
        (spec.margin + (i + 0.5) * step, spec.margin + (j + 0.5) * step)
        for j in range(per_side)
        for i in range(per_side)
        if not (spec.card and i == 0 and j == 0)
    ]
    needed = spec.spots + spec.wrinkles
    if needed > len(cells):
        raise ValueError(f"spots + wrinkles must be at most {len(cells)} for size {spec.size}, not {needed}")
    order = rng.permutation(len(cells))
    jitter = step / 2 - 22
    return [
        (cells[k][0] + rng.uniform(-jitter, jitter), cells[k][1] + rng.uniform(-jitter, jitter))
        for k in order
    ]


def _disk(size: int, cx: float, cy: float, radius: float) -> np.ndarray:
    ys, xs = np.ogrid[:size, :size]
    return (xs - cx) ** 2 + (ys - cy) ** 2 <= radius**2


def _line(size: int, centre: tuple[float, float], length: float, angle: float, width: int) -> np.ndarray:
    """A straight line segment of ``length`` and ``width`` px (flat ends) centred on ``centre``."""
    cx, cy = centre
    ys, xs = np.ogrid[:size, :size]
    dx, dy = math.cos(angle), math.sin(angle)
    along = (xs - cx) * dx + (ys - cy) * dy
    across = -(xs - cx) * dy + (ys - cy) * dx
    return (np.abs(along) <= length / 2) & (np.abs(across) <= width / 2)

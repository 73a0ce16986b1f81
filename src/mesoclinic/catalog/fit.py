"""Whether a cocktail fits a treatment type (modality): pure rules, no Django.

A needle (invasive) modality injects: a cosmetic product is not made for injection. A needle-free modality
pushes a topical serum into the skin with a device: products made for injection (medicinal products,
intradermal devices, compounded preparations) are for the needle. A cocktail without products fits both.
"""

from __future__ import annotations

from enum import StrEnum

COSMETIC = "cosmetic"


class Misfit(StrEnum):
    COSMETIC_INJECTED = "cosmetic_injected"
    INJECTABLE_ON_DEVICE = "injectable_on_device"


def cocktail_misfit(*, invasive: bool, regulatory_classes: list[str]) -> Misfit | None:
    """Why a cocktail made of products of these regulatory classes does not fit the modality; None if it does."""
    if invasive and COSMETIC in regulatory_classes:
        return Misfit.COSMETIC_INJECTED
    if not invasive and any(kind != COSMETIC for kind in regulatory_classes):
        return Misfit.INJECTABLE_ON_DEVICE
    return None

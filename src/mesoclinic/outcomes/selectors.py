"""Reads about photos, their analyses and the clinical scales.

``get_photo_for_user`` is the only way to fetch a photo by id: a photo of another clinic, or any photo for a
role without ``view_photos``, is indistinguishable from one that does not exist (404).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from mesoclinic.accounts.models import StaffMember
from mesoclinic.accounts.permissions import Capability, role_has
from mesoclinic.outcomes.models import AnalysisStatus, Assessment, Photo, PhotoView
from mesoclinic.patients.models import Consent, Patient, PhotoUse

#: The method's repeatability (coefficient of variation over re-captures), docs/analysis.md: a change smaller
#: than this fraction of the baseline value cannot be told apart from re-photographing the same skin.
#: Colour ≤ 2 %, spots and wrinkles ≤ 6 %, pores and redness area ≤ 4 %, texture ≤ 2 %.
REPEATABILITY_CV: dict[str, float] = {
    "spot_count": 0.06,
    "spot_area_fraction": 0.06,
    "pore_count": 0.04,
    "wrinkle_area_fraction": 0.06,
    "wrinkle_length_density": 0.06,
    "lab_l_mean": 0.02,
    "lab_a_mean": 0.02,
    "lab_b_mean": 0.02,
    "ita_deg": 0.02,
    "redness_area_fraction": 0.04,
    "texture_roughness": 0.02,
}

METRIC_LABELS: dict[str, str] = {
    "spot_count": "Spots (count)",
    "spot_area_fraction": "Spot area (%)",
    "pore_count": "Pores (count)",
    "wrinkle_area_fraction": "Wrinkle area (%)",
    "wrinkle_length_density": "Wrinkle length density",
    "lab_l_mean": "Lightness L*",
    "lab_a_mean": "Redness a*",
    "lab_b_mean": "Yellowness b*",
    "ita_deg": "ITA°",
    "redness_area_fraction": "Red area (%)",
    "texture_roughness": "Texture roughness",
}
PERCENT_METRICS = frozenset({"spot_area_fraction", "wrinkle_area_fraction", "redness_area_fraction"})


def get_photo_for_user(staff: StaffMember | None, photo_id: Any) -> Photo:
    """The photo with this id in the staff member's clinic, if their role may see photos; otherwise 404."""
    if staff is None or not role_has(staff.role, Capability.VIEW_PHOTOS):
        raise Http404
    try:
        pk = int(photo_id)
    except (TypeError, ValueError):
        raise Http404 from None
    photo = (
        Photo.objects.filter(pk=pk, clinic_id=staff.clinic_id)
        .select_related("patient", "analysis", "consent")
        .first()
    )
    if photo is None:
        raise Http404
    return photo


def photos_for_patient(patient: Patient) -> QuerySet[Photo]:
    """The patient's photos, newest first, with their analysis (one query)."""
    return Photo.objects.filter(patient=patient).select_related("analysis").order_by("-taken_at", "-id")


def photos_by_date(photos: list[Photo], tz: Any) -> list[tuple[Any, list[Photo]]]:
    """Photos grouped by the local date they were taken on (input newest first)."""
    return [
        (day, list(group))
        for day, group in groupby(photos, key=lambda photo: photo.taken_at.astimezone(tz).date())
    ]


def photo_consent(patient: Patient) -> Consent | None:
    """The newest valid signed consent of the patient that allows clinical photos, if any."""
    for consent in Consent.objects.filter(patient=patient, withdrawn_at__isnull=True).order_by("-signed_at"):
        if consent.allows_photo_use(PhotoUse.CLINICAL):
            return consent
    return None


def baseline_photo(patient: Patient, view: str, *, before: Photo | None = None) -> Photo | None:
    """The patient's baseline of a view: the earliest photo of that view whose analysis is done."""
    qs = Photo.objects.filter(patient=patient, view=view, analysis__status=AnalysisStatus.DONE)
    if before is not None:
        qs = qs.exclude(pk=before.pk).filter(taken_at__lte=before.taken_at)
    return qs.select_related("analysis").order_by("taken_at", "id").first()


def baseline_thumbnails(patient: Patient) -> dict[str, Photo]:
    """The earliest photo of each view (any analysis state): the ghost outline of the capture guide."""
    baselines: dict[str, Photo] = {}
    for photo in Photo.objects.filter(patient=patient).order_by("taken_at", "id"):
        baselines.setdefault(photo.view, photo)
    return baselines


def assessments_for_patient(patient: Patient) -> QuerySet[Assessment]:
    """The patient's scale assessments, newest first."""
    return Assessment.objects.filter(patient=patient).order_by("-assessed_on", "-id")


@dataclass(frozen=True)
class MetricChange:
    """One metric of one region, before and after, and whether the change exceeds repeatability."""

    metric: str
    label: str
    before: float
    after: float
    change: float
    relative: float | None
    within_repeatability: bool
    percent: bool


def metric_changes(
    before: dict[str, dict[str, float]], after: dict[str, dict[str, float]]
) -> dict[str, list[MetricChange]]:
    """Per region present in both, each metric's change and whether it is within the method's repeatability.

    A change is "within repeatability" when it is no larger than :data:`REPEATABILITY_CV` of the baseline
    value: the method could not tell it from photographing the same skin twice.
    """
    table: dict[str, list[MetricChange]] = {}
    for region, metrics in before.items():
        if region not in after:
            continue
        rows = []
        for name, limit in REPEATABILITY_CV.items():
            if name not in metrics or name not in after[region]:
                continue
            old, new = float(metrics[name]), float(after[region][name])
            change = new - old
            relative = change / abs(old) if old else None
            within = abs(change) <= limit * abs(old) if old else change == 0
            rows.append(
                MetricChange(
                    name, METRIC_LABELS[name], old, new, change, relative, within, name in PERCENT_METRICS
                )
            )
        table[region] = rows
    return table


VIEW_ORDER = [PhotoView.FRONT, PhotoView.LEFT_45, PhotoView.RIGHT_45, PhotoView.CLOSE_UP]

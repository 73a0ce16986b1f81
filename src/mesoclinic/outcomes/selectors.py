"""Reads about photos, their analyses and the clinical scales.

``get_photo_for_user`` is the only way to fetch a photo by id: a photo of another clinic, or any photo for a
role without ``view_photos``, is indistinguishable from one that does not exist (404).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from mesoclinic.accounts.models import StaffMember
from mesoclinic.accounts.permissions import Capability, role_has
from mesoclinic.clinical_codes.dates import local_day
from mesoclinic.outcomes.analysis.repeatability import Repeatability, Spread, compare_regions, pool
from mesoclinic.outcomes.models import (
    METHOD_VERSION,
    AnalysisStatus,
    Assessment,
    BaselineChoice,
    Photo,
    PhotoView,
    RepeatabilityStudy,
)
from mesoclinic.patients.models import Consent, Patient, PhotoUse
from mesoclinic.worker.selectors import job_hold_up, latest_jobs_for

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise  # a lazy translation, as django-stubs names it

METRIC_LABELS: dict[str, str | _StrPromise] = {
    "spot_count": _("Spots (count)"),
    "spot_area_fraction": _("Spot area (%)"),
    "pore_count": _("Pores (count)"),
    "wrinkle_area_fraction": _("Wrinkle area (%)"),
    "wrinkle_length_density": _("Wrinkle length density"),
    "lab_l_mean": _("Lightness L*"),
    "lab_a_mean": _("Redness a*"),
    "lab_b_mean": _("Yellowness b*"),
    "ita_deg": _("ITA°"),
    "redness_area_fraction": _("Red area (%)"),
    "texture_roughness": _("Texture roughness"),
}
PERCENT_METRICS = frozenset({"spot_area_fraction", "wrinkle_area_fraction", "redness_area_fraction"})
REGION_LABELS: dict[str, str | _StrPromise] = {
    "forehead": _("Forehead"),
    "glabella": _("Glabella"),
    "periorbital_left": _("Periorbital, left"),
    "periorbital_right": _("Periorbital, right"),
    "cheek_left": _("Cheek, left"),
    "cheek_right": _("Cheek, right"),
    "nasolabial_left": _("Nasolabial fold, left"),
    "nasolabial_right": _("Nasolabial fold, right"),
    "chin": _("Chin"),
    "whole": _("Whole photo"),
}


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


ANALYSIS_TASK = "mesoclinic.outcomes.services.analyze_photo"  # the module path of the analysis task


def analysis_hold_ups(photos: list[Photo], clinic_id: int) -> dict[int, str]:
    """For each photo still waiting for its analysis, why it is held up (``worker.selectors.job_hold_up``).

    The photo's analysis stays "pending" when its job never reached the queue or its worker died; the
    Photos tab says which instead of "Analysing…" for ever. One query, for the pending photos only.
    """
    pending = [
        photo.pk
        for photo in photos
        if getattr(photo, "analysis", None) is not None and photo.analysis.status == AnalysisStatus.PENDING
    ]
    jobs = latest_jobs_for(ANALYSIS_TASK, pending, clinic_id=clinic_id)
    return {pk: reason for pk in pending if (reason := job_hold_up(jobs.get(pk)))}


def photos_by_date(photos: list[Photo], tz: Any) -> list[tuple[Any, list[Photo]]]:
    """Photos grouped by the local date they were taken on (input newest first)."""
    return [
        (day, list(group)) for day, group in groupby(photos, key=lambda photo: local_day(photo.taken_at, tz))
    ]


@dataclass(frozen=True)
class RepeatabilitySet:
    """Photos of one view taken on one day, enough for a test–retest of the clinic's set-up."""

    day: Any
    view: str
    label: str
    photos: list[Photo]


def repeatability_candidates(photos: list[Photo], tz: Any) -> list[RepeatabilitySet]:
    """Days and views with at least three photos analysed by the current method (input: the patient's photos)."""
    groups: dict[tuple[Any, str], list[Photo]] = {}
    for photo in photos:
        analysis = getattr(photo, "analysis", None)
        if (
            analysis is None
            or analysis.status != AnalysisStatus.DONE
            or analysis.method_version != METHOD_VERSION
        ):
            continue
        groups.setdefault((local_day(photo.taken_at, tz), photo.view), []).append(photo)
    return [
        RepeatabilitySet(day, view, str(PhotoView(view).label), sorted(group, key=lambda p: p.taken_at)[:3])
        for (day, view), group in groups.items()
        if len(group) >= 3
    ]


GUIDE_VIEWS = {PhotoView.FRONT: 0.0, PhotoView.LEFT_45: 45.0, PhotoView.RIGHT_45: -45.0}
GUIDE_MIN_EYE_PX = 180  # the analysis' own minimum (outcomes.analysis.face.FaceLimits)


def capture_targets(patient: Patient) -> dict[str, dict[str, float | None]]:
    """What the live capture guide aims at per face view: the baseline's pose, size and lighting, or the view.

    ``size`` is the baseline's eye distance as a fraction of its photo's width; ``light`` its left-minus-right
    cheek L*. Without a baseline the guide aims at the standard view (front: facing the camera) and at least
    the pixels the analysis needs.
    """
    targets: dict[str, dict[str, float | None]] = {}
    for view, yaw in GUIDE_VIEWS.items():
        target: dict[str, float | None] = {
            "yaw": yaw,
            "pitch": 0.0,
            "roll": 0.0,
            "size": None,
            "light": None,
            "min_eye_px": GUIDE_MIN_EYE_PX,
        }
        baseline = baseline_photo(patient, view, method_version=METHOD_VERSION)
        face = baseline.analysis.face if baseline is not None else {}
        if baseline is not None and face:
            metrics = baseline.analysis.metrics
            left, right = metrics.get("cheek_left", {}), metrics.get("cheek_right", {})
            target.update(
                yaw=face.get("yaw_deg", yaw),
                pitch=face.get("pitch_deg", 0.0),
                roll=face.get("roll_deg", 0.0),
                size=face["eye_distance_px"] / baseline.width if face.get("eye_distance_px") else None,
                light=(
                    left["lab_l_mean"] - right["lab_l_mean"]
                    if "lab_l_mean" in left and "lab_l_mean" in right
                    else None
                ),
            )
        targets[str(view)] = target
    return targets


def photo_consent(patient: Patient) -> Consent | None:
    """The newest valid signed consent of the patient that allows clinical photos, if any."""
    for consent in Consent.objects.filter(patient=patient, withdrawn_at__isnull=True).order_by("-signed_at"):
        if consent.allows_photo_use(PhotoUse.CLINICAL):
            return consent
    return None


def patient_may_see(photo: Photo) -> bool:
    """Whether the consent this photo was taken under lets it be shown to the patient it shows.

    Every photo-use scope (clinical only, teaching, marketing) covers the patient's own clinical record, so
    a valid consent is enough; a withdrawn one hides the photo from the portal at once. A photo stored
    before photos kept their consent is judged by the patient's newest valid photo consent.
    """
    consent = photo.consent if photo.consent_id is not None else photo_consent(photo.patient)
    return consent is not None and consent.allows_photo_use(PhotoUse.CLINICAL)


def shared_photos(patient: Patient) -> list[Photo]:
    """The patient's photos that staff shared with them and their consent still allows, oldest first."""
    photos = (
        Photo.objects.filter(patient=patient, shared_with_patient=True)
        .select_related("consent", "analysis")
        .order_by("taken_at", "id")
    )
    fallback = None
    shown = []
    for photo in photos:
        if photo.consent_id is None:
            fallback = fallback or photo_consent(patient)
            allowed = fallback is not None
        else:
            allowed = photo.consent is not None and photo.consent.allows_photo_use(PhotoUse.CLINICAL)
        if allowed:
            shown.append(photo)
    return shown


def get_shared_photo_for_patient(patient: Patient, photo_id: Any) -> Photo:
    """One of the patient's own shared photos (see :func:`shared_photos`); 404 for any other id."""
    try:
        pk = int(photo_id)
    except (TypeError, ValueError):
        raise Http404 from None
    for photo in shared_photos(patient):
        if photo.pk == pk:
            return photo
    raise Http404


def baseline_photo(
    patient: Patient, view: str, *, before: Photo | None = None, method_version: str | None = None
) -> Photo | None:
    """The patient's baseline of a view: the photo staff chose last (``BaselineChoice``), else the earliest
    photo of that view whose analysis is done. A photo that was retaken (it failed the quality check) is never
    a baseline.

    With ``method_version``, only a photo analysed by that version of the method can be the baseline (so a
    follow-up is compared like with like; photos analysed by an older method keep their analyses).
    """
    qs = Photo.objects.filter(
        patient=patient, view=view, analysis__status=AnalysisStatus.DONE, retakes__isnull=True
    )
    if method_version is not None:
        qs = qs.filter(analysis__method_version=method_version)
    if before is not None:
        qs = qs.exclude(pk=before.pk).filter(taken_at__lte=before.taken_at)
    choice = (
        BaselineChoice.objects.filter(patient=patient, view=view)
        .order_by("-chosen_at", "-id")
        .values_list("photo_id", flat=True)
        .first()
    )
    if choice is not None:
        chosen = qs.filter(pk=choice).select_related("analysis").first()
        if chosen is not None:
            return chosen
    return qs.select_related("analysis").order_by("taken_at", "id").first()


def baseline_choices(patient: Patient) -> QuerySet[BaselineChoice]:
    """Every baseline the staff chose for the patient, newest first (the earlier ones are the history)."""
    return (
        BaselineChoice.objects.filter(patient=patient)
        .select_related("photo", "previous", "chosen_by__staff")
        .order_by("-chosen_at", "-id")
    )


def current_baselines(patient: Patient) -> dict[str, int]:
    """The id of the photo that is the patient's baseline now, per view (current method's analyses): the rule
    of ``baseline_photo``, for every view in two queries."""
    chosen: dict[str, int] = {}
    for view, photo_id in (
        BaselineChoice.objects.filter(patient=patient)
        .order_by("chosen_at", "id")
        .values_list("view", "photo_id")
    ):
        chosen[view] = photo_id  # the newest choice wins
    candidates: dict[str, list[int]] = {}
    for view, photo_id in (
        Photo.objects.filter(
            patient=patient,
            analysis__status=AnalysisStatus.DONE,
            analysis__method_version=METHOD_VERSION,
            retakes__isnull=True,
        )
        .order_by("taken_at", "id")
        .values_list("view", "pk")
    ):
        candidates.setdefault(view, []).append(photo_id)
    return {view: chosen[view] if chosen.get(view) in ids else ids[0] for view, ids in candidates.items()}


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
    """One metric of one region, before and after, and how sure it is that the change is real.

    ``measurable`` is False when the change cannot be judged (the photos were not measured on the same
    regions by the same method, or the metric's test–retest spread is unknown); ``certainty`` (0–1) is the
    confidence that the change exceeds re-photographing the same skin; ``beyond`` is certainty ≥ 95 %.
    """

    metric: str
    label: str
    before: float
    after: float
    change: float
    relative: float | None
    limit: float | None
    beyond: bool
    certainty: float | None
    measurable: bool
    percent: bool

    @property
    def within_repeatability(self) -> bool:
        return self.measurable and not self.beyond


def clinic_repeatability(clinic_id: int, view: str) -> Repeatability:
    """The clinic's measured test–retest spread for a view (its studies pooled), else the method's default."""
    studies = [
        {region: {m: Spread.from_dict(v) for m, v in metrics.items()} for region, metrics in spreads.items()}
        for spreads in RepeatabilityStudy.objects.filter(
            clinic_id=clinic_id, view=view, method_version=METHOD_VERSION
        ).values_list("spreads", flat=True)
    ]
    if not studies:
        return Repeatability()
    return Repeatability(by_region=pool(studies), source="clinic", studies=len(studies))


def metric_changes(
    before: dict[str, dict[str, float]],
    after: dict[str, dict[str, float]],
    *,
    repeatability: Repeatability | None = None,
    comparable: bool = True,
) -> dict[str, list[MetricChange]]:
    """Per region present in both, each metric's change and how sure it is (see :class:`MetricChange`).

    A change is beyond repeatability when it exceeds 1.96·√2 times the test–retest SD (Student's t when the SD
    comes from the clinic's few re-captures): a difference of two noisy measurements. With ``comparable``
    False (not registered onto each other, or different method versions) every change is "not measurable".
    """
    table: dict[str, list[MetricChange]] = {}
    assessed = compare_regions(before, after, repeatability) if comparable else {}
    for region, metrics in before.items():
        if region not in after:
            continue
        rows = []
        for name, label in METRIC_LABELS.items():
            if name not in metrics or name not in after[region]:
                continue
            old, new = float(metrics[name]), float(after[region][name])
            change = new - old
            verdict = assessed.get(region, {}).get(name)
            rows.append(
                MetricChange(
                    metric=name,
                    label=str(label),
                    before=old,
                    after=new,
                    change=change,
                    relative=change / abs(old) if old else None,
                    limit=verdict.limit if verdict else None,
                    beyond=bool(verdict and verdict.beyond),
                    certainty=verdict.certainty if verdict else None,
                    measurable=bool(verdict and verdict.measurable),
                    percent=name in PERCENT_METRICS,
                )
            )
        table[region] = rows
    return table


VIEW_ORDER = [PhotoView.FRONT, PhotoView.LEFT_45, PhotoView.RIGHT_45, PhotoView.CLOSE_UP]

"""Every write about photos, their analysis and the clinical scales.

A photo is stored as pixels only: the upload is decoded (with the analysis core's size and bomb limits),
turned upright by its EXIF orientation and re-encoded, so no EXIF, GPS, ICC or XMP block survives. Files go
through Django's default storage under random names (never a filesystem path), so S3-compatible storage
works by configuration alone. The analysis runs as a background task enqueued once the upload commits.
"""

from __future__ import annotations

import hashlib
import io
import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, BinaryIO

import numpy as np
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task
from PIL import Image

from mesoclinic.actors import Actor
from mesoclinic.audit.services import acting_user, record_event
from mesoclinic.outcomes import selectors
from mesoclinic.outcomes.analysis import (
    LANDMARKER,
    FaceLimits,
    ImageLimits,
    ImageLoadError,
    RegistrationError,
    analyze,
    assess_quality,
    compare,
    face_grid,
    feature_maps,
    load_image,
    photo_problems,
    preview,
    whole_grid,
)
from mesoclinic.outcomes.analysis.repeatability import spread_from_captures
from mesoclinic.outcomes.models import (
    METHOD_VERSION,
    AnalysisStatus,
    Assessment,
    AssessmentTiming,
    BaselineChoice,
    Photo,
    PhotoAnalysis,
    PhotoView,
    RepeatabilityStudy,
)
from mesoclinic.patients.models import Patient
from mesoclinic.treatments.models import SessionRecord
from mesoclinic.worker.context import for_clinic

JPEG_QUALITY = 92
THUMBNAIL_SIDE = 320
OVERLAY_SIDE = 1024  # overlays are shown scaled over the photo; more pixels would add weight, not detail
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")  # what a browser can show back; TIFF is for the CLI only
FACE_VIEWS = (PhotoView.FRONT, PhotoView.LEFT_45, PhotoView.RIGHT_45)
LIGHTING = ("daylight", "ring_light", "flash", "room_light", "other")
SCALE_RANGES: dict[str, tuple[int, int]] = {
    "glogau": (1, 4),
    "fitzpatrick": (1, 6),
    "wsrs_left": (1, 5),
    "wsrs_right": (1, 5),
    "mmasi": (0, 24),
    "gais_investigator": (1, 5),
    "gais_subject": (1, 5),
    "satisfaction": (1, 5),
}
SCALE_NAMES = {
    "glogau": "Glogau",
    "fitzpatrick": "Fitzpatrick skin type",
    "wsrs_left": "WSRS (left)",
    "wsrs_right": "WSRS (right)",
    "mmasi": "mMASI",
    "gais_investigator": "GAIS (investigator)",
    "gais_subject": "GAIS (subject)",
    "satisfaction": "Satisfaction",
}


def photo_limits() -> ImageLimits:
    """The upload limits: the core's defaults, the byte limit configurable (``PHOTO_MAX_BYTES``)."""
    return ImageLimits(max_bytes=getattr(settings, "PHOTO_MAX_BYTES", 25 * 1024 * 1024))


# ---------------------------------------------------------------------------------------------------------
# Reading an upload


def read_upload(file: BinaryIO | File[Any] | bytes) -> tuple[np.ndarray, str]:
    """Decode an uploaded photo within the limits; returns the upright RGB pixels and the format.

    Raises ``ValidationError`` (field ``file``) in plain words for anything that is not a usable photo.
    """
    limits = photo_limits()
    if hasattr(file, "seek"):
        file.seek(0)
    data = file if isinstance(file, bytes) else file.read(limits.max_bytes + 1)
    try:
        pixels = load_image(data, limits)
    except ImageLoadError as exc:
        raise ValidationError(
            {"file": _("This photo cannot be used: %(reason)s.") % {"reason": exc}}
        ) from None
    with Image.open(io.BytesIO(data)) as header:
        kind = header.format or ""
    if kind not in ACCEPTED_FORMATS:
        raise ValidationError(
            {
                "file": _("%(kind)s files are not accepted here: save the photo as JPEG or PNG.")
                % {"kind": kind}
            }
        )
    return pixels, kind


def precheck_photo(file: BinaryIO | bytes, *, view: str = "") -> dict[str, object]:
    """Load and quality-check a photo without storing anything (the capture page's check before saving).

    For a face view the face is checked too: ``face_problems`` lists, in words, why it would be refused.
    """
    pixels, _kind = read_upload(file)
    quality = assess_quality(preview(pixels)).as_dict()
    quality["width"], quality["height"] = pixels.shape[1], pixels.shape[0]
    quality["face_problems"] = _face_problems(pixels, view) if view in FACE_VIEWS else []
    return quality


def _face_problems(pixels: np.ndarray, view: str) -> list[str]:
    """Why a face photo of ``view`` cannot be measured (the analysis core's checks), in words."""
    return photo_problems(pixels, limits=FaceLimits.for_view(view))


def _refuse_unmeasurable(pixels: np.ndarray, view: str) -> None:
    """A face view whose face cannot be measured is refused before it can become anyone's baseline."""
    if view not in FACE_VIEWS:
        return
    problems = _face_problems(pixels, view)
    if problems:
        sentence = "; ".join(problems)
        raise ValidationError(
            {"file": _("This photo cannot be measured: %(reason)s.") % {"reason": sentence}}
        )


def _jpeg(pixels: np.ndarray, *, side: int | None = None) -> bytes:
    """Re-encode RGB float pixels as a bare JPEG: no EXIF, GPS, ICC or XMP is written."""
    image = Image.fromarray((np.clip(pixels, 0, 1) * 255 + 0.5).astype(np.uint8), "RGB")
    if side is not None:
        image.thumbnail((side, side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()


def _clean_conditions(conditions: dict[str, Any]) -> dict[str, Any]:
    """Capture conditions in a fixed shape; an unknown lighting or a silly distance is refused."""
    lighting = str(conditions.get("lighting") or "")
    if lighting and lighting not in LIGHTING:
        raise ValidationError({"lighting": _("Choose the lighting from the list.")})
    distance = conditions.get("distance_cm")
    if distance in ("", None):
        distance = None
    else:
        try:
            distance = int(distance)
        except (TypeError, ValueError):
            raise ValidationError({"distance_cm": _("Enter the distance in whole centimetres.")}) from None
        if not 10 <= distance <= 300:
            raise ValidationError({"distance_cm": _("Enter a distance between 10 and 300 cm.")})
    return {
        "skin_cleansed": bool(conditions.get("skin_cleansed")),
        "lighting": lighting,
        "camera": str(conditions.get("camera") or "").strip()[:100],
        "distance_cm": distance,
        "notes": str(conditions.get("notes") or "").strip()[:500],
    }


# ---------------------------------------------------------------------------------------------------------
# Photos


@transaction.atomic
def upload_photo(
    patient: Patient,
    file: BinaryIO | File[Any] | bytes,
    *,
    view: str,
    taken_at: datetime,
    conditions: dict[str, Any],
    session: SessionRecord | None = None,
    retake_of: Photo | None = None,
    actor: Actor,
) -> Photo:
    """Store a standardized photo of the patient, stripped to its pixels, and queue its analysis.

    ``retake_of`` names a photo of the same patient and view that failed the quality check and is retaken:
    it is kept (never deleted) but can no longer be anyone's baseline. A photo that already is the baseline
    that later photos were compared with cannot be retaken; choose another baseline instead.

    Nothing is stored unless the photo is readable, within the limits, of a known view, measurable (a face
    view needs a face the analysis can measure: found, inside the photo, eyes open, pose and expression within
    the view's tolerance, enough pixels, sharp, not clipped) and the patient has a valid signed consent allowing
    clinical photos (kept on the photo).
    """
    if view not in PhotoView.values:
        raise ValidationError({"view": _("Choose the view: front, left 45°, right 45° or close-up.")})
    if timezone.is_naive(taken_at):
        raise ValidationError({"taken_at": _("The time the photo was taken needs a time zone.")})
    if taken_at > timezone.now() + timedelta(minutes=5):
        raise ValidationError({"taken_at": _("A photo cannot be taken in the future.")})
    if session is not None and session.patient_id != patient.pk:
        raise ValidationError({"session": _("This session belongs to another patient.")})
    if retake_of is not None:
        _check_retake(retake_of, patient=patient, view=view)
    clean_conditions = _clean_conditions(conditions)
    consent = selectors.photo_consent(patient)
    if consent is None:
        raise ValidationError(
            _("The patient has no signed consent that allows clinical photos: record the consent first.")
        )
    pixels, _kind = read_upload(file)
    _refuse_unmeasurable(pixels, view)
    quality = assess_quality(preview(pixels)).as_dict()
    body = _jpeg(pixels)
    stem = uuid.uuid4().hex
    photo = Photo(
        clinic=patient.clinic,
        patient=patient,
        session=session,
        consent=consent,
        view=view,
        taken_at=taken_at,
        content_type="image/jpeg",
        width=pixels.shape[1],
        height=pixels.shape[0],
        size_bytes=len(body),
        sha256=hashlib.sha256(body).hexdigest(),
        conditions=clean_conditions,
        quality=quality,
        uploaded_by=acting_user(actor),
        retake_of=retake_of,
    )
    photo.image.save(f"{stem}.jpg", ContentFile(body), save=False)
    photo.thumbnail.save(f"{stem}.jpg", ContentFile(_jpeg(pixels, side=THUMBNAIL_SIDE)), save=False)
    photo.save()
    PhotoAnalysis.objects.create(photo=photo)
    record_event(
        "photo.upload",
        photo,
        actor=actor,
        data={
            "patient": patient.pk,
            "view": view,
            "consent": consent.pk,
            "sha256": photo.sha256,
            "retake_of": retake_of.pk if retake_of is not None else None,
        },
    )
    transaction.on_commit(lambda: _enqueue_analysis(photo.pk, patient.clinic_id))
    return photo


def _check_retake(photo: Photo, *, patient: Patient, view: str) -> None:
    """A retake replaces a photo of the same patient and view that failed the quality check, once."""
    if photo.patient_id != patient.pk:
        raise ValidationError({"retake_of": _("That photo is another patient's.")})
    if photo.view != view:
        raise ValidationError({"retake_of": _("A retake must be of the same view as the photo it replaces.")})
    if photo.quality.get("passed", True):
        raise ValidationError(
            {"retake_of": _("That photo passed the quality check: take a new photo instead.")}
        )
    if Photo.objects.filter(retake_of=photo).exists():
        raise ValidationError({"retake_of": _("That photo has been retaken already.")})
    if (
        PhotoAnalysis.objects.filter(baseline=photo).exists()
        or BaselineChoice.objects.filter(photo=photo).exists()
    ):
        raise ValidationError(
            {
                "retake_of": "Later photos were compared with that photo as their baseline: choose another baseline instead."
            }
        )


@transaction.atomic
def choose_baseline(photo: Photo, *, reason: str, actor: Actor) -> BaselineChoice:
    """Make ``photo`` the patient's baseline of its view from now on, with the reason.

    The earlier baseline is kept (the choice records it, and the follow-ups already compared with it keep
    their analyses); later follow-ups are compared with this one. Raises ``ValidationError`` for a photo not
    (yet) analysed by the current method, one that was retaken, one already the baseline, or no reason.
    """
    reason = reason.strip()
    if not reason:
        raise ValidationError(
            {"reason": "Say why this photo becomes the baseline; it is kept with the choice."}
        )
    if len(reason) > 300:
        raise ValidationError({"reason": _("Keep the reason under 300 characters.")})
    photo = (
        Photo.objects.select_for_update(of=("self",)).select_related("patient", "analysis").get(pk=photo.pk)
    )
    analysis = getattr(photo, "analysis", None)
    if (
        analysis is None
        or analysis.status != AnalysisStatus.DONE
        or analysis.method_version != METHOD_VERSION
    ):
        raise ValidationError({"photo": _("Only a photo whose analysis is done can be a baseline.")})
    if Photo.objects.filter(retake_of=photo).exists():
        raise ValidationError(
            {"photo": "This photo was retaken (it failed the quality check): choose the retake."}
        )
    previous = selectors.baseline_photo(photo.patient, photo.view, method_version=METHOD_VERSION)
    if previous is not None and previous.pk == photo.pk:
        raise ValidationError({"photo": _("This photo is the baseline already.")})
    choice = BaselineChoice.objects.create(
        clinic_id=photo.clinic_id,
        patient_id=photo.patient_id,
        view=photo.view,
        photo=photo,
        previous=previous,
        reason=reason,
        chosen_at=timezone.now(),
        chosen_by=acting_user(actor),
    )
    record_event(
        "photo.baseline",
        photo,
        actor=actor,
        data={
            "patient": photo.patient_id,
            "view": photo.view,
            "previous": previous.pk if previous is not None else None,
            "reason": reason,
        },
    )
    return choice


@transaction.atomic
def set_photo_shared(photo: Photo, *, shared: bool, actor: Actor) -> Photo:
    """Show ``photo`` to its patient in the portal, or stop showing it (audited ``photo.share`` /
    ``photo.unshare``).

    Sharing is refused when the consent the photo was taken under is withdrawn (``selectors.patient_may_see``);
    stopping is always allowed. Setting what is already set changes nothing and writes no event.
    """
    photo = (
        Photo.objects.select_for_update(of=("self",)).select_related("patient", "consent").get(pk=photo.pk)
    )
    if photo.shared_with_patient == shared:
        return photo
    if shared and not selectors.patient_may_see(photo):
        raise ValidationError(
            {"photo": _("This photo's consent was withdrawn: it cannot be shown to the patient.")}
        )
    photo.shared_with_patient = shared
    photo.save(update_fields=["shared_with_patient"])
    record_event(
        "photo.share" if shared else "photo.unshare",
        photo,
        actor=actor,
        data={"patient": photo.patient_id, "view": photo.view},
    )
    return photo


def _enqueue_analysis(photo_id: int, clinic_id: int) -> None:
    with for_clinic(clinic_id):
        analyze_photo.enqueue(photo_id)


@task()
def analyze_photo(photo_id: int) -> str:
    """The background task: analyse one stored photo (or compare it with its baseline); returns the status.

    It runs in the worker (``mesoclinic worker``), never in the upload's request: the photo page shows
    "Analysing…" until it lands. It lives here, not in ``tasks.py``: the import contract keeps services and
    tasks independent, and the upload service must enqueue it. A failed analysis is recorded on the photo,
    where staff read it; only a failure to record it (the database) reaches the worker's retries and log.
    """
    analysis = analyze_stored_photo(photo_id)
    return analysis.status if analysis is not None else "missing"


# ---------------------------------------------------------------------------------------------------------
# Analysis (run by the background task)


def _read_stored(name: str | None) -> np.ndarray:
    if not name:
        raise FileNotFoundError("The photo has no stored file.")
    with default_storage.open(name, "rb") as handle:
        return load_image(handle.read())


def _overlay_png(
    mask: np.ndarray, colour: tuple[int, int, int], grid_to_photo: Any, size: tuple[int, int]
) -> bytes:
    """A transparent PNG, the size of the photo (at most OVERLAY_SIDE), with ``mask`` painted in ``colour``."""
    import cv2  # noqa: PLC0415 — only the worker needs OpenCV here

    width, height = size
    scale = min(1.0, OVERLAY_SIDE / max(width, height))
    out_w, out_h = max(1, round(width * scale)), max(1, round(height * scale))
    matrix = np.vstack([grid_to_photo, [0, 0, 1]])
    matrix = (np.diag([scale, scale, 1.0]) @ matrix)[:2]
    painted = cv2.warpAffine(mask.astype(np.uint8) * 255, matrix, (out_w, out_h), flags=cv2.INTER_NEAREST)
    rgba = np.zeros((out_h, out_w, 4), dtype=np.uint8)
    rgba[..., :3] = colour
    rgba[..., 3] = np.where(painted > 0, 220, 0).astype(np.uint8)
    out = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(out, "PNG", optimize=True)
    return out.getvalue()


def _store(body: bytes, suffix: str) -> str:
    return default_storage.save(f"photos/derived/{uuid.uuid4().hex}.{suffix}", ContentFile(body))


def _overlays(
    pixels: np.ndarray, face: Any, mode: str, *, to_baseline: Any = None, size: tuple[int, int] | None = None
) -> dict[str, str]:
    """Wrinkle and spot maps of ``pixels`` on the analysis grid, drawn back onto the photo's frame.

    For a follow-up, ``to_baseline`` (baseline → follow-up, 2×3) draws them on the baseline's frame, where the
    viewer shows the aligned follow-up.
    """
    grid = face_grid(pixels, face) if mode == "face" and face is not None else whole_grid(pixels)
    maps = feature_maps(grid.rgb)
    to_photo = np.linalg.inv(np.vstack([grid.to_grid, [0, 0, 1]]))[:2]
    if to_baseline is not None:
        back = np.linalg.inv(np.vstack([to_baseline, [0, 0, 1]]))
        to_photo = (back @ np.vstack([to_photo, [0, 0, 1]]))[:2]
    size = size or (pixels.shape[1], pixels.shape[0])
    return {
        "wrinkles": _store(_overlay_png(maps.wrinkles >= 0.5, (30, 90, 230), to_photo, size), "png"),
        "spots": _store(_overlay_png(maps.spots >= 0.5, (220, 30, 160), to_photo, size), "png"),
    }


def _one_line(exc: BaseException) -> str:
    return " ".join(f"{type(exc).__name__}: {exc}".split())[:300]


def analyze_stored_photo(photo_id: int) -> PhotoAnalysis | None:
    """Analyse a stored photo; compare it with the patient's baseline of the same view when there is one.

    Never raises: a failure is recorded on the analysis (status ``failed`` and a one-line error).
    """
    analysis = PhotoAnalysis.objects.select_related("photo").filter(photo_id=photo_id).first()
    if analysis is None:
        return None
    photo = analysis.photo
    try:
        result = _run_analysis(photo)
    except Exception as exc:  # a background job records every failure instead of raising
        return _finish(analysis, status=AnalysisStatus.FAILED, error=_one_line(exc))
    return _finish(analysis, status=AnalysisStatus.DONE, **result)


def _run_analysis(photo: Photo) -> dict[str, Any]:
    pixels = _read_stored(photo.image.name)
    baseline = selectors.baseline_photo(
        photo.patient, photo.view, before=photo, method_version=METHOD_VERSION
    )
    mode = "face" if photo.view in FACE_VIEWS else "whole"
    limits = FaceLimits.for_view(photo.view) if mode == "face" else None
    registration: dict[str, Any] = {}
    if baseline is not None and baseline.analysis.region_mode == mode:
        base_pixels = _read_stored(baseline.image.name)
        try:
            comparison = compare(base_pixels, pixels, region=mode, limits=limits)
        except RegistrationError as exc:
            # measured on its own regions below; the viewer says why it is not compared with the baseline
            registration = {"error": str(exc)}
        else:
            reg = comparison.registration
            overlays = _overlays(
                pixels, comparison.follow_up.face, mode, to_baseline=reg.matrix, size=base_pixels.shape[1::-1]
            )
            overlays["aligned"] = _store(_jpeg(reg.warped), "jpg")
            return {
                "baseline": baseline,
                "region_mode": mode,
                "metrics": _rounded(comparison.follow_up.regions),
                "baseline_metrics": _rounded(comparison.baseline.regions),
                "registration": reg.as_dict(),
                "face": _face_record(comparison.follow_up, own=comparison.follow_up_face),
                "overlays": overlays,
            }
    result = analyze(pixels, region=mode, limits=limits)
    return {
        "baseline": None,
        "region_mode": mode,
        "metrics": _rounded(result.regions),
        "baseline_metrics": {},
        "registration": registration,
        "face": _face_record(result),
        "overlays": _overlays(pixels, result.face, mode),
    }


def _face_record(result: Any, *, own: Any = None) -> dict[str, Any]:
    """What the analysis stores about the face: pose, polygons of the regions (photo pixels), unmeasured.

    For a follow-up the pose is that of its own face (``own``); the polygons are the baseline's regions carried
    onto it.
    """
    if result.face is None:
        return {}
    return {
        **(own or result.face).as_dict(),
        "polygons": {name: np.round(p, 1).tolist() for name, p in result.polygons.items()},
        "unmeasured": dict(result.unmeasured),
    }


def _rounded(regions: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    return {
        name: {
            key: value if isinstance(value, int) else round(float(value), 6) for key, value in metrics.items()
        }
        for name, metrics in regions.items()
    }


@transaction.atomic
def _finish(analysis: PhotoAnalysis, *, status: str, **fields: Any) -> PhotoAnalysis:
    analysis.status = status
    analysis.error = fields.pop("error", "")
    for name, value in fields.items():
        setattr(analysis, name, value)
    analysis.method_version = METHOD_VERSION
    analysis.landmarker = LANDMARKER if analysis.region_mode == "face" else ""
    analysis.finished_at = timezone.now()
    analysis.save()
    record_event(
        "photo.analysis",
        analysis.photo,
        actor=None,
        data={"status": status, "region_mode": analysis.region_mode, "baseline": analysis.baseline_id},
    )
    return analysis


# ---------------------------------------------------------------------------------------------------------
# The clinic's own repeatability

STUDY_CAPTURES = 3  # the protocol: three captures of one patient at one visit
STUDY_WINDOW = timedelta(hours=2)  # "at one visit": the captures lie within this time of each other


@transaction.atomic
def record_repeatability_study(patient: Patient, photos: list[Photo], *, actor: Actor) -> RepeatabilityStudy:
    """Store a test–retest of the clinic's set-up from three photos of one patient taken at one visit.

    The photos must be of one patient and one view, taken within two hours, and analysed by the current
    method on the same regions (each a follow-up of the same baseline, or that baseline itself). Their spread
    per region and metric is stored; the clinic's studies of the view are pooled to decide, for every later
    comparison, whether a change is beyond repeatability.
    """
    photos = sorted({photo.pk: photo for photo in photos}.values(), key=lambda p: (p.taken_at, p.pk))
    if len(photos) < STUDY_CAPTURES:
        raise ValidationError(
            {"photos": _("Choose %(n)s photos of the same view taken at one visit.") % {"n": STUDY_CAPTURES}}
        )
    if any(photo.patient_id != patient.pk for photo in photos):
        raise ValidationError({"photos": _("Every photo must be of this patient.")})
    if len({photo.view for photo in photos}) != 1:
        raise ValidationError({"photos": _("Every photo must be of the same view.")})
    if photos[-1].taken_at - photos[0].taken_at > STUDY_WINDOW:
        raise ValidationError({"photos": _("The photos must be taken at one visit (within two hours).")})
    analyses = [getattr(photo, "analysis", None) for photo in photos]
    if any(
        a is None or a.status != AnalysisStatus.DONE or a.method_version != METHOD_VERSION for a in analyses
    ):
        raise ValidationError({"photos": _("Wait until every photo is analysed, then record the check.")})
    # the same regions: each is a follow-up of one baseline (or is that baseline)
    if len({a.baseline_id or a.photo_id for a in analyses if a is not None}) != 1:
        raise ValidationError(
            {"photos": "The photos were not measured on the same regions: take them again."}
        )
    spreads = spread_from_captures([a.metrics for a in analyses if a is not None])
    study = RepeatabilityStudy.objects.create(
        clinic=patient.clinic,
        patient=patient,
        view=photos[0].view,
        spreads={
            region: {m: sp.as_dict() for m, sp in metrics.items()} for region, metrics in spreads.items()
        },
        method_version=METHOD_VERSION,
        created_by=acting_user(actor),
    )
    study.photos.set(photos)
    record_event(
        "photo.repeatability",
        study,
        actor=actor,
        data={"patient": patient.pk, "view": study.view, "photos": [p.pk for p in photos]},
    )
    return study


# ---------------------------------------------------------------------------------------------------------
# Scales


@transaction.atomic
def record_assessment(
    patient: Patient,
    *,
    timing: str,
    assessed_on: date,
    session: SessionRecord | None = None,
    notes: str = "",
    actor: Actor,
    **scores: Any,
) -> Assessment:
    """Record clinician and patient scales; every score is optional but at least one is needed."""
    errors: dict[str, str] = {}
    unknown = set(scores) - set(SCALE_RANGES)
    if unknown:
        raise ValidationError(_("Unknown scale: %(scales)s.") % {"scales": ", ".join(sorted(unknown))})
    if timing not in AssessmentTiming.values:
        errors["timing"] = "Choose when the assessment was made: baseline, at a session or follow-up."
    if session is not None and session.patient_id != patient.pk:
        errors["session"] = "This session belongs to another patient."
    if assessed_on > patient.clinic.today():
        errors["assessed_on"] = "An assessment cannot be dated in the future."
    elif assessed_on < patient.birth_date:
        errors["assessed_on"] = "An assessment cannot be dated before the patient was born."
    for name, (low, high) in SCALE_RANGES.items():
        value = scores.get(name)
        if value is None or value == "":
            scores[name] = None
            continue
        try:
            number = float(value)
        except (TypeError, ValueError):
            errors[name] = f"{SCALE_NAMES[name]} must be a number from {low} to {high}."
            continue
        if not low <= number <= high or (name != "mmasi" and number != int(number)):
            kind = "a number" if name == "mmasi" else "a whole number"
            errors[name] = f"{SCALE_NAMES[name]} must be {kind} from {low} to {high}."
        else:
            scores[name] = Decimal(str(round(number, 1))) if name == "mmasi" else int(number)
    if not errors and all(scores.get(name) is None for name in SCALE_RANGES):
        errors["__all__"] = "Enter at least one score."
    if errors:
        raise ValidationError(errors)
    assessment = Assessment.objects.create(
        clinic=patient.clinic,
        patient=patient,
        session=session,
        timing=timing,
        assessed_on=assessed_on,
        notes=notes.strip(),
        assessed_by=acting_user(actor),
        **{name: scores.get(name) for name in SCALE_RANGES},
    )
    record_event(
        "assessment.record",
        assessment,
        actor=actor,
        data={
            "patient": patient.pk,
            "timing": timing,
            **{k: str(v) for k, v in scores.items() if v is not None},
        },
    )
    return assessment

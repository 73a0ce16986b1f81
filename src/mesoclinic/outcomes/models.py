"""Standardized photos, their objective analysis, and clinician and patient scales.

A photo is health data: its file is kept in Django storage under a random name, served only through an
access-checked view (never from a public media URL), stripped of EXIF and GPS when saved, and linked to the
consent whose photo-use scope it was taken under. Photos are never deleted by staff; withdrawing teaching or
marketing use takes effect through the consent at once.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

#: The analysis method stored with every analysis. "1": Haar face box, fixed-proportion regions, ECC
#: registration. "2": face-mesh landmarks and anatomical regions, refusal of unmeasurable faces, landmark + ECC
#: registration with a residual check, photometry relative to the face's own skin. "3": the spot area is
#: continuous (each pixel weighed by its darkness relative to the skin where the dark is compact, no segmented
#: features). Analyses of different versions are never compared with each other; existing photos keep the
#: analyses they have.
METHOD_VERSION = "3"


class PhotoView(models.TextChoices):
    FRONT = "front", _("Front")
    LEFT_45 = "left_45", _("Left 45°")
    RIGHT_45 = "right_45", _("Right 45°")
    CLOSE_UP = "close_up", _("Close-up")


class Photo(models.Model):
    """One standardized photo of a patient, as taken (pixels only: metadata stripped)."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="photos")
    session = models.ForeignKey(
        "treatments.SessionRecord", null=True, blank=True, on_delete=models.PROTECT, related_name="photos"
    )
    consent = models.ForeignKey(
        "patients.Consent",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="photos",
        help_text=_("The signed consent whose photo-use scope this photo was taken under."),
    )
    view = models.CharField(max_length=10, choices=PhotoView.choices)
    taken_at = models.DateTimeField()
    image = models.FileField(upload_to="photos/%Y/%m/", max_length=200)
    thumbnail = models.FileField(upload_to="photos/thumbs/%Y/%m/", max_length=200)
    content_type = models.CharField(max_length=40)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size_bytes = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    conditions = models.JSONField(
        default=dict,
        blank=True,
        help_text=_("Capture conditions: skin_cleansed, lighting, camera, distance_cm, notes."),
    )
    quality = models.JSONField(default=dict, blank=True, help_text=_("Blur and exposure checks at upload."))
    uploaded_at = models.DateTimeField(auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    retake_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="retakes",
        help_text=_(
            "The photo this one replaces (it failed the quality check); that one is kept, never a baseline."
        ),
    )
    shared_with_patient = models.BooleanField(
        default=False,
        help_text=_(
            "Staff chose to show this photo to the patient in the portal (audited); shown only while its "
            "consent is valid."
        ),
    )

    class Meta:
        ordering = ["-taken_at", "-id"]
        indexes = [models.Index(fields=["patient", "view", "taken_at"])]

    def __str__(self) -> str:
        return f"{self.get_view_display()} photo of patient {self.patient_id} on {self.taken_at:%Y-%m-%d}"


class BaselineChoice(models.Model):
    """A photo chosen by staff as the patient's baseline of its view, with the reason.

    Choices are only added, never changed: the newest one of a patient's view is the baseline from then on
    (follow-ups analysed before keep the baseline they were compared with), and the earlier ones stay as the
    record of what was the baseline when. Without any choice the baseline is the earliest analysed photo.
    """

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    view = models.CharField(max_length=10, choices=PhotoView.choices)
    photo = models.ForeignKey(Photo, on_delete=models.PROTECT, related_name="baseline_choices")
    previous = models.ForeignKey(
        Photo,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The baseline before this choice (kept, with its analyses)."),
    )
    reason = models.CharField(max_length=300)
    chosen_at = models.DateTimeField()
    chosen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-chosen_at", "-id"]
        indexes = [models.Index(fields=["patient", "view", "chosen_at"])]

    def __str__(self) -> str:
        return f"Baseline {self.get_view_display()} of patient {self.patient_id}: photo {self.photo_id}"


class AnalysisStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class PhotoAnalysis(models.Model):
    """The objective skin metrics of a photo (``outcomes.analysis``), run in the background.

    A follow-up is measured on its baseline's regions after registration (``baseline`` set); ``metrics``
    is ``{region: {metric: value}}`` with the metric names of the ``mesoclinic analyze`` contract, and
    ``baseline_metrics`` the baseline measured in the same run with the same method (what the follow-up is
    compared with, like with like). ``method_version`` says which method produced them: analyses of different
    versions are never compared (existing photos keep their old analyses).
    """

    photo = models.OneToOneField(Photo, on_delete=models.PROTECT, related_name="analysis")
    baseline = models.ForeignKey(
        Photo,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The photo this one was registered onto and compared with."),
    )
    region_mode = models.CharField(max_length=5, default="face", help_text=_("face or whole"))
    status = models.CharField(max_length=8, choices=AnalysisStatus.choices, default=AnalysisStatus.PENDING)
    error = models.CharField(max_length=300, blank=True)
    metrics = models.JSONField(default=dict, blank=True)
    baseline_metrics = models.JSONField(
        default=dict, blank=True, help_text=_("The baseline measured with the same method in the same run.")
    )
    registration = models.JSONField(default=dict, blank=True, help_text=_("Transform and its quality."))
    face = models.JSONField(
        default=dict, blank=True, help_text=_("Pose, expression and region outlines from the face landmarks.")
    )
    landmarker = models.CharField(max_length=40, blank=True)
    overlays = models.JSONField(default=dict, blank=True, help_text=_("Storage names of overlay images."))
    method_version = models.CharField(max_length=20, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"Analysis of photo {self.photo_id} ({self.status})"


class RepeatabilityStudy(models.Model):
    """A test–retest of the clinic's own set-up: one patient photographed three times at one visit.

    ``spreads`` is the within-subject SD per region and metric (``{region: {metric: {"cv", "floor", "df"}}}``,
    see ``outcomes.analysis.repeatability``); the clinic's studies of a view are pooled, and a change between
    two visits is beyond repeatability when it exceeds t·√2·SD of that pool.
    """

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    view = models.CharField(max_length=10, choices=PhotoView.choices)
    photos = models.ManyToManyField(Photo, related_name="+")
    spreads = models.JSONField(default=dict)
    method_version = models.CharField(max_length=20)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["clinic", "view", "method_version"])]

    def __str__(self) -> str:
        return f"Test–retest of {self.get_view_display()} photos, clinic {self.clinic_id}, {self.created_at:%Y-%m-%d}"


class AssessmentTiming(models.TextChoices):
    BASELINE = "baseline", _("Baseline")
    SESSION = "session", _("At a session")
    FOLLOW_UP = "follow_up", _("Follow-up")


def _between(low: int, high: int) -> list[MinValueValidator | MaxValueValidator]:
    return [MinValueValidator(low), MaxValueValidator(high)]


class Assessment(models.Model):
    """Clinician and patient scales recorded at baseline, at a session or at a follow-up.

    Glogau photoaging I–IV, Fitzpatrick skin type I–VI, WSRS 1–5 per side (Wrinkle Severity Rating Scale),
    mMASI 0–24 (modified Melasma Area and Severity Index), GAIS 1–5 by investigator and subject (1 = very
    much improved ... 4 = no change, 5 = worse), patient satisfaction 1–5. Each is optional.
    """

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="assessments")
    session = models.ForeignKey(
        "treatments.SessionRecord",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assessments",
    )
    timing = models.CharField(max_length=10, choices=AssessmentTiming.choices)
    assessed_on = models.DateField()
    glogau = models.PositiveSmallIntegerField(null=True, blank=True, validators=_between(1, 4))
    fitzpatrick = models.PositiveSmallIntegerField(null=True, blank=True, validators=_between(1, 6))
    wsrs_left = models.PositiveSmallIntegerField(null=True, blank=True, validators=_between(1, 5))
    wsrs_right = models.PositiveSmallIntegerField(null=True, blank=True, validators=_between(1, 5))
    mmasi = models.DecimalField(
        max_digits=4, decimal_places=1, null=True, blank=True, validators=_between(0, 24)
    )
    gais_investigator = models.PositiveSmallIntegerField(null=True, blank=True, validators=_between(1, 5))
    gais_subject = models.PositiveSmallIntegerField(null=True, blank=True, validators=_between(1, 5))
    satisfaction = models.PositiveSmallIntegerField(null=True, blank=True, validators=_between(1, 5))
    notes = models.TextField(blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-assessed_on", "-id"]
        indexes = [models.Index(fields=["patient", "assessed_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(glogau__gte=1, glogau__lte=4) | Q(glogau__isnull=True),
                name="assessment_glogau_range",
            ),
            models.CheckConstraint(
                condition=Q(fitzpatrick__gte=1, fitzpatrick__lte=6) | Q(fitzpatrick__isnull=True),
                name="assessment_fitzpatrick_range",
            ),
            models.CheckConstraint(
                condition=Q(mmasi__gte=0, mmasi__lte=24) | Q(mmasi__isnull=True),
                name="assessment_mmasi_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_timing_display()} assessment of patient {self.patient_id} on {self.assessed_on}"

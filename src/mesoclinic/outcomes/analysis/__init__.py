"""Pure skin-analysis core: photo in, quality and per-region skin metrics out.

No Django, no settings, no clock: numpy arrays in, frozen dataclasses and dicts out. Modules:

* :mod:`.loading`: reading a photo safely (type, size, decompression bomb, EXIF orientation);
* :mod:`.quality`: blur and exposure checks;
* :mod:`.landmarks`: the face mesh (MediaPipe Face Mesh, its models shipped in the wheel: offline);
* :mod:`.face`: the face frame, pose, expression, the nine clinical regions and why a face cannot be measured;
* :mod:`.metrics`: spots, pores, wrinkles, colour (L*a*b*, ITA°), redness and texture on an analysis grid;
* :mod:`.pipeline`: :func:`analyze`, the whole analysis of one photo, and :func:`compare` (a follow-up
  measured on its baseline's regions);
* :mod:`.registration`: aligning a follow-up onto its baseline;
* :mod:`.synthetic`: synthetic skin with known features, for validation.

Method, measured accuracy and limits: ``docs/analysis.md``.
"""

from __future__ import annotations

from .colour import ita_degrees, rgb_to_lab
from .face import (
    FACE_REGIONS,
    REGION_NAMES,
    FaceFrame,
    FaceLimits,
    FaceNotFoundError,
    FaceRefusedError,
    check_face,
    detect_face,
)
from .landmarks import LANDMARKER, LandmarkerUnavailableError
from .loading import ALLOWED_FORMATS, ImageLimits, ImageLoadError, load_image
from .metrics import METRIC_NAMES, FeatureMaps, MetricParameters, feature_maps, region_metrics
from .pipeline import (
    FACE_UNIT_PX,
    WHOLE_SIDE,
    Analysis,
    AnalysisGrid,
    Comparison,
    analyze,
    compare,
    face_grid,
    measure_regions,
    normalise_exposure,
    photo_problems,
    preview,
    whole_grid,
)
from .quality import Quality, QualityThresholds, assess_quality
from .registration import Registration, RegistrationError, register, register_faces

__all__ = [
    "ALLOWED_FORMATS",
    "FACE_REGIONS",
    "FACE_UNIT_PX",
    "LANDMARKER",
    "METRIC_NAMES",
    "REGION_NAMES",
    "WHOLE_SIDE",
    "Analysis",
    "AnalysisGrid",
    "Comparison",
    "FaceFrame",
    "FaceLimits",
    "FaceNotFoundError",
    "FaceRefusedError",
    "FeatureMaps",
    "ImageLimits",
    "ImageLoadError",
    "LandmarkerUnavailableError",
    "MetricParameters",
    "Quality",
    "QualityThresholds",
    "Registration",
    "RegistrationError",
    "analyze",
    "assess_quality",
    "check_face",
    "compare",
    "detect_face",
    "face_grid",
    "feature_maps",
    "ita_degrees",
    "load_image",
    "measure_regions",
    "normalise_exposure",
    "photo_problems",
    "preview",
    "region_metrics",
    "register",
    "register_faces",
    "rgb_to_lab",
    "whole_grid",
]

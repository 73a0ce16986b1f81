"""Photos, analyses and assessments written straight to the tables, for the tests that only read them
(reports, the FHIR export): the outcomes services need real images and a worker. A photo needs no real file
here: ``image`` and ``thumbnail`` are dummy names."""

from __future__ import annotations

import copy
import itertools
from datetime import date, datetime
from typing import Any

from mesoclinic.outcomes.models import (
    AnalysisStatus,
    Assessment,
    AssessmentTiming,
    Photo,
    PhotoAnalysis,
    PhotoView,
)
from mesoclinic.patients.models import Patient

_serial = itertools.count(1)

#: An analysis' metrics: measured ones, and one name the exports must leave out.
EXAMPLE_METRICS = {
    "forehead": {"wrinkle_area_fraction": 3.5, "spot_count": 12.0, "ita_deg": 41.2},
    "cheek_left": {"redness_area_fraction": 7.25, "lab_a_mean": 12.1, "not_a_metric": 1.0},
}

#: A follow-up's scores on every scale.
EXAMPLE_SCORES: dict[str, Any] = {
    "glogau": 2,
    "fitzpatrick": 3,
    "wsrs_left": 3,
    "mmasi": "4.5",
    "gais_investigator": 2,
    "gais_subject": 2,
    "satisfaction": 4,
}


def make_photo(
    patient: Patient, taken_at: datetime, *, view: str = PhotoView.FRONT, session_id: int | None = None
) -> Photo:
    n = next(_serial)
    return Photo.objects.create(
        clinic=patient.clinic,
        patient=patient,
        session_id=session_id,
        view=view,
        taken_at=taken_at,
        image=f"photos/test/{n}.jpg",
        thumbnail=f"photos/thumbs/test/{n}.jpg",
        content_type="image/jpeg",
        width=3000,
        height=2000,
        size_bytes=1_000_000,
        sha256=f"{n:064d}",
    )


def make_analysis(
    photo: Photo, metrics: dict[str, dict[str, float]] | None = None, *, method_version: str = "1.0"
) -> PhotoAnalysis:
    """The finished analysis of ``photo`` with ``metrics`` (``EXAMPLE_METRICS`` unless given)."""
    return PhotoAnalysis.objects.create(
        photo=photo,
        status=AnalysisStatus.DONE,
        metrics=copy.deepcopy(EXAMPLE_METRICS) if metrics is None else metrics,
        finished_at=photo.taken_at,
        method_version=method_version,
    )


def make_analysed_photo(
    patient: Patient, taken_at: datetime, metrics: dict[str, dict[str, float]], *, view: str = PhotoView.FRONT
) -> PhotoAnalysis:
    """A photo of ``patient`` taken at ``taken_at`` and its finished analysis with ``metrics``."""
    return make_analysis(make_photo(patient, taken_at, view=view), metrics, method_version="test")


def wrinkles(value: float, region: str = "forehead") -> dict[str, dict[str, float]]:
    return {region: {"wrinkle_area_fraction": value, "spot_count": 10.0}}


def make_assessment(
    patient: Patient,
    on: date,
    *,
    timing: str = AssessmentTiming.FOLLOW_UP,
    session_id: int | None = None,
    **scores: Any,
) -> Assessment:
    return Assessment.objects.create(
        clinic=patient.clinic, patient=patient, session_id=session_id, timing=timing, assessed_on=on, **scores
    )


def make_scored_assessment(patient: Patient, on: date, *, session_id: int | None = None) -> Assessment:
    """A follow-up assessment with ``EXAMPLE_SCORES`` on every scale."""
    return make_assessment(patient, on, session_id=session_id, **EXAMPLE_SCORES)

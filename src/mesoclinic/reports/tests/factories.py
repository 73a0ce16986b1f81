"""Photos, analyses and assessments written straight to the tables, for the reports' tests.

The outcomes app's services (upload, analysis) are someone else's; reports only read, so the tests build
the rows they read. A photo needs no real file here: ``image`` and ``thumbnail`` are dummy names.
"""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

from mesoclinic.catalog.models import Cocktail, Protocol
from mesoclinic.outcomes.models import (
    AnalysisStatus,
    Assessment,
    AssessmentTiming,
    Photo,
    PhotoAnalysis,
    PhotoView,
)
from mesoclinic.patients.models import Patient
from mesoclinic.scheduling.models import Course
from mesoclinic.testing import make_signed_session
from mesoclinic.treatments.models import SessionRecord

_serial = itertools.count(1)


def make_analysis(
    patient: Patient, taken_at: datetime, metrics: dict[str, dict[str, float]], *, view: str = PhotoView.FRONT
) -> PhotoAnalysis:
    """A photo of ``patient`` taken at ``taken_at`` and its finished analysis with ``metrics``."""
    n = next(_serial)
    photo = Photo.objects.create(
        clinic=patient.clinic,
        patient=patient,
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
    return PhotoAnalysis.objects.create(
        photo=photo, status=AnalysisStatus.DONE, metrics=metrics, finished_at=taken_at, method_version="test"
    )


def wrinkles(value: float, region: str = "forehead") -> dict[str, dict[str, float]]:
    return {region: {"wrinkle_area_fraction": value, "spot_count": 10.0}}


def make_assessment(
    patient: Patient, on: Any, *, timing: str = AssessmentTiming.FOLLOW_UP, **scores: Any
) -> Assessment:
    return Assessment.objects.create(
        clinic=patient.clinic, patient=patient, timing=timing, assessed_on=on, **scores
    )


def make_course(
    patient: Patient,
    practitioner: Any,
    starts: datetime,
    *,
    modality: str = "needle",
    cocktail_code: str | None = None,
    sessions: int = 2,
    status: str = Course.Status.COMPLETED,
) -> Course:
    """A course of ``sessions`` signed sessions 28 days apart from ``starts``, with its cocktail if given."""
    course = Course.objects.create(
        clinic=patient.clinic,
        patient=patient,
        protocol=Protocol.objects.filter(clinic=patient.clinic).order_by("pk").first(),
        modality=modality,
        sessions=sessions,
        interval_days=28,
        tolerance_days=3,
        maintenance_interval_months=6,
        status=status,
    )
    cocktail = Cocktail.objects.get(clinic=patient.clinic, code=cocktail_code) if cocktail_code else None
    records = [
        make_signed_session(
            patient, practitioner, performed_at=starts + timedelta(days=28 * i), modality=modality
        )
        for i in range(sessions)
    ]
    # Factory: straight to the table (a signed record's save refuses changes; this is test set-up).
    SessionRecord.objects.filter(pk__in=[r.pk for r in records]).update(course=course, cocktail=cocktail)
    return course

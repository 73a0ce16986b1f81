"""Rows the FHIR export reads that the demo clinic has none of (photos, analyses, scales), straight to the
tables: the outcomes services need real images and a worker, and the export only reads."""

from __future__ import annotations

import itertools
from datetime import date, datetime

from mesoclinic.outcomes.models import AnalysisStatus, Assessment, AssessmentTiming, Photo, PhotoAnalysis
from mesoclinic.patients.models import Patient

_serial = itertools.count(1)


def make_photo(patient: Patient, taken_at: datetime, *, session_id: int | None = None) -> Photo:
    n = next(_serial)
    return Photo.objects.create(
        clinic=patient.clinic,
        patient=patient,
        session_id=session_id,
        view="front",
        taken_at=taken_at,
        image=f"photos/test/{n}.jpg",
        thumbnail=f"photos/thumbs/test/{n}.jpg",
        content_type="image/jpeg",
        width=3000,
        height=2000,
        size_bytes=1_000_000,
        sha256=f"{n:064d}",
    )


def make_analysis(photo: Photo) -> PhotoAnalysis:
    metrics = {
        "forehead": {"wrinkle_area_fraction": 3.5, "spot_count": 12.0, "ita_deg": 41.2},
        "cheek_left": {"redness_area_fraction": 7.25, "lab_a_mean": 12.1, "not_a_metric": 1.0},
    }
    return PhotoAnalysis.objects.create(
        photo=photo,
        status=AnalysisStatus.DONE,
        metrics=metrics,
        finished_at=photo.taken_at,
        method_version="1.0",
    )


def make_assessment(patient: Patient, on: date, *, session_id: int | None = None) -> Assessment:
    return Assessment.objects.create(
        clinic=patient.clinic,
        patient=patient,
        session_id=session_id,
        timing=AssessmentTiming.FOLLOW_UP,
        assessed_on=on,
        glogau=2,
        fitzpatrick=3,
        wsrs_left=3,
        mmasi="4.5",
        gais_investigator=2,
        gais_subject=2,
        satisfaction=4,
    )

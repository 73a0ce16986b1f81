"""The outcome report reads each analysis' two numbers in SQL (issue 20 item 2): its figures are the same as
when it decoded every analysis' whole JSON in Python, on a varied generated clinic."""

from __future__ import annotations

import zoneinfo
from collections import defaultdict
from datetime import UTC, date, datetime

import pytest

from mesoclinic.clinical_codes.dates import add_months, local_day
from mesoclinic.loadgen import LoadSpec, generate
from mesoclinic.outcomes.models import AnalysisStatus, PhotoAnalysis
from mesoclinic.patients.models import Patient
from mesoclinic.reports import stats
from mesoclinic.reports.selectors import cohort_outcomes, metric_value
from mesoclinic.testing.outcomes import make_analysed_photo
from mesoclinic.treatments.models import SessionRecord

pytestmark = pytest.mark.django_db


def before(clinic, *, metric: str, region: str, months: int) -> list[tuple[int, float, float, float]]:
    """The report's courses as the Python loop over every decoded analysis computed them (the oracle)."""
    tz = zoneinfo.ZoneInfo(clinic.timezone)
    firsts: dict[int, tuple[int, datetime]] = {}
    for course_id, patient_id, at in (
        SessionRecord.objects.filter(clinic=clinic, status="signed", course__isnull=False)
        .order_by("performed_at", "pk")
        .values_list("course_id", "patient_id", "performed_at")
    ):
        firsts.setdefault(course_id, (patient_id, at))
    series = defaultdict(list)
    for analysis in (
        PhotoAnalysis.objects.filter(photo__clinic=clinic, status=AnalysisStatus.DONE)
        .order_by("photo__taken_at", "photo_id")
        .select_related("photo")
    ):
        value = metric_value(analysis.metrics, region, metric)
        if value is not None:
            series[analysis.photo.patient_id].append((analysis.photo.taken_at, value))
    rows = []
    for course_id, (patient_id, first) in firsts.items():
        points = series.get(patient_id, [])
        due = add_months(local_day(first, tz), months)
        early = [v for at, v in points if at <= first]
        late = [v for at, v in points if local_day(at, tz) >= due]
        if early and late and early[-1] != 0:
            rows.append((course_id, early[-1], late[-1], stats.change(early[-1], late[-1]).percent or 0.0))
    return rows


@pytest.mark.parametrize(
    ("metric", "region"),
    [
        ("wrinkle_area_fraction", "forehead"),
        ("spot_count", "cheeks"),
        ("redness_area_fraction", "nasolabial"),
    ],
)
def test_the_report_gives_what_the_python_loop_gave(metric: str, region: str) -> None:
    generate(LoadSpec(until=date(2026, 6, 15), clinics=1, clinic_patients=60, years=3, seed=3, prefix="o"))
    patient = Patient.objects.filter(clinic__slug="o-001").order_by("pk").first()
    # odd analyses: one side only, a null, a string, a region missing
    make_analysed_photo(patient, datetime(2024, 1, 1, tzinfo=UTC), {"cheek_left": {"spot_count": 3}})
    make_analysed_photo(patient, datetime(2024, 2, 1, tzinfo=UTC), {"cheek_right": {"spot_count": None}})
    make_analysed_photo(
        patient, datetime(2024, 3, 1, tzinfo=UTC), {"forehead": {"wrinkle_area_fraction": "x"}}
    )
    make_analysed_photo(patient, datetime(2024, 4, 1, tzinfo=UTC), {"chin": {"spot_count": 1}})
    clinic = patient.clinic
    expected = before(clinic, metric=metric, region=region, months=5)
    cohort = cohort_outcomes(clinic, metric=metric, region=region, months=5)
    assert len(expected) > 5
    assert [(o.course_id, o.baseline, o.follow_up, o.percent) for o in cohort.outcomes] == expected

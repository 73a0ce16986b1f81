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
from mesoclinic.reports.selectors import cohort_outcomes, first_sessions, metric_value
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


def courses_before(clinic) -> list[tuple[int, dict]]:
    """Each course's first signed session as the loop over every signed record found it (the oracle)."""
    courses: dict[int, dict] = {}
    for course_id, patient_id, modality, cocktail, at in (
        SessionRecord.objects.filter(clinic=clinic, status="signed", course__isnull=False)
        .order_by("performed_at", "pk")
        .values_list("course_id", "patient_id", "course__modality", "cocktail__name", "performed_at")
    ):
        course = courses.setdefault(
            course_id, {"patient": patient_id, "modality": modality, "cocktail": cocktail, "first": at}
        )
        course["cocktail"] = course["cocktail"] or cocktail
    return list(courses.items())


def test_each_courses_first_session_is_what_reading_every_record_found() -> None:
    generate(LoadSpec(until=date(2026, 6, 15), clinics=2, clinic_patients=60, years=3, seed=5, prefix="f"))
    clinic = Patient.objects.filter(clinic__slug="f-001").order_by("pk").first().clinic
    signed = SessionRecord.objects.filter(clinic=clinic, status="signed", course__isnull=False)
    # variety: a course whose first signed session has no cocktail but a later one has, drafts, a tie
    course_id = signed.filter(cocktail__isnull=False).values_list("course_id", flat=True).first()
    first = signed.filter(course_id=course_id).order_by("performed_at", "pk").first()
    SessionRecord.objects.filter(pk=first.pk).update(cocktail=None)
    later = signed.exclude(course_id=course_id).order_by("performed_at", "pk").first()
    SessionRecord.objects.filter(pk=later.pk).update(performed_at=first.performed_at)  # two courses tie
    others = signed.exclude(course_id__in=[course_id, later.course_id]).order_by("pk")
    SessionRecord.objects.filter(pk=others.first().pk).update(status="draft", signed_at=None, signed_by=None)
    SessionRecord.objects.filter(course_id=others.last().course_id).update(cocktail=None)  # none recorded
    expected = courses_before(clinic)
    assert len(expected) > 10
    assert {c["cocktail"] is None for _, c in expected} == {True, False}
    assert dict(expected)[course_id]["cocktail"] is not None
    assert list(first_sessions(clinic).items()) == expected
    other = Patient.objects.filter(clinic__slug="f-002").order_by("pk").first().clinic
    assert list(first_sessions(other).items()) == courses_before(other)

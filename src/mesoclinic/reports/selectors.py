"""Reads behind the reports: a patient's metric series, the cohort's changes vs baseline, the clinic reports.

Every function takes the clinic (or a patient already fetched through ``get_patient_for_user``) and reads a
fixed number of queries whatever the number of patients: rows come back as plain values and are grouped in
Python, so the cohort report costs the same for ten patients as for ten thousand (memory aside).
"""

from __future__ import annotations

import zoneinfo
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.db.models.fields.json import KeyTransform
from django.utils.translation import gettext, gettext_lazy

from mesoclinic.catalog.data_file import default_catalog
from mesoclinic.clinical_codes.dates import add_months, local_day
from mesoclinic.outcomes.analysis.repeatability import METHOD_SPREAD, assess_change
from mesoclinic.outcomes.models import AnalysisStatus, Assessment, PhotoAnalysis
from mesoclinic.patients.models import Patient
from mesoclinic.reports import stats
from mesoclinic.scheduling.models import Appointment, AppointmentStatus, Course, MaintenanceRecall
from mesoclinic.treatments.models import SessionRecord
from mesoclinic.treatments.selectors import courses_progress

# name, unit, repeatability CV % (the method's test–retest CV on re-captured real faces, docs/analysis.md;
# a change is judged with the repeatability coefficient 1.96·√2·SD, see outcomes.analysis.repeatability)
METRICS: dict[str, tuple[Any, Any, float]] = {
    "wrinkle_area_fraction": (gettext_lazy("Wrinkle area"), gettext_lazy("fraction of region"), 6.0),
    "wrinkle_length_density": (gettext_lazy("Wrinkle length density"), gettext_lazy("px per px²"), 6.0),
    "spot_count": (gettext_lazy("Spot count"), gettext_lazy("spots (effective count)"), 6.0),
    "spot_area_fraction": (gettext_lazy("Spot area"), gettext_lazy("fraction of region"), 6.0),
    "redness_area_fraction": (gettext_lazy("Redness area"), gettext_lazy("fraction of region"), 4.0),
    "lab_l_mean": (gettext_lazy("Lightness L*"), "CIELAB L*", 2.0),
    "lab_a_mean": (gettext_lazy("Redness a*"), "CIELAB a*", 2.0),
    "lab_b_mean": (gettext_lazy("Yellowness b*"), "CIELAB b*", 2.0),
    "ita_deg": (gettext_lazy("Individual typology angle"), "ITA°", 2.0),
    "texture_roughness": (gettext_lazy("Texture roughness"), gettext_lazy("grey levels"), 2.0),
}
# "cheeks", "periorbital" and "nasolabial" are the mean of the left and right regions when both were measured.
REGIONS: dict[str, Any] = {
    "forehead": gettext_lazy("Forehead"),
    "glabella": gettext_lazy("Glabella"),
    "periorbital": gettext_lazy("Periorbital (both sides)"),
    "cheeks": gettext_lazy("Cheeks (both sides)"),
    "nasolabial": gettext_lazy("Nasolabial (both sides)"),
    "chin": gettext_lazy("Chin"),
    "whole": gettext_lazy("Whole image (close-up)"),
}
DEFAULT_REGION: dict[str, str] = {
    "wrinkle_area_fraction": "forehead",
    "wrinkle_length_density": "forehead",
    "spot_count": "cheeks",
    "spot_area_fraction": "cheeks",
    "redness_area_fraction": "cheeks",
}
_PAIRS = {
    "cheeks": ["cheek_left", "cheek_right"],
    "periorbital": ["periorbital_left", "periorbital_right"],
    "nasolabial": ["nasolabial_left", "nasolabial_right"],
}
DURABILITY_MONTHS = 6
NEEDLE = "needle"


def metric_value(metrics: dict[str, Any], region: str, metric: str) -> float | None:
    """One metric of one region from an analysis' ``metrics``; paired regions are averaged over both sides."""
    names = _PAIRS.get(region, [region])
    return _mean_of_numbers(metrics.get(name, {}).get(metric) for name in names)


def _mean_of_numbers(values: Iterable[Any]) -> float | None:
    found = [float(v) for v in values if isinstance(v, int | float)]
    return sum(found) / len(found) if found else None


def metric_values(clinic: Any, *, region: str, metric: str) -> QuerySet[Any]:
    """The clinic's finished analyses by time as ``(patient_id, taken_at, value, …)`` rows: one value per
    region side (``metric_value``'s pairs), extracted by the database from the JSON, so a report reads two
    numbers per analysis instead of decoding its every region and metric (issue 20 item 2)."""
    sides = {
        f"side_{n}": KeyTransform(metric, KeyTransform(name, "metrics"))
        for n, name in enumerate(_PAIRS.get(region, [region]))
    }
    return (
        PhotoAnalysis.objects.filter(photo__clinic=clinic, status=AnalysisStatus.DONE)
        .order_by("photo__taken_at", "photo_id")
        .annotate(**sides)
        .values_list("photo__patient_id", "photo__taken_at", *sides)
    )


def modality_names() -> dict[str, str]:
    return {m["code"]: gettext(m["name"]) for m in default_catalog()["modalities"]}


def delivery(modality: str) -> str:
    """The headline split: needle injections against every needle-free device."""
    return "Needle" if modality == NEEDLE else "Needle-free"


# ---------------------------------------------------------------------------------------------------------
# One patient


@dataclass(frozen=True)
class Measurement:
    on: date
    value: float
    photo_id: int


@dataclass(frozen=True)
class SessionMark:
    on: date
    label: str
    modality: str
    cocktail: str


@dataclass(frozen=True)
class Progress:
    """A patient's series of one metric, and its last change against the baseline.

    ``limit`` is the repeatability coefficient at the baseline's level (1.96·√2·SD of the method's test–retest):
    a change larger than it is beyond what re-photographing the same skin produces; ``repeatability`` is that
    limit in % of the baseline. Only measurements of one method version are shown (like with like):
    ``other_method`` counts the older analyses left out.
    """

    measurements: list[Measurement]
    sessions: list[SessionMark]
    durability: list[date]
    assessments: list[Assessment]
    change: stats.Change | None
    repeatability: float
    limit: float | None = None
    other_method: int = 0

    @property
    def beyond(self) -> bool | None:
        if self.change is None:
            return None
        verdict = assess_change(self.change.baseline, self.change.value, METHOD_SPREAD.get(self.metric))
        return verdict.beyond if verdict.measurable else None

    metric: str = ""


def patient_progress(
    patient: Patient, *, metric: str, region: str, photo_ids: Iterable[int] | None = None
) -> Progress:
    """The patient's series of one metric, their signed sessions, 6-month lines and scales (four queries).

    The change is the last measurement against the baseline: the last one on or before the first session
    (or the first measurement when there is no session yet). With ``photo_ids``, only those photos'
    measurements count (the portal: the photos staff shared with the patient).
    """
    tz = zoneinfo.ZoneInfo(patient.clinic.timezone)
    analyses = PhotoAnalysis.objects.filter(photo__patient=patient, status=AnalysisStatus.DONE)
    if photo_ids is not None:
        analyses = analyses.filter(photo_id__in=list(photo_ids))
    rows = list(
        analyses.order_by("photo__taken_at", "photo_id").values_list(
            "photo_id", "photo__taken_at", "metrics", "method_version"
        )
    )
    version = rows[-1][3] if rows else ""  # like with like: the newest analysis' method
    measurements, other_method = [], 0
    for photo_id, taken_at, metrics, method_version in rows:
        value = metric_value(metrics, region, metric)
        if value is None:
            continue
        if method_version != version:
            other_method += 1
            continue
        measurements.append(Measurement(local_day(taken_at, tz), value, photo_id))
    records = (
        SessionRecord.objects.filter(patient=patient, status=SessionRecord.Status.SIGNED)
        .order_by("performed_at", "pk")
        .values_list("performed_at", "modality", "cocktail__name", "course_id")
    )
    names = modality_names()
    sessions = [
        SessionMark(local_day(at, tz), f"S{i}", names.get(modality, modality), cocktail or "")
        for i, (at, modality, cocktail, _course) in enumerate(records, start=1)
    ]
    last_of_course: dict[int, date] = {}
    for at, _modality, _cocktail, course_id in records:
        if course_id is not None:
            last_of_course[course_id] = local_day(at, tz)
    completed = Course.objects.filter(
        patient=patient, status=Course.Status.COMPLETED, pk__in=list(last_of_course)
    ).values_list("pk", flat=True)
    durability = sorted(add_months(last_of_course[pk], DURABILITY_MONTHS) for pk in completed)
    assessments = list(Assessment.objects.filter(patient=patient).order_by("assessed_on", "pk"))
    change = None
    if len(measurements) >= 2:  # a change needs a baseline and a later value
        first_session = sessions[0].on if sessions else None
        before = [m for m in measurements if first_session is not None and m.on <= first_session]
        baseline = before[-1] if before else measurements[0]
        if measurements[-1].on > baseline.on:
            change = stats.change(baseline.value, measurements[-1].value)
    limit, percent = None, METRICS[metric][2]
    if measurements:
        spread = METHOD_SPREAD.get(metric)
        base = change.baseline if change is not None else measurements[0].value
        if spread is not None:
            limit = assess_change(base, base, spread).limit
            if limit is not None and base:
                percent = limit / abs(base) * 100
    return Progress(
        measurements,
        sessions,
        durability,
        assessments,
        change,
        percent,
        limit=limit,
        other_method=other_method,
        metric=metric,
    )


# ---------------------------------------------------------------------------------------------------------
# The cohort


@dataclass(frozen=True)
class CourseOutcome:
    course_id: int
    patient_id: int
    modality: str
    cocktail: str
    baseline: float
    follow_up: float
    percent: float


@dataclass
class GroupRow:
    label: str
    summary: stats.Summary
    values: list[float] = field(default_factory=list)


@dataclass(frozen=True)
class ScaleRow:
    label: str
    gais_investigator: stats.Summary
    gais_subject: stats.Summary
    satisfaction: stats.Summary


@dataclass(frozen=True)
class Cohort:
    outcomes: list[CourseOutcome]
    by_delivery: list[GroupRow]
    by_modality: list[GroupRow]
    by_cocktail: list[GroupRow]
    scales: list[ScaleRow]
    excluded: int


def _groups(outcomes: Iterable[CourseOutcome], key: Any) -> list[GroupRow]:
    grouped: dict[str, list[float]] = defaultdict(list)
    for outcome in outcomes:
        grouped[key(outcome)].append(outcome.percent)
    return [GroupRow(label, stats.summarize(values), values) for label, values in sorted(grouped.items())]


def cohort_outcomes(clinic: Any, *, metric: str, region: str, months: int) -> Cohort:
    """Change vs baseline (%) per course, and its n, mean and 95 % CI by delivery, modality and cocktail.

    For each course with signed sessions: the baseline is the patient's last analysed photo on or before the
    course's first session; the follow-up is their last analysed photo at least ``months`` after it. Courses
    without both are counted in ``excluded``. Three queries, whatever the number of patients.
    """
    tz = zoneinfo.ZoneInfo(clinic.timezone)
    names = modality_names()
    courses = first_sessions(clinic)
    series: dict[int, list[tuple[datetime, float]]] = defaultdict(list)
    for patient_id, taken_at, *values in metric_values(clinic, region=region, metric=metric):
        value = _mean_of_numbers(values)
        if value is not None:
            series[patient_id].append((taken_at, value))
    outcomes, excluded = [], 0
    for course_id, course in courses.items():
        points = series.get(course["patient"], [])
        first: datetime = course["first"]
        due = add_months(local_day(first, tz), months)
        before = [v for at, v in points if at <= first]
        after = [v for at, v in points if local_day(at, tz) >= due]
        if not before or not after or before[-1] == 0:
            excluded += 1
            continue
        change = stats.change(before[-1], after[-1])
        outcomes.append(
            CourseOutcome(
                course_id,
                course["patient"],
                names.get(course["modality"], course["modality"]),
                course["cocktail"] or "No cocktail recorded",
                before[-1],
                after[-1],
                change.percent or 0.0,
            )
        )
    delivery_of = {name: delivery(code) for code, name in names.items()}
    return Cohort(
        outcomes=outcomes,
        by_delivery=_groups(outcomes, lambda o: delivery_of.get(o.modality, "Needle-free")),
        by_modality=_groups(outcomes, lambda o: o.modality),
        by_cocktail=_groups(outcomes, lambda o: o.cocktail),
        scales=_scales(clinic, courses, names),
        excluded=excluded,
    )


def first_sessions(clinic: Any) -> dict[int, dict[str, Any]]:
    """Each course with signed sessions: its first signed session's patient and time, its modality and the
    first cocktail recorded on its signed sessions (``None`` if none), in the order of the first sessions.

    One query, a row per course: each course's first session is found by the database (an index probe on
    the course's records), instead of reading every signed record of the clinic (issue 20 item 2).
    """
    signed = SessionRecord.objects.filter(
        clinic=clinic, course=OuterRef("pk"), status=SessionRecord.Status.SIGNED
    ).order_by("performed_at", "pk")
    rows = (
        Course.objects.filter(clinic=clinic)
        .annotate(
            first=Subquery(signed.values("performed_at")[:1]),
            first_pk=Subquery(signed.values("pk")[:1]),
            first_patient=Subquery(signed.values("patient_id")[:1]),
            first_cocktail=Subquery(
                signed.filter(cocktail__isnull=False).exclude(cocktail__name="").values("cocktail__name")[:1]
            ),
        )
        .filter(first__isnull=False)
        .order_by("first", "first_pk")
        .values_list("pk", "first_patient", "modality", "first_cocktail", "first")
    )
    return {
        course_id: {"patient": patient_id, "modality": modality, "cocktail": cocktail, "first": at}
        for course_id, patient_id, modality, cocktail, at in rows
    }


def _scales(clinic: Any, courses: dict[int, dict[str, Any]], names: dict[str, str]) -> list[ScaleRow]:
    """GAIS and satisfaction by modality: each course's latest assessment after its first session."""
    modality_of_patient: dict[int, list[tuple[datetime, str]]] = defaultdict(list)
    for course in courses.values():
        modality_of_patient[course["patient"]].append((course["first"], course["modality"]))
    tz = zoneinfo.ZoneInfo(clinic.timezone)
    latest: dict[tuple[int, str], tuple[Any, Any, Any]] = {}
    for patient_id, on, gi, gs, sat in (
        Assessment.objects.filter(clinic=clinic)
        .order_by("assessed_on", "pk")
        .values_list("patient_id", "assessed_on", "gais_investigator", "gais_subject", "satisfaction")
    ):
        for first, modality in modality_of_patient.get(patient_id, []):
            if on > local_day(first, tz) and (gi or gs or sat):
                latest[(patient_id, modality)] = (gi, gs, sat)
    grouped: dict[str, list[tuple[Any, Any, Any]]] = defaultdict(list)
    for (_patient, modality), scores in latest.items():
        grouped[names.get(modality, modality)].append(scores)
    return [
        ScaleRow(
            label,
            *(stats.summarize([float(s[i]) for s in rows if s[i] is not None]) for i in range(3)),
        )
        for label, rows in sorted(grouped.items())
    ]


# ---------------------------------------------------------------------------------------------------------
# Clinic reports


@dataclass(frozen=True)
class NoShowRow:
    label: str
    appointments: int
    no_shows: int

    @property
    def rate(self) -> float | None:
        return self.no_shows / self.appointments * 100 if self.appointments else None


def no_shows(
    clinic: Any, *, first: date, last: date, location_id: int | None = None
) -> tuple[list[NoShowRow], list[NoShowRow]]:
    """No-show counts and rates per month and per practitioner, appointments starting ``first .. last``.

    Cancelled appointments are not counted: a cancellation is not a missed visit. One query.
    """
    tz = zoneinfo.ZoneInfo(clinic.timezone)
    start = datetime.combine(first, datetime.min.time(), tz)
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), tz)
    rows = Appointment.objects.filter(clinic=clinic, starts_at__gte=start, starts_at__lt=end).exclude(
        status__in=(AppointmentStatus.CANCELLED, AppointmentStatus.HELD)
    )
    if location_id is not None:
        rows = rows.filter(location_id=location_id)
    months: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    people: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for starts_at, status, name in rows.values_list("starts_at", "status", "practitioner__display_name"):
        missed = int(status == AppointmentStatus.NO_SHOW)
        for bucket, key in ((months, starts_at.astimezone(tz).strftime("%Y-%m")), (people, name)):
            bucket[key][0] += 1
            bucket[key][1] += missed
    return (
        [NoShowRow(k, *v) for k, v in sorted(months.items())],
        [NoShowRow(k, *v) for k, v in sorted(people.items())],
    )


@dataclass(frozen=True)
class RecallRow:
    patient_id: int
    patient: str
    due_on: date
    protocol: str
    overdue: bool


def recalls_due_query(clinic: Any, *, today: date, days: int = 60) -> QuerySet[Any]:
    """Maintenance recalls still due (overdue ones and those due in the next ``days`` days), by due date, as
    rows for ``recall_rows``: a query a page slices in SQL (a big clinic has thousands due)."""
    return (
        MaintenanceRecall.objects.filter(
            clinic=clinic, status=MaintenanceRecall.Status.DUE, due_on__lte=today + timedelta(days=days)
        )
        .order_by("due_on", "pk")
        .values_list(
            "patient_id", "patient__given_name", "patient__family_name", "due_on", "course__protocol__name"
        )
    )


def recall_rows(rows: Iterable[Any], *, today: date) -> list[RecallRow]:
    return [
        RecallRow(pid, f"{given} {family}", due, protocol, due < today)
        for pid, given, family, due, protocol in rows
    ]


def recalls_due(clinic: Any, *, today: date, days: int = 60) -> list[RecallRow]:
    """Every maintenance recall still due (the CSV export). One query."""
    return recall_rows(recalls_due_query(clinic, today=today, days=days), today=today)


@dataclass
class AdherenceRow:
    """Courses of one protocol begun in the period: how their sessions kept to the series' spacing."""

    label: str
    courses: int = 0
    done: int = 0
    on_time: int = 0
    off_interval: int = 0
    missed: int = 0
    upcoming: int = 0
    elsewhere: int = 0  # of the done sessions: a physician recorded them as treated elsewhere / on paper

    @property
    def adherence(self) -> float | None:
        """Share of the done sessions that kept to the interval ± tolerance, in %."""
        return self.on_time / self.done * 100 if self.done else None


def adherence(
    clinic: Any, *, first: date, last: date, location_id: int | None = None, now: datetime
) -> list[AdherenceRow]:
    """Per protocol, the courses whose first session falls in ``first .. last`` and their adherence
    (the same states as a course's own page: on time, early or late, missed, upcoming). Four queries."""
    tz = zoneinfo.ZoneInfo(clinic.timezone)
    start = datetime.combine(first, datetime.min.time(), tz)
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), tz)
    began = Appointment.objects.filter(
        clinic=clinic, session_index=1, starts_at__gte=start, starts_at__lt=end
    ).exclude(status=AppointmentStatus.HELD)
    if location_id is not None:
        began = began.filter(location_id=location_id)
    courses = list(
        Course.objects.filter(pk__in=began.values("course_id")).select_related("protocol").order_by("pk")
    )
    rows: dict[str, AdherenceRow] = {}
    for progress in courses_progress(courses, now=now):
        label = progress.course.protocol.name
        row = rows.setdefault(label, AdherenceRow(label))
        row.courses += 1
        row.done += progress.done
        row.on_time += progress.on_time
        row.off_interval += progress.late
        row.missed += progress.missed
        row.upcoming += progress.upcoming
        row.elsewhere += progress.elsewhere
    return sorted(rows.values(), key=lambda r: r.label)

"""Reads about session records, and the progress of courses (which needs their records).

``get_session_for_user`` is the only way to fetch a record by id (courses: ``scheduling.selectors``): another
clinic's record is a 404, indistinguishable from one that does not exist.
"""

from __future__ import annotations

import zoneinfo
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from mesoclinic.accounts.models import Clinic, StaffMember
from mesoclinic.catalog.models import Modality
from mesoclinic.clinical_codes.dates import local_day
from mesoclinic.ids import pk_or_404
from mesoclinic.inventory.models import Lot
from mesoclinic.inventory.selectors import find_lots_by_scan
from mesoclinic.patients.models import Patient
from mesoclinic.scheduling.models import Appointment, AppointmentCompletion, AppointmentStatus, Course
from mesoclinic.treatments.models import SessionAmendment, SessionProduct, SessionRecord, SessionZone


def sessions_for_clinic(clinic: Clinic | int) -> QuerySet[SessionRecord]:
    clinic_id = clinic if isinstance(clinic, int) else clinic.pk
    return SessionRecord.objects.filter(clinic_id=clinic_id).select_related(
        "patient", "practitioner", "protocol", "cocktail", "device", "screening", "signed_by__staff", "course"
    )


def get_session_for_user(staff: StaffMember | None, record_id: Any) -> SessionRecord:
    """The session record in the staff member's clinic, with its lines, zones and amendments; or 404."""
    if staff is None:
        raise Http404
    record = (
        sessions_for_clinic(staff.clinic_id)
        .prefetch_related(
            *_lines(),
            Prefetch("amendments", queryset=SessionAmendment.objects.select_related("actor__staff")),
        )
        .filter(pk=pk_or_404(record_id))
        .first()
    )
    if record is None:
        raise Http404
    return record


def _lines() -> tuple[Prefetch, Prefetch]:
    """A record's product lines (with their lots) and zones, as its page and the API show them."""
    return (
        Prefetch(
            "products",
            queryset=SessionProduct.objects.select_related(
                "lot__product", "lot__cocktail", "movement", "added_by", "voided_by"
            ),
        ),
        Prefetch("zones", queryset=SessionZone.objects.select_related("added_by", "voided_by")),
    )


def sessions_with_lines_for_patient(patient: Patient, *, limit: int) -> list[SessionRecord]:
    """A patient's newest ``limit`` session records with their screening, product lines and zones: three
    queries however many records (the session API's list)."""
    return list(
        sessions_for_clinic(patient.clinic_id).filter(patient=patient).prefetch_related(*_lines())[:limit]
    )


def sessions_for_patient(patient: Patient) -> QuerySet[SessionRecord]:
    """A patient's session records, newest first (one query with what a list row shows)."""
    return SessionRecord.objects.filter(patient=patient).select_related(
        "practitioner", "protocol", "signed_by__staff"
    )


def modality_for(record: SessionRecord) -> Modality | None:
    return Modality.objects.filter(clinic_id=record.clinic_id, code=record.modality).first()


def lots_for_scan(clinic: Clinic, text: str) -> list[Lot]:
    """The clinic's lots a scanned barcode (GS1 text) or a typed lot number names."""
    return find_lots_by_scan(clinic, text)


# --- Course progress and adherence ------------------------------------------------------------------------


class Progress:
    """The state of one planned session of a course (plain strings: they go to templates and JSON)."""

    DONE = "done"  # done within interval ± tolerance of the previous done session (or the first)
    LATE = "late"  # done, but later than the interval + tolerance allows
    EARLY = "early"  # done, but sooner than the interval - tolerance allows
    MISSED = "missed"  # no-show, cancelled and not rebooked, or its time passed without being done
    REBOOKED = "rebooked"  # cancelled or missed, and another appointment took its place
    UPCOMING = "upcoming"


@dataclass(frozen=True)
class PlannedSession:
    appointment: Appointment
    state: str
    done_on: date | None
    gap_days: int | None
    record_id: int | None
    reason: str
    # Done without a session record here: a physician recorded it as treated elsewhere / on paper.
    elsewhere: bool = False


@dataclass(frozen=True)
class CourseProgress:
    course: Course
    sessions: list[PlannedSession]
    done: int
    on_time: int
    late: int
    missed: int
    upcoming: int
    elsewhere: int = 0  # of the done sessions, those recorded as treated elsewhere / on paper

    @property
    def adherence_percent(self) -> int | None:
        """Share of the done sessions that kept to the interval ± tolerance (None before any is done)."""
        return round(100 * self.on_time / self.done) if self.done else None


_DONE_STATES = (Progress.DONE, Progress.LATE, Progress.EARLY)


def course_progress(course: Course, *, now: datetime) -> CourseProgress:
    """Every planned session of a course with its state, and the counts that make adherence (3 queries)."""
    return courses_progress([course], now=now)[0]


def courses_progress(courses: Sequence[Course], *, now: datetime) -> list[CourseProgress]:
    """``course_progress`` of many courses at once, in the same three queries whatever their number."""
    by_course: dict[int, list[Appointment]] = defaultdict(list)
    for appointment in (
        Appointment.objects.filter(course__in=[c.pk for c in courses])
        .select_related("practitioner", "location")
        .order_by("course_id", "session_index", "starts_at", "id")
    ):
        by_course[appointment.course_id].append(appointment)  # type: ignore[index]  # filtered by course, so course_id is set
    in_courses = SessionRecord.objects.filter(appointment__course__in=[c.pk for c in courses])
    records = dict(in_courses.values_list("appointment_id", "pk"))
    signed = dict(
        in_courses.filter(status=SessionRecord.Status.SIGNED).values_list("appointment_id", "performed_at")
    )
    return [_progress(c, by_course.get(c.pk, []), records, signed, now) for c in courses]


def _progress(
    course: Course,
    appointments: list[Appointment],
    records: dict[int, int],
    signed: dict[int, datetime],
    now: datetime,
) -> CourseProgress:
    clinic_tz = zoneinfo.ZoneInfo(appointments[0].location.timezone) if appointments else None
    live = {
        a.session_index
        for a in appointments
        if a.status not in (AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW)
    }
    low, high = course.interval_days - course.tolerance_days, course.interval_days + course.tolerance_days
    previous: date | None = None
    sessions: list[PlannedSession] = []
    for appointment in appointments:
        completed = appointment.status == AppointmentStatus.COMPLETED
        elsewhere = completed and appointment.completion == AppointmentCompletion.ELSEWHERE
        # Done means a signed record, or a physician's audited "treated elsewhere": nothing else counts.
        done_at = signed.get(appointment.pk) or (appointment.starts_at if elsewhere else None)
        gap = None
        reason = ""
        if done_at is not None:
            assert clinic_tz is not None  # noqa: S101 — there is an appointment
            done_on = local_day(done_at, clinic_tz)
            gap = (done_on - previous).days if previous else None
            state = Progress.DONE
            if gap is not None and gap > high:
                state, reason = Progress.LATE, f"{gap} days after the previous session; planned {low}–{high}."
            elif gap is not None and gap < low:
                state, reason = (
                    Progress.EARLY,
                    f"{gap} days after the previous session; planned {low}–{high}.",
                )
            previous = done_on
            if elsewhere:
                note = f"Treated elsewhere / recorded on paper: {appointment.completion_reason}"
                reason = f"{note} {reason}".strip()
        elif completed:
            done_on = None
            state = Progress.MISSED
            reason = "Marked completed without a signed session record: not counted as done."
        else:
            done_on = None
            cancelled = appointment.status in (AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW)
            if cancelled and appointment.session_index in live:
                state = Progress.REBOOKED
            elif cancelled:
                state = Progress.MISSED
                reason = str(AppointmentStatus(appointment.status).label)
            elif appointment.ends_at < now:
                state, reason = Progress.MISSED, "Its time passed and it was not recorded as done."
            else:
                state = Progress.UPCOMING
        sessions.append(
            PlannedSession(
                appointment,
                state,
                done_on,
                gap,
                records.get(appointment.pk),
                reason,
                elsewhere and bool(done_at),
            )
        )
    states = [s.state for s in sessions]
    return CourseProgress(
        course=course,
        sessions=sessions,
        done=sum(state in _DONE_STATES for state in states),
        on_time=states.count(Progress.DONE),
        late=states.count(Progress.LATE) + states.count(Progress.EARLY),
        missed=states.count(Progress.MISSED),
        upcoming=states.count(Progress.UPCOMING),
        elsewhere=sum(s.elsewhere for s in sessions),
    )

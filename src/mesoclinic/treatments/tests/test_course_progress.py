"""Course progress: each planned session done on time, late, missed, rebooked or upcoming.

A session is done when its record is signed or a physician recorded it as treated elsewhere (shown as
such); an appointment marked completed any other way is not a session done.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from mesoclinic.scheduling.models import Appointment
from mesoclinic.scheduling.services import cancel_appointment, mark_no_show, record_treated_elsewhere
from mesoclinic.testing import make_schedulable, make_signed_session
from mesoclinic.testing.scheduling import MONDAY, book
from mesoclinic.treatments.models import SessionRecord
from mesoclinic.treatments.selectors import Progress, course_progress

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(clinic):
    return book(clinic, make_schedulable(clinic).location)


def states(course, now):
    return [s.state for s in course_progress(course, now=now).sessions]


def elsewhere(appointment, physician, reason="Recorded on paper during the outage."):
    with time_machine.travel(appointment.starts_at + timedelta(hours=1), tick=False):
        record_treated_elsewhere(appointment, reason=reason, actor=physician.user)


def no_show(appointment):
    with time_machine.travel(appointment.starts_at + timedelta(minutes=30), tick=False):
        mark_no_show(appointment, actor=None)


def test_a_new_course_is_all_upcoming(course):
    assert states(course, MONDAY - timedelta(days=1)) == [Progress.UPCOMING] * 4


def test_a_session_with_a_signed_record_is_done(course, practitioner):
    first = course.appointments.get(session_index=1)
    record = make_signed_session(first.patient, practitioner, performed_at=first.starts_at)
    SessionRecord.objects.filter(pk=record.pk).update(appointment=first)  # a factory: straight to the table
    progress = course_progress(course, now=first.starts_at + timedelta(hours=1))
    assert progress.sessions[0].state == Progress.DONE
    assert progress.sessions[0].record_id == record.pk
    assert not progress.sessions[0].elsewhere


def test_a_session_treated_elsewhere_is_done_and_shown_as_such(course, physician):
    elsewhere(course.appointments.get(session_index=1), physician)
    elsewhere(course.appointments.get(session_index=2), physician)
    progress = course_progress(course, now=MONDAY)
    assert [s.state for s in progress.sessions][:2] == [Progress.DONE, Progress.DONE]
    assert progress.adherence_percent == 100
    assert progress.elsewhere == 2
    assert progress.sessions[0].elsewhere
    assert progress.sessions[0].reason == (
        "Treated elsewhere / recorded on paper: Recorded on paper during the outage."
    )


def test_a_completion_without_a_signed_record_is_not_a_session_done(course):
    first = course.appointments.get(session_index=1)
    # Marked completed in one click before completion required a signed record (the migration's label).
    Appointment.objects.filter(pk=first.pk).update(status="completed", completion="unrecorded")
    progress = course_progress(course, now=MONDAY + timedelta(days=1))
    assert progress.sessions[0].state == Progress.MISSED
    assert "without a signed session record" in progress.sessions[0].reason
    assert (progress.done, progress.adherence_percent) == (0, None)


def test_a_session_signed_later_than_the_tolerance_is_late(course, physician):
    elsewhere(course.appointments.get(session_index=1), physician)
    second = course.appointments.get(session_index=2)
    late = second.starts_at + timedelta(days=course.tolerance_days + 3)
    elsewhere(second, physician)
    # Moved straight in the table: the booking rules would refuse a date outside the series' spacing.
    Appointment.objects.filter(pk=second.pk).update(
        starts_at=late, ends_at=late + timedelta(minutes=30), blocked_until=late + timedelta(minutes=45)
    )
    progress = course_progress(course, now=late)
    assert progress.sessions[1].state == Progress.LATE
    assert progress.sessions[1].gap_days == course.interval_days + course.tolerance_days + 3
    assert progress.adherence_percent == 50


def test_a_no_show_is_missed(course):
    no_show(course.appointments.get(session_index=1))
    assert states(course, MONDAY)[0] == Progress.MISSED


def test_a_cancelled_session_not_rebooked_is_missed(course):
    cancel_appointment(course.appointments.get(session_index=2), reason="ill", actor=None)
    assert states(course, MONDAY)[1] == Progress.MISSED


def test_a_past_session_not_done_is_missed(course):
    assert states(course, MONDAY + timedelta(days=1))[0] == Progress.MISSED


def test_it_counts_the_states(course):
    no_show(course.appointments.get(session_index=1))
    progress = course_progress(course, now=MONDAY)
    assert (progress.done, progress.missed, progress.upcoming) == (0, 1, 3)
    assert progress.adherence_percent is None


def test_it_costs_a_fixed_number_of_queries(course, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        course_progress(course, now=MONDAY)

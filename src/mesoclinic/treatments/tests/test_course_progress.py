"""Course progress: each planned session done on time, late, missed, rebooked or upcoming."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mesoclinic.scheduling.models import Appointment
from mesoclinic.scheduling.services import cancel_appointment, complete_appointment, mark_no_show
from mesoclinic.scheduling.tests.ui_helpers import MONDAY, book
from mesoclinic.testing import make_schedulable
from mesoclinic.treatments.selectors import Progress, course_progress

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(clinic):
    return book(clinic, make_schedulable(clinic).location)


def states(course, now):
    return [s.state for s in course_progress(course, now=now).sessions]


def test_a_new_course_is_all_upcoming(course):
    assert states(course, MONDAY - timedelta(days=1)) == [Progress.UPCOMING] * 4


def test_a_completed_session_on_the_plan_is_done(course):
    complete_appointment(course.appointments.get(session_index=1), actor=None)
    complete_appointment(course.appointments.get(session_index=2), actor=None)
    progress = course_progress(course, now=MONDAY)
    assert [s.state for s in progress.sessions][:2] == [Progress.DONE, Progress.DONE]
    assert progress.adherence_percent == 100


def test_a_session_signed_later_than_the_tolerance_is_late(course):
    complete_appointment(course.appointments.get(session_index=1), actor=None)
    second = course.appointments.get(session_index=2)
    late = second.starts_at + timedelta(days=course.tolerance_days + 3)
    complete_appointment(second, actor=None)
    # Moved straight in the table: the booking rules would refuse a date outside the series' spacing.
    Appointment.objects.filter(pk=second.pk).update(
        starts_at=late, ends_at=late + timedelta(minutes=30), blocked_until=late + timedelta(minutes=45)
    )
    progress = course_progress(course, now=late)
    assert progress.sessions[1].state == Progress.LATE
    assert progress.sessions[1].gap_days == course.interval_days + course.tolerance_days + 3
    assert progress.adherence_percent == 50


def test_a_no_show_is_missed(course):
    mark_no_show(course.appointments.get(session_index=1), actor=None)
    assert states(course, MONDAY)[0] == Progress.MISSED


def test_a_cancelled_session_not_rebooked_is_missed(course):
    cancel_appointment(course.appointments.get(session_index=2), reason="ill", actor=None)
    assert states(course, MONDAY)[1] == Progress.MISSED


def test_a_past_session_not_done_is_missed(course):
    assert states(course, MONDAY + timedelta(days=1))[0] == Progress.MISSED


def test_it_counts_the_states(course):
    mark_no_show(course.appointments.get(session_index=1), actor=None)
    progress = course_progress(course, now=MONDAY)
    assert (progress.done, progress.missed, progress.upcoming) == (0, 1, 3)
    assert progress.adherence_percent is None


def test_it_costs_a_fixed_number_of_queries(course, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        course_progress(course, now=MONDAY)

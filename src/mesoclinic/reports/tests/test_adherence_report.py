"""Course adherence per protocol: sessions on time, early or late, missed, upcoming; CSV too."""

from __future__ import annotations

import pytest

from mesoclinic.testing import client_for, csv_text, make_schedulable, make_staff, no_show, treated_elsewhere
from mesoclinic.testing.scheduling import MONDAY, book

pytestmark = pytest.mark.django_db
URL = "/reports/adherence/"
PERIOD = {"start": "2031-01-01", "end": "2031-12-31"}


@pytest.fixture
def course(clinic):
    setup = make_schedulable(clinic)
    course = book(clinic, setup.location)  # 4 sessions from Monday 3 March 2031, every 14 days
    first, second, third, _ = course.appointments.order_by("session_index")
    physician = make_staff(clinic, "physician", name="Dr Ewa Lekarz")
    treated_elsewhere(first, physician, "Recorded on paper during the outage.")
    treated_elsewhere(second, physician, "Recorded on paper during the outage.")
    no_show(third)
    return course


def test_it_counts_each_protocols_sessions_by_state(owner, course):
    response = client_for(owner).get(URL, PERIOD)
    [row] = response.context["rows"]
    assert row.label == course.protocol.name
    assert (row.courses, row.done, row.on_time, row.off_interval, row.missed, row.upcoming) == (
        1,
        2,
        2,
        0,
        1,
        1,
    )
    assert row.adherence == 100
    assert "100 %" in response.content.decode()


def test_it_leaves_out_courses_begun_outside_the_period(owner, course):
    response = client_for(owner).get(URL, {"start": "2030-01-01", "end": "2030-12-31"})
    assert response.context["rows"] == []
    assert "No course began in this period." in response.content.decode()


def test_it_exports_csv(owner, course):
    response = client_for(owner).get(URL, {**PERIOD, "format": "csv"})
    lines = csv_text(response).splitlines()
    assert lines[0].startswith("protocol,courses,sessions_done,on_time")
    assert lines[1].endswith(",1,2,2,0,1,1,100.0") or ",1,2,2,0,1,1,100" in lines[1]


def test_it_is_for_owners_and_physicians(practitioner, receptionist):
    assert client_for(practitioner).get(URL).status_code == 403
    assert client_for(receptionist).get(URL).status_code == 403


def test_it_only_allows_get(owner):
    assert client_for(owner).post(URL).status_code == 405


@pytest.mark.parametrize("courses", [1, 4])
def test_it_costs_the_same_queries_for_many_courses(clinic, owner, courses, django_assert_max_num_queries):
    setup = make_schedulable(clinic)
    for hour in (9, 10, 11, 13)[:courses]:
        book(clinic, setup.location, earliest=MONDAY.replace(hour=hour))
    client = client_for(owner)
    with django_assert_max_num_queries(11):
        client.get(URL, PERIOD)

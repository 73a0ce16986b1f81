"""The course page: planned sessions with their states."""

from __future__ import annotations

import pytest
from django.urls import reverse

from mesoclinic.testing import client_for, make_schedulable
from mesoclinic.testing.scheduling import book

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(clinic):
    return book(clinic, make_schedulable(clinic).location)


def url(course):
    return reverse("treatments:course", args=[course.pk])


def test_it_only_allows_get(receptionist, course):
    assert client_for(receptionist).post(url(course)).status_code == 405


def test_it_hides_another_clinics_course(outsider, course):
    assert client_for(outsider).get(url(course)).status_code == 404


def test_it_lists_every_planned_session(receptionist, course, django_assert_max_num_queries):
    # 2 queries for the progress; 3 for the read's audit row (the course's patient, the chain's head, the
    # insert; on PostgreSQL a 4th, the chain's advisory lock); the rest is the login (with the lockout's two
    # checks), the clinic and the layout.
    with django_assert_max_num_queries(33):
        page = client_for(receptionist).get(url(course)).content.decode()
    assert page.count('class="progress-') == 4


def test_it_exports_the_planned_sessions_as_csv(receptionist, course):
    from mesoclinic.audit.models import AuditEvent  # noqa: PLC0415
    from mesoclinic.testing import csv_rows  # noqa: PLC0415

    rows = csv_rows(client_for(receptionist).get(url(course), {"format": "csv"}))
    assert rows[0][:2] == ["session", "appointment_id"]
    assert [r[0] for r in rows[1:]] == ["1", "2", "3", "4"]
    assert {r[4] for r in rows[1:]} == {"upcoming"}
    export = AuditEvent.objects.get(action="export")
    assert (export.object_id, export.data["list"]) == (str(course.patient_id), "course")


def test_its_csv_is_404_across_clinics(outsider, course):
    assert client_for(outsider).get(url(course), {"format": "csv"}).status_code == 404

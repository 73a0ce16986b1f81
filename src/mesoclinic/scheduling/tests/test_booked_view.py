"""The confirmation after booking: every session, with its calendar file and where to find it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from mesoclinic.scheduling.views import appointment_ics_url
from mesoclinic.testing import client_for, make_schedulable
from mesoclinic.testing.scheduling import book

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(clinic):
    return book(clinic, make_schedulable(clinic).location)


def url(course):
    return reverse("scheduling:booked", args=[course.pk])


def test_it_requires_login(client, course):
    assert client.get(url(course)).status_code == 302


def test_it_only_allows_get(receptionist, course):
    assert client_for(receptionist).post(url(course)).status_code == 405


def test_it_refuses_an_auditor(auditor, course):
    assert client_for(auditor).get(url(course)).status_code == 403


def test_it_does_not_show_another_clinics_course(outsider, course):
    assert client_for(outsider).get(url(course)).status_code == 404


def test_it_lists_every_session_with_its_links(receptionist, course):
    response = client_for(receptionist).get(url(course))
    body = response.content.decode()
    assert response.status_code == 200
    appointments = list(course.appointments.order_by("session_index"))
    assert len(response.context["sessions"]) == 4
    for appointment in appointments:
        assert reverse("scheduling:appointment", args=[appointment.pk]) in body
        ics = appointment_ics_url(appointment.pk)
        if ics:
            assert ics in body
    assert "Mon 3 Mar 2031, 09:00–09:30" in body
    assert "come with a later release" not in body
    assert "No reminder will be sent." in body  # the patient never agreed to be contacted

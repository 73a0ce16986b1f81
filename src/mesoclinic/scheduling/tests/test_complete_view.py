"""Completing a session; the last one of a course completes the course."""

from __future__ import annotations

import pytest
from django.urls import reverse

from mesoclinic.scheduling.models import AppointmentStatus
from mesoclinic.scheduling.services import cancel_appointment
from mesoclinic.scheduling.tests.ui_helpers import book
from mesoclinic.testing import client_for, make_schedulable

pytestmark = pytest.mark.django_db


@pytest.fixture
def first(clinic):
    return book(clinic, make_schedulable(clinic).location).appointments.get(session_index=1)


def url(appointment):
    return reverse("scheduling:complete", args=[appointment.pk])


def test_it_requires_login(client, first):
    assert client.post(url(first)).status_code == 302


def test_it_only_allows_post(practitioner, first):
    assert client_for(practitioner).get(url(first)).status_code == 405


def test_it_refuses_an_auditor(auditor, first):
    assert client_for(auditor).post(url(first)).status_code == 403


def test_it_does_not_touch_another_clinics_appointment(outsider, first):
    assert client_for(outsider).post(url(first)).status_code == 404


def test_it_marks_the_session_completed(practitioner, first):
    response = client_for(practitioner).post(url(first), follow=True)
    assert "is completed" in response.content.decode()
    first.refresh_from_db()
    assert first.status == AppointmentStatus.COMPLETED


def test_it_refuses_to_complete_a_cancelled_session(practitioner, first):
    cancel_appointment(first, reason="ill", actor=None)
    response = client_for(practitioner).post(url(first), follow=True)
    assert "cannot become completed" in response.content.decode()
    first.refresh_from_db()
    assert first.status == AppointmentStatus.CANCELLED
